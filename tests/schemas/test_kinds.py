"""The kinds table (`schemas.kinds`): every entry agrees with botocore's service model and with the
structs it names, each name resolves to one kind, and what pcwatch prints for a task carries the short
name beside the wire name. Generated from the table: a new entry is checked without a new test."""

from __future__ import annotations

from typing import Any

import botocore.session
import msgspec
import pytest

import schemas
from schemas import events as ev
from schemas.kinds import (
    BULK,
    BULK_KINDS,
    BY_SHORT,
    BY_WIRE,
    KINDS,
    SHORT_NAMES,
    TASK,
    TASK_KINDS,
    Kind,
    kind_of_shape,
)
from schemas.operations import WRITE_TARGETS

MODEL = botocore.session.get_session().get_service_model("partnercentral-selling")
KIND_IDS = [k.short for k in KINDS]


def test_the_short_names_of_the_kinds() -> None:
    # The one vocabulary users see and type (issue 23), and the families of issue 24.
    assert {k.short: k.wire for k in KINDS} == {
        "inv-to-eng": schemas.TaskKind.ACCEPT_INVITATION,
        "opp-to-eng": schemas.TaskKind.ENGAGEMENT_FROM_OPPORTUNITY,
        "eng-to-opp": schemas.TaskKind.OPPORTUNITY_FROM_ENGAGEMENT,
        "prospecting": schemas.TaskKind.PROSPECTING_FROM_ENGAGEMENT,
        "opp-bulk": schemas.BulkJobKind.OPPORTUNITY,
        "acct-bulk": schemas.BulkJobKind.CUSTOMER_ACCOUNT,
    }
    assert SHORT_NAMES == ("inv-to-eng", "opp-to-eng", "eng-to-opp", "prospecting", "opp-bulk", "acct-bulk")
    assert set(TASK_KINDS) == schemas.TaskKind.KNOWN
    assert set(BULK_KINDS) == schemas.BulkJobKind.KNOWN
    assert len(BY_WIRE) == len(BY_SHORT) == len(KINDS)


def _member(shape: Any, path: str) -> Any:
    for name in path.split("."):
        shape = shape.members[name]
    return shape


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_entry_matches_the_service_model(kind: Kind) -> None:
    listing = MODEL.operation_model(kind.list_operation)
    assert listing.output_shape.name == kind.list_response.__name__
    summaries = listing.output_shape.members[kind.summaries_field]
    assert summaries.member.name == kind.summary.__name__
    if kind.status_filter is None:  # no status on the wire: the record's is derived from the summary
        assert kind.record_status is not None
        assert not {"TaskStatus", "Status"} & set(summaries.member.members)
        assert not {"TaskStatus", "Status", "Filter"} & set(listing.input_shape.members)
    else:
        status = "TaskStatus" if kind.family == TASK else "Status"
        assert tuple(summaries.member.members[status].enum) == kind.statuses
        wanted = _member(listing.input_shape, kind.status_filter)
        assert tuple(getattr(wanted, "member", wanted).enum) == kind.statuses
    for operation, response in (
        (kind.start_operation, kind.start_response),
        (kind.get_operation, kind.get_response),
        (kind.results_operation, kind.results_response),
        (kind.report_operation, kind.report_response),
    ):
        assert (operation is None) == (response is None)
        if operation is not None and response is not None:
            assert MODEL.operation_model(operation).output_shape.name == response.__name__
    for operation in (kind.get_operation, kind.results_operation, kind.report_operation):
        if operation is not None:  # one of this kind is named by `id_param`, which the model requires
            assert kind.id_param in MODEL.operation_model(operation).input_shape.required_members
    assert (
        (kind.family == BULK) == (kind.results_operation is not None) == (kind.report_operation is not None)
    )


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_entry_agrees_with_its_structs_and_the_rest_of_schemas(kind: Kind) -> None:
    page_fields = {f.encode_name for f in msgspec.inspect.type_info(kind.list_response).fields}
    assert kind.summaries_field in page_fields
    for shape in (kind.summary, kind.start_response, kind.get_response):
        if shape is not None:
            assert kind_of_shape(shape) is kind
    if kind.family == TASK:
        # The id it started from is the one its Start operation acts on (a prospecting task: the list
        # of engagements it was started with, which its start response carries).
        assert kind.source_field in schemas.TaskRecord.__struct_fields__
        assert kind.start_operation is not None and kind.start_response is not None
        shown_by = (*kind.summary.__struct_fields__, *kind.start_response.__struct_fields__)
        assert kind.source_field in shown_by
        target = WRITE_TARGETS[kind.start_operation]
        assert target in kind.source_field or (target == "engagements" and kind.source_field == "identifiers")
    if kind.family == BULK:
        # A bulk job starts from a file; its record holds every member of its summaries and responses.
        assert kind.start_operation is not None
        assert WRITE_TARGETS[kind.start_operation] in kind.source_field
        record = set(schemas.BulkJobRecord.__struct_fields__) | {"id"}
        for shape in (kind.summary, kind.get_response):
            if shape is not None:
                assert set(shape.__struct_fields__) <= record, shape.__name__
    assert kind.ending_events <= set(ev.DETAIL_TYPES)
    assert kind.arn_segment and "/" not in kind.arn_segment


def test_task_record_from_a_shape_takes_the_kind_the_table_pairs_it_with() -> None:
    for kind in TASK_KINDS.values():
        summary = kind.summary.from_json(b'{"TaskId": "task-1", "TaskStatus": "COMPLETE"}')
        assert schemas.TaskRecord.from_task(summary).kind == kind.wire  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        kind_of_shape(schemas.GetResourceSnapshotJobResponse)


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_short_name_resolves_in_any_case_without_a_note(kind: Kind) -> None:
    for text in (kind.short, kind.short.upper(), f" {kind.short} "):
        assert schemas.resolve_kind(text) == (kind, False)


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_old_spellings_and_the_wire_name_resolve_with_a_note(kind: Kind) -> None:
    spellings = [*kind.old_spellings, kind.wire, kind.wire.lower(), kind.wire.upper()]
    spellings += [s.upper() for s in kind.old_spellings]
    for text in spellings:
        choice = schemas.resolve_kind(text)
        assert choice.kind is kind and choice.old_spelling, text


def test_the_old_command_line_and_dashboard_names_are_old_spellings() -> None:
    # What `--kind` took and the dashboard showed before the short names (issue 23).
    old = {
        "accept": "inv-to-eng",
        "invitation": "inv-to-eng",
        "inv→eng": "inv-to-eng",
        "from-opportunity": "opp-to-eng",
        "engagement": "opp-to-eng",
        "opp→eng": "opp-to-eng",
        "from-engagement": "eng-to-opp",
        "opportunity": "eng-to-opp",
        "eng→opp": "eng-to-opp",
    }
    for text, short in old.items():
        assert schemas.resolve_kind(text) == (BY_SHORT[short], True), text


@pytest.mark.parametrize("text", ["", "acceptance", "inv-to-opp", "EngagementByMagic", "inv to eng"])
def test_unknown_kind_is_refused_naming_the_short_names(text: str) -> None:
    with pytest.raises(schemas.UnknownKind) as refused:
        schemas.resolve_kind(text)
    assert isinstance(refused.value, ValueError)
    assert str(refused.value) == f"unknown kind {text!r}: use one of {', '.join(k.short for k in KINDS)}"


def test_task_document_prints_the_short_name_as_kind_and_keeps_the_wire_name() -> None:
    record = schemas.TaskRecord(
        kind=schemas.TaskKind.OPPORTUNITY_FROM_ENGAGEMENT, task_id="task-1", context_id="c"
    )
    document = schemas.task_document(record)
    assert document["Kind"] == "eng-to-opp"
    assert document["WireKind"] == "OpportunityFromEngagement"
    wire = record.to_dict()
    assert wire["Kind"] == "OpportunityFromEngagement"  # the journal's encoding is unchanged
    assert {k: v for k, v in document.items() if k != "WireKind"} == {**wire, "Kind": "eng-to-opp"}
    assert list(document)[: list(wire).index("Kind") + 2][-2:] == ["Kind", "WireKind"]
    # A kind a newer pcwatch wrote into the journal keeps its name in both.
    newer = schemas.task_document(schemas.TaskRecord(kind="WidgetFromEngagement", task_id="t"))
    assert newer["Kind"] == newer["WireKind"] == "WidgetFromEngagement"
    assert schemas.short_name("WidgetFromEngagement") is None

"""Drift against botocore's own service model: a botocore upgrade that adds, renames or retypes a member
of a shape pcwatch decodes fails here, so the structs are updated before users meet the new field."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import botocore.model
import botocore.session
import msgspec
import pytest

import schemas
from schemas.kinds import NOT_WATCHED, accounted_operations

MODEL = botocore.session.get_session().get_service_model("partnercentral-selling")

# struct -> the model shape it mirrors
MAPPED: dict[type[msgspec.Struct], str] = {
    schemas.StartEngagementByAcceptingInvitationTaskResponse: "StartEngagementByAcceptingInvitationTaskResponse",
    schemas.StartEngagementFromOpportunityTaskResponse: "StartEngagementFromOpportunityTaskResponse",
    schemas.StartOpportunityFromEngagementTaskResponse: "StartOpportunityFromEngagementTaskResponse",
    schemas.ListEngagementByAcceptingInvitationTaskSummary: "ListEngagementByAcceptingInvitationTaskSummary",
    schemas.ListEngagementFromOpportunityTaskSummary: "ListEngagementFromOpportunityTaskSummary",
    schemas.ListOpportunityFromEngagementTaskSummary: "ListOpportunityFromEngagementTaskSummary",
    schemas.ListEngagementByAcceptingInvitationTasksResponse: "ListEngagementByAcceptingInvitationTasksResponse",
    schemas.ListEngagementFromOpportunityTasksResponse: "ListEngagementFromOpportunityTasksResponse",
    schemas.ListOpportunityFromEngagementTasksResponse: "ListOpportunityFromEngagementTasksResponse",
    schemas.GetResourceSnapshotJobResponse: "GetResourceSnapshotJobResponse",
    schemas.ResourceSnapshotJobSummary: "ResourceSnapshotJobSummary",
    schemas.ListResourceSnapshotJobsResponse: "ListResourceSnapshotJobsResponse",
    schemas.EngagementInvitationSummary: "EngagementInvitationSummary",
    schemas.ListEngagementInvitationsResponse: "ListEngagementInvitationsResponse",
    schemas.GetEngagementInvitationResponse: "GetEngagementInvitationResponse",
    schemas.AccessDeniedException: "AccessDeniedException",
    schemas.ConflictException: "ConflictException",
    schemas.InternalServerException: "InternalServerException",
    schemas.ResourceNotFoundException: "ResourceNotFoundException",
    schemas.ServiceQuotaExceededException: "ServiceQuotaExceededException",
    schemas.ThrottlingException: "ThrottlingException",
    schemas.ValidationException: "ValidationException",
    schemas.ProspectingTaskSummary: "ProspectingTaskSummary",
    schemas.ListProspectingFromEngagementTasksResponse: "ListProspectingFromEngagementTasksResponse",
    schemas.EngagementProspectingResult: "EngagementProspectingResult",
    schemas.GetProspectingFromEngagementTaskResponse: "GetProspectingFromEngagementTaskResponse",
    schemas.StartProspectingFromEngagementTaskResponse: "StartProspectingFromEngagementTaskResponse",
    schemas.OpportunityBulkJobSummary: "OpportunityBulkJobSummary",
    schemas.ListOpportunityBulkJobsResponse: "ListOpportunityBulkJobsResponse",
    schemas.StartOpportunityBulkJobResponse: "StartOpportunityBulkJobResponse",
    schemas.BulkJobResult: "BulkJobResult",
    schemas.ListOpportunityBulkJobResultsResponse: "ListOpportunityBulkJobResultsResponse",
    schemas.ListCustomerAccountBulkJobResultsResponse: "ListCustomerAccountBulkJobResultsResponse",
    schemas.GetOpportunityBulkJobReportUrlResponse: "GetOpportunityBulkJobReportUrlResponse",
    schemas.GetCustomerAccountBulkJobReportUrlResponse: "GetCustomerAccountBulkJobReportUrlResponse",
    schemas.CustomerAccountBulkJobSummary: "CustomerAccountBulkJobSummary",
    schemas.ListCustomerAccountBulkJobsResponse: "ListCustomerAccountBulkJobsResponse",
    schemas.GetCustomerAccountBulkJobResponse: "GetCustomerAccountBulkJobResponse",
    schemas.StartCustomerAccountBulkJobResponse: "StartCustomerAccountBulkJobResponse",
}

SCALARS: dict[str, type[msgspec.inspect.Type]] = {
    "string": msgspec.inspect.StrType,
    "timestamp": msgspec.inspect.DateTimeType,
    "integer": msgspec.inspect.IntType,
    "long": msgspec.inspect.IntType,
    "boolean": msgspec.inspect.BoolType,
}


def _non_null(t: msgspec.inspect.Type) -> list[msgspec.inspect.Type]:
    if isinstance(t, msgspec.inspect.UnionType):
        return [x for x in t.types if not isinstance(x, msgspec.inspect.NoneType)]
    return [t]


def incompatibilities(shape: Any, t: msgspec.inspect.Type, path: str) -> list[str]:
    """Why a value of the model `shape` would not decode into the struct type `t` (empty: it would)."""
    options = _non_null(t)
    if len(options) != 1:
        return [f"{path}: expected one non-null type, found {options}"]
    (t,) = options
    kind = shape.type_name
    if kind in SCALARS:
        return [] if isinstance(t, SCALARS[kind]) else [f"{path}: model {kind}, struct {t}"]
    if kind == "list":
        if not isinstance(t, msgspec.inspect.ListType):
            return [f"{path}: model list, struct {t}"]
        return incompatibilities(shape.member, t.item_type, f"{path}[]")
    if kind == "structure":
        # A deep tree pcwatch only shows may stay a generic mapping.
        if isinstance(t, (msgspec.inspect.DictType, msgspec.inspect.AnyType)):
            return []
        if not isinstance(t, msgspec.inspect.StructType):
            return [f"{path}: model structure, struct {t}"]
        return struct_vs_shape(t.cls, shape, path)
    return [f"{path}: model type {kind} is not handled by the drift check"]


def struct_vs_shape(cls: type[msgspec.Struct], shape: Any, path: str) -> list[str]:
    fields = {f.encode_name: f for f in msgspec.inspect.type_info(cls).fields}
    problems = []
    for member_name, member in shape.members.items():
        field = fields.get(member_name)
        if field is None:
            problems.append(
                f"{path}.{member_name}: in the model, missing from {cls.__name__} (or another wire name)"
            )
            continue
        problems += incompatibilities(member, field.type, f"{path}.{member_name}")
    for extra in set(fields) - set(shape.members):
        problems.append(f"{path}.{extra}: in {cls.__name__}, not in the model")
    return problems


@pytest.mark.parametrize("cls", list(MAPPED), ids=lambda c: c.__name__)
def test_struct_matches_the_service_model(cls: type[msgspec.Struct]) -> None:
    shape = MODEL.shape_for(MAPPED[cls])
    assert struct_vs_shape(cls, shape, MAPPED[cls]) == []


def test_mapping_covers_every_output_of_the_watched_operations() -> None:
    operations = [kind.list_operation for kind in schemas.KINDS]
    operations += [
        op
        for kind in schemas.KINDS
        for op in (kind.start_operation, kind.get_operation, kind.results_operation, kind.report_operation)
        if op
    ]
    operations += ["GetResourceSnapshotJob", "ListResourceSnapshotJobs", "ListEngagementInvitations"]
    operations += ["GetEngagementInvitation"]
    mapped = set(MAPPED.values())
    for op in operations:
        assert MODEL.operation_model(op).output_shape.name in mapped, op
    assert {e.name for e in MODEL.error_shapes} <= mapped


def test_task_record_holds_every_member_of_every_task_shape() -> None:
    record_fields = {f.encode_name for f in msgspec.inspect.type_info(schemas.TaskRecord).fields}
    for kind in schemas.TASK_KINDS.values():
        assert kind.start_response is not None
        for shape_name in (kind.summary.__name__, kind.start_response.__name__):
            assert set(MODEL.shape_for(shape_name).members) <= record_fields, shape_name
    assert "Kind" in record_fields


@pytest.mark.parametrize(
    ("enum_cls", "shape_name"),
    [
        (schemas.TaskStatus, "TaskStatus"),
        (schemas.ReasonCode, "ReasonCode"),
        (schemas.ResourceSnapshotJobStatus, "ResourceSnapshotJobStatus"),
        (schemas.InvitationStatus, "InvitationStatus"),
        (schemas.PayloadType, "EngagementInvitationPayloadType"),
        (schemas.ParticipantType, "ParticipantType"),
        (schemas.ProspectingStatus, "ProspectingTaskStatus"),
        (schemas.BulkJobStatus, "BulkJobStatus"),
        (schemas.BulkRecordStatus, "BulkRecordStatus"),
        (schemas.BulkOperationType, "BulkOperationType"),
        (schemas.BulkReportStatus, "BulkReportStatus"),
        (schemas.BulkReportType, "BulkReportType"),
    ],
)
def test_enum_constants_match_the_model(enum_cls: Any, shape_name: str) -> None:
    assert enum_cls.KNOWN == set(MODEL.shape_for(shape_name).enum)


def test_reason_code_has_the_22_current_codes() -> None:
    assert len(schemas.ReasonCode.KNOWN) == 22


def test_the_check_catches_a_drifted_struct() -> None:
    """The drift check itself must be able to fail: a struct missing a member and retyping another."""

    class Drifted(schemas.WireStruct):
        task_id: int | None = None  # wrong type
        start_time: datetime | None = None
        extra_member: str | None = None

    problems = struct_vs_shape(
        Drifted, MODEL.shape_for("ListEngagementByAcceptingInvitationTaskSummary"), "S"
    )
    assert any("S.TaskId" in p for p in problems)
    assert any("S.TaskArn" in p and "missing" in p for p in problems)
    assert any("ExtraMember" in p for p in problems)


#: What makes an operation one of asynchronous work: it starts, lists or gets a task, a bulk job (or its
#: results and report) or a resource snapshot job.
ASYNCHRONOUS = re.compile(r"^(Start|List|Get)\w*Tasks?$|BulkJob|ResourceSnapshotJob")


def unaccounted(operation_names: Iterable[str]) -> list[str]:
    """The model's asynchronous operations that pcwatch neither watches (the kinds table, the snapshot
    jobs) nor names with a reason (`schemas.kinds.NOT_WATCHED`)."""
    known = accounted_operations()
    return sorted(op for op in operation_names if ASYNCHRONOUS.search(op) and op not in known)


def test_every_asynchronous_operation_of_the_model_is_watched_or_named_with_a_reason() -> None:
    assert unaccounted(MODEL.operation_names) == []
    # (and nothing is named that the model does not have)
    assert accounted_operations() <= set(MODEL.operation_names)


def test_a_model_with_one_more_asynchronous_operation_fails_naming_it() -> None:
    """The operations check can fail: botocore's model file with one operation added (a new family of
    bulk jobs), loaded as botocore loads it, is refused with that operation's name."""
    loader = botocore.session.get_session().get_component("data_loader")
    raw = copy.deepcopy(loader.load_service_model("partnercentral-selling", "service-2"))
    raw["operations"]["ListPartnerWidgetBulkJobs"] = dict(
        raw["operations"]["ListOpportunityBulkJobs"], name="ListPartnerWidgetBulkJobs"
    )
    grown = botocore.model.ServiceModel(raw, service_name="partnercentral-selling")
    assert unaccounted(grown.operation_names) == ["ListPartnerWidgetBulkJobs"]
    assert unaccounted(MODEL.operation_names) == []


def test_every_not_watched_operation_says_why() -> None:
    for operation, why in NOT_WATCHED.items():
        assert len(why.split()) >= 5, operation

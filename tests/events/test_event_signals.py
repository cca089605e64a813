"""Events decode leniently and wake up exactly the polls that can show their cause."""

from __future__ import annotations

import msgspec
import pytest

from schemas import BulkJobKind, TaskKind, TaskStatus
from schemas import events as ev
from schemas.events import decode_event
from schemas.kinds import TASK_KINDS, Kind
from tui.engine.event_signals import ALL_BULK_KINDS, ALL_KINDS, Wakeup, arn_resource, wakeup_for
from tui.simulator.events import task_events
from tui.simulator.records import SimTask

JOB_ARN = "arn:aws:partnercentral:us-east-1:111122223333:catalog/Sandbox/resource-snapshot-job/rsj-abc123"


def event_json(detail_type: str, **overrides: object) -> bytes:
    event: dict[str, object] = {
        "version": "0",
        "id": "5b4f1c0e-0000-4000-8000-000000000001",
        "detail-type": detail_type,
        "source": "aws.partnercentral-selling",
        "account": "111122223333",
        "time": "2026-12-02T12:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {"schemaVersion": "1", "catalog": "Sandbox"},
    }
    event.update(overrides)
    return msgspec.json.encode(event)


def test_envelope_decodes_with_unknown_fields_and_types() -> None:
    body = event_json(
        "Partner Solution Teleported",
        detail={"catalog": "Sandbox", "brandNew": {"x": [1, 2]}, "opportunity": {"identifier": "O1"}},
        replayName="r",
    )
    event = decode_event(body)
    assert event.detail_type == "Partner Solution Teleported"
    assert event.detail.opportunity is not None and event.detail.opportunity.key == "O1"
    assert event.time.tzinfo is not None
    # A type this version does not know: every kind is listed again (something changed).
    assert wakeup_for(event, "Sandbox") == Wakeup(ALL_KINDS, bulk=ALL_BULK_KINDS)


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b'{"id": "x"}', event_json("Opportunity Created", time="yesterday")],
)
def test_malformed_bodies_raise_a_decode_error(body: bytes) -> None:
    with pytest.raises(msgspec.DecodeError):
        decode_event(body)


def test_each_detail_type_wakes_the_kinds_whose_end_it_may_be() -> None:
    def wake(detail_type: str, **kw: object) -> Wakeup:
        return wakeup_for(decode_event(event_json(detail_type, **kw)), "Sandbox")

    assert wake(ev.OPPORTUNITY_CREATED).kinds == {
        TaskKind.ACCEPT_INVITATION,
        TaskKind.OPPORTUNITY_FROM_ENGAGEMENT,
    }
    accepted = wake(ev.INVITATION_ACCEPTED)
    assert accepted == Wakeup(frozenset({TaskKind.ACCEPT_INVITATION}))
    assert wake(ev.INVITATION_EXPIRED) == Wakeup(invitations=True)
    assert wake(ev.MEMBER_ADDED).kinds == {TaskKind.ENGAGEMENT_FROM_OPPORTUNITY}
    assert not wake(ev.OPPORTUNITY_REJECTED)
    snapshot = wake(ev.SNAPSHOT_CREATED, resources=[JOB_ARN])
    assert snapshot.jobs == {"rsj-abc123"} and not snapshot.kinds
    assert wake(ev.SNAPSHOT_CREATED).kinds == ALL_KINDS  # no job named: look everywhere


def test_opportunity_events_wake_the_opportunity_bulk_jobs_listing() -> None:
    """An opportunity bulk job's records create (or update) opportunities, each with its event: they wake
    that family's listing (a new job started elsewhere shows up then). The others wake no bulk family."""

    def wake(detail_type: str) -> Wakeup:
        return wakeup_for(decode_event(event_json(detail_type)), "Sandbox")

    assert wake(ev.OPPORTUNITY_CREATED).bulk == {BulkJobKind.OPPORTUNITY}
    assert wake(ev.OPPORTUNITY_UPDATED).bulk == {BulkJobKind.OPPORTUNITY}
    for detail_type in ev.DETAIL_TYPES:
        if detail_type not in (ev.OPPORTUNITY_CREATED, ev.OPPORTUNITY_UPDATED):
            assert not wake(detail_type).bulk, detail_type


def test_other_catalogs_and_sources_wake_nothing() -> None:
    production = decode_event(event_json(ev.OPPORTUNITY_CREATED, detail={"catalog": "AWS"}))
    assert not wakeup_for(production, "Sandbox")
    assert wakeup_for(production, "AWS")
    other = decode_event(event_json(ev.OPPORTUNITY_CREATED, source="aws.ec2"))
    assert not wakeup_for(other, "Sandbox")


def test_catalog_falls_back_to_the_resource_arn() -> None:
    event = decode_event(event_json(ev.SNAPSHOT_CREATED, detail={}, resources=[JOB_ARN]))
    assert wakeup_for(event, "Sandbox").jobs == {"rsj-abc123"}
    assert not wakeup_for(event, "AWS")


def test_arn_resource() -> None:
    assert arn_resource(JOB_ARN, "resource-snapshot-job") == "rsj-abc123"
    assert arn_resource(JOB_ARN, "opportunity") is None
    assert arn_resource("rsj-abc123", "resource-snapshot-job") is None


def test_an_event_asks_for_a_few_jobs_at_most() -> None:
    arns = [JOB_ARN.replace("abc123", f"j{n:03d}") for n in range(500)]
    event = decode_event(event_json(ev.SNAPSHOT_CREATED, resources=arns))
    assert len(wakeup_for(event, "Sandbox").jobs) == 5


def test_an_accepted_invitation_and_an_updated_opportunity_name_their_task() -> None:
    accepted = decode_event(
        event_json(ev.INVITATION_ACCEPTED, detail={"engagementInvitation": {"id": "engi-1"}})
    )
    assert wakeup_for(accepted, "Sandbox").tasks == {("engagement_invitation_id", "engi-1")}
    arn = "arn:aws:partnercentral:us-east-1:111122223333:catalog/Sandbox/opportunity/O123"
    updated = decode_event(event_json(ev.OPPORTUNITY_UPDATED, detail={"catalog": "Sandbox"}, resources=[arn]))
    assert wakeup_for(updated, "Sandbox").tasks == {("opportunity_id", "O123")}
    assert not wakeup_for(decode_event(event_json(ev.OPPORTUNITY_CREATED)), "Sandbox").tasks


@pytest.mark.parametrize("kind", TASK_KINDS.values(), ids=[k.short for k in TASK_KINDS.values()])
def test_the_events_a_completed_task_publishes_are_its_kinds_ending_events(kind: Kind) -> None:
    """The simulator's events of a task's end (every id set) are those the kinds table says its end may
    publish (besides its snapshot job's), so each of them wakes that kind's listing."""
    task = SimTask("Sandbox", kind.wire, 0, "task-0123456789abc", 0.0, 60.0)
    task.status = TaskStatus.COMPLETE
    task.invitation_id, task.opportunity_id, task.engagement_id = "inv-1", "O1", "eng-1"
    task.job_id = "rsj-abc123"
    published = {e["detail-type"] for e in task_events(task)} - {ev.SNAPSHOT_CREATED}
    assert published and published <= kind.ending_events
    for detail_type in published:
        assert kind.wire in wakeup_for(decode_event(event_json(detail_type)), "Sandbox").kinds

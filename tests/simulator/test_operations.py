"""Every operation of the simulator through a real boto3 client: filters, paging, sorting, idempotency,
the invitation life cycle, snapshot jobs, and tasks finishing as the clock moves. Every 2xx response is
checked against botocore's output shape by the `checker` fixture."""

from __future__ import annotations

import re

import pytest
from botocore import xform_name

from schemas import TASK_KINDS, TaskKind
from tui.simulator import Simulator, serve
from tui.simulator.validation import service_model

#: Every task kind's list, as boto3 names it.
LIST_OPS = {kind: xform_name(entry.list_operation) for kind, entry in TASK_KINDS.items()}
TASK_ID = re.compile(r"task-[0-9a-z]{13}")
PROSPECTING_TASK_ID = re.compile(r"task-[0-9a-z]{14}")
#: The task kinds that do one thing (each ends with a TaskStatus of its own and a snapshot job).
SINGLE_KINDS = [kind for kind in TASK_KINDS if kind != TaskKind.PROSPECTING_FROM_ENGAGEMENT]


def pending_invitation(client, sim: Simulator) -> str:
    """An invitation that can be accepted now (PENDING, no accept in progress)."""
    world = sim.world("Sandbox")
    for inv in client.list_engagement_invitations(
        Catalog="Sandbox", ParticipantType="RECEIVER", Status=["PENDING"]
    )["EngagementInvitationSummaries"]:
        if world.invitations[inv["Id"]].accepting_seq is None:
            return inv["Id"]
    raise AssertionError("the scenario has no pending invitation")


@pytest.mark.parametrize("kind", list(LIST_OPS))
def test_list_tasks_pages_through_the_whole_history_in_start_order(pages, kind, client, sim):
    call = getattr(client, LIST_OPS[kind])
    truth = {t.task_id: t for t in sim.tasks("Sandbox") if t.kind == kind}
    for order in ("ASCENDING", "DESCENDING"):
        items = pages(call, Catalog="Sandbox", MaxResults=7, Sort={"SortBy": "StartTime", "SortOrder": order})
        ids = [t["TaskId"] for t in items]
        assert sorted(ids) == sorted(truth) and len(set(ids)) == len(ids)
        starts = [t["StartTime"] for t in items]
        assert starts == sorted(starts, reverse=order == "DESCENDING")
    assert sum(len(pages(getattr(client, op), Catalog="Sandbox")) for op in LIST_OPS.values()) == sim.history


def test_default_page_is_100_newest_first(client, sim):
    page = client.list_engagement_by_accepting_invitation_tasks(Catalog="Sandbox")
    starts = [t["StartTime"] for t in page["TaskSummaries"]]
    assert len(starts) == min(100, sum(t.kind == TaskKind.ACCEPT_INVITATION for t in sim.tasks()))
    assert starts == sorted(starts, reverse=True)


def test_status_filter_returns_exactly_the_tasks_in_those_statuses(pages, client, sim):
    truth = [t for t in sim.tasks() if t.kind == TaskKind.ENGAGEMENT_FROM_OPPORTUNITY]
    for statuses in (
        ["FAILED"],
        ["IN_PROGRESS"],
        ["COMPLETE", "FAILED"],
        ["IN_PROGRESS", "COMPLETE", "FAILED"],
    ):
        got = pages(
            client.list_engagement_from_opportunity_tasks,
            Catalog="Sandbox",
            TaskStatus=statuses,
            MaxResults=5,
        )
        assert {t["TaskId"] for t in got} == {t.task_id for t in truth if t.task_status in statuses}
        assert all(t["TaskStatus"] in statuses for t in got)


def test_identifier_filters_match_the_tasks_that_show_those_ids(client, sim):
    tasks = [t for t in sim.tasks() if t.kind == TaskKind.OPPORTUNITY_FROM_ENGAGEMENT]
    done = next(t for t in tasks if t.task_status == "COMPLETE")
    call = client.list_opportunity_from_engagement_tasks
    assert [t["TaskId"] for t in call(Catalog="Sandbox", TaskIdentifier=[done.task_id])["TaskSummaries"]] == [
        done.task_id
    ]
    by_arn = call(Catalog="Sandbox", TaskIdentifier=[done.task_arn])["TaskSummaries"]
    assert [t["TaskId"] for t in by_arn] == [done.task_id]
    by_opp = call(Catalog="Sandbox", OpportunityIdentifier=[done.opportunity_id])["TaskSummaries"]
    assert done.task_id in {t["TaskId"] for t in by_opp}
    by_eng = call(Catalog="Sandbox", EngagementIdentifier=[done.engagement_id])["TaskSummaries"]
    assert {t["TaskId"] for t in by_eng} == {
        t.task_id for t in tasks if t.engagement_id == done.engagement_id
    }
    by_ctx = call(
        Catalog="Sandbox", ContextIdentifier=[done.context_id], EngagementIdentifier=[done.engagement_id]
    )
    assert done.task_id in {t["TaskId"] for t in by_ctx["TaskSummaries"]}
    assert (
        call(Catalog="Sandbox", TaskIdentifier=[done.task_id], TaskStatus=["FAILED"])["TaskSummaries"] == []
    )
    accept = next(t for t in sim.tasks() if t.kind == TaskKind.ACCEPT_INVITATION)
    got = client.list_engagement_by_accepting_invitation_tasks(
        Catalog="Sandbox", EngagementInvitationIdentifier=[accept.engagement_invitation_id]
    )["TaskSummaries"]
    assert [t["TaskId"] for t in got] == [accept.task_id]


def test_identifier_filter_pages_with_next_token(pages, client, sim):
    ids = [t.task_id for t in sim.tasks() if t.kind == TaskKind.ACCEPT_INVITATION][:10]
    got = pages(
        client.list_engagement_by_accepting_invitation_tasks,
        Catalog="Sandbox",
        TaskIdentifier=ids,
        MaxResults=3,
    )
    assert sorted(t["TaskId"] for t in got) == sorted(ids)


def test_catalogs_are_separate_worlds(pages, client, sim):
    sandbox = {t["TaskId"] for t in pages(client.list_engagement_from_opportunity_tasks, Catalog="Sandbox")}
    aws = {t["TaskId"] for t in pages(client.list_engagement_from_opportunity_tasks, Catalog="AWS")}
    assert sandbox and aws and not sandbox & aws
    assert all(":catalog/AWS/" in t.task_arn for t in sim.tasks("AWS"))


@pytest.mark.parametrize("kind", SINGLE_KINDS)
def test_started_task_is_in_progress_then_finishes_when_the_clock_passes_its_end(kind, client, sim, clock):
    if kind == TaskKind.ACCEPT_INVITATION:
        started = client.start_engagement_by_accepting_invitation_task(
            Catalog="Sandbox", ClientToken="tok-1", Identifier=pending_invitation(client, sim)
        )
    elif kind == TaskKind.ENGAGEMENT_FROM_OPPORTUNITY:
        started = client.start_engagement_from_opportunity_task(
            Catalog="Sandbox",
            ClientToken="tok-1",
            Identifier="O1234567",
            AwsSubmission={"InvolvementType": "Co-Sell"},
        )
        assert started["OpportunityId"] == "O1234567"
    else:
        started = client.start_opportunity_from_engagement_task(
            Catalog="Sandbox", ClientToken="tok-1", Identifier="eng-0123456789abcd", ContextIdentifier="3"
        )
        assert (started["EngagementId"], started["ContextId"]) == ("eng-0123456789abcd", "3")
    assert TASK_ID.fullmatch(started["TaskId"]) and started["TaskStatus"] == "IN_PROGRESS"
    assert started["StartTime"] == clock.now()
    clock.advance(1801)  # longer than any simulated duration
    (summary,) = getattr(client, LIST_OPS[kind])(Catalog="Sandbox", TaskIdentifier=[started["TaskId"]])[
        "TaskSummaries"
    ]
    assert summary["TaskStatus"] in ("COMPLETE", "FAILED")
    if summary["TaskStatus"] == "COMPLETE":
        assert summary["ResourceSnapshotJobId"] and summary["OpportunityId"]
        assert "ReasonCode" not in summary
    else:
        assert summary["ReasonCode"] and summary["Message"]


def test_completed_accept_moves_the_invitation_to_accepted_and_creates_a_snapshot_job(client, sim, clock):
    task_id = sim.add_task(kind=TaskKind.ACCEPT_INVITATION, duration=20, outcome="COMPLETE")
    (running,) = client.list_engagement_by_accepting_invitation_tasks(
        Catalog="Sandbox", TaskIdentifier=[task_id]
    )["TaskSummaries"]
    invitation = client.get_engagement_invitation(
        Catalog="Sandbox", Identifier=running["EngagementInvitationId"]
    )
    assert invitation["Status"] == "PENDING" and invitation["Payload"]
    assert "OpportunityId" not in running
    clock.advance(20)
    (done,) = client.list_engagement_by_accepting_invitation_tasks(
        Catalog="Sandbox", TaskIdentifier=[task_id]
    )["TaskSummaries"]
    assert done["TaskStatus"] == "COMPLETE"
    invitation = client.get_engagement_invitation(
        Catalog="Sandbox", Identifier=done["EngagementInvitationId"]
    )
    assert invitation["Status"] == "ACCEPTED"
    job = client.get_resource_snapshot_job(
        Catalog="Sandbox", ResourceSnapshotJobIdentifier=done["ResourceSnapshotJobId"]
    )
    assert job["ResourceId"] == done["OpportunityId"] and job["EngagementId"] == invitation["EngagementId"]
    newest = client.list_resource_snapshot_jobs(Catalog="Sandbox", MaxResults=1)[
        "ResourceSnapshotJobSummaries"
    ]
    assert newest[0]["Id"] == done["ResourceSnapshotJobId"]
    with pytest.raises(client.exceptions.ConflictException):
        client.start_engagement_by_accepting_invitation_task(
            Catalog="Sandbox", ClientToken="again", Identifier=done["EngagementInvitationId"]
        )


def test_accepting_an_invitation_twice_at_once_is_a_conflict(client, sim):
    identifier = pending_invitation(client, sim)
    client.start_engagement_by_accepting_invitation_task(
        Catalog="Sandbox", ClientToken="a", Identifier=identifier
    )
    with pytest.raises(client.exceptions.ConflictException):
        client.start_engagement_by_accepting_invitation_task(
            Catalog="Sandbox", ClientToken="b", Identifier=identifier
        )


def test_accepting_an_unknown_invitation_is_not_found(error_of, client):
    with pytest.raises(client.exceptions.ResourceNotFoundException) as excinfo:
        client.start_engagement_by_accepting_invitation_task(
            Catalog="Sandbox", ClientToken="x", Identifier="engi-0000000000000"
        )
    assert error_of(excinfo)[1] == 404


def test_client_token_same_request_same_task_different_request_conflict(error_of, client):
    args = {"Catalog": "Sandbox", "Identifier": "O42", "AwsSubmission": {"InvolvementType": "Co-Sell"}}
    first = client.start_engagement_from_opportunity_task(ClientToken="idem-1", **args)
    again = client.start_engagement_from_opportunity_task(ClientToken="idem-1", **args)
    assert again["TaskId"] == first["TaskId"]
    with pytest.raises(client.exceptions.ConflictException) as excinfo:
        client.start_engagement_from_opportunity_task(ClientToken="idem-1", **{**args, "Identifier": "O43"})
    assert error_of(excinfo)[1] == 409
    other = client.start_engagement_from_opportunity_task(ClientToken="idem-2", **args)
    assert other["TaskId"] != first["TaskId"]


def test_reject_invitation_then_it_cannot_be_rejected_or_accepted(client, sim):
    identifier = pending_invitation(client, sim)
    assert (
        client.reject_engagement_invitation(
            Catalog="Sandbox", Identifier=identifier, RejectionReason="Customer problem unclear"
        )["ResponseMetadata"]["HTTPStatusCode"]
        == 200
    )
    got = client.get_engagement_invitation(Catalog="Sandbox", Identifier=identifier)
    assert (got["Status"], got["RejectionReason"]) == ("REJECTED", "Customer problem unclear")
    with pytest.raises(client.exceptions.ConflictException):
        client.reject_engagement_invitation(Catalog="Sandbox", Identifier=identifier)
    with pytest.raises(client.exceptions.ConflictException):
        client.start_engagement_by_accepting_invitation_task(
            Catalog="Sandbox", ClientToken="t", Identifier=identifier
        )


def test_list_invitations_filters_sorts_and_pages(pages, client, sim):
    call = client.list_engagement_invitations
    everything = pages(call, Catalog="Sandbox", ParticipantType="RECEIVER", MaxResults=9)
    assert len(everything) == len(sim.world("Sandbox").invitations)
    dates = [i["InvitationDate"] for i in everything]
    assert dates == sorted(dates, reverse=True)
    ascending = pages(
        call,
        Catalog="Sandbox",
        ParticipantType="RECEIVER",
        Sort={"SortBy": "InvitationDate", "SortOrder": "ASCENDING"},
    )
    assert [i["Id"] for i in ascending] == [i["Id"] for i in reversed(everything)]
    for status in ("PENDING", "ACCEPTED", "REJECTED", "EXPIRED"):
        got = pages(call, Catalog="Sandbox", ParticipantType="RECEIVER", Status=[status])
        assert got and all(i["Status"] == status for i in got)
    leads = pages(call, Catalog="Sandbox", ParticipantType="RECEIVER", PayloadType=["LeadInvitation"])
    assert leads and all(i["PayloadType"] == "LeadInvitation" for i in leads)
    one = everything[0]
    by_engagement = call(
        Catalog="Sandbox", ParticipantType="RECEIVER", EngagementIdentifier=[one["EngagementId"]]
    )
    assert [i["Id"] for i in by_engagement["EngagementInvitationSummaries"]] == [one["Id"]]
    by_sender = call(
        Catalog="Sandbox", ParticipantType="RECEIVER", SenderAwsAccountId=[one["SenderAwsAccountId"]]
    )
    assert one["Id"] in {i["Id"] for i in by_sender["EngagementInvitationSummaries"]}
    assert call(Catalog="Sandbox", ParticipantType="SENDER")["EngagementInvitationSummaries"] == []


def test_snapshot_jobs_filters_sort_and_get(pages, client, sim):
    jobs = pages(client.list_resource_snapshot_jobs, Catalog="Sandbox", MaxResults=25)
    completed = [t for t in sim.tasks() if t.task_status == "COMPLETE" and t.kind in SINGLE_KINDS]
    assert {j["Id"] for j in jobs} == {t.resource_snapshot_job_id for t in completed}
    stopped = pages(client.list_resource_snapshot_jobs, Catalog="Sandbox", Status="Stopped")
    assert stopped and all(j["Status"] == "Stopped" for j in stopped)
    job = client.get_resource_snapshot_job(Catalog="Sandbox", ResourceSnapshotJobIdentifier=stopped[0]["Id"])
    assert job["LastFailure"] and job["ResourceType"] == "Opportunity"
    mine = client.list_resource_snapshot_jobs(Catalog="Sandbox", EngagementIdentifier=job["EngagementId"])
    assert job["Id"] in {j["Id"] for j in mine["ResourceSnapshotJobSummaries"]}
    oldest = client.list_resource_snapshot_jobs(
        Catalog="Sandbox", MaxResults=1, Sort={"SortBy": "CreatedDate", "SortOrder": "ASCENDING"}
    )["ResourceSnapshotJobSummaries"][0]
    assert oldest["Id"] == jobs[-1]["Id"]
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_resource_snapshot_job(Catalog="Sandbox", ResourceSnapshotJobIdentifier="job-0000000000000")


def test_new_tasks_appear_on_the_first_page_while_paging_stays_stable(pages, client, sim):
    first = client.list_engagement_by_accepting_invitation_tasks(Catalog="Sandbox", MaxResults=5)
    new_id = sim.add_task(kind=TaskKind.ACCEPT_INVITATION)
    rest = pages(
        client.list_engagement_by_accepting_invitation_tasks,
        Catalog="Sandbox",
        MaxResults=5,
        NextToken=first["NextToken"],
    )
    seen = [t["TaskId"] for t in first["TaskSummaries"] + rest]
    assert new_id not in seen and len(seen) == len(set(seen))
    top = client.list_engagement_by_accepting_invitation_tasks(Catalog="Sandbox", MaxResults=1)[
        "TaskSummaries"
    ]
    assert top[0]["TaskId"] == new_id


def test_speed_scales_durations(clock):
    fast = Simulator(seed=3, history=0, clock=clock, speed=10.0, enforce_quotas=False)
    task_id = fast.add_task(duration=100.0)
    clock.advance(9.9)
    assert {t.task_id: t.task_status for t in fast.tasks()}[task_id] == "IN_PROGRESS"
    clock.advance(0.2)
    assert {t.task_id: t.task_status for t in fast.tasks()}[task_id] == "COMPLETE"


def test_add_task_with_a_chosen_failure(clock):
    s = Simulator(seed=3, history=0, clock=clock, enforce_quotas=False)
    task_id = s.add_task(
        kind=TaskKind.OPPORTUNITY_FROM_ENGAGEMENT, status="FAILED", reason_code="ContextNotFound"
    )
    (task,) = [t for t in s.tasks() if t.task_id == task_id]
    assert (task.task_status, task.reason_code) == ("FAILED", "ContextNotFound")
    assert "ContextIdentifier" in (task.message or "")


def test_demo_activity_starts_tasks_as_the_clock_moves(clock):
    """(Its prospecting tasks and bulk jobs, now and then: test_scenario.py.)"""
    s = Simulator(seed=3, history=0, clock=clock, enforce_quotas=False)
    s.demo_activity(rate_per_minute=6)
    assert s.tasks() == []
    clock.advance(60)
    assert len([t for t in s.tasks() if t.kind in SINGLE_KINDS]) == 6
    clock.advance(600)
    tasks = [t for t in s.tasks() if t.kind in SINGLE_KINDS]
    assert len(tasks) == 66 and {t.task_status for t in tasks} >= {"COMPLETE"}


_RECORD_FIELD = {
    "TaskStatus": "task_status",
    "TaskIdentifier": "task_id",
    "OpportunityIdentifier": "opportunity_id",
    "EngagementInvitationIdentifier": "engagement_invitation_id",
    "EngagementIdentifier": "engagement_id",
    "ContextIdentifier": "context_id",
    "TaskName": "task_name",
}
#: Filters by start time, exclusive: the member and whether it keeps the tasks that started after it.
_TIME_RANGE = {"StartAfter": True, "StartBefore": False}


@pytest.mark.parametrize("kind", list(LIST_OPS))
def test_every_filter_the_model_offers_selects_what_the_tasks_show(kind, client, sim, pages):
    """Each filter member of the operation's input shape, with two values (a time range: a task's start),
    against the server's truth."""
    shape = service_model().operation_model(TASK_KINDS[kind].list_operation).input_shape
    members = [m for m in shape.members if m not in ("Catalog", "MaxResults", "NextToken", "Sort")]
    assert set(members) <= set(_RECORD_FIELD) | set(_TIME_RANGE)
    tasks = [t for t in sim.tasks() if t.kind == kind]
    call = getattr(client, LIST_OPS[kind])
    for member in members:
        if member in _TIME_RANGE:
            middle = sorted(t.start_time for t in tasks)[len(tasks) // 2]
            got = pages(call, Catalog="Sandbox", MaxResults=50, **{member: middle})
            after = _TIME_RANGE[member]
            expected = [t for t in tasks if (t.start_time > middle if after else t.start_time < middle)]
            assert expected and sorted(t["TaskId"] for t in got) == sorted(t.task_id for t in expected)
            continue
        field = _RECORD_FIELD[member]
        values = sorted({getattr(t, field) for t in tasks if getattr(t, field)})[:2]
        assert values, f"no task of {kind} shows {member}"
        got = pages(call, Catalog="Sandbox", MaxResults=50, **{member: values})
        assert sorted(t["TaskId"] for t in got) == sorted(
            t.task_id for t in tasks if getattr(t, field) in values
        )


def test_every_invitation_reads_back_with_a_payload_the_model_accepts(client, sim, pages):
    summaries = pages(client.list_engagement_invitations, Catalog="Sandbox", ParticipantType="RECEIVER")
    kinds = set()
    for summary in summaries:  # the checker validates each GetEngagementInvitation body
        got = client.get_engagement_invitation(Catalog="Sandbox", Identifier=summary["Arn"])
        assert got["Id"] == summary["Id"] and got["Status"] == summary["Status"]
        kinds.add(next(iter(got["Payload"])))
    assert kinds == {"OpportunityInvitation", "LeadInvitation"}


def test_too_many_tasks_in_progress_is_a_service_quota_error(clock, client_factory, error_of):
    small = Simulator(seed=4, history=0, clock=clock, enforce_quotas=False, max_in_progress=2)
    with serve(small) as ep:
        client = client_factory(ep.url)
        args = {"Catalog": "Sandbox", "Identifier": "eng-0123456789abcd", "ContextIdentifier": "1"}
        client.start_opportunity_from_engagement_task(ClientToken="1", **args)
        client.start_opportunity_from_engagement_task(ClientToken="2", **args)
        with pytest.raises(client.exceptions.ServiceQuotaExceededException) as excinfo:
            client.start_opportunity_from_engagement_task(ClientToken="3", **args)
        assert error_of(excinfo)[1] == 402
        clock.advance(1801)
        client.start_opportunity_from_engagement_task(ClientToken="3", **args)

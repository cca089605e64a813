"""Prospecting-from-engagement tasks through a real boto3 client: the list's filters, sorts and paging, each
engagement settling in turn as the clock moves, the half-failed tasks, idempotent starts, validation and
not-found. Every 2xx response is checked against botocore's output shape by the `checker` fixture (the
list's filters by member, and its paging in start order, are in test_operations.py with the other task
kinds')."""

from __future__ import annotations

import http.client
import json
import re

import pytest

from schemas import ProspectingTaskSummary, TaskKind, TaskRecord
from tui.simulator import Simulator
from tui.simulator.texts import PROSPECTING_FAILURES

KIND = TaskKind.PROSPECTING_FROM_ENGAGEMENT
TASK_ID = re.compile(r"task-[0-9a-z]{14}")
CONTEXT_ID = re.compile(r"ctx-[0-9a-z]{14}")
ENGAGEMENTS = ["eng-0123456789abcd", "eng-0123456789abce", "eng-0123456789abcf"]


def start(client, token: str = "p-1", identifiers=None, name: str = "Leads from Q4 engagements"):
    return client.start_prospecting_from_engagement_task(
        Catalog="Sandbox", ClientToken=token, Identifiers=identifiers or ENGAGEMENTS, TaskName=name
    )


def get(client, task_id: str) -> dict:
    return client.get_prospecting_from_engagement_task(Catalog="Sandbox", TaskIdentifier=task_id)


def summary(client, task_id: str) -> dict:
    (found,) = client.list_prospecting_from_engagement_tasks(Catalog="Sandbox", TaskIdentifier=[task_id])[
        "TaskSummaries"
    ]
    return found


@pytest.mark.parametrize("sort_by", ["TaskName", "FailedEngagementCount"])
@pytest.mark.parametrize("order", ["ASCENDING", "DESCENDING"])
def test_sorts_by_name_and_failed_count_page_through_every_task(sort_by, order, client, sim, pages):
    truth = {t.task_id for t in sim.tasks() if t.kind == KIND}
    got = pages(
        client.list_prospecting_from_engagement_tasks,
        Catalog="Sandbox",
        MaxResults=4,
        Sort={"SortBy": sort_by, "SortOrder": order},
    )
    ids = [t["TaskId"] for t in got]
    assert len(ids) == len(set(ids)) and set(ids) == truth and len(truth) >= 5
    keys = [t[sort_by] for t in got]
    assert keys == sorted(keys, reverse=order == "DESCENDING")


def test_default_is_twenty_a_page_newest_first_and_filters_combine(client, sim):
    for _ in range(12):  # the small history has fewer than 20
        sim.add_task(kind=KIND, status="COMPLETE")
    page = client.list_prospecting_from_engagement_tasks(Catalog="Sandbox")
    starts = [t["StartTime"] for t in page["TaskSummaries"]]
    assert len(starts) == 20 and starts == sorted(starts, reverse=True) and page["NextToken"]
    tasks = sorted((t for t in sim.tasks() if t.kind == KIND), key=lambda t: t.start_time)[
        :-12
    ]  # the history
    first, middle, last = tasks[0], tasks[len(tasks) // 2], tasks[-1]
    got = client.list_prospecting_from_engagement_tasks(
        Catalog="Sandbox",
        TaskIdentifier=[first.task_id, middle.task_id, last.task_id],
        StartAfter=first.start_time,
        StartBefore=last.start_time,
    )["TaskSummaries"]
    assert [t["TaskId"] for t in got] == [middle.task_id]  # both bounds exclusive
    named = client.list_prospecting_from_engagement_tasks(
        Catalog="Sandbox", TaskName=[middle.task_name], TaskIdentifier=[first.task_id]
    )["TaskSummaries"]
    assert [t["TaskId"] for t in named] == ([first.task_id] if first.task_name == middle.task_name else [])


def test_the_history_has_finished_half_failed_and_running_tasks_each_engagement_with_its_outcome(client, sim):
    tasks = [t for t in sim.tasks() if t.kind == KIND]
    statuses = {t.task_status for t in tasks}
    assert statuses == {"IN_PROGRESS", "COMPLETE", "FAILED"}
    half_failed = [
        t
        for t in tasks
        if t.task_status == "FAILED" and 0 < t.failed_engagement_count < t.total_engagement_count
    ]
    assert half_failed
    for task in [half_failed[0], next(t for t in tasks if t.task_status == "IN_PROGRESS")]:
        got = get(client, task.task_id)
        engagements = got["Engagements"]
        assert len(engagements) == task.total_engagement_count
        by_status = [e["Status"] for e in engagements]
        assert by_status.count("COMPLETED") == task.completed_engagement_count
        assert by_status.count("FAILED") == task.failed_engagement_count
        for engagement in engagements:
            if engagement["Status"] == "FAILED":
                assert engagement["Message"] == PROSPECTING_FAILURES[engagement["ReasonCode"]]
                assert "EngagementContextId" not in engagement
            elif engagement["Status"] == "COMPLETED":
                assert CONTEXT_ID.fullmatch(engagement["EngagementContextId"])
                assert "ReasonCode" not in engagement
        assert ("EndTime" in got) == (task.task_status != "IN_PROGRESS")


def test_a_started_task_settles_its_engagements_one_after_another(client, clock):
    started = start(client, identifiers=[f"eng-{n:014d}" for n in range(12)])
    assert TASK_ID.fullmatch(started["TaskId"]) and started["TaskStatus"] == "PENDING"
    assert started["StartTime"] == clock.now() and started["Identifiers"] == [
        f"eng-{n:014d}" for n in range(12)
    ]
    assert "ReasonCode" not in started
    seen_running = set()
    settled_before = 0
    for _ in range(600):
        got = get(client, started["TaskId"])
        listed = summary(client, started["TaskId"])
        statuses = [e["Status"] for e in got["Engagements"]]
        settled = sum(s in ("COMPLETED", "FAILED") for s in statuses)
        running = [i for i, s in enumerate(statuses) if s == "IN_PROGRESS"]
        # In turn: what has settled comes first, then at most one in progress, then the pending ones.
        assert statuses[:settled] == [s for s in statuses if s in ("COMPLETED", "FAILED")]
        assert len(running) <= 1 and all(s == "PENDING" for s in statuses[settled + len(running) :])
        assert settled >= settled_before
        assert listed["CompletedEngagementCount"] == statuses.count("COMPLETED")
        assert listed["FailedEngagementCount"] == statuses.count("FAILED")
        assert listed["TotalEngagementCount"] == 12
        seen_running.update(running)
        settled_before = settled
        if settled == 12:
            break
        assert "EndTime" not in got and "EndTime" not in listed
        clock.advance(0.5)
    assert settled_before == 12 and len(seen_running) >= 10  # each was seen converting
    assert got["EndTime"] == listed["EndTime"] <= clock.now()
    record = TaskRecord.from_task(ProspectingTaskSummary(**{_snake(k): v for k, v in listed.items()}), KIND)
    assert record.task_status == ("FAILED" if listed["FailedEngagementCount"] else "COMPLETE")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_the_truth_is_what_the_list_shows(client, sim, clock):
    task_id = sim.add_prospecting_task(engagements=4, failed=2, duration=40)
    clock.advance(25)
    (truth,) = [t for t in sim.tasks() if t.task_id == task_id]
    listed = summary(client, task_id)
    assert (truth.completed_engagement_count, truth.failed_engagement_count) == (
        listed["CompletedEngagementCount"],
        listed["FailedEngagementCount"],
    )
    assert truth.task_status == "IN_PROGRESS" and truth.failed_engagement_count >= 1
    clock.advance(20)
    (truth,) = [t for t in sim.tasks() if t.task_id == task_id]
    assert (truth.task_status, truth.failed_engagement_count, truth.completed_engagement_count) == (
        "FAILED",
        2,
        2,
    )
    assert truth.end_time == summary(client, task_id)["EndTime"]


def test_add_task_of_the_prospecting_kind(clock):
    s = Simulator(seed=3, history=0, clock=clock, enforce_quotas=False)
    done = s.add_task(kind=KIND, status="COMPLETE")
    failed = s.add_task(kind=KIND, status="FAILED", reason_code="EngagementConflict")
    running = s.add_task(kind=KIND, duration=60.0, outcome="FAILED")
    records = {t.task_id: t for t in s.tasks()}
    assert records[done].task_status == "COMPLETE" and records[done].failed_engagement_count == 0
    assert records[failed].task_status == "FAILED" and records[failed].failed_engagement_count == 2
    assert records[running].task_status == "IN_PROGRESS"
    clock.advance(60)
    assert {t.task_id: t.task_status for t in s.tasks()}[running] == "FAILED"
    assert s.running_ids() == set()


def test_client_token_same_request_same_task_different_request_conflict(client, error_of, clock):
    first = start(client, token="idem")
    clock.advance(3600)  # long settled: the same answer, with its status now
    again = start(client, token="idem")
    assert again["TaskId"] == first["TaskId"] and again["StartTime"] == first["StartTime"]
    assert again["TaskStatus"] in ("COMPLETED", "FAILED")
    if again["TaskStatus"] == "FAILED":
        assert again["ReasonCode"] and "engagements failed" in again["Message"]
    with pytest.raises(client.exceptions.ConflictException) as excinfo:
        start(client, token="idem", name="Another name")
    assert error_of(excinfo)[1] == 409
    with pytest.raises(client.exceptions.ConflictException):  # a token is one request, whatever the operation
        client.start_opportunity_from_engagement_task(
            Catalog="Sandbox", ClientToken="idem", Identifier=ENGAGEMENTS[0], ContextIdentifier="1"
        )
    assert start(client, token="other")["TaskId"] != first["TaskId"]


@pytest.mark.parametrize(
    ("params", "field", "code", "reason"),
    [
        ({"Identifiers": []}, "Identifiers", "NOT_ENOUGH_VALUES", "BUSINESS_VALIDATION_FAILED"),
        (
            {"Identifiers": [ENGAGEMENTS[0], ENGAGEMENTS[1], ENGAGEMENTS[0]]},
            "Identifiers",
            "DUPLICATE_KEY_VALUE",
            "BUSINESS_VALIDATION_FAILED",
        ),
        ({"Identifiers": ["eng-1"]}, "Identifiers[0]", "INVALID_STRING_FORMAT", "REQUEST_VALIDATION_FAILED"),
        ({"Identifiers": [f"eng-{n:014d}" for n in range(101)]}, "Identifiers", "TOO_MANY_VALUES", None),
        ({"TaskName": ""}, "TaskName", "INVALID_STRING_FORMAT", "REQUEST_VALIDATION_FAILED"),
        ({"TaskName": "x" * 129}, "TaskName", "INVALID_STRING_FORMAT", "REQUEST_VALIDATION_FAILED"),
    ],
)
def test_start_validates_its_request(unchecked_client, error_of, params, field, code, reason):
    request = {
        "Catalog": "Sandbox",
        "ClientToken": "v",
        "Identifiers": ENGAGEMENTS,
        "TaskName": "n",
        **params,
    }
    with pytest.raises(unchecked_client.exceptions.ValidationException) as excinfo:
        unchecked_client.start_prospecting_from_engagement_task(**request)
    _, status, response = error_of(excinfo)
    assert status == 400 and {(e["FieldName"], e["Code"]) for e in response["ErrorList"]} == {(field, code)}
    assert reason is None or response["Reason"] == reason


def _raw(endpoint, body: dict) -> tuple[int, dict]:
    conn = http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=10)
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "AWSPartnerCentralSelling.ListProspectingFromEngagementTasks",
        "Authorization": "AWS4-HMAC-SHA256 Credential=pcwatch-local/20261128/us-east-1/x/aws4_request, Signature=0",
    }
    conn.request("POST", "/", body=json.dumps(body), headers=headers)
    response = conn.getresponse()
    data = json.loads(response.read())
    conn.close()
    return response.status, data


def test_list_and_get_validate_and_an_unknown_task_is_not_found(unchecked_client, error_of, endpoint):
    with pytest.raises(unchecked_client.exceptions.ValidationException) as excinfo:
        unchecked_client.list_prospecting_from_engagement_tasks(
            Catalog="Sandbox",
            MaxResults=101,
            TaskIdentifier=["task-0123456789abc"],  # 13 characters: another kind's id
            Sort={"SortBy": "EndTime", "SortOrder": "ASCENDING"},
        )
    problems = {(e["FieldName"], e["Code"]) for e in error_of(excinfo)[2]["ErrorList"]}
    assert problems == {
        ("MaxResults", "VALUE_OUT_OF_RANGE"),
        ("TaskIdentifier[0]", "INVALID_STRING_FORMAT"),
        ("Sort.SortBy", "INVALID_ENUM_VALUE"),
    }
    # (boto3 will not send a time that is no time; another client may)
    status, body = _raw(endpoint, {"Catalog": "Sandbox", "StartAfter": "yesterday"})
    assert status == 400 and [(e["FieldName"], e["Code"]) for e in body["ErrorList"]] == [
        ("StartAfter", "INVALID_VALUE")
    ]
    with pytest.raises(unchecked_client.exceptions.ResourceNotFoundException) as excinfo:
        get(unchecked_client, "task-0000000000000z")
    assert error_of(excinfo)[1] == 404 and "task-0000000000000z" in error_of(excinfo)[2]["Error"]["Message"]

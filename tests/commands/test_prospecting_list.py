"""`pcwatch list` and `wait` with prospecting tasks, over a fake client: their list has no status filter,
so `--status` is applied to their derived status here (the client refuses a status for them); the table
says a task's name and its engagements' counts, the CSV and JSON their wire fields; a failed one's
failed engagements go to stderr."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta

import pytest

from schemas import (
    EngagementProspectingResult,
    GetProspectingFromEngagementTaskResponse,
    TaskKind,
    TaskRecord,
)
from tests.support.bulk_client import T0, FakeBulkClient
from tests.support.writes import AutoClock
from tui.commands import list_tasks, wait_task
from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings
from tui.engine.budget import RequestBudget

PROSPECTING = TaskKind.PROSPECTING_FROM_ENGAGEMENT


class StrictClient(FakeBulkClient):
    """As the real client: a prospecting list given a status is a ValueError before anything is sent."""

    async def list_tasks(self, kind: str, **kwargs):  # type: ignore[no-untyped-def]
        if kind == PROSPECTING and kwargs.get("status"):
            raise ValueError("this kind's list has no status filter: list it without one")
        return await super().list_tasks(kind, **kwargs)


def prospecting(n: int, *, failed: int = 0, ended: bool = True) -> TaskRecord:
    summary = dict(
        task_id=f"task-{n:014d}",
        task_name=f'=HYPERLINK("x") push {n}',
        start_time=T0 - timedelta(minutes=n),
        end_time=T0 if ended else None,
        total_engagement_count=10,
        completed_engagement_count=10 - failed if ended else 4,
        failed_engagement_count=failed,
    )
    from schemas import ProspectingTaskSummary

    return TaskRecord.from_task(ProspectingTaskSummary(**summary), PROSPECTING)


def test_status_is_applied_to_prospecting_tasks_here_and_sent_for_the_others() -> None:
    client, clock = StrictClient(), AutoClock(T0)
    for task in (prospecting(1), prospecting(2, failed=3), prospecting(3, ended=False)):
        client.tasks[task.task_id or ""] = task
    spend = RequestBudget(Settings(max_rate=1000.0).budget, clock)
    kinds = [TaskKind.ACCEPT_INVITATION, PROSPECTING]
    found = asyncio.run(list_tasks.fetch_tasks(client, spend, kinds, ["FAILED"], clock=clock))
    assert [t.task_id for t in found] == [f"task-{2:014d}"] and found[0].task_status == "FAILED"
    sent = {c.kind: c.status for c in client.calls}
    assert sent == {TaskKind.ACCEPT_INVITATION: ("FAILED",), PROSPECTING: ()}
    running = asyncio.run(list_tasks.fetch_tasks(client, spend, [PROSPECTING], ["IN_PROGRESS"], clock=clock))
    assert [t.task_id for t in running] == [f"task-{3:014d}"]


def test_the_table_csv_and_json_say_what_a_prospecting_task_is() -> None:
    task = prospecting(2, failed=3)
    out = io.StringIO()
    list_tasks.print_table([task], out)
    row = out.getvalue().splitlines()[1]
    assert row.startswith(f"prospecting  task-{2:014d}  FAILED")
    assert row.endswith('=HYPERLINK("x") push 2: 10 engagements, 7 completed, 3 failed')
    out = io.StringIO()
    list_tasks.print_csv([task], out)
    (line,) = csv.DictReader(io.StringIO(out.getvalue()))
    assert line["TaskName"].startswith("'=HYPERLINK")  # CSV-safe: no formula
    assert (
        line["TotalEngagementCount"],
        line["CompletedEngagementCount"],
        line["FailedEngagementCount"],
    ) == (
        "10",
        "7",
        "3",
    )
    assert line["EndTime"] and line["Kind"] == "prospecting" and line["WireKind"] == PROSPECTING
    out = io.StringIO()
    list_tasks.print_json([task], out)
    doc = json.loads(out.getvalue())
    assert doc["TaskName"] == '=HYPERLINK("x") push 2' and doc["FailedEngagementCount"] == 3
    assert {"TaskId", "StartTime", "EndTime", "TotalEngagementCount", "CompletedEngagementCount"} <= set(doc)


def test_wait_on_a_failed_prospecting_task_names_its_failed_engagements(
    capsys: pytest.CaptureFixture[str],
) -> None:
    client, clock = StrictClient(), AutoClock(T0)
    task = prospecting(4, failed=2)
    client.tasks[task.task_id or ""] = task
    client.prospecting[task.task_id or ""] = GetProspectingFromEngagementTaskResponse(
        task_id=task.task_id,
        engagements=[
            EngagementProspectingResult(engagement_identifier="eng-1", status="COMPLETED"),
            EngagementProspectingResult(
                engagement_identifier="eng-2",
                status="FAILED",
                reason_code="EngagementAccessDenied",
                message="no\x1b[2J",
            ),
            EngagementProspectingResult(
                engagement_identifier="eng-3", status="FAILED", reason_code="InternalError"
            ),
        ],
    )
    code, record = asyncio.run(
        wait_task.follow(
            client, task.task_id or "", settings=Settings(), clock=clock, timeout=None, interval=1.0
        )
    )
    assert code == ExitStatus.TASK_FAILED and record == task
    assert [c.kind for c in client.calls] == [PROSPECTING]  # a 14-character id: only prospecting's list
    wait_task._say_task_failed(client, RequestBudget(Settings().budget, clock), task)
    err = capsys.readouterr().err
    assert "Engagements: 10, 8 completed, 2 failed" in err
    assert "  eng-2: EngagementAccessDenied no␛[2J" in err and "  eng-3: InternalError" in err
    assert "eng-1" not in err and "\x1b" not in err

"""`pcwatch wait` on a task: the ids a completed task made on its line (`ResourceSnapshotJobId`), and
its progress on stderr while it waits — a spinner turning in place on a terminal, between looks too; a
line now and then otherwise, never a flood. Over an injected clock, and end to end against the local
endpoint."""

from __future__ import annotations

import asyncio
import io
import re
import subprocess
import time
from datetime import datetime, timedelta, timezone

from schemas import TaskKind, TaskRecord
from tests.support.writes import ROOT, AutoClock, cli_env, pcwatch_command
from tui.commands.wait_task import SPIN_EVERY, SPINNER, WaitProgress, completed_ids
from tui.core.clock import MockClock
from tui.simulator import Simulator, serve

from .test_bulk_commands import T0

TASK_ID = "task-0123456789abc"


def task(status: str = "IN_PROGRESS", started_ago: float = 45.0, **fields: str) -> TaskRecord:
    return TaskRecord(
        kind=TaskKind.ACCEPT_INVITATION,
        task_id=TASK_ID,
        task_status=status,
        start_time=T0 - timedelta(seconds=started_ago),
        **fields,  # type: ignore[arg-type]
    )


def test_a_completed_task_says_its_snapshot_job_and_opportunity() -> None:
    done = task("COMPLETE", opportunity_id="O123", resource_snapshot_job_id="job-0123456789abc")
    assert completed_ids(done) == ["OpportunityId=O123", "ResourceSnapshotJobId=job-0123456789abc"]
    assert completed_ids(task("COMPLETE")) == []
    hostile = task("COMPLETE", resource_snapshot_job_id="job-\x1b[2J\u202e")
    assert "\x1b" not in completed_ids(hostile)[0] and "\u202e" not in completed_ids(hostile)[0]


def test_on_a_terminal_a_spinner_turns_in_place_between_looks() -> None:
    clock, out = AutoClock(T0), io.StringIO()
    progress = WaitProgress(out, clock, terminal=True, columns=lambda: 80, waiting_for=TASK_ID)
    progress.tick()  # before the first look: what it looks for
    progress(task())
    for _ in range(3):
        clock.advance(SPIN_EVERY)
        progress.tick()
    draws = [d for d in out.getvalue().split("\r") if d]
    assert draws[0] == f"{SPINNER[1]} looking up {TASK_ID}\x1b[K"
    assert draws[1] == f"{SPINNER[1]} IN_PROGRESS (inv-to-eng), started 45s ago\x1b[K"
    assert [d[0] for d in draws[2:]] == list(SPINNER[2:5])  # each tick the next frame
    assert "\n" not in out.getvalue()  # one line, rewritten
    clock.advance(60)
    progress.tick()
    assert out.getvalue().endswith("started 1m45s ago\x1b[K")  # the age moves on with the spinner
    progress(task("COMPLETE"))
    progress.finish()
    assert out.getvalue().endswith("\r\x1b[K")  # wiped: stdout says how it ended


def test_off_a_terminal_a_line_every_30_seconds_while_it_runs() -> None:
    clock, out = AutoClock(T0), io.StringIO()
    progress = WaitProgress(out, clock, terminal=False, waiting_for=TASK_ID)
    for _ in range(13):  # a look every 5 s for a minute
        progress.tick()  # (no spinner off a terminal)
        progress(task(started_ago=0))
        clock.advance(5)
    progress(task("COMPLETE"))
    progress.finish()
    lines = out.getvalue().splitlines()
    assert lines == [
        f"pcwatch wait: {TASK_ID} IN_PROGRESS (inv-to-eng), started {age} ago"
        for age in ("0s", "30s", "1m00s")
    ]  # at 0, 30 and 60 s of 13 looks; the end is the command's own line


def test_a_task_already_ended_prints_no_progress_line_off_a_terminal() -> None:
    out = io.StringIO()
    WaitProgress(out, AutoClock(T0), terminal=False)(task("COMPLETE"))
    assert out.getvalue() == ""


def test_spin_turns_the_spinner_on_the_clock_until_cancelled() -> None:
    clock, out = MockClock(T0), io.StringIO()
    progress = WaitProgress(out, clock, terminal=True, columns=lambda: 80, waiting_for=TASK_ID)

    async def drive() -> int:
        spinning = asyncio.ensure_future(progress.spin())
        for _ in range(5):
            while clock.sleepers == 0:  # parked on the clock
                await asyncio.sleep(0)
            clock.advance(SPIN_EVERY)
            await asyncio.sleep(0)
        while clock.sleepers == 0:
            await asyncio.sleep(0)
        spinning.cancel()
        drawn = out.getvalue().count("\r")
        clock.advance(1.0)
        await asyncio.sleep(0)
        return drawn

    drawn = asyncio.run(drive())
    assert drawn == 5 and out.getvalue().count("\r") == 5  # none after it was cancelled


# --- end to end ------------------------------------------------------------------------------------------


def test_wait_prints_the_snapshot_job_of_a_completed_task_and_a_line_while_it_runs() -> None:
    # The endpoint's clock moves only when told: the task ends once pcwatch has looked at it twice
    # (counted at the endpoint), whatever the time a process takes to start here.
    clock = MockClock(datetime.now(timezone.utc))
    simulator = Simulator(seed=9, history=50, clock=clock)
    task_id = simulator.add_task(kind=TaskKind.ACCEPT_INVITATION, duration=60.0, outcome="COMPLETE")
    looks = "ListEngagementByAcceptingInvitationTasks"
    with serve(simulator) as endpoint:
        waiting = subprocess.Popen(
            pcwatch_command("wait", task_id, "--endpoint-url", endpoint.url, "--interval", "0.2"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=cli_env(),
            cwd=ROOT,
        )
        try:
            while simulator.stats.calls[looks] < 2 and waiting.poll() is None:
                time.sleep(0.05)
            clock.advance(61.0)
            out, err = waiting.communicate(timeout=60)
        finally:
            waiting.kill()
    assert waiting.returncode == 0, err
    truth = next(t for t in simulator.tasks() if t.task_id == task_id)
    assert truth.resource_snapshot_job_id and truth.opportunity_id
    assert out == (
        f"{task_id} COMPLETE OpportunityId={truth.opportunity_id} "
        f"ResourceSnapshotJobId={truth.resource_snapshot_job_id}\n"
    )
    # stderr is not a terminal here: one line at the first look, not one a look.
    assert re.fullmatch(rf"pcwatch wait: {task_id} IN_PROGRESS \(inv-to-eng\), started \d+s ago\n", err), err

"""Issue 27, item 3: the wall clock stepped +2 h, then back. The store orders observations by the order
they are made (in one process) and by the journal's change numbers (between processes), never by the wall
clock; its durations come from the step-free time of `tui.core.clock.steady_wall`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.clocks import SteppedWall
from tests.support.engine import T0, bulk_job, task
from tui.core.clock import MockClock
from tui.core.settings import Budget
from tui.engine.budget import RequestBudget
from tui.engine.call_ledger import DAY, CallLedger, MemoryCallLedger
from tui.engine.journal import Journal
from tui.engine.store import Store

TWO_HOURS = 2 * 3600.0


def test_a_task_first_seen_while_the_clock_was_ahead_ends_when_it_is_back(tmp_path: Path) -> None:
    """(the issue: two tasks first seen at +2 h stayed IN_PROGRESS, on screen, in the journal and after a
    restart, while the service said COMPLETE)"""
    clock = SteppedWall(MockClock(T0))
    store = Store(Journal(tmp_path / "j.sqlite3"), clock)
    clock.step(TWO_HOURS)
    store.apply_tasks([task(1, start=T0)])
    clock.base.advance(5)  # type: ignore[attr-defined]
    clock.step(-TWO_HOURS)
    store.apply_tasks([task(1, status="COMPLETE", start=T0)])

    assert store.task("task-Enga-00001").task_status == "COMPLETE"  # type: ignore[union-attr]
    assert [t.to_status for t in store.transitions_of("task-Enga-00001")] == ["IN_PROGRESS", "COMPLETE"]
    store.journal.close()  # type: ignore[union-attr]
    restarted = Store(Journal(tmp_path / "j.sqlite3"), clock)
    restarted.load()
    assert restarted.task("task-Enga-00001").task_status == "COMPLETE"  # type: ignore[union-attr]


def test_a_bulk_job_seen_while_the_clock_was_ahead_ends_when_it_is_back() -> None:
    clock = SteppedWall(MockClock(T0))
    store = Store(clock=clock)
    clock.step(TWO_HOURS)
    store.apply_bulk_jobs([bulk_job(1)])
    clock.step(-TWO_HOURS)
    store.apply_bulk_jobs([bulk_job(1, status="COMPLETED", processed=5000)])
    assert store.bulk_job(bulk_job(1).job_id).status == "COMPLETED"  # type: ignore[union-attr]


def test_a_follower_takes_the_journals_newer_row_whatever_its_wall_time(tmp_path: Path) -> None:
    """The leader wrote the task at +2 h, then its end after the clock came back: a follower that read
    the first row applies the second, stamped two hours earlier."""
    path = tmp_path / "j.sqlite3"
    clock = SteppedWall(MockClock(T0))
    leader, follower = Store(Journal(path), clock), Store(Journal(path), clock)
    clock.step(TWO_HOURS)
    leader.apply_tasks([task(1, start=T0)])
    leader.apply_bulk_jobs([bulk_job(1)])
    follower.apply_journal_changes(follower.journal.changes_since(0))  # type: ignore[union-attr]
    clock.step(-TWO_HOURS)
    leader.apply_tasks([task(1, status="COMPLETE", start=T0)])
    leader.apply_bulk_jobs([bulk_job(1, status="COMPLETED", processed=5000)])
    follower.apply_journal_changes(follower.journal.changes_since(follower.journal_seq))  # type: ignore[union-attr]
    assert follower.task("task-Enga-00001").task_status == "COMPLETE"  # type: ignore[union-attr]
    assert follower.bulk_job(bulk_job(1).job_id).status == "COMPLETED"  # type: ignore[union-attr]


def test_a_replayed_start_answer_never_undoes_what_was_seen_since() -> None:
    """The write ledger replays a start's answer (its first state): a task seen since stays as seen, with
    no wall-clock comparison (the replay's time may be anything)."""
    clock = MockClock(T0)
    store = Store(clock=clock)
    store.apply_tasks([task(1, status="COMPLETE", start=T0)])
    store.apply_tasks([task(1, start=T0)], T0 + timedelta(hours=5), first_state=True)
    assert store.task("task-Enga-00001").task_status == "COMPLETE"  # type: ignore[union-attr]
    store.apply_tasks([task(2, start=T0)], T0 - timedelta(hours=5), first_state=True)
    assert store.task("task-Enga-00002").task_status == "IN_PROGRESS"  # type: ignore[union-attr]


def test_durations_across_a_step_are_the_real_ones_in_the_store_and_the_journal(tmp_path: Path) -> None:
    """(the issue: tasks that ended across the step showed `Took 2h00m`, real about 10 s, and the journal
    kept 7,210 s) One task ends while the clock is ahead, one first seen then ends after it is back."""
    from tui.engine.stats import observed_duration

    clock = SteppedWall(MockClock(T0))
    store = Store(Journal(tmp_path / "j.sqlite3"), clock)
    store.apply_tasks([task(1, start=T0 - timedelta(seconds=5))])
    clock.base.advance(3)  # type: ignore[attr-defined]
    clock.step(TWO_HOURS)
    clock.base.advance(2)  # type: ignore[attr-defined]
    store.apply_tasks([task(1, status="COMPLETE", start=T0 - timedelta(seconds=5))])
    store.apply_tasks([task(2, start=T0 + timedelta(seconds=4))])
    clock.base.advance(5)  # type: ignore[attr-defined]
    clock.step(-TWO_HOURS)
    store.apply_tasks([task(2, status="FAILED", start=T0 + timedelta(seconds=4))])

    took = {n: store.completion(task(n).task_id).duration for n in (1, 2)}  # type: ignore[union-attr]
    assert took == {1: 10.0, 2: 6.0}
    assert store.transitions_of(task(1).task_id)[-1].observed_at == T0 + timedelta(seconds=5)
    store.journal.close()  # type: ignore[union-attr]
    rows = Journal(tmp_path / "j.sqlite3").load().tasks
    assert sorted(observed_duration(r) for r in rows) == [6.0, 10.0]  # type: ignore[type-var]


def test_the_steady_wall_notices_a_step_once_and_cancels_its_return() -> None:
    from tui.core.clock import steady_wall

    clock = SteppedWall(MockClock(T0))
    steady = steady_wall(clock)
    assert steady is steady_wall(clock)  # (one per clock: the store, the budget and the status agree)
    clock.base.advance(60)  # type: ignore[attr-defined]
    assert steady.now() == T0 + timedelta(seconds=60) and steady.last_step is None
    clock.step(TWO_HOURS)
    clock.base.advance(10)  # type: ignore[attr-defined]
    assert steady.now() == T0 + timedelta(seconds=70)
    assert steady.last_step is not None and steady.last_step.seconds == TWO_HOURS
    assert steady.last_step.at == T0 + timedelta(seconds=70)
    clock.base.advance(1)  # type: ignore[attr-defined]
    clock.step(1.5)  # (below the threshold: a slew, followed)
    assert steady.now() == T0 + timedelta(seconds=72.5)
    clock.step(-TWO_HOURS)
    assert steady.now() == clock.now() == T0 + timedelta(seconds=72.5) and steady.offset == 0.0
    assert steady.last_step.seconds == -TWO_HOURS


def test_a_step_is_said_once_in_the_header_for_a_while_and_reaches_followers() -> None:
    import random

    from tui.core.settings import Settings
    from tui.dashboard.header import header_state
    from tui.dashboard.widgets.header_status import header_lines
    from tui.engine.poller_status import StatusPublisher
    from tui.engine.sources import Sources
    from tui.engine.status import status_from_json, status_to_json
    from tui.engine.types import CLOCK_STEP_SHOWN

    clock = SteppedWall(MockClock(T0))
    publisher = StatusPublisher(Sources(random.Random(0)), ["x"], clock, daily_calls=100)

    def said() -> list[str]:
        publisher.publish(paused=False, listed=True, active_tasks=0, watched=True, plan=None, spent=None)
        state = header_state(Settings(), publisher.current, None, clock.now())
        lines = [line.plain for line in header_lines(state, clock.now())]
        return [w for w in re.split(" · | │ ", " ".join(lines)) if "clock" in w]

    assert said() == []
    clock.base.advance(10)  # type: ignore[attr-defined]
    clock.step(TWO_HOURS)
    assert said() == ["clock stepped +2h00m at 09:00:10"]
    clock.base.advance(30)  # type: ignore[attr-defined]
    assert said() == ["clock stepped +2h00m at 09:00:10"]  # (the same step: said once, not again)
    follower = status_from_json(status_to_json(publisher.current, clock.now()), "following")
    assert follower.clock_step == publisher.current.clock_step
    clock.base.advance(CLOCK_STEP_SHOWN)  # type: ignore[attr-defined]
    assert said() == []
    clock.step(-TWO_HOURS)
    assert said() == ["clock stepped -2h00m at 09:10:40"]  # (CLOCK_STEP_SHOWN is ten minutes)


@pytest.fixture(params=["memory", "journal"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CallLedger]:
    if request.param == "memory":
        yield MemoryCallLedger()
        return
    journal = Journal(tmp_path / "j.sqlite3")
    yield journal.call_ledger()
    journal.close()


def test_a_step_forward_gives_no_second_allowance(ledger: CallLedger) -> None:
    clock = SteppedWall(MockClock(T0))
    budget = RequestBudget(Budget(rate_per_second=100.0, daily_calls=10, burst=100), clock, ledger=ledger)
    assert sum(budget.try_spend() for _ in range(12)) == 10
    clock.base.advance(60)  # type: ignore[attr-defined]
    clock.step(DAY + 3600)  # (the day's calls would all have left the window)
    assert not budget.try_spend() and budget.calls_left_today == 0
    clock.base.advance(DAY)  # type: ignore[attr-defined]
    assert budget.try_spend()  # (a real day later they have)


def test_calls_stamped_ahead_leave_a_day_from_now_not_a_day_from_their_stamp(ledger: CallLedger) -> None:
    """Another pcwatch that started while the clock was 2 h ahead stamped its calls then; the clock is
    back: they count as made now, and are gone a day (and a minute's slot) later, not 26 hours later."""
    now = T0.timestamp()
    ledger.charge(10, now + TWO_HOURS)
    assert ledger.used(now) == 10 and ledger.free_at(1, 10, now) <= now + DAY + 60
    assert ledger.try_spend(0, 10, now)  # (any spend brings them back to now)
    later = now + DAY + 120
    assert ledger.used(later) == 0 and ledger.try_spend(10, 10, later)


def test_a_step_back_and_forth_locks_nothing_out(ledger: CallLedger) -> None:
    clock = SteppedWall(MockClock(T0))
    budget = RequestBudget(Budget(rate_per_second=100.0, daily_calls=10, burst=100), clock, ledger=ledger)
    clock.step(TWO_HOURS)
    assert sum(budget.try_spend() for _ in range(10)) == 10
    clock.step(-TWO_HOURS)
    clock.base.advance(DAY + 120)  # type: ignore[attr-defined]
    assert budget.calls_left_today == 10 and budget.try_spend()


def test_a_step_forward_makes_no_followed_snapshot_job_due() -> None:
    """Its last fetch is a step-free time: a step of two hours is no refresh interval gone by."""
    from schemas import GetResourceSnapshotJobResponse
    from tui.engine.job_queue import SnapshotJobQueue
    from tui.engine.poll_plan import PollPlan

    clock = SteppedWall(MockClock(T0))
    store = Store(clock=clock)
    queue = SnapshotJobQueue(store, clock, PollPlan())
    queue.want("job-1")
    store.apply_jobs([GetResourceSnapshotJobResponse(id="job-1", status="Running")])
    queue.fetched("job-1")
    assert queue.next_job() is None
    clock.step(TWO_HOURS)
    assert queue.next_job() is None

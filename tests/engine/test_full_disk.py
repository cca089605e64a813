"""A full disk under the journal (issue 27, 1): the store keeps what the journal did not take and writes
it, in order, once it does; the poller's budget counts in memory meanwhile; the poller never stops, never
blames a source, and says `journal not written` until a write succeeds."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import sqlite3
from dataclasses import fields
from pathlib import Path

from tests.support.engine import ACCEPT, T0, FakeClient, bulk_results, task
from tests.support.full_disk import Disk, journal_on
from tui.core.clock import MockClock
from tui.core.settings import Budget, Settings
from tui.engine.budget import RequestBudget
from tui.engine.bulk_contents import ResultSetHead
from tui.engine.call_ledger import SLOT, slot_of
from tui.engine.journal import WAL_TRUNCATE_AT, Journal, PendingWrites
from tui.engine.poller import Poller, PollPlan
from tui.engine.store import Store
from tui.engine.types import JournalNotWritten


def _journaled(path: Path) -> tuple[dict[str, str], list[tuple[str, str | None, str]]]:
    journal = Journal(path)
    try:
        contents = journal.load()
    finally:
        journal.close()
    tasks = {row.record.task_id: str(row.record.task_status) for row in contents.tasks}
    return tasks, [(t[0], t[2], t[3]) for t in contents.transitions]


def test_what_a_full_disk_refused_is_written_in_order_with_the_next_flush(tmp_path: Path) -> None:
    disk = Disk()
    path = tmp_path / "j.sqlite3"
    clock = MockClock(T0)
    store = Store(journal_on(path, disk), clock=clock)
    store.apply_tasks([task(1)])
    disk.full = True
    clock.advance(10)
    store.apply_tasks([task(1, status="COMPLETE"), task(2)])
    clock.advance(10)
    store.apply_tasks([task(2, status="FAILED")])
    assert disk.writes_refused == 2 and store.unwritten
    assert store.journal_not_written() == JournalNotWritten("disk full", str(path))

    disk.full = False
    clock.advance(10)
    store.apply_tasks([task(3)])  # the next change's flush writes all of it
    assert not store.unwritten and store.journal_not_written() is None
    tasks, transitions = _journaled(path)
    one, two, three = (task(n).task_id for n in (1, 2, 3))
    assert tasks == {one: "COMPLETE", two: "FAILED", three: "IN_PROGRESS"}
    assert transitions == [
        (one, None, "IN_PROGRESS"),
        (one, "IN_PROGRESS", "COMPLETE"),
        (two, None, "IN_PROGRESS"),
        (two, "IN_PROGRESS", "FAILED"),
        (three, None, "IN_PROGRESS"),
    ]


def test_a_flush_with_nothing_new_writes_what_was_kept(tmp_path: Path) -> None:
    disk = Disk()
    path = tmp_path / "j.sqlite3"
    store = Store(journal_on(path, disk), clock=MockClock(T0))
    disk.full = True
    store.apply_tasks([task(1)])
    disk.full = False
    store.flush()  # (the poller's tick: nothing new came)
    assert _journaled(path)[0] == {task(1).task_id: "IN_PROGRESS"}


def test_kept_changes_merge_under_newer_ones_field_by_field() -> None:
    head = ResultSetHead(kind="x", all_asked=False, fetched_at=0.0, final=False)
    older = PendingWrites(
        transitions=[("a", ACCEPT, None, "IN_PROGRESS", 1.0, None)],
        meta={"k": "old", "j": "kept"},
        invitations={"inv-1": "summary-1"},  # type: ignore[dict-item]
        removed_invitations={"inv-2"},
        result_resets={"job-1"},
        result_heads={"job-1": head},
        result_pages=[("job-1", "FAILED", 0, []), ("job-2", "FAILED", 0, [])],
    )
    newer = PendingWrites(
        transitions=[("a", ACCEPT, "IN_PROGRESS", "COMPLETE", 2.0, 1.0)],
        meta={"k": "new"},
        invitations={"inv-2": "summary-2"},  # type: ignore[dict-item]
        removed_invitations={"inv-1"},
        result_resets={"job-1"},
        result_pages=[("job-1", "FAILED", 0, [])],
    )
    merged = older.absorb(newer)
    assert [t[3] for t in merged.transitions] == ["IN_PROGRESS", "COMPLETE"]
    assert merged.meta == {"k": "new", "j": "kept"}
    assert merged.invitations == {"inv-2": "summary-2"} and merged.removed_invitations == {"inv-1"}
    # job-1 starts over in the newer changes: its older page would outlive the reset.
    assert merged.result_pages == [("job-2", "FAILED", 0, []), ("job-1", "FAILED", 0, [])]


def test_every_field_of_the_pending_writes_merges() -> None:
    # A field added later (another table written in the same transaction) merges by its type.
    for f in fields(PendingWrites):
        older, newer = PendingWrites(), PendingWrites()
        value = getattr(newer, f.name)
        if isinstance(value, dict):
            value["x"] = "y"
        elif isinstance(value, list):
            value.append(("x", "y", 0, []))
        else:
            value.add("x")
        merged = older.absorb(newer)
        assert getattr(merged, f.name), f.name


def test_the_unwritten_results_are_bounded_transitions_never() -> None:
    pending = PendingWrites(
        transitions=[("a", ACCEPT, None, "IN_PROGRESS", float(n), None) for n in range(50)],
        result_pages=[(f"job-{n}", "FAILED", 0, bulk_results(f"job-{n}", 10)) for n in range(5)],
    )
    assert pending.bounded(results=25) == ["job-4", "job-3", "job-2"]
    assert [p[0] for p in pending.result_pages] == ["job-0", "job-1"] and len(pending.transitions) == 50


def test_the_budget_counts_in_memory_on_a_full_disk_and_writes_it_after(tmp_path: Path) -> None:
    disk = Disk()
    clock = MockClock(T0)
    journal = journal_on(tmp_path / "j.sqlite3", disk)
    ledger = journal.call_ledger(in_memory_while_unwritable=True)
    budget = RequestBudget(Budget(rate_per_second=100.0, daily_calls=10, burst=100), clock, ledger=ledger)
    assert budget.try_spend(3)
    disk.full = True
    assert budget.try_spend(5)
    assert journal.trouble.reason == "disk full"
    assert not budget.try_spend(3), "the allowance holds in memory too"
    assert budget.calls_left_today == 2
    clock.advance(SLOT)
    disk.full = False
    assert budget.try_spend(1)
    assert journal.trouble.reason is None
    now = clock.now().timestamp()
    other = Journal(tmp_path / "j.sqlite3")  # (another process of the same journal)
    try:
        assert other.call_ledger().used(now) == 9
    finally:
        other.close()
    with contextlib.closing(sqlite3.connect(tmp_path / "j.sqlite3")) as db:
        slots = dict(db.execute("SELECT slot, calls FROM calls"))
    assert slots == {slot_of(now - SLOT): 8, slot_of(now): 1}  # each in the slot it was spent in


async def test_the_poller_never_stops_nor_blames_a_kind_and_loses_no_transition(tmp_path: Path) -> None:
    disk = Disk()
    path = tmp_path / "j.sqlite3"
    clock = MockClock(T0)
    client = FakeClient([task(n) for n in range(3)])
    store = Store(journal_on(path, disk), clock=clock)
    poller = Poller(
        client,
        store,
        Settings(max_rate=10.0, daily_calls=10_000, burst=20),
        clock,
        rng=random.Random(1),
        plan=PollPlan(),
    )
    poller.watching()
    runner = asyncio.create_task(poller.run())

    async def drive(seconds: float) -> None:
        for _ in range(int(seconds / 0.5)):
            for _ in range(20):
                await asyncio.sleep(0)
            clock.advance(0.5)

    try:
        await drive(30)
        disk.full = True
        calls = len(client.calls)
        for n in range(3):
            client.set_status(task(n).task_id, "COMPLETE")
        await drive(120)
        during = client.calls[calls:]
        assert len(during) > 10, "the poller went on calling"
        status = poller.status
        assert status.state == "live" and status.last_error is None and status.failing == ()
        assert status.journal_not_written == JournalNotWritten("disk full", str(path))
        assert all(store.task(task(n).task_id).task_status == "COMPLETE" for n in range(3))  # type: ignore[union-attr]
        disk.full = False
        await drive(40)
        assert poller.status.journal_not_written is None
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
    tasks, transitions = _journaled(path)
    assert set(tasks.values()) == {"COMPLETE"}
    assert {(t, to) for t, _, to in transitions if to == "COMPLETE"} == {
        (task(n).task_id, "COMPLETE") for n in range(3)
    }


def test_a_big_write_leaves_the_wal_small_and_a_reader_does_not_hold_it_up(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    store = Store(Journal(path), clock=MockClock(T0))
    store.apply_tasks([task(n, message="x" * 2_000) for n in range(1_000)])  # ~2 MB in one transaction
    assert os.stat(f"{path}-wal").st_size <= WAL_TRUNCATE_AT

    reader = sqlite3.connect(path)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM tasks").fetchone()  # (a follower's snapshot holds the WAL)
        store.apply_tasks([task(n, message="y" * 2_000) for n in range(1_000)])  # (not waiting for it)
        assert os.stat(f"{path}-wal").st_size > WAL_TRUNCATE_AT
    finally:
        reader.close()
    store.apply_tasks([task(1, status="COMPLETE")])  # (no reader now)
    assert os.stat(f"{path}-wal").st_size <= WAL_TRUNCATE_AT

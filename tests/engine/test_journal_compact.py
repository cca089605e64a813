"""Compacting the journal (issue 29): the finished tasks older than the age are folded into the
statistics' summaries and dropped with their transitions, prospecting outcomes and the snapshot jobs
only they name, in one transaction; nothing else goes, and nothing at all if the fold did not take them
all. The fold is a recording stand-in (`tests/support/summaries.py`)."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from schemas import GetProspectingFromEngagementTaskResponse, GetResourceSnapshotJobResponse
from tests.support.engine import PROSPECTING, T0, task
from tests.support.summaries import fold_into_summaries, folded
from tui.core.clock import MockClock
from tui.engine.journal import Journal
from tui.engine.journal_compact import CompactRefused, compact_daily
from tui.engine.types import TaskRow

OLD = T0 - timedelta(days=400)
CUT = (T0 - timedelta(days=365)).timestamp()


def _row(n: int, status: str, start, job: str | None = None, kind: str | None = None) -> TaskRow:
    record = task(
        n, status=status, start=start, resource_snapshot_job_id=job, **({"kind": kind} if kind else {})
    )
    return TaskRow(record, start.timestamp(), start.timestamp())


def _journal(path: Path) -> Journal:
    """Old: two finished (one naming a job only it names, one a job a new task names too), a prospecting
    one with outcomes, one still running. New: one finished naming the shared job."""
    journal = Journal(path)
    rows = [
        _row(1, "COMPLETE", OLD, job="job-only-old"),
        _row(2, "FAILED", OLD + timedelta(hours=1), job="job-shared"),
        _row(3, "COMPLETE", OLD + timedelta(hours=2), kind=PROSPECTING),
        _row(4, "IN_PROGRESS", OLD),
        _row(5, "COMPLETE", T0, job="job-shared"),
    ]
    journal.write(
        tasks=rows,
        transitions=[(r.record.task_id or "", r.record.kind, None, "COMPLETE", 1.0, None) for r in rows],
        jobs=[(GetResourceSnapshotJobResponse(id=j), 1.0) for j in ("job-only-old", "job-shared")],
        prospecting=[(GetProspectingFromEngagementTaskResponse(task_id=rows[2].record.task_id), 1.0)],
    )
    return journal


def _ids(path: Path, query: str) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {x for (x,) in conn.execute(query)}
    finally:
        conn.close()


def test_a_dry_run_says_what_would_go_and_drops_nothing(tmp_path) -> None:
    journal = _journal(tmp_path / "j.sqlite3")
    seq = journal.change_seq()
    found = journal.compact(CUT, apply=False)
    assert (found.tasks, found.transitions, found.jobs, found.prospecting, found.applied) == (
        3,
        3,
        1,
        1,
        False,
    )
    assert len(journal.load().tasks) == 5 and journal.change_seq() == seq


def test_compacting_folds_then_drops_the_old_finished_tasks_and_only_theirs(tmp_path) -> None:
    path = tmp_path / "j.sqlite3"
    journal = _journal(path)
    seq = journal.change_seq()
    done = journal.compact(CUT, apply=True, fold=fold_into_summaries)
    assert done.applied and done.tasks == 3
    old_finished = {task(n, start=OLD).task_id for n in (1, 2)} | {task(3, kind=PROSPECTING).task_id}
    conn = sqlite3.connect(path)
    assert folded(conn) == old_finished  # the summaries took exactly what was dropped
    conn.close()
    left = {r.record.task_id for r in journal.load().tasks}
    assert left == {task(4).task_id, task(5).task_id}  # the running one stays, whatever its age
    assert _ids(path, "SELECT task_id FROM transitions") == left
    assert _ids(path, "SELECT job_id FROM jobs") == {"job-shared"}  # a new task names it
    assert _ids(path, "SELECT task_id FROM prospecting") == set()
    assert journal.change_seq() == seq + 1
    assert journal.compact(CUT, apply=True, fold=fold_into_summaries).tasks == 0  # nothing more to do


def test_nothing_is_dropped_unless_the_summaries_took_every_task(tmp_path) -> None:
    path = tmp_path / "j.sqlite3"
    journal = _journal(path)

    def folds_one_short(conn: sqlite3.Connection, before: float) -> int:
        return fold_into_summaries(conn, before) - 1

    with pytest.raises(CompactRefused, match="took 2 of the 3"):
        journal.compact(CUT, apply=True, fold=folds_one_short)
    assert len(journal.load().tasks) == 5
    assert "standin_folded" not in _ids(path, "SELECT name FROM sqlite_master")  # rolled back, fold too


def test_the_leader_compacts_at_its_start_then_daily(tmp_path) -> None:
    journal = _journal(tmp_path / "j.sqlite3")
    asked: list[float] = []

    class Recording:
        def compact(self, before: float, *, apply: bool, fold=None):  # type: ignore[no-untyped-def]
            asked.append(before)
            return journal.compact(before, apply=apply, fold=fold_into_summaries)

    clock = MockClock(T0)

    async def run() -> None:
        daily = asyncio.ensure_future(compact_daily(Recording(), 365, clock))
        while clock.sleepers == 0:
            await asyncio.sleep(0.005)  # (the compaction runs in a thread)
        assert asked == [CUT] and len(journal.load().tasks) == 2
        clock.advance(86_400)
        while len(asked) < 2:
            await asyncio.sleep(0.005)  # (the compaction runs in a thread)
        daily.cancel()

    asyncio.run(asyncio.wait_for(run(), 30))
    assert asked == [CUT, CUT + 86_400]

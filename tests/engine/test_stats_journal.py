"""The statistics SQLite computes over a journal (`tui.engine.stats_summaries`), checked against the
in-memory computation over the same rows (`compute_stats`, whose figures tests/engine/test_stats.py counts
by hand): every field of the `--json` object, byte for byte, for windows, kinds and bucket sizes, on rows
that hit the edges (no start time, statuses and kinds pcwatch does not know, an end before the start or on
a bucket's edge, tasks first seen finished, bulk jobs); then that a compact (fold, then delete) changes no
window's numbers, and that an older journal is read, and migrated, to the same numbers."""

from __future__ import annotations

import math
import random
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from schemas import TASK_KINDS, BulkJobRecord, TaskRecord
from tui.engine.journal import Journal
from tui.engine.journal_read import read_journal
from tui.engine.stats import DAY, HOUR, Scope, compute_stats, stats_of
from tui.engine.stats_summaries import FOLDABLE, fold_into_summaries
from tui.engine.types import TaskRow

NOW = datetime(2026, 11, 28, 12, 0, 7, 250_000, tzinfo=timezone.utc)
FROM_OPP = "EngagementFromOpportunity"
PROSPECTING = "ProspectingFromEngagement"
OPP_BULK = "OpportunityBulkJob"
KINDS = [*TASK_KINDS, "SomeFutureKind"]
STATUSES = ["IN_PROGRESS", "COMPLETE", "COMPLETE", "FAILED", "FAILED", "SOME_NEW_STATUS", None]
REASONS = [None, "", "InternalError", "InvitationValidationFailed", "Boom\x1b[2J\u202e"]
#: (since, kinds, bucket seconds) of every comparison: 24 h, 7 d, all, 400 d (past a compact at 365 d),
#: an odd window, kinds and a family chosen, buckets of an hour and a day.
CASES = [
    (DAY, None, HOUR),
    (7 * DAY, None, HOUR),
    (None, None, HOUR),
    (400 * DAY, None, HOUR),
    (365 * DAY + 1234.5, None, DAY),
    (None, [FROM_OPP, PROSPECTING, OPP_BULK], DAY),
    (30 * DAY, [OPP_BULK], HOUR),
    (100.0, [FROM_OPP], HOUR),  # its one observed duration: seen ending before its start
]
COMPACTED_BEFORE = (NOW - timedelta(days=365)).timestamp()


def _row(n: int, kind: str, status: str | None, start: float | None, reason: str | None = None, *,
         end: float | None = None, seen: float | None = None) -> TaskRow:  # fmt: skip
    """A task started at `start`; `end`: seen running, then first seen finished then; `seen`: first
    seen (finished, unless its status is not) then."""
    record = TaskRecord(
        kind=kind,
        task_id=f"task-{n:013d}",
        start_time=datetime.fromtimestamp(start, timezone.utc) if start is not None else None,
        task_status=status,
        reason_code=reason,
        message="it failed" if status == "FAILED" else None,
    )
    if end is not None:
        return TaskRow(record, end - 60, end, terminal_at=end, terminal_prev=end - 5)
    at = seen if seen is not None else (start or NOW.timestamp()) + 30
    return TaskRow(record, at, at, terminal_at=at if status in ("COMPLETE", "FAILED") else None)


def _rows(n: int = 1500, seed: int = 29) -> list[TaskRow]:
    rng = random.Random(seed)
    now = NOW.timestamp()
    rows = []
    for i in range(n):
        ago = rng.choice([rng.uniform(0, DAY), rng.uniform(0, 9 * DAY), rng.uniform(0, 800 * DAY)])
        start = None if i % 101 == 0 else now - ago
        status = rng.choice(STATUSES)
        reason = rng.choice(REASONS) if status in ("FAILED", "COMPLETE") else None
        took = rng.choice([None, None, 0.0, -3.0, rng.uniform(1, 7200), 1.5 * DAY])
        end = start + took if start is not None and took is not None else None
        rows.append(_row(i, rng.choice(KINDS), status, start, reason, end=end))
    hour = now - now % HOUR
    rows += [
        _row(n + 1, FROM_OPP, "COMPLETE", hour - 600, end=hour),  # ends on an hour's edge
        _row(n + 2, FROM_OPP, "FAILED", hour - 600, "Late", end=math.nextafter(hour, 0)),  # just before
        _row(n + 3, FROM_OPP, "COMPLETE", hour, seen=hour),  # starts on it, first seen finished
        _row(n + 4, FROM_OPP, "COMPLETE", now - DAY),  # on the 24 h window's edge
        _row(n + 5, FROM_OPP, "COMPLETE", None, end=now - 50),  # no start time, seen finishing
        _row(n + 6, FROM_OPP, "IN_PROGRESS", now - 900, end=now - 60),  # an end, but running again
        _row(n + 10, FROM_OPP, "COMPLETE", now - 60, end=now - 63),  # its end before its start: 0 s
        # The same facts twice (one row of the summaries for both), past the compact's boundary.
        _row(n + 7, PROSPECTING, "FAILED", now - 500 * DAY, "InternalError", end=now - 500 * DAY + 90),
        _row(n + 8, PROSPECTING, "FAILED", now - 500 * DAY, "InternalError", end=now - 500 * DAY + 90),
        # Started before the boundary, still running: not folded (not finished).
        _row(n + 9, PROSPECTING, "IN_PROGRESS", now - 400 * DAY),
    ]
    return rows


def _jobs() -> list[BulkJobRecord]:
    def job(n: int, status: str, days: float, processed: int) -> BulkJobRecord:
        created = NOW - timedelta(days=days)
        return BulkJobRecord(
            kind=OPP_BULK if n % 2 else "CustomerAccountBulkJob",
            job_id=f"job-{n:04d}",
            status=status,
            created_at=created,
            started_at=created,
            completed_at=created + timedelta(minutes=10) if status != "IN_PROGRESS" else None,
            total_records=processed,
            processed_records=processed,
            success_count=processed - 1,
            failure_count=1,
        )

    return [job(1, "COMPLETED", 0.5, 600), job(2, "FAILED", 3, 100), job(3, "IN_PROGRESS", 0.01, 10),
            job(4, "COMPLETED", 500, 50), job(5, "SOME_NEW_STATUS", 40, 1)]  # fmt: skip


def _journal(path: Path, rows: list[TaskRow], jobs: list[BulkJobRecord]) -> None:
    journal = Journal(path)
    for i in range(0, len(rows), 400):
        journal.write(tasks=rows[i : i + 400])
    journal.write(bulk_jobs=[(j, NOW.timestamp()) for j in jobs])
    journal.close()


def _from_journal(path: Path, since: float | None, kinds: list[str] | None, bucket: int) -> bytes:
    snapshot = read_journal(path, Scope.of(NOW, since, kinds), bucket)
    stats = stats_of(snapshot.tally, NOW, bulk_jobs=snapshot.bulk_jobs, bulk_results=snapshot.bulk_results)
    return stats.to_json()


def _in_memory(rows: list[TaskRow], since: float | None, kinds: list[str] | None, bucket: int) -> bytes:
    jobs = _jobs()
    return compute_stats(rows, NOW, since=since, kinds=kinds, bucket_seconds=bucket, bulk_jobs=jobs).to_json()


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[TaskRow]]:
    path = tmp_path_factory.mktemp("stats-journal") / "j.sqlite3"
    rows = _rows()
    _journal(path, rows, _jobs())
    return path, rows


def _journal_copy(written: tuple[Path, list[TaskRow]], tmp_path: Path) -> Path:
    path = tmp_path / "j.sqlite3"
    source = sqlite3.connect(written[0])
    target = sqlite3.connect(path)
    source.backup(target)
    source.close()
    target.close()
    return path


@pytest.mark.parametrize(("since", "kinds", "bucket"), CASES)
def test_sqlite_counts_what_the_rows_say(written, since, kinds, bucket) -> None:
    path, rows = written
    stats = _from_journal(path, since, kinds, bucket)
    assert stats == _in_memory(rows, since, kinds, bucket)
    assert b'"tasks":0' not in stats or kinds == [OPP_BULK]  # (each window holds tasks)


def test_no_tasks_at_all(tmp_path) -> None:
    _journal(tmp_path / "empty.sqlite3", [], [])
    for since, kinds, bucket in CASES:
        empty = compute_stats([], NOW, since=since, kinds=kinds, bucket_seconds=bucket).to_json()
        assert _from_journal(tmp_path / "empty.sqlite3", since, kinds, bucket) == empty


def test_no_task_row_is_decoded(written, tmp_path) -> None:
    """SQLite reads the columns, never the rows: rows that no longer decode change nothing."""
    path = _journal_copy(written, tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE tasks SET row = X'C1'")  # (0xC1: never a msgpack value)
    conn.commit()
    conn.close()
    for since, kinds, bucket in CASES:
        assert _from_journal(path, since, kinds, bucket) == _in_memory(written[1], since, kinds, bucket)


def _compact(path: Path, before: float) -> tuple[int, int]:
    """What `pcwatch journal compact` does with the statistics: fold, then delete, in one transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        folded = fold_into_summaries(conn, before)
        deleted = conn.execute(f"DELETE FROM tasks WHERE {FOLDABLE}", (before,)).rowcount
        conn.execute("COMMIT")
    finally:
        conn.close()
    return folded, deleted


def test_a_compact_changes_no_window(written, tmp_path) -> None:
    path = _journal_copy(written, tmp_path)
    before = [_from_journal(path, *case) for case in CASES]
    folded, deleted = _compact(path, COMPACTED_BEFORE)
    assert folded == deleted > 100  # (a good part of the history went)
    conn = sqlite3.connect(path)
    left = conn.execute("SELECT count(*), sum(tasks) FROM folded_tasks").fetchone()
    conn.close()
    assert left[1] == folded and left[0] < folded  # the two tasks of the same facts: one row
    assert [_from_journal(path, *case) for case in CASES] == before
    # A second compact later on folds the next stretch beside the first.
    folded, deleted = _compact(path, COMPACTED_BEFORE + 200 * DAY)
    assert folded == deleted > 0
    assert [_from_journal(path, *case) for case in CASES] == before


def test_deleting_without_folding_would_change_them(written, tmp_path) -> None:
    """(The test above can fail: without the summaries, the long windows lose the old tasks.)"""
    path = _journal_copy(written, tmp_path)
    whole = _from_journal(path, None, None, HOUR)
    conn = sqlite3.connect(path)
    conn.execute(f"DELETE FROM tasks WHERE {FOLDABLE}", (COMPACTED_BEFORE,))
    conn.commit()
    conn.close()
    assert _from_journal(path, None, None, HOUR) != whole
    assert _from_journal(path, DAY, None, HOUR) == _in_memory(written[1], DAY, None, HOUR)


def test_an_older_journal_is_read_and_migrated_to_the_same_numbers(written, tmp_path) -> None:
    """A v4 journal (no columns to count from) is read row by row, the window's rows only; opened by a
    viewer it migrates, its columns filled from its rows."""
    path = _journal_copy(written, tmp_path)
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        DROP INDEX tasks_by_start;
        DROP TABLE folded_tasks;
        ALTER TABLE tasks DROP COLUMN reason_code;
        ALTER TABLE tasks DROP COLUMN observed_end;
        PRAGMA user_version = 4;
        """
    )
    conn.close()
    rows = written[1]
    for since, kinds, bucket in CASES:
        assert _from_journal(path, since, kinds, bucket) == _in_memory(rows, since, kinds, bucket)
    Journal(path).close()  # migrates
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 5
    filled = conn.execute("SELECT count(*) FROM tasks WHERE observed_end IS NOT NULL").fetchone()[0]
    conn.execute("UPDATE tasks SET row = X'C1'")  # (now counted from the columns alone)
    conn.commit()
    conn.close()
    assert filled == sum(1 for r in rows if r.observed_end is not None) > 0
    for since, kinds, bucket in CASES:
        assert _from_journal(path, since, kinds, bucket) == _in_memory(rows, since, kinds, bucket)

"""Keeping the journal small: dropping the finished tasks that started before a moment (`pcwatch journal
compact`, and the leader at its start and daily with `Settings.journal_keep_days`).

In one transaction: the tasks are first folded into the per-hour summaries the statistics read for the
whole period (`tui.engine.stats_summaries.fold_into_summaries`, issue 29's statistics), then deleted
with their transitions, their prospecting outcomes and the snapshot jobs only they name. Nothing is
dropped unless the summaries took every one of them. A running task (or one of a status this version
does not know) is never dropped, nor one without a start time. A viewer that holds one of them in memory
keeps it until it restarts (the change sequence carries no deletions; a store keeps the newest 100,000
finished, weeks at a busy account's pace, so an age of months is never in one).

The freed pages stay in the file, on SQLite's free list: the journal stops growing until new rows have
used them, and compacting never rewrites the file under the viewers that share it. `VACUUM`
(`Journal.vacuum`, `compact --vacuum`) gives the space back to the disk: it rewrites the whole file under
the write lock (seconds for hundreds of MB, while the leader's writes wait; as much free disk as the
journal), so it is asked for, never automatic.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import msgspec

from tui.core.clock import Clock

from .stats_summaries import FOLDABLE, fold_into_summaries

log = logging.getLogger(__name__)

#: Folds the finished tasks that started before an epoch second into their summaries, in the caller's
#: transaction; returns how many it folded.
Fold = Callable[[sqlite3.Connection, float], int]

DAY = 86_400.0
#: Rows decoded at a time while looking for the snapshot jobs the dropped tasks name.
_CHUNK = 10_000


class CompactRefused(Exception):
    """Nothing was dropped; the message says why."""


@dataclass(frozen=True)
class Compaction:
    """What a compaction drops (or, not applied, would drop)."""

    #: The tasks dropped started before this (epoch seconds).
    before: float
    tasks: int = 0
    transitions: int = 0
    jobs: int = 0
    prospecting: int = 0
    applied: bool = False


class Compactable(Protocol):
    """What the leader compacts: `Journal.compact`."""

    def compact(self, before: float, *, apply: bool, fold: Fold | None = None) -> Compaction: ...


class _JobNamed(msgspec.Struct):
    resource_snapshot_job_id: str | None = msgspec.field(default=None, name="ResourceSnapshotJobId")


class _TaskJob(msgspec.Struct, array_like=True):
    """Of a task row (`TaskRow`), only the snapshot job it names: the rest is skipped undecoded."""

    record: _JobNamed


_job_of = msgspec.msgpack.Decoder(_TaskJob).decode

#: The finished tasks that started before ?: a search of `tasks_by_status` (journal schema v5); the very
#: tasks the statistics' fold takes (`FOLDABLE`).
_DROPPED = f"SELECT task_id FROM tasks WHERE {FOLDABLE}"


def default_fold() -> Fold:
    """The statistics' `fold_into_summaries`: what stays of the tasks dropped."""
    return fold_into_summaries


def _temp(conn: sqlite3.Connection, table: str) -> None:
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} (id TEXT PRIMARY KEY)")
    conn.execute(f"DELETE FROM temp.{table}")


def _jobs_named(conn: sqlite3.Connection, query: str) -> set[str]:
    found: set[str] = set()
    cursor = conn.execute(query)
    while rows := cursor.fetchmany(_CHUNK):
        found.update(job for (blob,) in rows if (job := _job_of(blob).record.resource_snapshot_job_id))
    return found


def mark(conn: sqlite3.Connection, before: float) -> Compaction:
    """Within the caller's transaction: the tasks to drop in `temp.compact_tasks`, the snapshot jobs only
    they name in `temp.compact_jobs`, and the counts."""
    _temp(conn, "compact_tasks")
    conn.execute("INSERT INTO temp.compact_tasks " + _DROPPED, (before,))
    _temp(conn, "compact_jobs")
    dropped = "SELECT id FROM temp.compact_tasks"
    jobs = _jobs_named(conn, f"SELECT row FROM tasks WHERE task_id IN ({dropped})")
    conn.executemany(
        "INSERT INTO temp.compact_jobs SELECT job_id FROM jobs WHERE job_id = ?", ((j,) for j in jobs)
    )
    if conn.execute("SELECT 1 FROM temp.compact_jobs LIMIT 1").fetchone():
        # A job another task names too stays (one read of the kept tasks' rows, only when needed).
        kept = _jobs_named(conn, f"SELECT row FROM tasks WHERE task_id NOT IN ({dropped})")
        conn.executemany("DELETE FROM temp.compact_jobs WHERE id = ?", ((j,) for j in kept))

    def count(query: str) -> int:
        return int(conn.execute(query).fetchone()[0])

    return Compaction(
        before,
        tasks=count("SELECT count(*) FROM temp.compact_tasks"),
        transitions=count(f"SELECT count(*) FROM transitions WHERE task_id IN ({dropped})"),
        jobs=count("SELECT count(*) FROM temp.compact_jobs"),
        prospecting=count(f"SELECT count(*) FROM prospecting WHERE task_id IN ({dropped})"),
    )


def drop(conn: sqlite3.Connection, found: Compaction, fold: Fold) -> Compaction:
    """Within the caller's write transaction, after `mark`: fold, then delete what was marked."""
    folded = fold(conn, found.before)
    if folded != found.tasks:
        raise CompactRefused(
            f"the summaries took {folded:,} of the {found.tasks:,} tasks to drop: nothing dropped"
        )
    dropped = "SELECT id FROM temp.compact_tasks"
    conn.execute(f"DELETE FROM transitions WHERE task_id IN ({dropped})")
    conn.execute(f"DELETE FROM prospecting WHERE task_id IN ({dropped})")
    conn.execute("DELETE FROM jobs WHERE job_id IN (SELECT id FROM temp.compact_jobs)")
    conn.execute(f"DELETE FROM tasks WHERE task_id IN ({dropped})")
    return Compaction(
        found.before, found.tasks, found.transitions, found.jobs, found.prospecting, applied=True
    )


async def compact_daily(journal: Compactable, keep_days: int, clock: Clock) -> None:
    """The leader's: drop the finished tasks older than `keep_days` now, then once a day; until
    cancelled. In a thread, on a connection of its own (the poller's writes wait for it, a few
    seconds at most). A failure is logged, and tried again the next day."""
    while True:
        before = clock.now().timestamp() - keep_days * DAY
        try:
            done = await asyncio.to_thread(journal.compact, before, apply=True)
            if done.tasks:
                log.info(
                    "journal compacted: %s finished tasks older than %s days dropped", done.tasks, keep_days
                )
        except (CompactRefused, sqlite3.Error) as exc:
            log.warning("journal not compacted: %s", exc)
        await clock.sleep(DAY)

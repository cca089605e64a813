"""Which finished tasks the store forgets, so that a viewer left running for days stays the same size.

The journal keeps every task; the store (each viewer's memory) keeps every running task and the newest
`KEEP_ENDED_TASKS` finished ones, newest by `StartTime`: what it keeps is then every task that started
after some moment, so the table, its filters and the statistics of any window that begins after the
oldest kept start are exactly what they would be with all of them. `pcwatch stats` reads the journal and
sees all of history.

Forgetting runs in steps of `EVICT_STEP_SHARE` of the bound (one sort of the finished rows per step),
not at each new task.

The bulk jobs are bounded the same way (every job not finished, the newest `KEEP_ENDED_BULK_JOBS`
finished by creation: `ended_jobs_to_forget`), and their per-record results by count: at most
`KEEP_RESULTS` records across jobs in memory, the sets used least lately let go first (the journal keeps
every page; a set let go is read back when it is looked at: `tui.engine.bulk_contents`). A job's file may
hold 5,000 records; the jobs view shows its failed ones, which are fetched first.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from schemas import BulkJobRecord, TaskStatus

from .types import TaskRow

#: Finished tasks a store keeps by default: 100,000 is what the table and the journal's load are measured
#: at (README), ~100 MB of a viewer's memory; at 30 tasks a minute, 2.3 days of them.
KEEP_ENDED_TASKS = 100_000
#: Once over the bound, the store forgets down to this share of it below the bound.
EVICT_STEP_SHARE = 0.01
#: Finished bulk jobs a store keeps in memory (the newest by creation); a busy account runs a few a day.
KEEP_ENDED_BULK_JOBS = 1_000
#: Per-record results kept in memory across jobs (~300 bytes each: ~6 MB).
KEEP_RESULTS = 20_000
#: Per-record results kept for the journal while it takes no writes (a full disk): beyond, the latest
#: jobs' unwritten result sets are let go (`PendingWrites.bounded`; memory still holds them, and the
#: journal the sets it had). Every observed transition is kept, whatever the bound.
KEEP_UNWRITTEN_RESULTS = KEEP_RESULTS


def ended_to_forget(rows: Iterable[TaskRow], ended: int, keep: int) -> list[str]:
    """The ids of the finished tasks to forget when `ended` of `rows` are finished and at most `keep`
    may stay: none while within the bound; otherwise the oldest started, down to `keep` less a step."""
    if ended <= keep:
        return []
    excess = ended - keep + int(keep * EVICT_STEP_SHARE)
    terminal = TaskStatus.TERMINAL
    candidates = (
        (row.record.start_time.timestamp() if row.record.start_time else float("-inf"), row.first_seen, tid)
        for row in rows
        if row.record.task_status in terminal and (tid := row.record.task_id)
    )
    return [tid for _, _, tid in heapq.nsmallest(excess, candidates)]


def ended_jobs_to_forget(jobs: Iterable[BulkJobRecord], keep: int) -> set[str]:
    """The ids of the finished bulk jobs to forget so that at most `keep` stay: the oldest created."""
    ended = [j for j in jobs if j.is_terminal]
    if len(ended) <= keep:
        return set()

    def created(job: BulkJobRecord) -> tuple[float, str]:
        return (job.created_at.timestamp() if job.created_at is not None else float("-inf"), job.job_id)

    return {j.job_id for j in heapq.nsmallest(len(ended) - keep, ended, key=created)}

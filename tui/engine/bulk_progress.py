"""How far a bulk job has got, how fast, and how long it has left: one pure function of its record and
the clock's now, so the jobs view, `pcwatch wait`, `pcwatch jobs` and the notebook say the same.

The rate is the records processed since the job started (`StartedAt`; the customer-account family has
none, so `CreatedAt`) over the time since, or until it completed. It is an average over the whole run,
so it does not jump from one poll to the next; the time left is the records left at that rate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from schemas import BulkJobRecord, BulkJobStatus

#: Below this many seconds of running, or records processed, a rate says nothing yet.
MIN_SECONDS = 5.0
MIN_RECORDS = 1


@dataclass(frozen=True)
class BulkProgress:
    processed: int
    #: None: the service has not said how many records the file has yet.
    total: int | None
    succeeded: int
    failed: int
    #: Processed / total, 0.0–1.0 (None without a total, or with a total of 0).
    fraction: float | None
    #: Records a minute, averaged over the run (None: too early to say, or not started).
    per_minute: float | None
    #: Seconds left at that rate (None: unknown; 0 once finished).
    seconds_left: float | None
    finished: bool


def bulk_progress(job: BulkJobRecord, now: datetime) -> BulkProgress:
    processed = job.processed_records or 0
    total = job.total_records
    finished = job.status in BulkJobStatus.TERMINAL
    # A file of no records (or one the job could not read: it FAILED with 0 of 0) has no share done:
    # a full bar would read as "all done".
    fraction = min(1.0, processed / total) if total else None
    began = job.started_at or job.created_at
    until = job.completed_at if finished and job.completed_at is not None else now
    per_minute = None
    if began is not None and processed >= MIN_RECORDS:
        seconds = (until - began).total_seconds()
        if seconds >= MIN_SECONDS:
            per_minute = processed / seconds * 60.0
    seconds_left: float | None
    if finished:
        seconds_left = 0.0
    elif total is not None and per_minute:
        seconds_left = max(0.0, total - processed) / per_minute * 60.0
    else:
        seconds_left = None
    return BulkProgress(
        processed=processed,
        total=total,
        succeeded=job.success_count or 0,
        failed=job.failure_count or 0,
        fraction=fraction,
        per_minute=per_minute,
        seconds_left=seconds_left,
        finished=finished,
    )

"""A bulk job's progress from its record alone: the rate over the run, the time left, a finished job."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from schemas import BulkJobRecord
from tui.engine.bulk_progress import bulk_progress

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def job(**fields: object) -> BulkJobRecord:
    return BulkJobRecord(kind="OpportunityBulkJob", job_id="job-1", **fields)  # type: ignore[arg-type]


def test_a_running_job_rate_and_time_left_over_its_whole_run() -> None:
    running = job(
        status="IN_PROGRESS",
        total_records=5000,
        processed_records=1200,
        success_count=1150,
        failure_count=50,
        created_at=T0,
        started_at=T0 + timedelta(minutes=1),
    )
    p = bulk_progress(running, T0 + timedelta(minutes=5))  # 4 minutes of work since it started
    assert p.per_minute == 300.0 and p.fraction == 0.24
    assert p.seconds_left == (5000 - 1200) / 300.0 * 60.0
    assert (p.succeeded, p.failed, p.finished) == (1150, 50, False)


def test_too_early_or_no_total_says_nothing_rather_than_a_wild_guess() -> None:
    just_started = job(status="IN_PROGRESS", total_records=5000, processed_records=3, started_at=T0)
    assert bulk_progress(just_started, T0 + timedelta(seconds=2)).per_minute is None
    submitted = job(status="SUBMITTED", created_at=T0)
    p = bulk_progress(submitted, T0 + timedelta(minutes=3))
    assert (p.total, p.fraction, p.per_minute, p.seconds_left) == (None, None, None, None)


def test_a_finished_job_rate_stops_at_its_completion_and_nothing_is_left() -> None:
    done = job(
        status="COMPLETED",
        total_records=600,
        processed_records=600,
        success_count=590,
        failure_count=10,
        started_at=T0,
        completed_at=T0 + timedelta(minutes=2),
    )
    p = bulk_progress(done, T0 + timedelta(hours=5))
    assert (p.per_minute, p.seconds_left, p.fraction, p.finished) == (300.0, 0.0, 1.0, True)


def test_the_customer_account_family_without_a_start_counts_from_creation() -> None:
    account = BulkJobRecord(
        kind="CustomerAccountBulkJob",
        job_id="j",
        status="IN_PROGRESS",
        total_records=100,
        processed_records=50,
        created_at=T0,
    )
    assert bulk_progress(account, T0 + timedelta(minutes=1)).per_minute == 50.0


def test_a_job_of_no_records_has_no_share_done() -> None:
    """A job that could not read its file FAILS with 0 of 0: its bar is not full (nor is an empty file's)."""
    unreadable = job(status="FAILED", total_records=0, processed_records=0, started_at=T0, completed_at=T0)
    p = bulk_progress(unreadable, T0 + timedelta(minutes=1))
    assert (p.fraction, p.per_minute, p.seconds_left, p.finished) == (None, None, 0.0, True)
    assert bulk_progress(job(status="SUBMITTED", total_records=0), T0).fraction is None

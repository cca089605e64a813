"""`tui.engine.stats`: the computation behind `pcwatch stats`, the stats view and `Watch.stats()`, on rows
built by hand so every expected figure is counted here, not derived from the code under test."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import msgspec
import pytest

from schemas import BulkJobRecord, BulkJobResult, TaskRecord
from tui.engine.stats import (
    DURATION_BIN_LABELS,
    DURATION_BINS,
    WindowError,
    compute_stats,
    histogram,
    parse_window,
    percentile,
)
from tui.engine.types import TaskRow

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
ACCEPT = "EngagementByAcceptingInvitation"
FROM_OPP = "EngagementFromOpportunity"
FROM_ENG = "OpportunityFromEngagement"


def row(
    n: int,
    kind: str,
    status: str,
    started_ago: float,
    *,
    took: float | None = None,
    gap: float = 5.0,
    reason: str | None = None,
) -> TaskRow:
    """A task started `started_ago` seconds before NOW; with `took`, seen running and then seen finished
    `took` seconds after its start (the observation before that `gap` seconds earlier)."""
    start = NOW - timedelta(seconds=started_ago)
    record = TaskRecord(
        kind=kind,
        task_id=f"task-{n:013d}",
        start_time=start,
        task_status=status,
        reason_code=reason if status == "FAILED" else None,
    )
    seen = start.timestamp() + 1
    if took is None:
        terminal = seen if status in ("COMPLETE", "FAILED") else None
        return TaskRow(record, seen, seen, terminal_at=terminal)
    end = start.timestamp() + took
    return TaskRow(record, seen, end, terminal_at=end, terminal_prev=end - gap)


def test_windows_parse_and_refuse() -> None:
    assert parse_window("24h") == 86_400 and parse_window("7d") == 7 * 86_400
    assert parse_window("30m") == 1800 and parse_window("2w") == 14 * 86_400 and parse_window("90s") == 90
    assert parse_window("1.5h") == 5400 and parse_window(" ALL ") is None
    for bad in ("", "7", "d", "-1d", "0h", "7 days", "1y", "now"):
        with pytest.raises(WindowError):
            parse_window(bad)


def test_percentile_is_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 50) == 5 and percentile(values, 95) == 10 and percentile(values, 100) == 10
    assert percentile([7.0], 50) == 7 and percentile([], 50) is None
    assert percentile([1.0, 2.0], 50) == 1 and percentile([1.0, 2.0], 51) == 2


def test_histogram_bins_are_half_open() -> None:
    assert len(DURATION_BIN_LABELS) == len(DURATION_BINS) + 1
    counts = histogram([0, 59.9, 60, 119, 120, 86_399, 86_400, 10**7])
    assert counts[0] == 2 and counts[1] == 2 and counts[2] == 1 and counts[-2] == 1 and counts[-1] == 2
    assert sum(counts) == 8


def test_counts_reasons_durations_and_the_window() -> None:
    rows = [
        row(1, ACCEPT, "COMPLETE", 3600, took=60),
        row(2, ACCEPT, "FAILED", 3500, took=30, reason="InvitationValidationFailed"),
        row(3, ACCEPT, "FAILED", 3400, reason="InvitationValidationFailed"),  # history: no duration
        row(4, ACCEPT, "IN_PROGRESS", 100),
        row(5, FROM_OPP, "FAILED", 7200, took=600, reason="InternalError"),
        row(6, FROM_OPP, "COMPLETE", 10 * 86_400),  # outside a 7-day window
        row(7, FROM_ENG, "SOME_NEW_STATUS", 50),
    ]
    stats = compute_stats(rows, NOW, since=7 * 86_400)
    assert stats.since == NOW - timedelta(days=7) and stats.tasks == 6
    assert stats.by_kind[ACCEPT] == {"IN_PROGRESS": 1, "COMPLETE": 1, "FAILED": 2, "total": 4}
    assert stats.by_kind[FROM_OPP] == {"IN_PROGRESS": 0, "COMPLETE": 0, "FAILED": 1, "total": 1}
    assert stats.by_kind[FROM_ENG] == {
        "IN_PROGRESS": 0, "COMPLETE": 0, "FAILED": 0, "SOME_NEW_STATUS": 1, "total": 1,
    }  # fmt: skip
    assert [(f.reason_code, f.count, f.by_kind[ACCEPT], f.by_kind[FROM_OPP]) for f in stats.failures] == [
        ("InvitationValidationFailed", 2, 2, 0),
        ("InternalError", 1, 0, 1),
    ]
    assert "invitation cannot be accepted" in stats.failures[0].meaning
    accept = stats.durations[ACCEPT]
    assert (accept.observed, accept.p50, accept.p95, accept.max) == (2, 30, 60, 60)
    assert accept.histogram[0] == 1 and accept.histogram[1] == 1  # 30 s, then 60 s
    assert stats.durations[FROM_OPP].max == 600 and stats.durations[FROM_ENG].observed == 0
    assert stats.durations[FROM_ENG].p50 is None

    everything = compute_stats(rows, NOW)
    assert everything.since is None and everything.tasks == 7
    assert everything.by_kind[FROM_OPP]["COMPLETE"] == 1
    only = compute_stats(rows, NOW, kinds=[FROM_OPP])
    assert list(only.by_kind) == [FROM_OPP] and only.tasks == 2 and only.kinds == [FROM_OPP]
    assert [f.reason_code for f in only.failures] == ["InternalError"]


def test_finished_per_hour_uses_the_observed_end_or_else_the_start() -> None:
    rows = [
        # Started 10:50, seen finished at 11:05 (after 15 minutes): the 11:00 hour.
        row(1, ACCEPT, "COMPLETE", 70 * 60, took=15 * 60),
        # History (first seen finished), started 10:50: the 10:00 hour.
        row(2, ACCEPT, "FAILED", 70 * 60, reason="InternalError"),
        row(3, FROM_OPP, "FAILED", 65 * 60, took=10 * 60, reason="RequestThrottled"),  # seen at 11:05
        row(4, FROM_OPP, "IN_PROGRESS", 60),
    ]
    stats = compute_stats(rows, NOW)
    hour = lambda h: datetime(2026, 11, 28, h, tzinfo=timezone.utc)  # noqa: E731
    assert [(b.start, b.complete, b.failed) for b in stats.finished] == [(hour(10), 0, 1), (hour(11), 1, 1)]
    assert [(b.start, b.reasons) for b in stats.failures_over_time] == [
        (hour(10), {"InternalError": 1}),
        (hour(11), {"RequestThrottled": 1}),
    ]
    daily = compute_stats(rows, NOW, bucket_seconds=86_400)
    assert [(b.start, b.complete, b.failed) for b in daily.finished] == [(hour(0), 1, 2)]


def test_budget_per_day_from_a_call_record_and_the_leaders_last_word() -> None:
    day1 = datetime(2026, 11, 27, 23, 59, tzinfo=timezone.utc).timestamp()
    day2 = datetime(2026, 11, 28, 0, 1, tzinfo=timezone.utc).timestamp()
    stats = compute_stats([], NOW, calls=[(day1, 1), (day1 + 30, 2), (day2, 5)])
    assert stats.budget.recorded
    assert [(d.day, d.calls) for d in stats.budget.per_day] == [("2026-11-27", 3), ("2026-11-28", 5)]
    leader = json.dumps(
        {"published_at": NOW.isoformat(), "calls_last_hour": 42, "calls_left_today": 9000, "calls_total": 77}
    )
    stats = compute_stats([], NOW, leader_status=leader)
    assert not stats.budget.recorded and stats.budget.per_day == []
    assert stats.budget.leader is not None and stats.budget.leader.calls_last_hour == 42
    assert stats.budget.leader.published_at == NOW and stats.budget.leader.calls_total == 77
    for junk in ("{not json", "[1, 2]", json.dumps({"calls_last_hour": "many"})):
        assert compute_stats([], NOW, leader_status=junk).budget.leader is None


def test_the_json_object_is_stable_and_keeps_hostile_text_as_data() -> None:
    hostile = "Boom\x1b[2J\u202e"
    stats = compute_stats([row(1, ACCEPT, "FAILED", 60, reason=hostile)], NOW)
    data = msgspec.json.decode(stats.to_json())
    assert list(data) == [
        "version", "generated_at", "since", "kinds", "tasks", "by_kind", "failures", "durations",
        "duration_bins", "bucket_seconds", "finished", "failures_over_time", "budget", "short_names",
        "bulk_kinds", "bulk_jobs", "bulk_failures", "bulk_results_known",  # (added at the end: issue 24)
    ]  # fmt: skip
    assert data["version"] == 1 and data["failures"][0]["reason_code"] == hostile
    assert "does not know yet" in data["failures"][0]["meaning"]  # an unknown code still has a meaning


OPP_BULK = "OpportunityBulkJob"
ACCT_BULK = "CustomerAccountBulkJob"


def job(
    n: int, kind: str, status: str, created_ago: float, *, ran: float | None, **counts: int
) -> BulkJobRecord:
    """A bulk job created `created_ago` seconds before NOW that ran `ran` seconds (None: still running)."""
    created = NOW - timedelta(seconds=created_ago)
    return BulkJobRecord(
        kind=kind,
        job_id=f"job-{n:04d}",
        status=status,
        created_at=created,
        started_at=created,
        completed_at=created + timedelta(seconds=ran) if ran is not None else None,
        **counts,  # type: ignore[arg-type]
    )


def failed(*codes: str | None) -> list[BulkJobResult]:
    return [BulkJobResult(request_id=f"r{i}", status="FAILED", error_code=c) for i, c in enumerate(codes)]


def test_bulk_jobs_by_status_records_a_minute_and_failure_codes_ranked() -> None:
    jobs = [
        # 6,000 records in 20 minutes: 300 a minute
        job(1, OPP_BULK, "COMPLETED", 7200, ran=1200, total_records=6000, processed_records=6000,
            success_count=5990, failure_count=10),
        # 1,000 in 10 minutes: 100 a minute
        job(2, OPP_BULK, "FAILED", 3600, ran=600, total_records=2000, processed_records=1000,
            success_count=997, failure_count=3),
        # still running: 600 in the 5 minutes since it started (120 a minute)
        job(3, OPP_BULK, "IN_PROGRESS", 300, ran=None, total_records=5000, processed_records=600,
            success_count=600, failure_count=0),
        job(4, ACCT_BULK, "SOME_NEW_STATUS", 60, ran=None, total_records=10),
        job(5, OPP_BULK, "COMPLETED", 30 * 86_400, ran=60, processed_records=10),  # outside 7 days
    ]  # fmt: skip
    results = {
        "job-0001": [
            *failed("INVALID_FIELD", "INVALID_FIELD", "DUPLICATE", None),
            BulkJobResult(request_id="ok", status="SUCCEEDED", resource_identifier="O1"),
        ],
        "job-0002": failed("DUPLICATE", "INVALID_FIELD", "INVALID_FIELD"),
        "job-0005": failed("OLD_CODE"),  # (outside the window: not counted)
    }
    stats = compute_stats([], NOW, since=7 * 86_400, bulk_jobs=jobs, bulk_results=results)
    assert stats.bulk_kinds == [OPP_BULK, ACCT_BULK]
    opp = stats.bulk_jobs[OPP_BULK]
    assert (opp.short, opp.jobs, opp.records, opp.succeeded, opp.failed) == ("opp-bulk", 3, 7600, 7587, 13)
    assert opp.by_status == {"SUBMITTED": 0, "IN_PROGRESS": 1, "COMPLETED": 1, "FAILED": 1, "total": 3}
    assert (opp.per_minute.jobs, opp.per_minute.p50, opp.per_minute.max) == (3, 120.0, 300.0)
    # Every record over every minute of running: 7,600 records in 35 minutes.
    assert opp.per_minute.overall == pytest.approx(7600 / 35)
    acct = stats.bulk_jobs[ACCT_BULK]
    assert acct.by_status["SOME_NEW_STATUS"] == 1 and acct.per_minute.p50 is None
    assert [(f.error_code, f.count, f.by_kind[OPP_BULK]) for f in stats.bulk_failures] == [
        ("INVALID_FIELD", 4, 4),
        ("DUPLICATE", 2, 2),
        ("", 1, 1),
    ]
    assert stats.bulk_results_known == 2
    # `--kind opp-bulk`: that family alone, no task kind.
    only = compute_stats([], NOW, kinds=[OPP_BULK], bulk_jobs=jobs, bulk_results=results)
    assert only.kinds == [] and only.bulk_kinds == [OPP_BULK] and only.bulk_jobs[OPP_BULK].jobs == 4
    # Without bulk jobs (an older journal): empty, still in the object.
    none = msgspec.json.decode(compute_stats([], NOW).to_json())
    assert none["bulk_jobs"][OPP_BULK]["jobs"] == 0 and none["bulk_failures"] == []

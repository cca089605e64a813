"""Statistics over what the journal holds: the one computation behind `pcwatch stats`, the dashboard's
stats view (`t`) and `Watch.stats()`. Pure functions, no API call and no Textual: the tasks of a `Scope`
are counted into a `TaskTally` (`TaskTally.count`, `duration_summary`) from the store's rows
(`tally_rows`, in `compute_stats`) or by SQLite over a journal (`tui.engine.stats_summaries`, for
`pcwatch stats`), and `stats_of` makes the `Stats` of either.

- **Window**: a task belongs to it when it *started* at or after `since` (StartTime is the one time the
  service gives for every task); `since=None` takes every task.
- **Counts** per kind by status, and the failure reason codes ranked (most frequent first), per kind.
- **Durations** only of tasks pcwatch saw running before it saw them finished: from StartTime to the first
  observation in a final status (an upper bound, within one poll gap). A task first seen already finished
  has no observed duration and is left out.
- **Finished per bucket** (an hour for `pcwatch stats`) by final status, and failures per bucket by
  reason: a task seen finishing counts in the bucket of that observation; a task first seen already
  finished (history), in the bucket of its start (its end is not known, and tasks take minutes).
- **Budget spent per day**: from a record of the calls made, `(epoch seconds, calls)` pairs, when the
  journal has one; today's journal keeps only the polling viewer's last published status (calls in the
  last hour, left of the rolling 24 h), which is reported as it is.
- **Bulk jobs** (created at or after `since`), per family: by status, records processed, succeeded and
  failed, and records per minute (each job's rate over its run, `tui.engine.bulk_progress`: the median and
  the most of the jobs, and all their records over all their minutes); and the failed records'
  `ErrorCode`s ranked, of the jobs whose results pcwatch fetched (someone opened them: results are not
  fetched before), with how many jobs that is.

`Stats` encodes (msgspec) to the stable object `pcwatch stats --json` prints (docs/stats.md).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

import msgspec

from schemas import (
    BULK_KINDS,
    TASK_KINDS,
    BulkJobRecord,
    BulkJobResult,
    BulkJobStatus,
    BulkRecordStatus,
    TaskStatus,
    short_name,
)
from tui.core.reason_help import explain

from .bulk_progress import bulk_progress
from .status import read_report
from .types import TaskRow

#: Version of the `--json` object; bumped only when a field changes meaning or goes away.
STATS_VERSION = 1
HOUR = 3600
DAY = 86_400
#: Upper edges (seconds) of the duration histogram's bins; the last bin is everything longer.
DURATION_BINS: tuple[float, ...] = (60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400)
#: Their labels, one more than the edges.
DURATION_BIN_LABELS: tuple[str, ...] = (
    "<1m", "1-2m", "2-5m", "5-10m", "10-30m", "30m-1h", "1-2h", "2-6h", "6h-1d", ">1d",
)  # fmt: skip
_WINDOW = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": HOUR, "d": DAY, "w": 7 * DAY}


class WindowError(ValueError):
    """A `--since` that is not a duration."""


def parse_window(text: str) -> float | None:
    """`30m`, `24h`, `7d`, `2w` → seconds; `all` → None (every task)."""
    if text.strip().lower() == "all":
        return None
    match = _WINDOW.match(text.lower())
    if match is None or float(match.group(1)) <= 0:
        raise WindowError(f"{text!r} is not a window: a number and s, m, h, d or w (24h, 7d, 2w), or all")
    return float(match.group(1)) * _UNITS[match.group(2)]


class ReasonCount(msgspec.Struct, kw_only=True):
    reason_code: str
    #: What the code means, in pcwatch's words (docs: the same sentence as the details pane).
    meaning: str
    count: int
    by_kind: dict[str, int]


class DurationSummary(msgspec.Struct, kw_only=True):
    """Seconds from start to the observed end of the tasks seen running, then finished."""

    observed: int
    p50: float | None
    p95: float | None
    max: float | None
    #: Tasks per bin of `Stats.duration_bins` (the last bin: longer than the last edge).
    histogram: list[int]


class FinishedBucket(msgspec.Struct, kw_only=True):
    start: datetime
    complete: int
    failed: int


class FailureBucket(msgspec.Struct, kw_only=True):
    start: datetime
    #: ReasonCode -> failed tasks ("" for a failure without a code).
    reasons: dict[str, int]


class DayCalls(msgspec.Struct, kw_only=True):
    day: str
    calls: int


class LeaderBudget(msgspec.Struct, kw_only=True):
    """The polling viewer's budget as it last published it."""

    published_at: datetime | None
    calls_last_hour: int
    calls_left_today: int
    calls_total: int


class BudgetStats(msgspec.Struct, kw_only=True):
    #: Whether the journal records each call (then `per_day` is complete); see the module's docstring.
    recorded: bool
    per_day: list[DayCalls]
    leader: LeaderBudget | None


class RateSummary(msgspec.Struct, kw_only=True):
    """Records a minute of the jobs with a rate (each over its own run)."""

    jobs: int
    p50: float | None
    max: float | None
    #: All their records over all their minutes of running.
    overall: float | None


class BulkKindStats(msgspec.Struct, kw_only=True):
    short: str
    jobs: int
    #: Status -> jobs (SUBMITTED, IN_PROGRESS, COMPLETED, FAILED, any a newer service adds) and "total".
    by_status: dict[str, int]
    records: int
    succeeded: int
    failed: int
    per_minute: RateSummary


class ErrorCodeCount(msgspec.Struct, kw_only=True):
    #: The failed records' ErrorCode ("" for a failure without one).
    error_code: str
    count: int
    by_kind: dict[str, int]


class Stats(msgspec.Struct, kw_only=True):
    version: int = STATS_VERSION
    generated_at: datetime
    #: Tasks started at or after this instant; None: all of them.
    since: datetime | None
    kinds: list[str]
    tasks: int
    #: kind -> status -> tasks, plus "total".
    by_kind: dict[str, dict[str, int]]
    failures: list[ReasonCount]
    durations: dict[str, DurationSummary]
    duration_bins: list[float]
    bucket_seconds: int
    finished: list[FinishedBucket]
    failures_over_time: list[FailureBucket]
    budget: BudgetStats
    #: kind -> its short name (`inv-to-eng`: what the dashboard shows and `--kind` takes). The fields
    #: above key by the kind's wire name, as documented; this one was added last, beside them.
    short_names: dict[str, str]
    #: The bulk job families counted (wire names, which key `bulk_jobs`), and each one's numbers.
    bulk_kinds: list[str] = []
    bulk_jobs: dict[str, BulkKindStats] = {}
    #: The failed records' ErrorCodes, most frequent first, of the `bulk_results_known` jobs (in the
    #: window) whose results pcwatch fetched.
    bulk_failures: list[ErrorCodeCount] = []
    bulk_results_known: int = 0

    def to_json(self) -> bytes:
        return msgspec.json.encode(self)


def nearest_rank(n: int, p: float) -> int:
    """The 1-based rank of the p-th percentile of n values, by nearest rank."""
    return max(1, math.ceil(p / 100 * n))


def percentile(sorted_values: Sequence[float], p: float) -> float | None:
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    if not sorted_values:
        return None
    return sorted_values[nearest_rank(len(sorted_values), p) - 1]


def duration_bin(value: float, edges: Sequence[float] = DURATION_BINS) -> int:
    """The histogram bin of `value`: bin i holds edges[i-1] <= v < edges[i]; the last, v >= edges[-1]."""
    i = 0
    while i < len(edges) and value >= edges[i]:
        i += 1
    return i


def histogram(values: Iterable[float], edges: Sequence[float] = DURATION_BINS) -> list[int]:
    """Values per bin (`duration_bin`)."""
    counts = [0] * (len(edges) + 1)
    for v in values:
        counts[duration_bin(v, edges)] += 1
    return counts


def duration_summary(ascending: Iterable[tuple[float, int]], observed: int) -> DurationSummary:
    """The summary of `observed` durations given once, in ascending order, as (seconds, how many) pairs:
    SQLite hands them over that way, so no list of them is held."""
    ranks = {p: nearest_rank(observed, p) for p in (50, 95)}
    found: dict[int, float] = {}
    counts = [0] * (len(DURATION_BINS) + 1)
    seen = 0
    largest: float | None = None
    for value, n in ascending:
        counts[duration_bin(value)] += n
        for p, rank in ranks.items():
            if seen < rank <= seen + n:
                found[p] = value
        seen += n
        largest = value
    return DurationSummary(
        observed=observed, p50=found.get(50), p95=found.get(95), max=largest, histogram=counts
    )


def bucket_start(at: float, size: int) -> float:
    """The start (epoch seconds) of the bucket of `size` seconds that holds `at`. (`stats_summaries`
    says the same in SQL.)"""
    return at - at % size


def _bucket(at: float, size: int) -> datetime:
    return datetime.fromtimestamp(bucket_start(at, size), timezone.utc)


def observed_duration(row: TaskRow) -> float | None:
    """Seconds from start to the first observation in a final status, for a task seen running first.
    (`stats_summaries` says the same in SQL, over the journal's columns.)"""
    record = row.record
    end = row.observed_end
    if end is None or record.start_time is None or record.task_status not in TaskStatus.TERMINAL:
        return None
    return max(0.0, end - record.start_time.timestamp())


def finished_at(row: TaskRow) -> float | None:
    """When a finished task counts as finished: its observed end if seen running, else its start.
    (`stats_summaries` says the same in SQL.)"""
    record = row.record
    if record.task_status not in TaskStatus.TERMINAL:
        return None
    end = row.observed_end
    if end is not None:
        return end
    return record.start_time.timestamp() if record.start_time is not None else None


def budget_stats(calls: Iterable[tuple[float, int]] | None, leader_status: str | None) -> BudgetStats:
    """Calls per UTC day from a call record (None: the journal keeps none), and the leader's last word."""
    per_day: Counter[str] = Counter()
    for at, n in calls or ():
        per_day[datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%d")] += n
    leader = None
    report = read_report(leader_status)  # (None for a status from another version: not a budget figure)
    if report is not None:
        head, status = report
        leader = LeaderBudget(
            published_at=head.published_at,
            calls_last_hour=status.calls_last_hour,
            calls_left_today=status.calls_left_today,
            calls_total=status.calls_total,
        )
    return BudgetStats(
        recorded=calls is not None,
        per_day=[DayCalls(day=d, calls=n) for d, n in sorted(per_day.items())],
        leader=leader,
    )


@dataclass(frozen=True)
class Scope:
    """What the statistics count: the tasks started at or after `start` (epoch seconds; None: every
    task, one without a start time too) of the task `kinds`, and the bulk jobs created since then of the
    `bulk_kinds`."""

    start: float | None
    kinds: tuple[str, ...]
    bulk_kinds: tuple[str, ...]

    @classmethod
    def of(cls, now: datetime, since: float | None = None, kinds: Sequence[str] | None = None) -> Scope:
        """The tasks started within `since` seconds before `now` (all with None), of the `kinds` (every
        kind, task and bulk, with None)."""
        chosen = list(dict.fromkeys(kinds)) if kinds else []
        return cls(
            start=now.timestamp() - since if since is not None else None,
            kinds=tuple(k for k in chosen if k not in BULK_KINDS) if kinds else tuple(TASK_KINDS),
            bulk_kinds=tuple(k for k in chosen if k in BULK_KINDS) if kinds else tuple(BULK_KINDS),
        )


@dataclass
class TaskTally:
    """The tasks' numbers of a `Scope`, before `stats_of` puts them in order: counted in memory from the
    rows (`tally_rows`) or by SQLite where the journal keeps them (`stats_summaries.tally_journal`); both
    count a task with `count`."""

    scope: Scope
    bucket_seconds: int
    total: int = 0
    #: kind -> status ("" for none) -> tasks; every kind of the scope, with tasks or not.
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    #: ReasonCode ("" for none) -> kind -> failed tasks.
    reasons: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    #: kind -> its observed durations; every kind of the scope.
    durations: dict[str, DurationSummary] = field(default_factory=dict)
    #: Bucket start (epoch seconds) -> [complete, failed].
    finished: dict[float, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    #: Bucket start -> ReasonCode -> failed tasks.
    failed_over_time: dict[float, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def __post_init__(self) -> None:
        self.by_kind = {k: Counter() for k in self.scope.kinds}

    def count(self, kind: str, status: str, reason: str, finished_in: float | None, tasks: int = 1) -> None:
        """`tasks` tasks of `kind` in `status` (with `reason` if FAILED) that count as finished in the
        bucket starting at `finished_in` (None: not finished)."""
        self.total += tasks
        self.by_kind[kind][status] += tasks
        failed = status == TaskStatus.FAILED
        if failed:
            self.reasons[reason][kind] += tasks
        if finished_in is not None:
            self.finished[finished_in][1 if failed else 0] += tasks
            if failed:
                self.failed_over_time[finished_in][reason] += tasks


def tally_rows(rows: Iterable[TaskRow], scope: Scope, bucket_seconds: int = HOUR) -> TaskTally:
    """The numbers of the rows in `scope`, counted in memory (a store's rows; an old journal's)."""
    tally = TaskTally(scope, bucket_seconds)
    durations: dict[str, list[float]] = {k: [] for k in scope.kinds}
    start = scope.start
    for row in rows:
        record = row.record
        if record.kind not in durations:
            continue
        started = record.start_time.timestamp() if record.start_time is not None else None
        if start is not None and (started is None or started < start):
            continue
        end = finished_at(row)
        tally.count(
            record.kind,
            record.task_status or "",
            record.reason_code or "",
            bucket_start(end, bucket_seconds) if end is not None else None,
        )
        took = observed_duration(row)
        if took is not None:
            durations[record.kind].append(took)
    tally.durations = {
        k: duration_summary(((v, 1) for v in sorted(values)), len(values)) for k, values in durations.items()
    }
    return tally


def compute_stats(
    rows: Iterable[TaskRow],
    now: datetime,
    *,
    since: float | None = None,
    kinds: Sequence[str] | None = None,
    bucket_seconds: int = HOUR,
    calls: Iterable[tuple[float, int]] | None = None,
    leader_status: str | None = None,
    bulk_jobs: Iterable[BulkJobRecord] = (),
    bulk_results: Mapping[str, Sequence[BulkJobResult]] | None = None,
) -> Stats:
    """The statistics of the tasks in `rows` that started within `since` seconds before `now` (all with
    None), of the `kinds` (every task kind with None); and of the `bulk_jobs` created in the window, with
    the failure codes of their `bulk_results` (job id -> the results known: the failed ones at least)."""
    tally = tally_rows(rows, Scope.of(now, since, kinds), bucket_seconds)
    return stats_of(
        tally, now, calls=calls, leader_status=leader_status, bulk_jobs=bulk_jobs, bulk_results=bulk_results
    )


def stats_of(
    tally: TaskTally,
    now: datetime,
    *,
    calls: Iterable[tuple[float, int]] | None = None,
    leader_status: str | None = None,
    bulk_jobs: Iterable[BulkJobRecord] = (),
    bulk_results: Mapping[str, Sequence[BulkJobResult]] | None = None,
) -> Stats:
    """The statistics of a tally of tasks however counted, and of the `bulk_jobs` of its scope."""
    scope, size = tally.scope, tally.bucket_seconds
    wanted = list(scope.kinds)
    ranked = sorted(tally.reasons.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    bulk = _bulk_stats(bulk_jobs, bulk_results or {}, now, scope.start, list(scope.bulk_kinds))
    return Stats(
        generated_at=now,
        since=datetime.fromtimestamp(scope.start, timezone.utc) if scope.start is not None else None,
        kinds=wanted,
        tasks=tally.total,
        by_kind={
            k: {
                **{s: counts.get(s, 0) for s in _STATUS_ORDER},
                **_others(counts),
                "total": sum(counts.values()),
            }
            for k, counts in tally.by_kind.items()
        },
        failures=[
            ReasonCount(
                reason_code=code,
                meaning=explain(code).meaning,
                count=sum(per_kind.values()),
                by_kind={k: per_kind.get(k, 0) for k in wanted},
            )
            for code, per_kind in ranked
        ],
        durations=dict(tally.durations),
        duration_bins=list(DURATION_BINS),
        bucket_seconds=size,
        finished=[
            FinishedBucket(start=_bucket(slot, size), complete=c, failed=f)
            for slot, (c, f) in sorted(tally.finished.items())
        ],
        failures_over_time=[
            FailureBucket(start=_bucket(slot, size), reasons=dict(sorted(counts.items())))
            for slot, counts in sorted(tally.failed_over_time.items())
        ],
        budget=budget_stats(calls, leader_status),
        short_names={k: short_name(k) or k for k in wanted},
        bulk_kinds=list(scope.bulk_kinds),
        bulk_jobs=bulk.jobs,
        bulk_failures=bulk.failures,
        bulk_results_known=bulk.known,
    )


_BULK_STATUS_ORDER = (
    BulkJobStatus.SUBMITTED,
    BulkJobStatus.IN_PROGRESS,
    BulkJobStatus.COMPLETED,
    BulkJobStatus.FAILED,
)


@dataclass(frozen=True)
class _BulkNumbers:
    jobs: dict[str, BulkKindStats]
    failures: list[ErrorCodeCount]
    known: int


def _bulk_stats(
    jobs: Iterable[BulkJobRecord],
    results: Mapping[str, Sequence[BulkJobResult]],
    now: datetime,
    start: float | None,
    wanted: list[str],
) -> _BulkNumbers:
    """The bulk job fields of `Stats`."""
    statuses: dict[str, Counter[str]] = {k: Counter() for k in wanted}
    totals: dict[str, list[int]] = {k: [0, 0, 0] for k in wanted}  # records, succeeded, failed
    rates: dict[str, list[tuple[float, float]]] = {k: [] for k in wanted}  # (per minute, minutes)
    codes: dict[str, Counter[str]] = defaultdict(Counter)
    known = 0
    for job in jobs:
        if job.kind not in statuses:
            continue
        created = job.created_at.timestamp() if job.created_at is not None else None
        if start is not None and (created is None or created < start):
            continue
        statuses[job.kind][job.status or ""] += 1
        progress = bulk_progress(job, now)
        counted = totals[job.kind]
        counted[0] += progress.processed
        counted[1] += progress.succeeded
        counted[2] += progress.failed
        if progress.per_minute:
            rates[job.kind].append((progress.per_minute, progress.processed / progress.per_minute))
        kept = results.get(job.job_id)
        if kept is not None:
            known += 1
            for result in kept:
                if result.status == BulkRecordStatus.FAILED:
                    codes[result.error_code or ""][job.kind] += 1
    ranked = sorted(codes.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    return _BulkNumbers(
        jobs={
            k: BulkKindStats(
                short=short_name(k) or k,
                jobs=sum(statuses[k].values()),
                by_status={
                    **{s: statuses[k].get(s, 0) for s in _BULK_STATUS_ORDER},
                    **{s: n for s, n in sorted(statuses[k].items()) if s not in _BULK_STATUS_ORDER},
                    "total": sum(statuses[k].values()),
                },
                records=totals[k][0],
                succeeded=totals[k][1],
                failed=totals[k][2],
                per_minute=_rates(rates[k]),
            )
            for k in wanted
        },
        failures=[
            ErrorCodeCount(
                error_code=code,
                count=sum(per_kind.values()),
                by_kind={k: per_kind.get(k, 0) for k in wanted},
            )
            for code, per_kind in ranked
        ],
        known=known,
    )


def _rates(rates: list[tuple[float, float]]) -> RateSummary:
    per_minute = sorted(r for r, _ in rates)
    minutes = sum(m for _, m in rates)
    return RateSummary(
        jobs=len(rates),
        p50=percentile(per_minute, 50),
        max=per_minute[-1] if per_minute else None,
        overall=sum(r * m for r, m in rates) / minutes if minutes else None,
    )


_STATUS_ORDER = (TaskStatus.IN_PROGRESS, TaskStatus.COMPLETE, TaskStatus.FAILED)


def _others(counts: Counter[str]) -> dict[str, int]:
    """Statuses a newer service may add, kept under their own names."""
    return {s: n for s, n in sorted(counts.items()) if s not in _STATUS_ORDER}

"""The stats view's model (`t`): the windows it offers, and what its plots and tables show, from a `Stats`
of `tui.engine.stats` (the same numbers as `pcwatch stats`). Pure functions, no Textual: the series are
filled (an empty bucket is a zero bar) and every string from the service is made safe here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from tui.core.timefmt import duration
from tui.engine.stats import DAY, DURATION_BIN_LABELS, HOUR, Stats

from .task_rows import kind_label
from .widgets.safe_text import clean

#: (label, seconds back from now or None for everything), in the order `w` cycles through them.
WINDOWS: tuple[tuple[str, float | None], ...] = (
    ("24 h", DAY),
    ("7 days", 7 * DAY),
    ("30 days", 30 * DAY),
    ("all", None),
)
#: Reasons drawn one by one in the failures plot; the rest are summed as "other".
TOP_REASONS = 4
#: The most buckets a plot draws (the most recent); an hour's bars over a long window become days.
MAX_BUCKETS = 24 * 7


def bucket_for(window: float | None) -> int:
    """An hour per bar up to a week, a day beyond (a bar a column or more at 160 columns)."""
    return HOUR if window is not None and window <= 7 * DAY else DAY


@dataclass(frozen=True)
class Series:
    """Bars: one label per bucket (or bin), one list of values per named series."""

    labels: list[str]
    values: dict[str, list[int]]
    #: The buckets' starts, for bars over time (None for the histogram's bins).
    starts: list[datetime] | None = None


#: Buckets between two labelled ones: steps a reader counts in (hours, then days).
_HOUR_STEPS = (1, 2, 3, 4, 6, 12, 24, 48, 72)
_DAY_STEPS = (1, 2, 7, 14, 28, 56)


def tick_positions(series: Series, room: int) -> list[int]:
    """The bars to label when `room` labels fit: every bar if they fit; over time, every n-th bucket for
    a round n (3 hours, a day, a week), on a round time (midnight for days); else evenly spaced."""
    count = len(series.labels)
    if count <= room:
        return list(range(count))
    need = -(-count // max(1, room))
    if series.starts is None or len(series.starts) < 2:
        return list(range(0, count, need))
    size = int((series.starts[1] - series.starts[0]).total_seconds())
    steps = _HOUR_STEPS if size < DAY else _DAY_STEPS
    step = next((s for s in steps if s >= need), need)
    unit = size if size < DAY else DAY
    return [i for i, at in enumerate(series.starts) if int(at.timestamp() // unit) % step == 0]


def _slots(stats: Stats, starts: list[datetime]) -> list[datetime]:
    """Every bucket from the window's start (or the first one with data) to now's."""
    size = stats.bucket_seconds
    now = stats.generated_at.timestamp()
    last = now - now % size
    if stats.since is not None:
        first = stats.since.timestamp() - stats.since.timestamp() % size
    elif starts:
        first = min(s.timestamp() for s in starts)
    else:
        first = last
    first = max(first, last - (MAX_BUCKETS - 1) * size)
    count = int((last - first) // size) + 1
    return [datetime.fromtimestamp(first + i * size, timezone.utc) for i in range(count)]


def _labels(slots: list[datetime], size: int) -> list[str]:
    """Hours within a day as 09:00, hours over several days as Fri 09, days as 11-28."""
    if size >= DAY:
        form = "%m-%d"
    elif (len(slots) - 1) * size > DAY:  # more than the 25 hours a 24 h window touches
        form = "%a %H"
    else:
        form = "%H:%M"
    return [s.strftime(form) for s in slots]


def finished_series(stats: Stats) -> Series:
    """Tasks finished per bucket, complete and failed."""
    slots = _slots(stats, [b.start for b in stats.finished])
    index = {s: i for i, s in enumerate(slots)}
    complete, failed = [0] * len(slots), [0] * len(slots)
    for bucket in stats.finished:
        i = index.get(bucket.start)
        if i is not None:
            complete[i], failed[i] = bucket.complete, bucket.failed
    return Series(_labels(slots, stats.bucket_seconds), {"complete": complete, "failed": failed}, slots)


def failures_series(stats: Stats) -> Series:
    """Failed tasks per bucket by reason: the most frequent reasons, then the rest as "other"."""
    top = [f.reason_code for f in stats.failures[:TOP_REASONS]]
    slots = _slots(stats, [b.start for b in stats.failures_over_time])
    index = {s: i for i, s in enumerate(slots)}
    values = {code: [0] * len(slots) for code in top}
    other = [0] * len(slots)
    for bucket in stats.failures_over_time:
        i = index.get(bucket.start)
        if i is None:
            continue
        for code, n in bucket.reasons.items():
            if code in values:
                values[code][i] += n
            else:
                other[i] += n
    named = {clean(code, limit=40) or "(no reason code)": v for code, v in values.items()}
    if any(other):
        named["other"] = other
    return Series(_labels(slots, stats.bucket_seconds), named, slots)


def durations_series(stats: Stats) -> Series:
    """Observed durations per kind, in the histogram's bins."""
    values = {kind_label(kind): summary.histogram for kind, summary in stats.durations.items()}
    return Series(list(DURATION_BIN_LABELS), values)


def kind_rows(stats: Stats) -> list[tuple[str, ...]]:
    """Per kind: running, complete, failed, failed %, and the observed durations (p50, p95, max)."""
    rows: list[tuple[str, ...]] = []
    for kind, counts in stats.by_kind.items():
        total = counts["total"]
        took = stats.durations[kind]
        rows.append(
            (
                kind_label(kind),
                f"{counts.get('IN_PROGRESS', 0):,}",
                f"{counts.get('COMPLETE', 0):,}",
                f"{counts.get('FAILED', 0):,}",
                f"{counts.get('FAILED', 0) / total:.0%}" if total else "-",
                duration(took.p50) or "-",
                duration(took.p95) or "-",
                duration(took.max) or "-",
            )
        )
    return rows


def reason_rows(stats: Stats, limit: int = 8) -> list[tuple[str, str, str]]:
    """The most frequent failure reasons: code, count, what it means."""
    return [
        (clean(f.reason_code, limit=40) or "(no reason code)", f"{f.count:,}", f.meaning)
        for f in stats.failures[:limit]
    ]


def window_title(stats: Stats, label: str) -> str:
    since = "every task in the journal" if stats.since is None else f"tasks started in the last {label}"
    per = "hour" if stats.bucket_seconds < DAY else "day"
    return f"Statistics · {since} · {stats.tasks:,} tasks · bars per {per} (UTC)"

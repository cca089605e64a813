"""What the jobs view's table shows: its columns, how a bulk job becomes cells, the order of the jobs and
the progress bar. Pure functions of a `BulkJobRecord` and the time its figures are taken at, no Textual.

How far a job has got, how fast and how long it has left come from `tui.engine.bulk_progress` (the one
place that says it, for `pcwatch wait` and the notebook too). The figures are taken as of the time the
view last saw the job change (a poll that moved it), not every second: a job's row changes when the job
does, so the view stays still while nothing happens."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.cells import cell_len

from schemas import BULK_KINDS, BulkJobRecord, BulkJobStatus, short_name
from tui.core import timefmt
from tui.engine.bulk_progress import BulkProgress, bulk_progress

from .task_rows import GAP, Column, fit
from .task_view import MERGE_GAP
from .widgets.safe_text import clean

STATUS_MARKS = {
    BulkJobStatus.SUBMITTED: "·",
    BulkJobStatus.IN_PROGRESS: "▶",
    BulkJobStatus.COMPLETED: "✓",
    BulkJobStatus.FAILED: "✗",
}
#: The bar's filled cells, and the last one filled in eighths.
FULL = "█"
EIGHTHS = ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")
#: The bar's empty cells.
TRACK = "░"

# What moves while a job runs (bar, processed, successes, failures, rate, time left) sits together: one
# write per poll. Within 80 columns: everything up to the time left. Then the job id, whole, the file
# and when it was created (`→` scrolls to them; the details under the table show them all).
COLUMNS: tuple[Column, ...] = (
    Column("mark", "", 1),
    Column("status", "Status", 11),
    Column("kind", "Kind", max(len(k.short) for k in BULK_KINDS.values())),
    Column("bar", "Progress", 10),
    Column("processed", "Processed", 13),
    Column("ok", "OK", 6),
    Column("failed", "Failed", 6),
    Column("rate", "Rate", 9),
    Column("left", "Left", 6),
    Column("job", "Job id", 21),
    Column("file", "File", 36),
    Column("created", "Created UTC", 11),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
#: Right-aligned (figures).
RIGHT = frozenset({"processed", "ok", "failed", "rate", "left"})
#: Drawn in the status colour.
STATUS_STYLED = frozenset({"mark", "status"})
OFFSETS: tuple[int, ...] = tuple(sum(c.width + GAP for c in COLUMNS[:i]) for i in range(len(COLUMNS)))
ROW_WIDTH = OFFSETS[-1] + COLUMNS[-1].width


def job_label(kind: str) -> str:
    """A job's kind as the view names it: its short name (one this version does not know: its own
    name, made safe)."""
    return short_name(kind) or clean(kind, limit=32)


def status_class(job: BulkJobRecord) -> str:
    if job.status == BulkJobStatus.FAILED:
        return "failed"
    if job.status == BulkJobStatus.COMPLETED:
        return "complete"
    return "active"


def progress_bar(fraction: float | None, width: int) -> str:
    """`fraction` (0–1) as `width` cells of blocks, in eighths of a cell; blank when unknown."""
    if fraction is None:
        return " " * width
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    bar = FULL * full + EIGHTHS[part]
    return bar + TRACK * (width - len(bar))


def per_minute(value: float | None) -> str:
    """Records a minute: `92/min`, `1,234/min`, `12.3k/min`, `0.4/min`; "" when unknown."""
    if value is None:
        return ""
    if value >= 10_000:
        return f"{value / 1000:.1f}k/min"
    if value >= 10:
        return f"{round(value):,}/min"
    return f"{value:.1f}/min"


def time_left(progress: BulkProgress) -> str:
    """Coarse (whole minutes after the first), so a row changes rarely; "" once finished or unknown."""
    if progress.finished or progress.seconds_left is None:
        return ""
    return timefmt.running(progress.seconds_left)


def processed_text(progress: BulkProgress) -> str:
    total = f"{progress.total:,}" if progress.total is not None else "?"
    return f"{progress.processed:,}/{total}"


def cells(job: BulkJobRecord, as_of: datetime) -> tuple[str, ...]:
    """The row's cell texts, cleaned and fitted to their columns, with the figures as of `as_of`."""
    progress = bulk_progress(job, as_of)
    values = {
        "mark": STATUS_MARKS.get(job.status or "", "?"),
        "status": clean(job.status or "?", limit=32),
        "kind": job_label(job.kind),
        "bar": progress_bar(progress.fraction, COLUMNS[3].width),
        "processed": processed_text(progress),
        "ok": f"{progress.succeeded:,}",
        "failed": f"{progress.failed:,}",
        "rate": per_minute(progress.per_minute),
        "left": time_left(progress),
        "job": clean(job.job_id, limit=128),
        "file": clean(job.file_name, limit=256),
        "created": timefmt.instant(job.created_at, timefmt.SHORT_MINUTE),
    }
    out = []
    for column in COLUMNS:
        text = values[column.key]
        if column.key in RIGHT and len(text) < column.width:
            text = text.rjust(column.width)
        out.append(fit(text, column.width))
    return tuple(out)


def header_cells() -> tuple[str, ...]:
    return tuple(fit(c.title.rjust(c.width) if c.key in RIGHT else c.title, c.width) for c in COLUMNS)


def order_jobs(jobs: Iterable[BulkJobRecord]) -> list[str]:
    """Job ids as the view lists them: running (not yet ended) first, then the rest, each in the
    store's order (the newest created first)."""
    items = list(jobs)
    running = [j.job_id for j in items if not j.is_terminal]
    ended = [j.job_id for j in items if j.is_terminal]
    return running + ended


def changed_spans(old: tuple[str, ...], new: tuple[str, ...]) -> list[tuple[int, int]]:
    """The x ranges of a row to rewrite when its job moved on (its status the same): in each changed
    cell, from its first to its last changed character (a figure going from 1,234 to 1,240 rewrites
    two characters, the bar the cells it grew by); neighbours merged when the gap between them is
    small (a cursor move costs as much as a few characters). A cell with wide characters is
    rewritten whole."""
    spans: list[tuple[int, int]] = []
    for i, (a, b) in enumerate(zip(old, new, strict=True)):
        if a == b:
            continue
        x = OFFSETS[i]
        if len(a) == len(b) == cell_len(a) == cell_len(b):
            first = next(k for k in range(len(a)) if a[k] != b[k])
            last = next(k for k in range(len(a), 0, -1) if a[k - 1] != b[k - 1])
            x1, x2 = x + first, x + last
        else:
            x1, x2 = x, x + COLUMNS[i].width
        if spans and x1 - spans[-1][1] <= MERGE_GAP:
            spans[-1] = (spans[-1][0], max(spans[-1][1], x2))
        else:
            spans.append((x1, x2))
    return spans

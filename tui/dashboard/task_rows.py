"""What the task table shows: its columns, how a record becomes cells, sort keys and the filter.

Pure functions of a `TaskRecord` (and its `Completion`), no Textual, so they are cheap to test and to call
100,000 times. Times are UTC: the table shows absolute start times (they never change) and running
durations as of the app's last tick (whole minutes after the first minute, so a row changes rarely); both
formatted by `tui.core.timefmt`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.cells import cell_len, set_cell_size

from schemas import KINDS, TASK_KINDS, TaskRecord, TaskStatus, short_name
from schemas.kinds import BY_SHORT, BY_WIRE
from tui.core import timefmt
from tui.engine.api import Completion

from .widgets.safe_text import clean

#: Key -> the task kind it shows or hides (`4`, `5`, `6`…, in the kinds table's order).
KIND_KEYS = {str(4 + i): kind for i, kind in enumerate(TASK_KINDS)}
#: The kind sort's order: the kinds' keys' (a kind this version does not know goes last, by its name).
_KIND_RANK = {kind: i for i, kind in enumerate(TASK_KINDS)}
STATUS_MARKS = {TaskStatus.IN_PROGRESS: "▶", TaskStatus.COMPLETE: "✓", TaskStatus.FAILED: "✗"}
SORTS = ("default", "start", "status", "kind", "duration")
SORT_TITLES = {
    "default": "active first, then recently finished",
    "start": "start time, newest first",
    "status": "status (failed, running, complete)",
    "kind": f"kind ({' '.join(KIND_KEYS)}), newest first",
    "duration": "duration, longest first",
}
_STATUS_RANK = {TaskStatus.FAILED: 0, TaskStatus.IN_PROGRESS: 1, TaskStatus.COMPLETE: 2}


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int


# What a status change rewrites (mark, status, and a failure's reason, all in the status colour) sits
# together at the left edge: one write of one colour per change. Then the task id, which users copy and
# grep (`task-` and 13 characters; a prospecting task's has 14), and how long it took: both whole within
# the 63 columns the table has at 120 (side panes beside it, a one-cell scrollbar). The reason gives way
# for that (the longer codes end in `…`; the details pane has them whole).
COLUMNS: tuple[Column, ...] = (
    Column("mark", "", 1),
    Column("status", "Status", 11),
    Column("reason", "Reason", 22),
    Column("task", "Task id", 19),
    Column("duration", "Took", 6),
    Column("kind", "Kind", max(len(k.short) for k in KINDS)),
    Column("start", "Started UTC", 11),
    Column("job", "Snapshot job", 18),
    Column("source", "From id", 18),
    Column("opportunity", "Opportunity", 14),
    Column("engagement", "Engagement", 18),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
#: Cells drawn in the status colour (a failed row also colours its reason).
STATUS_STYLED = frozenset({"mark", "status", "reason"})
GAP = 1
#: Cell x offsets within a row.
OFFSETS: tuple[int, ...] = tuple(sum(c.width + GAP for c in COLUMNS[:i]) for i in range(len(COLUMNS)))
ROW_WIDTH = OFFSETS[-1] + COLUMNS[-1].width
SORT_COLUMN = {"start": "start", "status": "status", "kind": "kind", "duration": "duration"}


def fit(text: str, width: int) -> str:
    """`text` padded or cut (with an ellipsis) to exactly `width` cells."""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def observed_seconds(record: TaskRecord, completion: Completion | None, now: datetime | None) -> float | None:
    """How long the task took (finished: as observed by the store) or has run so far (active)."""
    if completion is not None:
        # A task that had finished before pcwatch first saw it has no observed duration.
        if not completion.observed_live:
            return None
        if math.isfinite(completion.duration):
            return float(completion.duration)
    if record.is_terminal or record.start_time is None or now is None:
        return None
    return (now - record.start_time).total_seconds()


def kind_label(kind: str) -> str:
    """A kind as the dashboard names it: its short name (one this version does not know: its own name,
    made safe)."""
    return short_name(kind) or clean(kind, limit=32)


def source_id(record: TaskRecord) -> str | None:
    """The id the task started from: the invitation, the opportunity or the engagement; for a task over
    several engagements (prospecting, when pcwatch started it: the list names none) the one, or how many."""
    kind = BY_WIRE.get(record.kind)
    if kind is not None:
        value: str | list[str] | None = getattr(record, kind.source_field)
        if isinstance(value, list):
            return value[0] if len(value) == 1 else f"{len(value):,} engagements" if value else None
        return value
    return record.engagement_invitation_id or record.opportunity_id or record.engagement_id


def engagement_progress(record: TaskRecord) -> str | None:
    """A task over many engagements (prospecting) in a few words, for the Reason column: how far a
    running one has got (`4 of 10 done, 1 failed`), how many of how many failed once it ended
    (`3 of 10 failed`), or `10 of 10 done`. None for a task without engagement counts."""
    total = record.total_engagement_count
    if total is None:
        return None
    completed = record.completed_engagement_count or 0
    failed = record.failed_engagement_count or 0
    if record.is_terminal and failed:
        return f"{failed:,} of {total:,} failed"
    done = f"{completed + failed:,} of {total:,} done"
    return done + (f", {failed:,} failed" if failed and not record.is_terminal else "")


def status_class(record: TaskRecord) -> str:
    if record.task_status == TaskStatus.FAILED:
        return "failed"
    if record.task_status == TaskStatus.COMPLETE:
        return "complete"
    return "active"


def cells(record: TaskRecord, completion: Completion | None, now: datetime | None) -> tuple[str, ...]:
    """The row's cell texts, cleaned and fitted to their columns."""
    start = timefmt.instant(record.start_time, timefmt.SHORT_MINUTE)
    values = {
        "mark": STATUS_MARKS.get(record.task_status or "", "?"),
        "status": clean(record.task_status or "?", limit=64),
        "duration": (timefmt.duration if record.is_terminal else timefmt.running)(
            observed_seconds(record, completion, now)
        ),
        "kind": kind_label(record.kind),
        "start": start,
        "reason": clean(record.reason_code, limit=64) or engagement_progress(record) or "",
        "job": clean(record.resource_snapshot_job_id, limit=128),
        "source": clean(source_id(record), limit=128),
        "task": clean(record.task_id, limit=128),
        "opportunity": clean(record.opportunity_id, limit=128),
        "engagement": clean(record.engagement_id, limit=128),
    }
    return tuple(fit(values[c.key], c.width) for c in COLUMNS)


def row_runs(row_cells: tuple[str, ...], *, failed: bool) -> list[tuple[str, bool]]:
    """The row as runs of text, each with whether it takes the status colour: the mark and status
    cells, and a failure's reason. Gaps between coloured cells share their colour, so a status change
    goes out as one run of one colour (they are neighbours, see COLUMNS)."""
    runs: list[tuple[str, bool]] = []
    gap = " " * GAP
    for i, text in enumerate(row_cells):
        key = COLUMNS[i].key
        runs.append((text, key in ("mark", "status") or (failed and key == "reason")))
        runs.append((gap, key == "mark" or (failed and key == "status")))
    return runs[:-1]


def header_cells(sort: str, reverse: bool = False) -> tuple[str, ...]:
    arrow = "▲" if reverse else "▼"
    sorted_key = SORT_COLUMN.get(sort)
    return tuple(fit(c.title + (arrow if c.key == sorted_key else ""), c.width) for c in COLUMNS)


def _ts(value: datetime | None) -> float:
    return value.timestamp() if value is not None else 0.0


def sort_key(record: TaskRecord, completion: Completion | None, sort: str) -> tuple[Any, ...]:
    """A key that orders rows for `sort`; it ends with the task id, so keys are unique and the id of
    row i is `keys[i][-1]`. Keys never depend on the current time, so polls do not re-sort."""
    if sort not in ("default", "duration"):
        return sort_key_at(record, None, sort)  # no completion in these keys
    tid = record.task_id or ""
    start = _ts(record.start_time)
    active = not record.is_terminal
    if sort == "duration":
        if active:  # running tasks first, the longest-running (earliest start) on top
            return (0, start, tid)
        duration = completion.duration if completion is not None and completion.observed_live else None
        if duration is None or not math.isfinite(duration):
            duration = 0.0  # unknown (finished before pcwatch first saw it); NaN would break the order
        return (1, -duration, tid)
    # default: active first (newest start on top), then finished by when they were seen to finish
    if active:
        return (0, -start, tid)
    end = completion.observed_end if completion is not None and completion.observed_live else None
    # Finished before pcwatch saw it: when it ended is unknown, so it ranks by when it started.
    return (1, -_ts(end or record.start_time), tid)


def sort_key_at(record: TaskRecord, observed_end: float | None, sort: str) -> tuple[Any, ...]:
    """`sort_key` from the epoch second a finished task was first seen finished (`Store.observed_end`,
    None if it was not seen running first) instead of a completion object: the same order, much
    cheaper to build for 100,000 rows."""
    tid = record.task_id or ""
    start_time = record.start_time
    start = start_time.timestamp() if start_time is not None else 0.0
    if sort == "start":
        return (-start, tid)
    if sort == "status":
        return (_STATUS_RANK.get(record.task_status or "", 3), -start, tid)
    if sort == "kind":
        return (_KIND_RANK.get(record.kind, len(_KIND_RANK)), record.kind, -start, tid)
    active = record.task_status not in TaskStatus.TERMINAL
    if sort == "duration":
        if active:
            return (0, start, tid)
        # Unknown (not seen running, or no start): 0, as in `sort_key`.
        duration = (
            max(0.0, observed_end - start) if observed_end is not None and start_time is not None else 0.0
        )
        return (1, -duration, tid)
    if active:
        return (0, -start, tid)
    return (1, -(observed_end if observed_end is not None else start), tid)


def matches(record: TaskRecord, needle: str) -> bool:
    """Case-insensitive substring match on the ids, the reason code and the message; a kind's short name
    (`inv-to-eng`, typed whole) matches every task of that kind. `needle` is lower case."""
    if not needle:
        return True
    kind = BY_SHORT.get(needle)
    if kind is not None and record.kind == kind.wire:
        return True
    for value in (
        record.task_id,
        record.reason_code,
        record.message,
        record.resource_snapshot_job_id,
        record.opportunity_id,
        record.engagement_id,
        record.engagement_invitation_id,
        record.context_id,
        record.task_arn,
        record.task_name,
    ):
        if value and needle in value.lower():
            return True
    return any(needle in engagement.lower() for engagement in record.identifiers or ())

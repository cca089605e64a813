"""What the notebook API returns: lists that display themselves.

`TaskList` (`watch.tasks()`), `JobList` (`watch.jobs()`), `BulkJobList` (`watch.bulk_jobs()`),
`BulkResultList` (`watch.results(job_id)`) and `InvitationList` (`watch.invitations()`) are plain lists of
the `schemas` structs, so indexing, `len` and loops work as on any list, plus:

- `_repr_html_`: a compact table in the cell (Jupyter and VS Code call it), at most `html_rows` rows,
  status coloured, times absolute (UTC) and relative to when the list was made, every string from the
  service made safe by `tui.core.text_safety.visible`;
- `to_pandas()`: every row as a DataFrame (pandas comes with `pip install 'pcwatch[notebook]'`); its text
  is made safe the same way unless `raw=True` asks for the service's exact strings;
- `__repr__`: a count by status and the first rows, as plain text.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from schemas import (
    BulkJobRecord,
    BulkJobResult,
    EngagementInvitationSummary,
    GetResourceSnapshotJobResponse,
    TaskRecord,
    short_name,
)
from tui.core.text_safety import visible
from tui.core.timefmt import SECOND, duration, instant, time_left
from tui.engine.api import Completion
from tui.engine.bulk_progress import BulkProgress, bulk_progress

from . import html

if TYPE_CHECKING:
    import pandas

T = TypeVar("T")

#: What to install for `to_pandas()`.
PANDAS_HINT = "to_pandas() needs pandas: pip install 'pcwatch[notebook]' (or pip install pandas)"


@dataclass(frozen=True)
class Column(Generic[T]):
    """One field of a result: its DataFrame column, and how a cell and the plain repr show it."""

    name: str
    value: Callable[[T], object]
    #: The cell table's header; None: only in the DataFrame.
    header: str | None = None
    #: The cell's HTML (default: the value as safe text).
    cell: Callable[[T], str] | None = None
    #: Width in the plain-text repr (0: not shown there).
    plain_width: int = 0


def _plain(value: object) -> str:
    if isinstance(value, datetime):
        return instant(value, SECOND)
    if isinstance(value, float):
        return "" if math.isnan(value) else duration(value)
    return visible(value, limit=120)


class ResultList(list[T]):
    """A list of results that shows itself in a notebook cell (see the module's docstring)."""

    def field(
        self,
        name: str,
        header: str | None = None,
        cell: Callable[[T], str] | None = None,
        plain_width: int = 0,
    ) -> Column[T]:
        """The column of the items' attribute `name`, under the same name."""
        return Column(name, attrgetter(name), header, cell, plain_width)

    #: Rows a cell shows at most (`to_pandas()` has every row).
    html_rows: ClassVar[int] = 50
    #: Rows the plain repr shows at most.
    repr_rows: ClassVar[int] = 8
    noun: ClassVar[str] = "items"

    def __init__(self, items: Iterable[T] = (), *, now: datetime, note: str = "") -> None:
        super().__init__(items)
        #: When the list was made: relative times are relative to it.
        self.now = now
        #: Said under the caption (e.g. that the history is still loading).
        self.note = note

    # --- what each kind of result defines ---------------------------------------------------------------

    def columns(self) -> list[Column[T]]:
        raise NotImplementedError

    def status_of(self, item: T) -> str | None:
        return None

    # --- the three views -----------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Items by status."""
        return dict(sorted(Counter(self.status_of(i) or "?" for i in self).items()))

    def _summary(self) -> str:
        counts = ", ".join(f"{status} {n:,}" for status, n in self.counts().items())
        return f"{len(self):,} {self.noun}" + (f" ({counts})" if counts and len(self) else "")

    def _repr_html_(self) -> str:
        columns = [c for c in self.columns() if c.header is not None]
        shown = self[: self.html_rows]
        rows = [[c.cell(item) if c.cell else html.text(c.value(item)) for c in columns] for item in shown]
        caption = f"<b>{html.text(self._summary())}</b> " + html.muted(
            f"as of {instant(self.now, SECOND)} UTC"
        )
        if self.note:
            caption += f"<br>{html.muted(html.text(self.note))}"
        footer = ""
        if len(self) > len(shown):
            footer = f"the first {len(shown):,} shown; to_pandas() has all {len(self):,}"
        return html.table(caption, [c.header or "" for c in columns], rows, footer)

    def __repr__(self) -> str:
        columns = [c for c in self.columns() if c.plain_width]
        lines = [f"{type(self).__name__}: {self._summary()} as of {instant(self.now, SECOND)} UTC"]
        if self.note:
            lines.append(f"  ({self.note})")
        for item in self[: self.repr_rows]:
            cells = [_plain(c.value(item)) for c in columns]
            lines.append(
                "  " + "  ".join(t.ljust(c.plain_width) for t, c in zip(cells, columns, strict=True)).rstrip()
            )
        if len(self) > self.repr_rows:
            lines.append(f"  … {len(self) - self.repr_rows:,} more")
        return "\n".join(lines)

    def to_pandas(self, *, raw: bool = False) -> pandas.DataFrame:
        """Every row as a DataFrame. Text is made safe as in the cell (control and format characters as
        visible escapes) unless `raw=True`; unknown durations are NaN, missing times NaT."""
        try:
            import pandas
        except ImportError as missing:
            raise ImportError(PANDAS_HINT) from missing
        columns = self.columns()
        data: dict[str, list[Any]] = {c.name: [] for c in columns}
        for item in self:
            for c in columns:
                value = c.value(item)
                if isinstance(value, str) and not raw:
                    value = visible(value, limit=None)
                data[c.name].append(value)
        frame = pandas.DataFrame(data, columns=[c.name for c in columns])
        for c in columns:  # all-None time columns stay datetimes (NaT), not objects
            if c.name.endswith(("_time", "_at", "_date", "_end")):
                frame[c.name] = pandas.to_datetime(frame[c.name], utc=True)
        return frame


class TaskList(ResultList[TaskRecord]):
    """`watch.tasks()`: `schemas.TaskRecord`s, newest first."""

    noun = "tasks"

    def __init__(
        self,
        items: Iterable[TaskRecord] = (),
        *,
        now: datetime,
        completions: Mapping[str, Completion] | None = None,
        note: str = "",
    ) -> None:
        super().__init__(items, now=now, note=note)
        #: Task id -> how it was seen to end (finished tasks only).
        self.completions = dict(completions or {})

    def status_of(self, item: TaskRecord) -> str | None:
        return item.task_status

    def observed_end(self, record: TaskRecord) -> datetime | None:
        """When pcwatch saw it finish; None if it had finished before pcwatch first saw it."""
        done = self.completions.get(record.task_id or "")
        return done.observed_end if done is not None and done.observed_live else None

    def duration(self, record: TaskRecord) -> float:
        """Seconds it took (finished, as observed) or has run so far; NaN when unknown (it had finished
        before pcwatch first saw it, or it has no start time)."""
        if record.is_terminal:
            done = self.completions.get(record.task_id or "")
            return done.duration if done is not None else math.nan
        if record.start_time is None:
            return math.nan
        return max(0.0, (self.now - record.start_time).total_seconds())

    def _took(self, record: TaskRecord) -> str:
        seconds = self.duration(record)
        if math.isnan(seconds):
            if record.is_terminal:
                return f'<span title="finished before pcwatch first saw it">{html.muted("unknown")}</span>'
            return ""
        return duration(seconds) + ("" if record.is_terminal else html.muted(" so far"))

    def columns(self) -> list[Column[TaskRecord]]:
        now = self.now
        return [
            Column("status", lambda r: r.task_status, "Status", lambda r: html.status(r.task_status), 11),
            self.field("task_id", "Task id", plain_width=22),
            Column("kind", lambda r: short_name(r.kind) or r.kind, "Kind", lambda r: html.kind(r.kind)),
            Column("wire_kind", lambda r: r.kind),
            self.field("start_time", "Started", lambda r: html.when(r.start_time, now), 19),
            Column("observed_end", self.observed_end),
            Column("duration_s", self.duration, "Took", self._took, 8),
            self.field("reason_code", "Reason", plain_width=1),
            self.field("message", "Message", _message_cell),
            self.field("opportunity_id"),
            self.field("engagement_invitation_id"),
            self.field("engagement_id"),
            self.field("context_id"),
            self.field("resource_snapshot_job_id"),
            # A prospecting task's: its name, its end and its engagements' counts (its Message cell says
            # them too).
            self.field("task_name"),
            self.field("end_time"),
            self.field("total_engagement_count"),
            self.field("completed_engagement_count"),
            self.field("failed_engagement_count"),
            self.field("task_arn"),
        ]


def _message_cell(record: TaskRecord) -> str:
    """The Message; for a task that converts many engagements (prospecting), its name and how many of its
    engagements completed and failed."""
    if record.total_engagement_count is None and record.task_name is None:
        return html.long_text(record.message)

    def n(value: int | None) -> str:
        return "?" if value is None else f"{value:,}"

    name = f"{html.text(record.task_name, limit=60)}: " if record.task_name else ""
    return (
        f"{name}{n(record.total_engagement_count)} engagements, {n(record.completed_engagement_count)} "
        f"completed, {n(record.failed_engagement_count)} failed"
    )


class JobList(ResultList[GetResourceSnapshotJobResponse]):
    """`watch.jobs()`: the resource snapshot jobs pcwatch has fetched (`GetResourceSnapshotJobResponse`)."""

    noun = "snapshot jobs"

    def status_of(self, item: GetResourceSnapshotJobResponse) -> str | None:
        return item.status

    def columns(self) -> list[Column[GetResourceSnapshotJobResponse]]:
        now = self.now
        return [
            self.field("status", "Status", lambda j: html.status(j.status), 8),
            self.field("id", "Job id", plain_width=22),
            self.field("engagement_id", "Engagement", plain_width=22),
            self.field("resource_type", "Resource"),
            self.field("resource_id", "Resource id", plain_width=1),
            self.field(
                "last_successful_execution_date",
                "Last run",
                lambda j: html.when(j.last_successful_execution_date, now),
            ),
            self.field(
                "last_failure",
                "Last failure",
                lambda j: html.long_text(j.last_failure),
            ),
            self.field("created_at"),
            self.field("resource_snapshot_template_name"),
            self.field("catalog"),
            self.field("arn"),
        ]


class InvitationList(ResultList[EngagementInvitationSummary]):
    """`watch.invitations()`: the pending engagement invitations to this account, soonest to expire first."""

    noun = "invitations"

    def status_of(self, item: EngagementInvitationSummary) -> str | None:
        return item.status

    def _expires(self, inv: EngagementInvitationSummary) -> str:
        if inv.expiration_date is None:
            return html.muted("no expiry")
        return f"{instant(inv.expiration_date, SECOND)} {html.muted('(' + time_left(inv.expiration_date, self.now) + ')')}"

    def columns(self) -> list[Column[EngagementInvitationSummary]]:
        now = self.now
        return [
            self.field("status", "Status", lambda i: html.status(i.status), 8),
            self.field("id", "Invitation id", plain_width=22),
            self.field("engagement_title", "Engagement", plain_width=1),
            self.field("sender_company_name", "From"),
            self.field(
                "invitation_date",
                "Invited",
                lambda i: html.when(i.invitation_date, now),
            ),
            self.field("expiration_date", "Expires", self._expires),
            self.field("sender_aws_account_id"),
            self.field("engagement_id"),
            self.field("payload_type"),
            self.field("catalog"),
            self.field("arn"),
        ]


class BulkJobList(ResultList[BulkJobRecord]):
    """`watch.bulk_jobs()`: the bulk jobs (`schemas.BulkJobRecord`, both families), the newest created
    first, each with its progress (`tui.engine.bulk_progress`: processed of total, records a minute, time
    left) as of when the list was made."""

    noun = "bulk jobs"

    def status_of(self, item: BulkJobRecord) -> str | None:
        return item.status

    def progress(self, job: BulkJobRecord) -> BulkProgress:
        return bulk_progress(job, self.now)

    def _progress_cell(self, job: BulkJobRecord) -> str:
        p = self.progress(job)
        if p.total is None:
            return f'<progress style="width:8em"></progress> {p.processed:,} {html.muted("of ?")}'
        share = f" ({p.fraction:.0%})" if p.fraction is not None else ""
        return (
            f'<progress value="{p.processed}" max="{max(p.total, 1)}" style="width:8em"></progress> '
            f"{p.processed:,} / {p.total:,}{html.muted(share)}"
        )

    def _rate_cell(self, job: BulkJobRecord) -> str:
        rate = self.progress(job).per_minute
        return "" if rate is None else f"{rate:,.0f}/min"

    def _left_cell(self, job: BulkJobRecord) -> str:
        p = self.progress(job)
        return "" if p.finished or p.seconds_left is None else duration(round(p.seconds_left))

    def columns(self) -> list[Column[BulkJobRecord]]:
        now = self.now
        nan = math.nan
        return [
            self.field("status", "Status", lambda j: html.status(j.status), 11),
            self.field("job_id", "Job id", plain_width=22),
            Column("kind", lambda j: short_name(j.kind) or j.kind, "Kind", lambda j: html.kind(j.kind), 9),
            Column("wire_kind", lambda j: j.kind),
            Column(
                "fraction", lambda j: _or(self.progress(j).fraction, nan), "Progress", self._progress_cell
            ),
            self.field("processed_records", plain_width=8),
            self.field("total_records"),
            self.field("success_count", "Succeeded"),
            self.field("failure_count", "Failed", plain_width=6),
            Column("per_minute", lambda j: _or(self.progress(j).per_minute, nan), "Rate", self._rate_cell),
            Column(
                "seconds_left", lambda j: _or(self.progress(j).seconds_left, nan), "Left", self._left_cell
            ),
            self.field("created_at", "Created", lambda j: html.when(j.created_at, now)),
            self.field("started_at"),
            self.field("completed_at"),
            self.field("failure_reason", "Failure", lambda j: html.long_text(j.failure_reason)),
            self.field("file_name", "File"),
            self.field("operation_type"),
            self.field("deleted_count"),
            self.field("arn"),
        ]


class BulkResultList(ResultList[BulkJobResult]):
    """`watch.results(job_id)`: one bulk job's per-record results (`schemas.BulkJobResult`), in the
    service's order: each record's status, the resource it created or updated, or why it failed."""

    noun = "records"

    def __init__(
        self, items: Iterable[BulkJobResult] = (), *, now: datetime, job: BulkJobRecord | None, note: str = ""
    ) -> None:
        super().__init__(items, now=now, note=note)
        #: The job, as the engine knew it when the list was made.
        self.job = job

    def status_of(self, item: BulkJobResult) -> str | None:
        return item.status

    def columns(self) -> list[Column[BulkJobResult]]:
        return [
            self.field("status", "Status", lambda r: html.status(r.status), 9),
            self.field("request_id", "Request id", plain_width=14),
            self.field("resource_identifier", "Resource id", plain_width=14),
            self.field("error_code", "ErrorCode", plain_width=1),
            self.field("error_message", "ErrorMessage", lambda r: html.long_text(r.error_message)),
        ]


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


__all__ = [
    "PANDAS_HINT",
    "BulkJobList",
    "BulkResultList",
    "Column",
    "InvitationList",
    "JobList",
    "ResultList",
    "TaskList",
]

"""The jobs view's details: the selected bulk job in full (its id, kind, file, times, progress, why it
failed), the report of its failed records (the URL shown literally, made safe, with its expiry; `c`
copies it), and its failed records (resource id, ErrorCode, ErrorMessage), how many there are, and
"fetching…" while more are coming.

Two `LinePane`s: the job's lines change with each poll that moves it, the records only when more arrive,
so a poll rewrites a few characters of the first and nothing of the second. Every string from the
service passes through `safe_text.clean`; the URL is never logged (nothing here logs)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult

from schemas import BulkJobRecord, BulkRecordStatus, BulkReportStatus
from tui.core.timefmt import CLOCK, SECOND, instant
from tui.engine.api import BulkResults, ReportUrl
from tui.engine.bulk_progress import bulk_progress

from ..bulk_rows import job_label, per_minute, processed_text, time_left
from .line_pane import LinePane
from .safe_text import clean
from .scrolling import FollowingScroll

#: Failed records listed; more are counted (`pcwatch results JOB_ID --failed` lists them all).
SHOWN_RECORDS = 500
STATUS_STYLES = {"COMPLETED": "bold green", "FAILED": "bold red"}


def _when(value: datetime | None) -> str:
    return instant(value, utc=True, missing="—")


def job_summary_text(
    job: BulkJobRecord,
    as_of: datetime,
    report: ReportUrl | None,
    *,
    report_asked: bool,
    expired_at: datetime | None = None,
) -> Text:
    """The job (status, id, kind, file, progress, times, why it failed) and its report. `as_of`: when its
    figures (rate, time left: as coarse as the table's, so they change rarely) are taken
    (`BulkJobTable.as_of`, the last change the view saw: the header says when the last poll was);
    `report_asked`: the engine was asked for the report (else an offline view, or not yet due);
    `expired_at`: the report shown before expired then."""
    text = Text(end="")
    text.append(clean(job.status or "?", limit=32), style=STATUS_STYLES.get(job.status or "", "bold yellow"))
    text.append("  " + clean(job.job_id, limit=200), style="bold")
    kind = f"  {job_label(job.kind)}"
    if job.operation_type:
        kind += f" · {clean(job.operation_type, limit=32)}"
    text.append(kind, style="dim")
    text.append("\nFile      " + (clean(job.file_name, limit=512) if job.file_name else "—"))
    progress = bulk_progress(job, as_of)
    text.append("\nProgress  " + processed_text(progress).replace("/", " of ", 1))
    if progress.fraction is not None:
        text.append(f" ({progress.fraction:.1%})")
    text.append(f" · {progress.succeeded:,} succeeded · ")
    text.append(f"{progress.failed:,} failed", style="bold red" if progress.failed else "")
    if job.deleted_count:
        text.append(f" · {job.deleted_count:,} deleted")
    rate = per_minute(progress.per_minute)
    if rate:
        text.append(f" · {rate}")
    left = time_left(progress)
    if left:
        text.append(" · under a minute left" if left == "<1m" else f" · about {left} left")
    text.append("\nTimes     " + times(job))
    if job.failure_reason:
        text.append("\nFailure   ", style="bold red")
        text.append(clean(job.failure_reason, multiline=True, limit=4000), style="red")
    text.append("\n\nReport    ", style="bold")
    text.append_text(report_text(job, report, report_asked=report_asked, expired_at=expired_at))
    return text


def times(job: BulkJobRecord) -> str:
    """`created 2026-11-28 06:45:00 · started 06:46:00 · ended 07:00:00 UTC` (a later day in full)."""
    parts = [f"created {instant(job.created_at, SECOND, missing='—')}"]
    day = job.created_at.date() if job.created_at is not None else None
    for word, when in (("started", job.started_at), ("ended", job.completed_at)):
        if when is not None:
            parts.append(f"{word} {instant(when, CLOCK if when.date() == day else SECOND)}")
    return " · ".join(parts) + " UTC"


def report_text(
    job: BulkJobRecord, report: ReportUrl | None, *, report_asked: bool, expired_at: datetime | None
) -> Text:
    """Where the report of the failed records is (the URL literally, made safe), or why it is not."""
    text = Text(end="")
    if report is not None and report.url:
        text.append(clean(report.url, limit=None), style="underline")
        text.append(f"\n          expires {_when(report.expires_at)} · c copies it", style="dim")
        return text
    if report is not None:
        status = report.status or "?"
        if status in (BulkReportStatus.NOT_STARTED, BulkReportStatus.IN_PROGRESS):
            text.append(f"being prepared ({clean(status, limit=32)})…", style="dim")
        elif status == BulkReportStatus.FAILED:
            text.append("could not be made", style="red")
            if report.failure_reason:
                text.append(": " + clean(report.failure_reason, multiline=True, limit=2000))
        else:
            text.append(f"none ({clean(status, limit=32)})", style="dim")
        return text
    if not job.failure_count and job.is_terminal:
        text.append("none: no record failed", style="dim")
    elif expired_at is not None:
        text.append(f"expired at {_when(expired_at)}: select the job again for a new one", style="dim")
    elif not job.is_terminal:
        text.append("of the failed records, once the job has ended", style="dim")
    elif report_asked:
        text.append("asked for…", style="dim")
    else:
        text.append("not fetched (no poller in this view)", style="dim")
    return text


def failed_records_text(job: BulkJobRecord, results: BulkResults | None, *, asked: bool) -> Text:
    """How many records failed, and each one's resource id, ErrorCode and ErrorMessage."""
    text = Text(end="")
    text.append("Failed records  ", style="bold")
    expected = job.failure_count or 0
    if results is None:
        if not expected:
            text.append("none" + ("" if job.is_terminal else " so far"), style="dim")
        elif asked:
            text.append(f"{expected:,}: fetching…", style="yellow")
        else:
            text.append(f"{expected:,}: not fetched (no poller in this view)", style="dim")
        return text
    failed = (
        list(results.results)
        if results.failed_only
        else [r for r in results.results if r.status == BulkRecordStatus.FAILED]
    )
    if results.complete:
        text.append(f"{len(failed):,}")
        if expected > len(failed):
            text.append(f" (the job counts {expected:,}; more come with the next fetch)", style="dim")
    else:
        text.append(f"{len(failed):,} of {max(expected, len(failed)):,} so far, fetching…", style="yellow")
    if not failed:
        return text
    for result in failed[:SHOWN_RECORDS]:
        text.append("\n")
        # A record that created nothing has no resource: its request (the file's row) names it.
        name = result.resource_identifier or result.request_id or "?"
        text.append(clean(name, limit=128), style="bold")
        text.append("  ")
        text.append(clean(result.error_code or "(no code)", limit=128), style="red")
        if result.error_message:
            text.append("  " + clean(result.error_message, multiline=True, limit=2000))
    if len(failed) > SHOWN_RECORDS:
        more = len(failed) - SHOWN_RECORDS
        text.append(
            f"\n… and {more:,} more: pcwatch results {clean(job.job_id, limit=128)} --failed",
            style="dim",
        )
    return text


class BulkJobDetails(FollowingScroll, can_focus=True):
    """The selected job (`show`), scrollable."""

    DEFAULT_CSS = """
    BulkJobDetails > LinePane { width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._summary = LinePane(wrap=True, id="bulk-summary")
        self._records = LinePane(wrap=True, id="bulk-records")
        self._shown: tuple[Text, Text] | None = None
        self._job_id: str | None = None

    def compose(self) -> ComposeResult:
        yield self._summary
        yield self._records

    def show(self, job_id: str | None, summary: Text, records: Text) -> None:
        """The job's lines and its records' (each rewritten only where it changed)."""
        before = self._shown
        if before is None or not _same(before[0], summary):
            self._summary.set_lines(list(summary.split("\n", allow_blank=True)))
        if before is None or not _same(before[1], records):
            self._records.set_lines([Text(""), *records.split("\n", allow_blank=True)])
        self._shown = (summary, records)
        if job_id != self._job_id:
            self._job_id = job_id
            self.scroll_home(animate=False)

    @property
    def plain(self) -> str:
        """What is shown, as text (for tests)."""
        if self._shown is None:
            return ""
        return self._shown[0].plain + "\n\n" + self._shown[1].plain


def _same(a: Text, b: Text) -> bool:
    return a.plain == b.plain and a.spans == b.spans

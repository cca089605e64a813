"""Snapshot jobs: the selected task's ResourceSnapshotJobId and its job, how many jobs are known, the
recent tasks' job ids in full with their status where known, and the engagement invitations still
waiting for an answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from schemas import EngagementInvitationSummary, GetResourceSnapshotJobResponse, TaskRecord
from tui.core.timefmt import SHORT_SECOND, instant

from .line_pane import LinePane
from .safe_text import clean


def _when(value: datetime | None) -> str:
    return instant(value, SHORT_SECOND, missing="never")


def cut(text: str, width: int) -> str:
    """`text` whole if it fits in `width` cells, else cut with an ellipsis."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(0, width - 1)) + "…"


def recent_job_line(
    job_id: str, job: GetResourceSnapshotJobResponse | None, width: int, *, selected: bool = False
) -> Text:
    """One recent task's job on one line: its status where the store knows the job, then its id, whole
    unless the pane is too narrow (then cut with `…`; `y` still copies it from its task)."""
    if job is None:
        mark, status, style = "·", "unknown", "dim"
    elif job.status == "Running":
        mark, status, style = "●", "Running", "green"
    else:
        mark, status, style = ("✗" if job.last_failure else "■"), clean(job.status or "?", limit=7), "yellow"
    line = Text(end="")
    line.append(mark, style="red" if job is not None and job.last_failure else style)
    line.append(f" {status:<7} ", style="dim" if job is None else "")
    shown = clean(job_id, limit=200)
    line.append(cut(shown, max(1, width - 10)), style="bold cyan" if selected else "")
    return line


def job_lines(
    record: TaskRecord | None,
    job: GetResourceSnapshotJobResponse | None,
    jobs: list[GetResourceSnapshotJobResponse],
    invitations: list[EngagementInvitationSummary],
    limit: int = 40,
    *,
    recent: list[str] | None = None,
    job_of: Callable[[str], GetResourceSnapshotJobResponse | None] | None = None,
    width: int = 200,
    waiting: str = "fetching…",
) -> list[Text]:
    """The selected task's job, then the recent tasks' jobs (`recent`, their ids newest first, each
    with its status from `job_of` where known; at most `limit`), then the pending invitations. Lines
    of ids are cut to `width` cells. `waiting`: what the selected task's job waits for while it is not
    known (`tui.dashboard.job_wait`)."""
    lines: list[Text] = []
    title = Text("Selected task's job: ", style="bold", end="")
    job_id = record.resource_snapshot_job_id if record is not None else None
    if job_id:
        title.append(clean(job_id, limit=200), style="bold cyan")
        lines.append(title)
        if job is None:
            lines.append(Text(f"  {clean(waiting, limit=300)}", style="dim"))
        else:
            status = clean(job.status or "?", limit=32)
            line = Text("  status ", end="")
            line.append(status, style="bold green" if job.status == "Running" else "bold yellow")
            line.append(f" · last success {_when(job.last_successful_execution_date)}")
            lines.append(line)
            if job.last_failure:
                failure = Text("  last failure: ", style="bold red", end="")
                failure.append(clean(job.last_failure, limit=2000), style="red")
                lines.append(failure)
            lines.append(Text(f"  engagement {clean(job.engagement_id or '—', limit=128)}"))
            resource = (
                f"{clean(job.resource_type or '?', limit=64)} {clean(job.resource_id or '—', limit=128)}"
            )
            lines.append(Text(f"  resource {resource}"))
            if job.resource_snapshot_template_name:
                lines.append(
                    Text(f"  template {clean(job.resource_snapshot_template_name, limit=128)}", style="dim")
                )
    else:
        title.append("none" if record is not None else "no task selected", style="dim")
        lines.append(title)
    running = sum(1 for j in jobs if j.status == "Running")
    lines.append(Text(""))
    lines.append(
        Text(
            f"Jobs known: {len(jobs):,} ({running:,} running, {len(jobs) - running:,} stopped)", style="bold"
        )
    )
    if recent is None:  # no recent tasks given: the jobs known, the newest first
        newest = sorted(
            jobs, key=lambda j: (j.created_at is None, -(j.created_at.timestamp() if j.created_at else 0))
        )
        known = {j.id: j for j in newest if j.id}
        recent, job_of = list(known), known.get
    if recent:
        lines.append(Text("Recent tasks' jobs:", style="dim"))
    for recent_id in recent[:limit]:
        shown = job_of(recent_id) if job_of is not None else None
        lines.append(recent_job_line(recent_id, shown, width, selected=recent_id == job_id))
    pending = [i for i in invitations if i.status == "PENDING"]
    if pending:
        lines.append(Text(""))
        lines.append(Text(f"Pending invitations: {len(pending):,}", style="bold"))
        for inv in pending[:limit]:
            lines.append(
                Text(
                    f"  {clean(inv.id, limit=64)} {clean(inv.engagement_title or '', limit=60)}"
                    f" · expires {_when(inv.expiration_date)}"
                )
            )
    return lines


class SnapshotJobs(LinePane):
    DEFAULT_CSS = """
    SnapshotJobs { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(wrap=True, id=id)
        self._shown: tuple[Any, ...] | None = None

    def show(
        self,
        record: TaskRecord | None,
        job: GetResourceSnapshotJobResponse | None,
        jobs: list[GetResourceSnapshotJobResponse],
        invitations: list[EngagementInvitationSummary],
        recent: list[str] | None = None,
        job_of: Callable[[str], GetResourceSnapshotJobResponse | None] | None = None,
        waiting: str = "fetching…",
    ) -> None:
        """`recent`: the recent tasks' job ids, newest first (`recent_jobs.RecentJobs`); `job_of`: the
        store's job of an id, where known; `waiting`: what the selected task's job waits for, if the
        store has not got it."""
        self._shown = (record, job, jobs, invitations, recent, job_of, waiting)
        self._show()

    def _show(self) -> None:
        if self._shown is None:
            return
        record, job, jobs, invitations, recent, job_of, waiting = self._shown
        lines = job_lines(
            record,
            job,
            jobs,
            invitations,
            limit=max(5, self.size.height),
            recent=recent,
            job_of=job_of,
            width=self.content_size.width or 200,
            waiting=waiting,
        )
        self.set_lines(lines)

    def on_resize(self) -> None:
        # The ids are cut to the width: cut them again for the new one.
        if self._shown is not None and self.content_size.width != self._width:
            self._show()
        super().on_resize()

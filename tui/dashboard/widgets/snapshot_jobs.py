"""Snapshot jobs: the selected task's ResourceSnapshotJobId and its job, the jobs known overall, and the
engagement invitations still waiting for an answer."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from schemas import EngagementInvitationSummary, GetResourceSnapshotJobResponse, TaskRecord
from tui.core.timefmt import SHORT_SECOND, instant

from .line_pane import LinePane
from .safe_text import clean


def _when(value: datetime | None) -> str:
    return instant(value, SHORT_SECOND, missing="never")


def job_lines(
    record: TaskRecord | None,
    job: GetResourceSnapshotJobResponse | None,
    jobs: list[GetResourceSnapshotJobResponse],
    invitations: list[EngagementInvitationSummary],
    limit: int = 40,
) -> list[Text]:
    lines: list[Text] = []
    title = Text("Selected task's job: ", style="bold", end="")
    job_id = record.resource_snapshot_job_id if record is not None else None
    if job_id:
        title.append(clean(job_id, limit=200), style="bold cyan")
        lines.append(title)
        if job is None:
            lines.append(Text("  not fetched yet (next poll)", style="dim"))
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
    recent = sorted(
        jobs, key=lambda j: (j.created_at is None, -(j.created_at.timestamp() if j.created_at else 0))
    )
    for j in recent[:limit]:
        line = Text("  ", end="")
        line.append(
            "●" if j.status == "Running" else "■", style="green" if j.status == "Running" else "yellow"
        )
        line.append(f" {clean(j.id or '?', limit=64)} {clean(j.status or '?', limit=16)}")
        if j.last_failure:
            line.append(" ✗ failed", style="red")
        lines.append(line)
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

    def show(
        self,
        record: TaskRecord | None,
        job: GetResourceSnapshotJobResponse | None,
        jobs: list[GetResourceSnapshotJobResponse],
        invitations: list[EngagementInvitationSummary],
    ) -> None:
        self.set_lines(job_lines(record, job, jobs, invitations, limit=max(5, self.size.height)))

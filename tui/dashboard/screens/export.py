"""`e`: write the current view (its rows, in its order) to a CSV or JSON file, and say where.

In a terminal the file is written on this machine, 0600, and an existing file is replaced only after a
confirmation (`OverwriteScreen`); in a browser session (`pcwatch serve`) it is delivered to the browser
as a download instead (`App.deliver_text`), so nothing is left on the server.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import msgspec
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from schemas import TaskRecord, task_document
from schemas.kinds import kind_fields
from tui.core.private_files import open_private, private_directory
from tui.core.text_safety import CSV, JSON, visible
from tui.core.timefmt import FILE_STAMP, instant, iso
from tui.engine.api import Completion

from .dialog import Dialog

CSV_FIELDS = (
    "Kind",
    "WireKind",
    "TaskId",
    "TaskStatus",
    "StartTime",
    "ObservedEnd",
    "DurationSeconds",
    "ReasonCode",
    "Message",
    "OpportunityId",
    "EngagementInvitationId",
    "EngagementId",
    "ContextId",
    "ResourceSnapshotJobId",
    "TaskArn",
)


CompletionOf = Callable[[str], "Completion | None"]


def observed_end_and_duration(completion: Completion | None) -> tuple[datetime | None, float | None]:
    """When the task was seen to end and how long it took, as far as pcwatch observed them: (None, None)
    for a task first seen already finished (its end was never observed); no duration without a start."""
    if completion is None or not completion.observed_live:
        return None, None
    duration = completion.duration if math.isfinite(completion.duration) else None
    return completion.observed_end, duration


def export_text(records: Iterable[TaskRecord], completion_of: CompletionOf, fmt: str) -> tuple[str, int]:
    """`records` as `fmt` ("csv" or "json") text, and how many. Every cell goes through `visible`: no
    control or format character survives, and no CSV cell starts a spreadsheet formula. `ObservedEnd` and
    the duration are left out (empty) where pcwatch did not observe them."""
    if fmt == "json":
        docs = []
        for record in records:
            doc = task_document(record)
            end, duration = observed_end_and_duration(
                completion_of(record.task_id) if record.task_id else None
            )
            if end is not None:
                doc["ObservedEnd"] = iso(end)
            if duration is not None:
                doc["DurationSeconds"] = duration
            docs.append(doc)
        data = msgspec.json.format(msgspec.json.encode(docs), indent=2).decode()
        return visible(data, form=JSON) + "\n", len(docs)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    count = 0
    for record in records:
        end, duration = observed_end_and_duration(completion_of(record.task_id) if record.task_id else None)
        kind = kind_fields(record.kind)
        row = (
            kind["Kind"],
            kind["WireKind"],
            record.task_id,
            record.task_status,
            iso(record.start_time),
            iso(end),
            "" if duration is None else f"{duration:.1f}",
            record.reason_code,
            record.message,
            record.opportunity_id,
            record.engagement_invitation_id,
            record.engagement_id,
            record.context_id,
            record.resource_snapshot_job_id,
            record.task_arn,
        )
        writer.writerow([visible(v, form=CSV) for v in row])
        count += 1
    return out.getvalue(), count


def export_view(
    records: Iterable[TaskRecord],
    completion_of: CompletionOf,
    path: Path,
    fmt: str,
    *,
    overwrite: bool = False,
) -> int:
    """Write `records` to `path` as `fmt` ("csv" or "json"), 0600; returns how many were written.

    Raises FileExistsError if `path` exists (a symlink included) unless `overwrite`; then the new file is
    written beside it and renamed over it, so a symlink is replaced rather than followed and a file the
    user may not replace (another user's, in a sticky directory) is left whole.
    """
    text, count = export_text(records, completion_of, fmt)
    private_directory(path.parent)
    target = path
    if overwrite:
        target = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with os.fdopen(
        open_private(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL), "w", encoding="utf-8", newline=""
    ) as fh:
        fh.write(text)
    if overwrite:
        try:
            os.replace(target, path)
        except OSError:
            os.unlink(target)
            raise
    return count


def default_export_path(now: datetime, fmt: str = "csv") -> Path:
    return Path.cwd() / f"pcwatch-{instant(now, FILE_STAMP)}.{fmt}"


class ExportScreen(Dialog[tuple[Path, str] | None]):
    """Asks where and in which format; dismisses with (path, fmt) or None. With `download` (a browser
    session) it asks only the format, and the path's name is the download's file name."""

    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ExportScreen > Vertical { width: 80; border: round $accent; }
    """

    def __init__(self, rows: int, default_path: Path, *, download: bool = False) -> None:
        super().__init__()
        self.rows = rows
        self.default_path = default_path
        self.download = download

    def compose(self) -> ComposeResult:
        with Vertical():
            if self.download:
                yield Label(f"Download the current view ({self.rows:,} tasks) to your browser as:")
            else:
                yield Label(f"Export the current view ({self.rows:,} tasks) to:")
                yield Input(str(self.default_path), id="export-path")
            with Horizontal():
                yield Button("CSV", id="export-csv", variant="primary")
                yield Button("JSON", id="export-json")
                yield Button("Cancel", id="export-cancel")

    def _path(self, fmt: str) -> Path:
        if self.download:
            return self.default_path.with_suffix(f".{fmt}")
        raw = self.query_one("#export-path", Input).value.strip() or str(self.default_path)
        path = Path(raw).expanduser()
        if path.suffix.lower() not in (".csv", ".json") or path.suffix.lower() != f".{fmt}":
            path = path.with_suffix(f".{fmt}")
        # Absolute, but a symlink is not followed: the file written is the one named (or none).
        return Path(os.path.abspath(path))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        fmt = "json" if event.value.strip().lower().endswith(".json") else "csv"
        self.dismiss((self._path(fmt), fmt))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-cancel":
            self.dismiss(None)
        elif event.button.id in ("export-csv", "export-json"):
            fmt = "csv" if event.button.id == "export-csv" else "json"
            self.dismiss((self._path(fmt), fmt))

    def action_cancel(self) -> None:
        self.dismiss(None)

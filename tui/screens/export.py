"""`e`: write the current view (its rows, in its order) to a CSV or JSON file, and say where."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import msgspec
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

CSV_FIELDS = (
    "Kind",
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


def _csv_safe(value: Any) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ (or a tab/CR) is quoted with '."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def export_view(records: Iterable[Any], completion_of: Callable[[str], Any], path: Path, fmt: str) -> int:
    """Write `records` to `path` as `fmt` ("csv" or "json"); returns how many were written."""
    count = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        docs = []
        for record in records:
            doc = record.to_dict()
            completion = completion_of(record.task_id)
            if completion is not None:
                doc["ObservedEnd"] = _iso(getattr(completion, "observed_end", None))
                doc["DurationSeconds"] = getattr(completion, "duration", None)
            docs.append(doc)
        path.write_bytes(msgspec.json.format(msgspec.json.encode(docs), indent=2))
        return len(docs)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_FIELDS)
        for record in records:
            completion = completion_of(record.task_id)
            end = getattr(completion, "observed_end", None) if completion is not None else None
            duration = getattr(completion, "duration", None) if completion is not None else None
            row = (
                record.kind,
                record.task_id,
                record.task_status,
                _iso(record.start_time),
                _iso(end),
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
            writer.writerow([_csv_safe(v) for v in row])
            count += 1
    return count


def default_export_path(now: datetime, fmt: str = "csv") -> Path:
    return Path.cwd() / f"pcwatch-{now.strftime('%Y%m%d-%H%M%S')}.{fmt}"


class ExportScreen(ModalScreen[tuple[Path, str] | None]):
    """Asks where and in which format; dismisses with (path, fmt) or None."""

    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical {
        width: 80; max-width: 100%; height: auto; border: round $accent; background: $surface; padding: 0 1;
    }
    ExportScreen Horizontal { height: auto; }
    ExportScreen Button { margin: 0 1 0 0; }
    """

    def __init__(self, rows: int, default_path: Path) -> None:
        super().__init__()
        self.rows = rows
        self.default_path = default_path

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Export the current view ({self.rows:,} tasks) to:")
            yield Input(str(self.default_path), id="export-path")
            with Horizontal():
                yield Button("CSV", id="export-csv", variant="primary")
                yield Button("JSON", id="export-json")
                yield Button("Cancel", id="export-cancel")

    def _path(self, fmt: str) -> Path:
        raw = self.query_one("#export-path", Input).value.strip() or str(self.default_path)
        path = Path(raw).expanduser()
        if path.suffix.lower() not in (".csv", ".json") or path.suffix.lower() != f".{fmt}":
            path = path.with_suffix(f".{fmt}")
        return path.resolve()

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

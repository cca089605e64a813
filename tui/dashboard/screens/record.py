"""`enter`: the selected task's full record as JSON (wire names; `Kind` the short name, `WireKind` the
service's), its transitions and its job."""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from schemas import GetResourceSnapshotJobResponse, TaskRecord, task_document
from tui.core.timefmt import iso
from tui.engine.api import Transition

from ..widgets.safe_text import safe_text
from ..widgets.scrolling import FollowingScroll

#: The record view shows at most this much; export writes everything.
RECORD_VIEW_CHARS = 200_000


def record_json(
    record: TaskRecord,
    job: GetResourceSnapshotJobResponse | None = None,
    transitions: list[Transition] | None = None,
) -> str:
    """Pretty JSON. JSON escapes control characters itself; `safe_text` catches the rest."""
    doc: dict[str, Any] = {"Task": task_document(record)}
    if job is not None:
        doc["ResourceSnapshotJob"] = job.to_dict()
    if transitions:
        doc["Transitions"] = [
            {
                "From": t.from_status,
                "To": t.to_status,
                "ObservedAt": iso(t.observed_at),
            }
            for t in transitions
        ]
    return msgspec.json.format(msgspec.json.encode(doc), indent=2).decode()


class RecordScreen(ModalScreen[None]):
    BINDINGS: ClassVar = [Binding("escape,q,enter", "dismiss", "Close")]
    DEFAULT_CSS = """
    RecordScreen { align: center middle; }
    RecordScreen > VerticalScroll {
        width: 100; max-width: 100%; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with FollowingScroll() as scroll:
            scroll.border_title = "Task record (JSON)"
            scroll.border_subtitle = "esc to close"
            yield Static(safe_text(self.text, multiline=True, limit=RECORD_VIEW_CHARS), id="record-json")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)

"""`?`: every key, what the columns mean (the tasks' and the bulk jobs'), and what the kinds are."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from schemas import KINDS

from ..task_rows import KIND_KEYS, kind_label
from ..widgets.scrolling import FollowingScroll

KEYS: tuple[tuple[str, str], ...] = (
    ("↑ ↓ PgUp PgDn Home End", "move the selection (it follows the task when rows move)"),
    ("← →", "scroll the table sideways (more id columns)"),
    ("/", "filter by id, reason code or message text, or a kind's short name; Esc clears"),
    ("1 2 3", "show/hide running, complete, failed tasks"),
    (" ".join(KIND_KEYS), "show/hide each kind: " + ", ".join(kind_label(k) for k in KIND_KEYS.values())),
    ("0", "show everything again (clear filter and toggles)"),
    ("s", "sort: active first → start → status → kind → duration"),
    ("enter", "the full record as JSON"),
    ("c", "copy the task id (OSC 52 to your terminal; in tmux, its paste buffer)"),
    ("y", "copy the task's snapshot job id"),
    ("e", "export the current view to a CSV or JSON file"),
    ("l", "show/hide the activity pane (shown from 120 columns, or 40 rows, until you say)"),
    ("i", "engagement invitations: a accepts, x rejects (asks first; not in --read-only)"),
    ("t", "statistics: failures by reason, durations, tasks per hour (w: window)"),
    (
        "b",
        "bulk jobs: progress, rate, time left; a selected job's failed records and report URL (c copies it)",
    ),
    ("r", "refresh now (within the call budget)"),
    ("p", "pause / resume polling"),
    ("tab", "move between the table and the panes"),
    ("ctrl+p", "command palette (every action by name)"),
    ("?", "this help"),
    ("q", "quit"),
)


def help_renderable() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for key, what in KEYS:
        table.add_row(key, what)
    table.add_row("", "")
    for kind in KINDS:
        table.add_row(kind.short, kind.label)
    table.add_row("", "")
    table.add_row("▶ ✓ ✗", "running, complete, failed (failed rows are red)")
    table.add_row("Reason", "a failed task's ReasonCode; a prospecting task's engagements (3 of 10 failed)")
    table.add_row("Took", "observed duration; for a running task, its age so far")
    table.add_row("From id", "the invitation, opportunity or engagement the task started from")
    table.add_row("", "")
    table.add_row("Bulk jobs", "Progress: records processed of the file's; OK, Failed: records so far")
    table.add_row("", "Rate: records a minute over the run; Left: at that rate (as of the last poll)")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with FollowingScroll():
            yield Static(Text("pcwatch — keys", style="bold"))
            yield Static(help_renderable())

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)

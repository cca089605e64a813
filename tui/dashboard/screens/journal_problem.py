"""When the journal (or the write ledger) cannot be opened for writing: say which file and why, and offer
to go on without it (nothing kept after quitting; writes off without the ledger) or to quit (exit 2)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label

from ..widgets.safe_text import clean
from .dialog import Dialog


class JournalProblemScreen(Dialog[bool]):
    """Dismisses with True to continue without the journal, False to quit."""

    BINDINGS: ClassVar = [
        Binding("c", "go_on", "Continue without a journal"),
        Binding("q,escape", "quit_now", "Quit"),
    ]
    DEFAULT_CSS = """
    JournalProblemScreen > Vertical { width: 100; border: thick $error; }
    JournalProblemScreen Label { width: 100%; margin: 0 0 1 0; }
    """

    def __init__(self, problems: Sequence[str], *, writes_off: bool) -> None:
        super().__init__()
        self.problems = list(problems)
        self.writes_off = writes_off

    def compose(self) -> ComposeResult:
        with Vertical():
            for problem in self.problems:
                yield Label(clean(problem, limit=600), markup=False)
            after = "Nothing will be kept after you quit" + (
                ", and accept/reject are off (no write ledger)." if self.writes_off else "."
            )
            yield Label(f"c: continue without a journal. {after}  q: quit.", markup=False)
            with Horizontal():
                yield Button("Continue without a journal", id="journal-go-on", variant="warning")
                yield Button("Quit", id="journal-quit", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#journal-quit", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "journal-go-on")

    def action_go_on(self) -> None:
        self.dismiss(True)

    def action_quit_now(self) -> None:
        self.dismiss(False)

"""Before an export replaces a file that exists: "Overwrite PATH?" — No is focused, so Enter keeps it."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label

from ..widgets.safe_text import clean
from .dialog import Dialog


class OverwriteScreen(Dialog[bool]):
    """Dismisses with True to replace `path`, False to keep it."""

    BINDINGS: ClassVar = [Binding("escape", "keep", "Keep the file")]
    DEFAULT_CSS = """
    OverwriteScreen > Vertical { width: 80; border: thick $warning; }
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        kind = "a symbolic link" if self.path.is_symlink() else "a file"
        with Vertical():
            yield Label(f"{clean(self.path, limit=300)} is already {kind}. Replace it?", markup=False)
            with Horizontal():
                yield Button("Keep it", id="overwrite-no", variant="primary")
                yield Button("Replace", id="overwrite-yes", variant="error")

    def on_mount(self) -> None:
        self.query_one("#overwrite-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "overwrite-yes")

    def action_keep(self) -> None:
        self.dismiss(False)

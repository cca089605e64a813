"""The notice row: one line of its own just above the footer, where the app's notices show
(`tui.dashboard.notices`), so that no notice ever covers data. Every full screen composes one; over a
dialog the app mounts one in the same row, undimmed (`app.PcwatchApp._give_notice_line`).

The row draws what the app hands it (`show`); when it is mounted it asks for the current notice
(`Mounted`). Its colour is the severity's, and the line starts with the severity's mark (✓ ! ✗)."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widget import Widget

from ..notices import Front, row_parts


class NoticeLine(Widget):
    DEFAULT_CSS = """
    NoticeLine { height: 1; padding: 0 1; }
    NoticeLine.-information { color: $text-success; }
    NoticeLine.-warning { color: $text-warning; }
    NoticeLine.-error { color: $text-error; text-style: bold; }
    """

    class Mounted(Message):
        """A notice row appeared (a screen composed it, or a dialog was given one): fill it."""

        def __init__(self, line: NoticeLine) -> None:
            super().__init__()
            self.line = line

    def __init__(self, *, id: str | None = "notices") -> None:
        super().__init__(id=id)
        self._front: Front | None = None

    def on_mount(self) -> None:
        self.post_message(self.Mounted(self))

    def show(self, front: Front | None) -> None:
        if front == self._front:
            return
        self._front = front
        severity = front.notice.severity if front is not None else None
        for name in ("information", "warning", "error"):
            self.set_class(severity == name, f"-{name}")
        self.refresh()

    @property
    def plain(self) -> str:
        """The row as shown (for tests)."""
        line, more = row_parts(self._front, self.content_size.width)
        return f"{line}  {more}".rstrip() if more else line

    def render(self) -> Text:
        line, more = row_parts(self._front, self.content_size.width)
        text = Text(line, end="", no_wrap=True)  # built from the plain string: never read as markup
        if more:
            text.append(" " * max(2, self.content_size.width - text.cell_len - len(more)))
            text.append(more, style="dim")
        return text

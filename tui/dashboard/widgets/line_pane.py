"""A pane of a few lines that repaints only the characters that changed.

The header and the side panes change a few characters per poll (a count, a state, a time). Textual's
`Static.update` repaints the whole widget; over a slow link that is most of the idle traffic. `LinePane`
keeps the last rendered lines, and on `set_lines` refreshes, per line, just the cells that differ (runs of
them, merged across short unchanged gaps).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from ..task_view import MERGE_GAP


def _cells(strip: Strip) -> list[tuple[str, object]] | None:
    """(character, style) per cell, or None when wide characters make cells and characters differ."""
    out: list[tuple[str, object]] = []
    for segment in strip:
        text = segment.text
        if not text.isascii() and cell_len(text) != len(text):
            return None
        out.extend((ch, segment.style) for ch in text)
    return out


def changed_spans(old: Strip, new: Strip) -> list[tuple[int, int]]:
    """The [start, end) cell ranges where `new` differs from `old`, neighbours merged when the unchanged
    cells between them are few (`MERGE_GAP`: rewriting them costs less than moving the cursor); empty
    if they look the same. With wide characters (cells and characters differ) the whole line."""
    if old == new:
        return []
    a, b = _cells(old), _cells(new)
    if a is None or b is None:
        return [(0, max(old.cell_length, new.cell_length))]
    n = max(len(a), len(b))
    a += [(" ", None)] * (n - len(a))
    b += [(" ", None)] * (n - len(b))
    spans: list[tuple[int, int]] = []
    x = 0
    while x < n:
        if a[x] == b[x]:
            x += 1
            continue
        start = x
        while x < n and a[x] != b[x]:
            x += 1
        if spans and start - spans[-1][1] <= MERGE_GAP:
            spans[-1] = (spans[-1][0], x)
        else:
            spans.append((start, x))
    return spans


class LinePane(Widget):
    """Shows `Text` lines (wrapped with `wrap=True`, else a line wider than the pane ends in `…`: nothing
    is cut without a mark); refreshes only what changed."""

    DEFAULT_CSS = """
    LinePane { height: auto; }
    """

    def __init__(
        self,
        *,
        wrap: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.wrap = wrap
        self._source: list[Text] = []
        self._strips: list[Strip] = []
        self._width = 0

    @property
    def plain_lines(self) -> list[str]:
        """The text currently shown, one string per line (for tests)."""
        return [strip.text.rstrip() for strip in self._strips]

    def _render_strips(self, width: int) -> list[Strip]:
        console = self.app.console
        base = self.rich_style
        strips: list[Strip] = []
        for text in self._source:
            lines = text.wrap(console, width) if self.wrap and width > 0 else [text]
            for line in lines:
                line.end = ""
                if 1 < width < line.cell_len:  # (a line no wider than the pane is whole)
                    line = line.copy()
                    line.truncate(width, overflow="ellipsis")
                segments = list(Segment.apply_style(line.render(console), style=base))
                strips.append(Strip(segments).crop_extend(0, width, base).simplify())
        return strips

    def set_lines(self, lines: Sequence[Text]) -> None:
        self._source = list(lines)
        if not self.is_mounted:
            return
        if self._width <= 0 or self._width != self.content_size.width:
            self._width = self.content_size.width
            self._strips = self._render_strips(self._width)
            self.refresh(layout=True)
            return
        new = self._render_strips(self._width)
        old = self._strips
        self._strips = new
        if len(new) != len(old) and self.styles.height is not None and self.styles.height.is_auto:
            self.refresh(layout=True)
            return
        blank = Strip.blank(self._width, self.rich_style)
        rows = max(len(old), len(new))
        old = old + [blank] * (rows - len(old))
        new = new + [blank] * (rows - len(new))
        for y, (before, after) in enumerate(zip(old, new, strict=True)):
            for x1, x2 in changed_spans(before, after):
                self.refresh(Region(x1, y, x2 - x1, 1))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if width != self._width:
            self._width = width
            self._strips = self._render_strips(width)
        return len(self._strips)

    def on_resize(self) -> None:
        width = self.content_size.width
        if width != self._width:
            self._width = width
            self._strips = self._render_strips(width)
            self.refresh(layout=self.wrap)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.is_mounted and self._width > 0:
            self._strips = self._render_strips(self._width)

    def render_line(self, y: int) -> Strip:
        if 0 <= y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.content_size.width, self.rich_style)

"""The truth side of the differential check (`differential`): a `pyte` terminal fed with everything the
app writes, and a fresh full render of the same state to compare it with, cell by cell (character,
colours, attributes; a blank by its background). The fresh render draws every visible widget again with
empty render caches (Textual's line caches and the widgets' own) through the same compositor, each
segment's attributes read by `pyte` from Textual's own escape sequence for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pyte

#: A fill for the terminal after a resize: what a terminal shows there is undefined (xterm.js reflows,
#: tmux redraws from its own copy), so everything must be repainted.
RESIZE_FILL = "#"


def fill(screen: pyte.Screen, char: str) -> None:
    """Every cell of `screen` shows `char` (what a terminal shows after a resize is undefined)."""
    for y in range(screen.lines):
        row = screen.buffer[y]
        for x in range(screen.columns):
            row[x] = screen.default_char._replace(data=char)


class Terminal:
    """A `pyte` terminal fed with every byte the app's driver writes."""

    def __init__(self, app: Any, width: int, height: int) -> None:
        self.screen = pyte.Screen(width, height)
        self.stream = pyte.Stream(self.screen)
        self.written = 0
        driver = app._driver
        original = driver.write

        def write(data: str) -> None:
            self.written += len(data.encode("utf-8", "surrogateescape"))
            self.stream.feed(data)
            original(data)

        driver.write = write

    def resize(self, width: int, height: int) -> None:
        self.screen.resize(height, width)
        fill(self.screen, RESIZE_FILL)


# ---- the fresh render ------------------------------------------------------------------------------


@contextmanager
def _empty_render_caches(widgets: Sequence[Any]) -> Iterator[None]:
    """Every widget renders from its state, not from what it rendered before; put back afterwards.

    Textual keeps rendered lines per widget (`_styles_cache`) and, for widgets that render a visual,
    its lines (`_render_cache`, rebuilt when `_dirty_regions` is not empty); the task table and the jobs
    view's table cache rows (`_strips`, `_cells`, their header) and a `LinePane` keeps the lines it showed (rebuilt here from the
    text it was given). All of them are swapped for empty ones while the fresh render runs, so a stale
    entry anywhere shows up as a difference."""
    from textual._styles_cache import StylesCache

    from tui.dashboard.widgets.bulk_table import BulkJobTable
    from tui.dashboard.widgets.line_pane import LinePane
    from tui.dashboard.widgets.task_table import TaskTable

    saved: list[tuple[Any, dict[str, Any]]] = []
    try:
        for widget in widgets:
            names = ["_styles_cache", "_render_cache", "_dirty_regions"]
            if isinstance(widget, (TaskTable, BulkJobTable)):
                names += ["_strips", "_cells", "_header"]
            if isinstance(widget, LinePane):
                names += ["_strips"]
            saved.append((widget, {name: getattr(widget, name) for name in names}))
            widget._styles_cache = StylesCache()
            widget._dirty_regions = {widget.size.region}
            if isinstance(widget, (TaskTable, BulkJobTable)):
                widget._strips, widget._cells, widget._header = {}, {}, None
            if isinstance(widget, LinePane):
                widget._strips = widget._render_strips(widget._width)
        yield
    finally:
        for widget, attributes in saved:
            for name, value in attributes.items():
                setattr(widget, name, value)


def fresh_screen(app: Any) -> pyte.Screen:
    """The current state rendered from scratch at the current size, as a terminal would show it (with
    the screens below a modal one, as Textual composes them)."""
    top = app.screen
    background = app._background_screens
    compositor = top._compositor
    width, height = compositor.size
    dirty = set(compositor._dirty_regions)
    widgets = [w for screen in (*background, top) for w in screen._compositor.visible_widgets]
    with _empty_render_caches(widgets):
        update = compositor.render_update(full=True, screen_stack=background)
    compositor._dirty_regions.update(dirty)
    return _paint(update.strips, app.console, width, height)


class _Attributes:
    """What a terminal's current attributes become after a segment's escape sequence, per style: the
    segment rendered by Textual's own `Strip.render_style` and fed to a `pyte` terminal, once."""

    def __init__(self, console: Any) -> None:
        from rich.color import ColorSystem

        self.color_system = console._color_system or ColorSystem.TRUECOLOR
        self.scratch = pyte.Screen(4, 1)
        self.stream = pyte.Stream(self.scratch)
        self.cache: dict[Any, Any] = {}

    def __call__(self, style: Any) -> Any:
        found = self.cache.get(style)
        if found is None:
            from textual.strip import Strip

            self.scratch.reset()
            if style is not None:
                self.stream.feed(Strip.render_style(style, "x", color_system=self.color_system))
            else:
                self.stream.feed("x")
            found = self.cache[style] = self.scratch.buffer[0][0]._replace(data=" ")
        return found


_ATTRIBUTES: dict[int, _Attributes] = {}
_NARROW: dict[str, bool] = {}
#: A terminal cell per attributes and character (they are immutable): building them is most of the cost.
_CELLS: dict[Any, dict[str, Any]] = {}


def _narrow(text: str) -> bool:
    """Whether every character of `text` takes exactly one cell (as `pyte` measures it)."""
    found = _NARROW.get(text)
    if found is None:
        from wcwidth import wcwidth

        found = _NARROW[text] = all(wcwidth(ch) == 1 for ch in text)
    return found


def _paint(lines: Sequence[Any], console: Any, width: int, height: int) -> pyte.Screen:
    """A `pyte` terminal showing a full update's lines: the same characters and attributes as feeding it
    the update's bytes (`LayoutUpdate.render_segments`), without the cost of parsing them. Lines with
    only one-cell characters are filled directly; any other line is drawn by `pyte` itself."""
    attributes = _ATTRIBUTES.get(id(console))
    if attributes is None:
        attributes = _ATTRIBUTES[id(console)] = _Attributes(console)
    terminal = pyte.Screen(width, height)
    cursor = terminal.cursor
    for y, line in enumerate(lines):
        segments = [(text, attributes(style)) for strip in line for text, style, _ in strip]
        if all(_narrow(text) for text, _ in segments):
            row = terminal.buffer[y]
            x = 0
            for text, attrs in segments:
                cells = _CELLS.get(attrs)
                if cells is None:
                    cells = _CELLS[attrs] = {}
                for ch in text:
                    if x < width:
                        cell = cells.get(ch)
                        if cell is None:
                            cell = cells[ch] = attrs._replace(data=ch)
                        row[x] = cell
                    x += 1
        else:
            terminal.cursor_position(y + 1, 1)
            for text, attrs in segments:
                cursor.attrs = attrs
                terminal.draw(text)
    return terminal


def _looks(char: Any) -> Any:
    """What a cell looks like. A blank shows only its background (the foreground when reversed) and any
    line drawn through it: the table does not rewrite trailing blanks whose colour alone changed."""
    if char.data == " ":
        return (" ", char.fg if char.reverse else char.bg, char.underscore, char.strikethrough)
    return char


def differences(ours: pyte.Screen, fresh: pyte.Screen, limit: int = 20) -> list[tuple[int, int, Any, Any]]:
    """Cells that look different, (y, x, ours, fresh), the first `limit`."""
    out: list[tuple[int, int, Any, Any]] = []
    if (ours.columns, ours.lines) != (fresh.columns, fresh.lines):
        return [(-1, -1, (ours.columns, ours.lines), (fresh.columns, fresh.lines))]
    for y in range(fresh.lines):
        a, b = ours.buffer[y], fresh.buffer[y]
        for x in range(fresh.columns):
            if a[x] != b[x] and _looks(a[x]) != _looks(b[x]):
                out.append((y, x, a[x], b[x]))
                if len(out) >= limit:
                    return out
    return out


# ---- the walk --------------------------------------------------------------------------------------

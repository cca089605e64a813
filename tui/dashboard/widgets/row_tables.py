"""What the dashboard's two tables of rows (the tasks' `TaskTable`, the jobs' `BulkJobTable`) share: their
keys, where `←`/`→` scroll to (a column's edge: there is no horizontal scrollbar), and how a row is cut
to the view (a column cut at either edge says so with `…`). Each table keeps its own rows, cursor and
drawing."""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.strip import Strip

#: What a column cut at the view's edge shows in its last visible cell.
CUT_MARK = "…"

#: The cursor and sideways keys of a table of rows (each table has the actions they name).
ROW_TABLE_BINDINGS: list[BindingType] = [
    Binding("up,k", "cursor(-1)", "Up", show=False),
    Binding("down,j", "cursor(1)", "Down", show=False),
    Binding("pageup", "page(-1)", "Page up", show=False),
    Binding("pagedown", "page(1)", "Page down", show=False),
    Binding("home,g", "edge(0)", "First", show=False),
    Binding("end,G", "edge(1)", "Last", show=False),
    Binding("left", "column(-1)", "Left", show=False),
    Binding("right", "column(1)", "Right", show=False),
]


def column_stop(offsets: Sequence[int], x: int, direction: int, row_width: int, view_width: int) -> int:
    """Where one column sideways from `x` scrolls to: the next column's left edge (`direction` > 0) or the
    previous one's, never past the row's end showing blank."""
    if direction > 0:
        target = next((o for o in offsets if o > x), x)
    else:
        target = next((o for o in reversed(offsets) if o < x), 0)
    return min(target, max(0, row_width - view_width))


def column_spans(offsets: Sequence[int], widths: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """Each column's [start, end) cells within a row."""
    return tuple((x, x + w) for x, w in zip(offsets, widths, strict=True))


def cut_edges(
    spans: Sequence[tuple[int, int]], row_text: str, x: int, width: int
) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """The columns the view [x, x + width) cuts at its left and right edges while hiding some of their
    text (a column hidden whole, or cut where only blanks are hidden, is none). `row_text` is the row
    one character a cell."""
    right = x + width
    left_cut = right_cut = None
    for start, end in spans:
        if start < x < end and row_text[start:x].strip():
            left_cut = (start, end)
        if start < right < end and row_text[right:end].strip():
            right_cut = (start, end)
    return left_cut, right_cut


def crop_marked(
    strip: Strip, spans: Sequence[tuple[int, int]], x: int, width: int, style: Style | None = None
) -> Strip:
    """The row's cells [x, x + width), a column cut at either edge ending in `…` there (in that cell's
    style) so that no id or figure looks whole when it is not. `strip` is the whole row."""
    cropped = strip.crop_extend(x, x + width, style)
    if width < 2:
        return cropped
    text = strip.text
    if len(text) != strip.cell_length:  # (wide characters: a cell is not a character; leave it)
        return cropped
    left_cut, right_cut = cut_edges(spans, text, x, width)
    if right_cut is not None:
        cropped = _mark(cropped, width - 1)
    if left_cut is not None:
        cropped = _mark(cropped, 0)
    return cropped


def _mark(strip: Strip, at: int) -> Strip:
    """`strip` with the cell `at` replaced by CUT_MARK in that cell's style."""
    cell = strip.crop(at, at + 1)
    style = next((segment.style for segment in cell), None)
    length = strip.cell_length
    return Strip.join([strip.crop(0, at), Strip([Segment(CUT_MARK, style)], 1), strip.crop(at + 1, length)])


def touches_cut(spans: Sequence[tuple[int, int]], x: int, width: int, x1: int, x2: int) -> bool:
    """Whether the row's cells [x1, x2) (a change) lie in a column the view [x, x + width) cuts at an
    edge: its `…` may come or go with them, so the edge cell is repainted too."""
    right = x + width
    for start, end in spans:
        cut = start < x < end or start < right < end
        if cut and x1 < end and start < x2:
            return True
    return False

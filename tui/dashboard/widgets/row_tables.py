"""What the dashboard's two tables of rows (the tasks' `TaskTable`, the jobs' `BulkJobTable`) share: their
keys, and where `←`/`→` scroll to (a column's edge: there is no horizontal scrollbar). Each table keeps its
own rows, cursor and drawing."""

from __future__ import annotations

from collections.abc import Sequence

from textual.binding import Binding, BindingType

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

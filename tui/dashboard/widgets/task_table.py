"""The task table: every task of the three kinds, on Textual's Line API.

The rows are a `task_view.SortedRows` (sorted keys, `task_rows.sort_key`, each ending with the task id),
so a change is a bisect and a list insert, never a rebuild, and a rendered row is a cached `Strip`. A
task that changes in place refreshes only its changed cells (`refresh(Region(x, y, w, 1))`): tens of
bytes to the terminal, not a repaint. Selection is a task id, not a row: the keys move it by row, page
and edge, sideways scrolling goes by column, a click selects its row, and the selected row is kept in
view. A new filter selects its first match; a new order keeps the selected task. The view model (no
Textual) is `task_view`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

from rich.segment import Segment
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from schemas import TaskRecord
from tui.engine.api import StoreView

from .. import task_rows
from ..task_rows import COLUMNS, GAP, OFFSETS, ROW_WIDTH
from ..task_view import SortedRows, View, changed_cells, changed_runs, compute_view, is_visible, row_key
from .row_tables import ROW_TABLE_BINDINGS, column_spans, column_stop, crop_marked, touches_cut
from .scrolling import ScrollbarFollows

#: Above this many changed ids at once (a page of history), re-sort instead of inserting one by one.
BULK_CHANGE = 200
_UNSET: Any = object()
#: A `compute_view()` tagged with the view settings it was made for (`TaskTable.prepare_view`).
PreparedView = tuple[tuple[object, ...], View]
#: How long a burst of history pages may leave the scrollbar behind, in seconds.
SIZE_UPDATE_DELAY = 0.5
#: Rendered rows kept; enough for a tall screen and scrolling back and forth.
STRIP_CACHE_ROWS = 4000
#: Each column's cells in a row (a column the view's edge cuts ends in `…`).
SPANS = column_spans(OFFSETS, [c.width for c in COLUMNS])


class TaskTable(ScrollbarFollows, ScrollView, can_focus=True):
    """Tasks from a store, sorted and filtered; posts `TaskTable.Selected` when the selection moves."""

    DEFAULT_CSS: ClassVar[str] = """
    /* No horizontal scrollbar: Textual repaints it cell by cell whenever the row count changes
       (~1.6 KB per new task at 80 columns). Left/right still scroll; the help says so. A vertical one
       of one cell: the columns up to Took fit whole at 120 columns (task_rows.COLUMNS). */
    TaskTable { background: $surface; scrollbar-size-horizontal: 0; scrollbar-size-vertical: 1; }
    TaskTable > .task-table--header { text-style: bold; color: $text-muted; background: $panel; }
    TaskTable > .task-table--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    TaskTable:blur > .task-table--cursor { background: $block-cursor-blurred-background; }
    TaskTable > .task-table--failed { color: $text-error; text-style: bold; }
    TaskTable > .task-table--active { color: $text-warning; }
    TaskTable > .task-table--complete { color: $text-success; }
    TaskTable > .task-table--row { }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "task-table--header",
        "task-table--cursor",
        "task-table--failed",
        "task-table--active",
        "task-table--complete",
        "task-table--row",
    }

    BINDINGS: ClassVar = [*ROW_TABLE_BINDINGS]

    class Selected(Message):
        """The selected task changed (`task_id` is None when the view is empty)."""

        def __init__(self, task_id: str | None) -> None:
            super().__init__()
            self.task_id = task_id

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, TaskTable.Selected)

    selected_id: var[str | None] = var(None, init=False)

    def __init__(self, store: StoreView, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.store = store
        self.sort = "default"
        self.statuses: frozenset[str] | None = None  # None: all
        self.kinds: frozenset[str] | None = None
        self.needle = ""
        self.now: datetime | None = None
        #: The view's rows in display order.
        self.rows = SortedRows()
        self._cells: dict[str, tuple[str, ...]] = {}
        self._strips: dict[str, Strip] = {}
        self._header: Strip | None = None
        self.rebuilds = 0  # full rebuilds, for tests and benchmarks

    # ---- the view's rows -------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def row_ids(self) -> list[str]:
        """The task ids of the current view, in display order (what export writes)."""
        return self.rows.ids()

    def id_at(self, row: int) -> str | None:
        return self.rows.id_at(row)

    def row_of(self, task_id: str | None) -> int | None:
        return self.rows.row_of(task_id)

    @property
    def cursor_row(self) -> int | None:
        return self.row_of(self.selected_id)

    def _visible(self, record: TaskRecord) -> bool:
        return is_visible(record, self.statuses, self.kinds, self.needle)

    def _key(self, record: TaskRecord) -> tuple[Any, ...]:
        return row_key(self.store, record, self.sort)

    def rebuild(self, prepared: PreparedView | None = None, *, select_first: bool = False) -> None:
        """Recompute the whole view from the store (after a filter or sort change, or a bulk load).
        `prepared` is a `compute_view()` result made elsewhere (the journal-loading thread).
        `select_first`: select the view's first row, wherever the selection was."""
        self.rebuilds += 1
        fits = prepared is not None and prepared[0] == self._view_settings()
        self.rows.replace(prepared[1] if prepared and fits else self.compute_view())
        self._strips.clear()
        self._cells.clear()
        self._header = None
        self._after_rows_changed(full=True, select_first=select_first)

    def _view_settings(self) -> tuple[object, ...]:
        return (self.sort, self.statuses, self.kinds, self.needle)

    def prepare_view(self) -> PreparedView:
        """`compute_view()` tagged with the settings it was made for. Safe in a thread while nothing
        changes the store (the journal load, before polling starts)."""
        return (self._view_settings(), self.compute_view())

    def compute_view(self) -> View:
        """Sorted keys, key by id and the running ids of the current view; reads the store only."""
        return compute_view(self.store, self.sort, self.statuses, self.kinds, self.needle)

    def configure(
        self,
        *,
        sort: str | None = None,
        statuses: Any = _UNSET,
        kinds: Any = _UNSET,
        needle: str | None = None,
    ) -> None:
        """A new sort keeps the selected task selected (it is still in the view); a new filter (status,
        kind, text) selects its first match: the row number selected before means nothing in it."""
        shown = (self.statuses, self.kinds, self.needle)
        if sort is not None:
            self.sort = sort
        if statuses is not _UNSET:
            self.statuses = statuses
        if kinds is not _UNSET:
            self.kinds = kinds
        if needle is not None:
            self.needle = needle.lower()
        self.rebuild(select_first=(self.statuses, self.kinds, self.needle) != shown)

    def update_tasks(self, task_ids: Iterable[str]) -> None:
        """Apply changed tasks: move rows whose key changed, refresh the cells that changed."""
        ids = [t for t in task_ids if t is not None]
        if not ids:
            return
        if len(ids) > BULK_CHANGE:
            self._bulk_update(ids)
            return
        top = int(self.scroll_y)
        height = self._body_height()
        dirty_rows: list[tuple[int, int]] = []  # row ranges whose lines shifted
        shifted_above = 0
        rows = self.rows
        for tid in ids:
            record = self.store.task(tid)
            old = rows.key_of.get(tid)
            new = self._key(record) if record is not None and self._visible(record) else None
            rows.mark_running(tid, record is not None and not record.is_terminal and new is not None)
            if old == new:
                if new is not None and record is not None:
                    self._refresh_cells(tid, record, top, height)
                continue
            self._strips.pop(tid, None)
            self._cells.pop(tid, None)
            left, reached = rows.move(tid, new)
            moved = [row for row in (left, reached) if row is not None]
            lo, hi = min(moved), max(moved)
            shifted_above += (reached is not None and reached < top) - (left is not None and left < top)
            if old is None or new is None:
                hi = len(rows)  # the rows below moved by one
            dirty_rows.append((lo, hi))
        if dirty_rows:
            self._after_rows_changed(full=False, dirty=dirty_rows, shifted_above=shifted_above)

    def _bulk_update(self, ids: list[str]) -> None:
        # Runs for every page of history while the user may be pressing keys: one pass over the page,
        # the sort key from the terminal time (no completion object per row).
        for tid in ids:
            self._strips.pop(tid, None)
            self._cells.pop(tid, None)
        filtering = self.statuses is not None or self.kinds is not None or bool(self.needle)
        where, removed = self.rows.merge(
            ids, self.store.task, self._key, self._visible if filtering else None
        )
        top, height = int(self.scroll_y), self._body_height()
        if removed or not where:
            self._after_rows_changed(full=True)
        elif where[0] >= top + height:
            # History older than anything on screen: only the scrollbar changes, and a new virtual
            # size costs Textual a layout pass, so pages arriving in a burst share one.
            self._after_rows_changed(full=False, dirty=[], defer_size=True)
        else:
            above = sum(1 for i in where if i < top) if top else 0
            self._after_rows_changed(full=False, dirty=[(where[0], len(self.rows))], shifted_above=above)

    def set_now(self, now: datetime) -> None:
        """Move the time that running durations are measured to (called with each poll, not each second)."""
        if now == self.now:
            return
        self.now = now
        if not self.rows.active:
            return
        top, height = int(self.scroll_y), self._body_height()
        for tid in list(self.rows.active):
            record = self.store.task(tid)
            if record is not None:
                self._refresh_cells(tid, record, top, height)

    # ---- refresh bookkeeping ---------------------------------------------------------------------

    def _body_height(self) -> int:
        return max(0, self.scrollable_content_region.height - 1)

    def _refresh_cells(self, tid: str, record: TaskRecord, top: int, height: int) -> None:
        old_cells = self._cells.get(tid)
        if old_cells is None:
            # Not rendered since the row cache was last emptied: what the screen shows is not known
            # here, so a visible row is repainted whole.
            self._strips.pop(tid, None)
            row = self.row_of(tid)
            if row is not None and top <= row < top + height:
                self.refresh(Region(0, row - top + 1, self.scrollable_content_region.width, 1))
            return
        new_cells = task_rows.cells(record, self.store.completion(tid), self.now)
        if new_cells == old_cells:
            return
        self._strips.pop(tid, None)
        self._cells.pop(tid, None)
        row = self.row_of(tid)
        if row is None or not top <= row < top + height:
            return
        y = row - top + 1
        sx = int(self.scroll_x)
        width = self.scrollable_content_region.width
        visible = Region(0, y, width, 1)
        for x1, x2 in changed_runs(changed_cells(old_cells, new_cells), old_cells, new_cells):
            region = Region(x1 - sx, y, x2 - x1, 1).intersection(visible)
            if region.width:
                self.refresh(region)
            if touches_cut(SPANS, sx, width, x1, x2):  # (its `…` may come or go)
                self.refresh(Region(0, y, 1, 1), Region(width - 1, y, 1, 1))

    def _after_rows_changed(
        self,
        *,
        full: bool,
        dirty: list[tuple[int, int]] | None = None,
        shifted_above: int = 0,
        defer_size: bool = False,
        select_first: bool = False,
    ) -> None:
        if not defer_size:
            self._apply_virtual_size()
        elif self._size_timer is None:
            self._size_timer = self.set_timer(self.size_update_delay, self._apply_virtual_size)
        if len(self._strips) > self.strip_cache_rows:
            self._strips.clear()
            self._cells.clear()
        previous = self.selected_id
        if select_first:
            self.selected_id = self.id_at(0)
        elif previous is not None and previous not in self.rows:
            # The selected task left the view: select whatever now occupies its place.
            row = min(self._last_cursor_row or 0, len(self.rows) - 1)
            self.selected_id = self.id_at(row)
        elif previous is None and len(self.rows):
            self.selected_id = self.id_at(0)
        if not full and shifted_above and self.scroll_y > 0:
            # Rows came or went above the viewport: keep the visible rows where they are.
            self._scroll_rows_to(max(0, int(self.scroll_y) + shifted_above))
            full = True
        if full:
            self.refresh()
        else:
            top, height = int(self.scroll_y), self._body_height()
            width = self.scrollable_content_region.width
            for lo, hi in dirty or ():
                start, end = max(lo, top), min(hi, top + height - 1)
                if start <= end:
                    self.refresh(Region(0, start - top + 1, width, end - start + 1))
        self._last_cursor_row = self.cursor_row
        self._keep_cursor_visible()

    _last_cursor_row: int | None = None
    _size_timer: Timer | None = None
    size_update_delay = SIZE_UPDATE_DELAY  # (per table: tests and benchmarks set them)
    strip_cache_rows = STRIP_CACHE_ROWS

    def _apply_virtual_size(self) -> None:
        if self._size_timer is not None:
            self._size_timer.stop()
            self._size_timer = None
        self.virtual_size = Size(ROW_WIDTH, len(self.rows) + 1)

    def watch_selected_id(self, old: str | None, new: str | None) -> None:
        top = int(self.scroll_y)
        width = self.scrollable_content_region.width
        for tid in (old, new):
            row = self.row_of(tid)
            if row is not None and top <= row < top + self._body_height():
                self.refresh(Region(0, row - top + 1, width, 1))
        self._last_cursor_row = self.cursor_row
        self._keep_cursor_visible()
        self.post_message(self.Selected(new))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._cells.clear()
        self._header = None

    # ---- the keys and clicks: the selection moves, the table scrolls ---------------------------------

    def _keep_cursor_visible(self) -> None:
        row = self.cursor_row
        if row is None:
            return
        top, height = int(self.scroll_y), max(1, self._body_height())
        if row < top:
            self._scroll_rows_to(row)
        elif row >= top + height:
            self._scroll_rows_to(row - height + 1)

    def _scroll_rows_to(self, top: int) -> None:
        """Scroll through Textual's own path (`scroll_to`, not `set_scroll`, which sets the position
        without its watcher): the region is repainted and the scrollbar follows."""
        self.scroll_to(y=top, animate=False, immediate=True)

    def _move_to(self, row: int) -> None:
        if len(self.rows):
            self.selected_id = self.id_at(max(0, min(row, len(self.rows) - 1)))

    def action_cursor(self, delta: int) -> None:
        row = self.cursor_row
        self._move_to(0 if row is None else row + delta)

    def action_page(self, direction: int) -> None:
        row = self.cursor_row or 0
        self._move_to(row + direction * max(1, self._body_height() - 1))

    def action_column(self, direction: int) -> None:
        """Scroll sideways by one column (there is no horizontal scrollbar, see DEFAULT_CSS)."""
        width = self.scrollable_content_region.width
        x = column_stop(OFFSETS, int(self.scroll_x), direction, ROW_WIDTH, width)
        self.scroll_to(x=x, animate=False, immediate=True)

    def action_edge(self, end: int) -> None:
        self._move_to(len(self.rows) - 1 if end else 0)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y >= 1:
            self._move_to(int(self.scroll_y) + offset.y - 1)

    # ---- rendering -------------------------------------------------------------------------------

    def _row_strip(self, tid: str) -> Strip:
        strip = self._strips.get(tid)
        if strip is not None:
            return strip
        record = self.store.task(tid)
        if record is None:
            return Strip.blank(ROW_WIDTH)
        row_cells = task_rows.cells(record, self.store.completion(tid), self.now)
        base = self.get_component_rich_style("task-table--row")
        state = self.get_component_rich_style(f"task-table--{task_rows.status_class(record)}")
        runs = task_rows.row_runs(row_cells, failed=record.is_failed)
        segments = [Segment(text, base + state if coloured else base) for text, coloured in runs]
        strip = Strip(segments, ROW_WIDTH).simplify()  # fewer colour codes per write
        self._strips[tid] = strip
        self._cells[tid] = row_cells
        return strip

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        sx = int(self.scroll_x)
        base = self.rich_style
        if y == 0:
            if self._header is None:
                header_style = self.get_component_rich_style("task-table--header")
                text = (" " * GAP).join(task_rows.header_cells(self.sort))
                self._header = Strip([Segment(text, header_style)], ROW_WIDTH)
            return crop_marked(self._header, SPANS, sx, width, base)
        tid = self.id_at(int(self.scroll_y) + y - 1)
        if tid is None:
            return Strip.blank(width, base)
        strip = self._row_strip(tid)
        if tid == self.selected_id:
            cursor = self.get_component_rich_style("task-table--cursor")
            strip = Strip(Segment.apply_style(strip, post_style=cursor), strip.cell_length)
        return crop_marked(strip, SPANS, sx, width, base)

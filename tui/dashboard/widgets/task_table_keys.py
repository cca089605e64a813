"""The task table's key actions and clicks (a mixin of `TaskTable`, whose BINDINGS name them): the selection moves by row, page and edge,
sideways scrolling goes by column, a click selects its row, and the selected row is kept in view. The
selection is a task id (`selected_id`); moving it repaints the rows it left and reached
(`TaskTable.watch_selected_id`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

from ..task_rows import OFFSETS, ROW_WIDTH

if TYPE_CHECKING:
    from textual.scroll_view import ScrollView

    _TableBase = ScrollView
else:
    _TableBase = object


class TableNavigation(_TableBase):
    if TYPE_CHECKING:
        selected_id: str | None
        _keys: list[tuple[object, ...]]

        @property
        def cursor_row(self) -> int | None: ...

        def id_at(self, row: int) -> str | None: ...

        def _body_height(self) -> int: ...

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
        if self._keys:
            self.selected_id = self.id_at(max(0, min(row, len(self._keys) - 1)))

    def action_cursor(self, delta: int) -> None:
        row = self.cursor_row
        self._move_to(0 if row is None else row + delta)

    def action_page(self, direction: int) -> None:
        row = self.cursor_row or 0
        self._move_to(row + direction * max(1, self._body_height() - 1))

    def action_column(self, direction: int) -> None:
        """Scroll sideways by one column (there is no horizontal scrollbar, see DEFAULT_CSS)."""
        x = int(self.scroll_x)
        if direction > 0:
            target = next((o for o in OFFSETS if o > x), x)
        else:
            target = next((o for o in reversed(OFFSETS) if o < x), 0)
        self.scroll_to(
            x=min(target, max(0, ROW_WIDTH - self.scrollable_content_region.width)),
            animate=False,
            immediate=True,
        )

    def action_edge(self, end: int) -> None:
        self._move_to(len(self._keys) - 1 if end else 0)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y >= 1:
            self._move_to(int(self.scroll_y) + offset.y - 1)

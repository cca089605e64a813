"""The jobs view's table: one row per bulk job of both families, on Textual's Line API.

A running job's row changes with every poll that moves it: only the characters that changed are
refreshed (`bulk_rows.changed_spans`: a count's last digits, the cells the bar grew by), so a poll costs
tens of bytes, not a repaint. A job that ends, or a new one, moves rows: the table is repainted (a rare
event). Nothing moves with the clock alone: each job's figures are as of the last change the view saw
(`as_of`), so with nothing changing nothing is written.

Selection is a job id; the keys move it by row, page and edge, `←` `→` scroll by column, a click selects
its row. The view model (no Textual) is `bulk_rows`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from schemas import BulkJobRecord
from tui.core.clock import Clock
from tui.engine.api import StoreView

from .. import bulk_rows
from ..bulk_rows import COLUMNS, OFFSETS, ROW_WIDTH, TRACK
from ..task_rows import GAP
from .row_tables import ROW_TABLE_BINDINGS, column_spans, column_stop, crop_marked, touches_cut
from .scrolling import ScrollbarFollows

#: Each column's cells in a row (a column the view's edge cuts ends in `…`).
SPANS = column_spans(OFFSETS, [c.width for c in COLUMNS])


class BulkJobTable(ScrollbarFollows, ScrollView, can_focus=True):
    """Bulk jobs from a store, running first; posts `BulkJobTable.Selected` when the selection moves."""

    DEFAULT_CSS: ClassVar[str] = """
    BulkJobTable { background: $surface; scrollbar-size-horizontal: 0; scrollbar-size-vertical: 1; }
    BulkJobTable > .bulk-table--header { text-style: bold; color: $text-muted; background: $panel; }
    BulkJobTable > .bulk-table--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    BulkJobTable:blur > .bulk-table--cursor { background: $block-cursor-blurred-background; }
    BulkJobTable > .bulk-table--failed { color: $text-error; text-style: bold; }
    BulkJobTable > .bulk-table--active { color: $text-warning; }
    BulkJobTable > .bulk-table--complete { color: $text-success; }
    BulkJobTable > .bulk-table--bar { color: $accent; }
    BulkJobTable > .bulk-table--track { color: $text-disabled; }
    BulkJobTable > .bulk-table--errors { color: $text-error; }
    BulkJobTable > .bulk-table--row { }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "bulk-table--header",
        "bulk-table--cursor",
        "bulk-table--failed",
        "bulk-table--active",
        "bulk-table--complete",
        "bulk-table--bar",
        "bulk-table--track",
        "bulk-table--errors",
        "bulk-table--row",
    }

    BINDINGS: ClassVar = [*ROW_TABLE_BINDINGS]

    class Selected(Message):
        """The selected job changed (`job_id` is None when there is none)."""

        def __init__(self, job_id: str | None) -> None:
            super().__init__()
            self.job_id = job_id

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, BulkJobTable.Selected)

    selected_id: var[str | None] = var(None, init=False)

    def __init__(self, store: StoreView, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.clock = clock
        #: Job ids in display order.
        self.ids: list[str] = []
        self._row: dict[str, int] = {}
        #: When each job's figures (rate, time left) were taken: the last change the view saw of it.
        self._as_of: dict[str, datetime] = {}
        # Render caches: a row's cells and its strip (rebuilt from the store and `_as_of`).
        self._cells: dict[str, tuple[str, ...]] = {}
        self._strips: dict[str, Strip] = {}
        self._header: Strip | None = None

    # ---- what the screen feeds -------------------------------------------------------------------

    def as_of(self, job_id: str) -> datetime:
        """The time a job's figures are taken at (its last change the view saw)."""
        return self._as_of.get(job_id) or self.clock.now()

    def show_all(self) -> None:
        """Every job afresh (when the view opens)."""
        now = self.clock.now()
        jobs = self.store.bulk_jobs()
        self._as_of = {job.job_id: now for job in jobs}
        self._set_order(bulk_rows.order_jobs(jobs))
        self._cells.clear()
        self._strips.clear()
        self.refresh()

    def update_jobs(self, job_ids: Iterable[str]) -> None:
        """Jobs changed in the store: their figures as of now; rows move if the order did, else only
        the changed characters of each row are refreshed."""
        changed = [j for j in job_ids if j is not None]
        if not changed:
            return
        now = self.clock.now()
        for job_id in changed:
            self._as_of[job_id] = now
        order = bulk_rows.order_jobs(self.store.bulk_jobs())
        if order != self.ids:
            for job_id in changed:
                self._cells.pop(job_id, None)
                self._strips.pop(job_id, None)
            self._set_order(order)
            self.refresh()
            return
        for job_id in changed:
            self._refresh_row(job_id)

    def _set_order(self, order: list[str]) -> None:
        self.ids = order
        self._row = {job_id: i for i, job_id in enumerate(order)}
        for gone in set(self._as_of) - set(order):
            del self._as_of[gone]
        size = Size(ROW_WIDTH, len(order) + 1)
        if size != self.virtual_size:
            self.virtual_size = size
            self.refresh(layout=True)  # as tall as its rows (the screen's CSS bounds it)
        if self.selected_id not in self._row:
            self.selected_id = order[0] if order else None
        else:
            self._keep_cursor_visible()

    def _refresh_row(self, job_id: str) -> None:
        job = self.store.bulk_job(job_id)
        old = self._cells.get(job_id)
        row = self._row.get(job_id)
        if job is None or row is None:
            return
        new = bulk_rows.cells(job, self.as_of(job_id))
        if old == new:
            return
        self._cells.pop(job_id, None)
        self._strips.pop(job_id, None)
        top, height = int(self.scroll_y), self._body_height()
        if not top <= row < top + height:
            return
        y = row - top + 1
        width = self.scrollable_content_region.width
        visible = Region(0, y, width, 1)
        if old is None or old[1] != new[1]:
            self.refresh(visible)  # not drawn yet, or a new status (its colour): the whole row
            return
        sx = int(self.scroll_x)
        for x1, x2 in bulk_rows.changed_spans(old, new):
            region = Region(x1 - sx, y, x2 - x1, 1).intersection(visible)
            if region.width:
                self.refresh(region)
            if touches_cut(SPANS, sx, width, x1, x2):  # (its `…` may come or go)
                self.refresh(Region(0, y, 1, 1), Region(width - 1, y, 1, 1))

    # ---- selection and keys ----------------------------------------------------------------------

    def _body_height(self) -> int:
        return max(0, self.scrollable_content_region.height - 1)

    @property
    def cursor_row(self) -> int | None:
        return self._row.get(self.selected_id) if self.selected_id is not None else None

    def watch_selected_id(self, old: str | None, new: str | None) -> None:
        top = int(self.scroll_y)
        width = self.scrollable_content_region.width
        for job_id in (old, new):
            row = self._row.get(job_id) if job_id is not None else None
            if row is not None and top <= row < top + self._body_height():
                self.refresh(Region(0, row - top + 1, width, 1))
        self._keep_cursor_visible()
        self.post_message(self.Selected(new))

    def _keep_cursor_visible(self) -> None:
        row = self.cursor_row
        if row is None:
            return
        top, height = int(self.scroll_y), max(1, self._body_height())
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)

    def _move_to(self, row: int) -> None:
        if self.ids:
            self.selected_id = self.ids[max(0, min(row, len(self.ids) - 1))]

    def action_cursor(self, delta: int) -> None:
        row = self.cursor_row
        self._move_to(0 if row is None else row + delta)

    def action_page(self, direction: int) -> None:
        self._move_to((self.cursor_row or 0) + direction * max(1, self._body_height() - 1))

    def action_edge(self, end: int) -> None:
        self._move_to(len(self.ids) - 1 if end else 0)

    def action_column(self, direction: int) -> None:
        """Scroll sideways by one column (there is no horizontal scrollbar)."""
        width = self.scrollable_content_region.width
        x = column_stop(OFFSETS, int(self.scroll_x), direction, ROW_WIDTH, width)
        self.scroll_to(x=x, animate=False, immediate=True)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y >= 1:
            self._move_to(int(self.scroll_y) + offset.y - 1)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._header = None

    # ---- rendering -------------------------------------------------------------------------------

    def _row_strip(self, job: BulkJobRecord) -> Strip:
        strip = self._strips.get(job.job_id)
        if strip is not None:
            return strip
        row_cells = bulk_rows.cells(job, self.as_of(job.job_id))
        style = self.get_component_rich_style
        base = style("bulk-table--row")
        state = base + style(f"bulk-table--{bulk_rows.status_class(job)}")
        bar, track = base + style("bulk-table--bar"), base + style("bulk-table--track")
        errors = base + style("bulk-table--errors")
        gap = " " * GAP
        segments: list[Segment] = []
        for column, text in zip(COLUMNS, row_cells, strict=True):
            key = column.key
            if key == "bar":
                filled = text.rstrip(TRACK)
                segments.append(Segment(filled, bar))
                segments.append(Segment(text[len(filled) :], track))
            elif key in bulk_rows.STATUS_STYLED:
                segments.append(Segment(text, state))
            elif key == "failed" and (job.failure_count or 0) > 0:
                segments.append(Segment(text, errors))
            else:
                segments.append(Segment(text, base))
            segments.append(Segment(gap, state if key == "mark" else base))
        strip = Strip(segments[:-1], ROW_WIDTH).simplify()
        self._strips[job.job_id] = strip
        self._cells[job.job_id] = row_cells
        return strip

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        sx = int(self.scroll_x)
        base = self.rich_style
        if y == 0:
            if self._header is None:
                header_style: Style = self.get_component_rich_style("bulk-table--header")
                text = (" " * GAP).join(bulk_rows.header_cells())
                self._header = Strip([Segment(text, header_style)], ROW_WIDTH)
            return crop_marked(self._header, SPANS, sx, width, base)
        row = int(self.scroll_y) + y - 1
        job = self.store.bulk_job(self.ids[row]) if 0 <= row < len(self.ids) else None
        if job is None:
            return Strip.blank(width, base)
        strip = self._row_strip(job)
        if job.job_id == self.selected_id:
            cursor = self.get_component_rich_style("bulk-table--cursor")
            strip = Strip(Segment.apply_style(strip, post_style=cursor), strip.cell_length)
        return crop_marked(strip, SPANS, sx, width, base)

"""The dashboard's actions on what the table shows: the filter box (`/`, Esc), the sort (`s`), the status and
kind toggles (`1`–`6`, `0`). A mixin of `PcwatchApp` (`tui.dashboard.app`), which supplies the store and
the table; each action reconfigures the table and updates the view bar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.widgets import Input

from .palette import STATUS_KEYS
from .task_rows import KIND_KEYS, SORTS

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

    from tui.engine.api import StoreView

    from .widgets.task_table import TaskTable

    _AppBase = App[int]
else:
    _AppBase = object

#: With more tasks than this, filtering waits for a pause in typing instead of running per keystroke.
DEBOUNCE_ABOVE = 20_000


class ViewActions(_AppBase):
    """Filter, sort and toggles; the app provides `store`, `table`, `_filter_timer`, `_update_view_bar`."""

    if TYPE_CHECKING:
        store: StoreView
        _filter_timer: Timer | None

        @property
        def table(self) -> TaskTable: ...

        def _update_view_bar(self) -> None: ...

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-shown")
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "filter":
            return
        if self._filter_timer is not None:
            self._filter_timer.stop()
        if len(self.store) > DEBOUNCE_ABOVE:
            self._filter_timer = self.set_timer(0.25, lambda: self._set_needle(event.value))
        else:
            self._set_needle(event.value)

    def _set_needle(self, value: str) -> None:
        self.table.configure(needle=value.strip())
        self._update_view_bar()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self._set_needle(event.value)
            if not event.value.strip():
                event.input.remove_class("-shown")
            self.table.focus()

    def on_key(self, event: events.Key) -> None:
        box = self.query_one("#filter", Input)
        if event.key == "escape" and box.has_focus:
            box.value = ""
            box.remove_class("-shown")
            self._set_needle("")
            self.table.focus()
            event.stop()

    def action_cycle_sort(self) -> None:
        self.table.configure(sort=SORTS[(SORTS.index(self.table.sort) + 1) % len(SORTS)])
        self._update_view_bar()

    def set_sort(self, sort: str) -> None:
        self.table.configure(sort=sort)
        self._update_view_bar()

    def action_toggle_status(self, key: str) -> None:
        shown = _toggled(self.table.statuses, STATUS_KEYS[key], set(STATUS_KEYS.values()))
        self.table.configure(statuses=shown)
        self._update_view_bar()

    def action_toggle_kind(self, key: str) -> None:
        shown = _toggled(self.table.kinds, KIND_KEYS[key], set(KIND_KEYS.values()))
        self.table.configure(kinds=shown)
        self._update_view_bar()

    def action_clear_view(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("-shown")
        self.table.configure(statuses=None, kinds=None, needle="")
        self._update_view_bar()


def _toggled(current: frozenset[str] | None, value: str, universe: set[str]) -> frozenset[str] | None:
    """The shown values after toggling `value` (None: no filter)."""
    shown = set(universe if current is None else current)
    shown ^= {value}
    # All shown again means "no filter", which also shows values this version does not know.
    return None if shown >= universe else frozenset(shown)

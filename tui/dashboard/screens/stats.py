"""`t`: the stats view. The numbers of `pcwatch stats` (`tui.engine.stats.compute_stats`, over the same
store the table shows) with plots: tasks finished per hour by status, observed durations per kind, and
failures by reason over time. `w` changes the window (24 h, 7 days, 30 days, all).

It exists only while shown: nothing of it is drawn or recomputed while the table is on screen, so the
table's bytes per change do not move. While shown it follows the store: a change schedules one
recomputation (at most one a `REFRESH_SECONDS`), done in a thread, since 100,000 tasks take ~0.2 s; while
another (not modal) screen covers it, it waits, and catches up when shown again."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static

from tui.core.clock import Clock
from tui.engine.api import StoreChange, StoreView
from tui.engine.stats import Stats, compute_stats
from tui.engine.status import LEADER_KEY
from tui.engine.types import TaskRow

from ..stats_view import (
    WINDOWS,
    bucket_for,
    durations_series,
    failures_series,
    finished_series,
    kind_rows,
    reason_rows,
    window_title,
)
from ..widgets.keys_footer import KeysFooter
from ..widgets.notice_line import NoticeLine
from ..widgets.stats_plot import StatsPlot

#: Seconds between two recomputations while the store keeps changing.
REFRESH_SECONDS = 1.0
STATUS_COLORS = ["green", "red"]
KIND_COLORS = ["cyan", "yellow", "blue", "magenta"]
REASON_COLORS = ["red", "orange", "yellow", "cyan", "gray"]


class StatsScreen(Screen[None]):
    BINDINGS: ClassVar = [
        Binding("escape,t", "app.pop_screen", "Back"),
        Binding("w", "next_window", "Window"),
        # Below 120 columns the panes are stacked and scroll.
        Binding("down", "scroll(1)", show=False),
        Binding("up", "scroll(-1)", show=False),
        Binding("pagedown", "scroll(10)", show=False),
        Binding("pageup", "scroll(-10)", show=False),
    ]
    DEFAULT_CSS = """
    StatsScreen #stats-title { height: 1; padding: 0 1; background: $boost; text-style: bold; }
    StatsScreen Grid { grid-size: 2 2; grid-columns: 1fr 1fr; grid-rows: 1fr 1fr; }
    StatsScreen #stats-summary { padding: 0 1; overflow-y: auto; }
    StatsScreen.-narrow Grid { grid-size: 1 4; grid-columns: 1fr; grid-rows: auto 16 16 16; overflow-y: auto; }
    """

    def __init__(self, store: StoreView, clock: Clock, window: int = 0) -> None:
        super().__init__()
        self.store = store
        self.clock = clock
        self.window = window
        #: The stats on screen (None until the first computation ends).
        self.stats: Stats | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._pending: Timer | None = None
        #: The store changed while another screen covered this one.
        self._stale = False

    def compose(self) -> ComposeResult:
        yield Static("Statistics · computing…", id="stats-title", markup=False)
        with Grid():
            yield Static("", id="stats-summary", markup=False)
            yield StatsPlot(id="stats-finished")
            yield StatsPlot(id="stats-durations")
            yield StatsPlot(id="stats-failures")
        yield NoticeLine()  # the notices' own row: they never cover data
        yield KeysFooter()

    def on_mount(self) -> None:
        self.set_class(self.app.screen_stack[0].has_class("-narrow"), "-narrow")
        self._unsubscribe = self.store.subscribe(self._on_store_change)
        self.recompute()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._pending is not None:
            self._pending.stop()

    def _on_store_change(self, change: StoreChange) -> None:
        if change.task_ids and self._pending is None:
            self._pending = self.set_timer(REFRESH_SECONDS, self._refresh_due)

    def _refresh_due(self) -> None:
        self._pending = None
        if self._visible():
            self.recompute()
        else:  # covered by another screen: catch up when shown again
            self._stale = True

    def _visible(self) -> bool:
        """On top, or right under a modal screen (which shows it behind, dimmed). Not `Screen.is_current`:
        in Textual 8.2 that is true of the screen under any other."""
        stack = self.app.screen_stack
        return stack[-1] is self or (len(stack) > 1 and stack[-2] is self and stack[-1].is_modal)

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.recompute()

    def action_scroll(self, lines: int) -> None:
        self.query_one(Grid).scroll_relative(y=lines, animate=False)

    def action_next_window(self) -> None:
        self.window = (self.window + 1) % len(WINDOWS)
        self.recompute()

    def recompute(self) -> None:
        """Compute the stats of the current window off the event loop, then show them."""
        label, seconds = WINDOWS[self.window]
        # The store is read here, on the event loop; only the arithmetic runs in the thread.
        self._compute(self.store.task_rows(), self.store.meta(LEADER_KEY), label, seconds)

    @work(thread=True, exclusive=True, group="stats", exit_on_error=False)
    def _compute(
        self,
        rows: list[TaskRow],
        leader_status: str | None,
        label: str,
        seconds: float | None,
    ) -> None:
        stats = compute_stats(
            rows,
            self.clock.now(),
            since=seconds,
            bucket_seconds=bucket_for(seconds),
            leader_status=leader_status,
        )
        self.app.call_from_thread(self.show, stats, label)

    def show(self, stats: Stats, label: str) -> None:
        self.stats = stats
        self.query_one("#stats-title", Static).update(window_title(stats, label))
        self.query_one("#stats-summary", Static).update(summary(stats))
        per = "hour" if stats.bucket_seconds < 86_400 else "day"
        self.query_one("#stats-finished", StatsPlot).show(
            finished_series(stats),
            f"Tasks finished per {per}",
            STATUS_COLORS,
            when_empty="none in this window",
        )
        self.query_one("#stats-durations", StatsPlot).show(
            durations_series(stats),
            "Observed durations per kind",
            KIND_COLORS,
            stacked=False,
            when_empty="none observed yet",
        )
        self.query_one("#stats-failures", StatsPlot).show(
            failures_series(stats),
            f"Failures per {per} by reason",
            REASON_COLORS,
            when_empty="none in this window",
        )


def summary(stats: Stats) -> Table:
    """Counts and durations per kind, then the most frequent failure reasons and what they mean."""
    table = Table(box=None, padding=(0, 1), expand=True, show_edge=False)
    for name, justify in (("kind", "left"), ("running", "right"), ("done", "right"), ("failed", "right")):
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for name in ("fail %", "p50", "p95", "max"):
        table.add_column(name, justify="right", no_wrap=True)
    for row in kind_rows(stats):
        table.add_row(*(Text(cell) for cell in row))
    reasons = Table(box=None, padding=(0, 1), expand=True, show_edge=False)
    reasons.add_column("reason", no_wrap=True)
    reasons.add_column("n", justify="right", no_wrap=True)
    reasons.add_column("what it means", ratio=1)
    for code, count, meaning in reason_rows(stats):
        reasons.add_row(Text(code, style="red"), Text(count), Text(meaning, style="dim"))
    outer = Table.grid(expand=True)
    outer.add_row(table)
    outer.add_row(Text(""))
    outer.add_row(reasons if stats.failures else Text("No failures in this window."))
    return outer

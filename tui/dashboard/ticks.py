"""The dashboard's second hand. Once a second of the app's clock (the injected one: tests move it), every
time shown relative to now moves on: the table's running durations, the details pane's "Took … so far",
the header's "stale for …", the invitations' time left. Each pane rewrites only the characters that
changed, so a tick in which no shown time changes writes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .widgets.invitations import InvitationsPane

if TYPE_CHECKING:
    from textual.app import App

    from tui.core.clock import Clock

    from .widgets.task_table import TaskTable

    _AppBase = App[int]
else:
    _AppBase = object

#: Seconds between ticks.
TICK_SECONDS = 1.0


class ClockTicks(_AppBase):
    """Mixed into `PcwatchApp`: `_start_ticks()` once the table is built."""

    if TYPE_CHECKING:
        clock: Clock

        @property
        def table(self) -> TaskTable: ...

        def _refresh_details(self) -> None: ...

        def _update_header(self) -> None: ...

    def _start_ticks(self) -> None:
        # A failing tick is a bug like any handler's: it ends the app with its traceback.
        self.run_worker(self._tick_loop(), group="ticks", name="ticks")

    async def _tick_loop(self) -> None:
        clock = self.clock
        while True:
            # To the next whole second of the clock, so shown seconds change together and on time.
            into = clock.now().timestamp() % TICK_SECONDS
            await clock.sleep(TICK_SECONDS - into)
            self.tick()

    def tick(self) -> None:
        """Show every running time as of the clock's now."""
        self.table.set_now(self.clock.now())
        self._refresh_details()
        self._update_header()
        for pane in self.screen.query(InvitationsPane):
            pane.tick()

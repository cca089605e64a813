"""The dashboard's second hand. Once a second of the app's clock (the injected one: tests move it), every
time shown relative to now moves on: the table's running durations, the details pane's "Took … so far",
the header's "stale for …", the invitations' time left. Each pane rewrites only the characters that
changed, so a tick in which no shown time changes writes nothing."""

from __future__ import annotations

from typing import Any

from .widgets.invitations import InvitationsPane

#: Seconds between ticks.
TICK_SECONDS = 1.0


class ClockTicks:
    """Mixed into `PcwatchApp`: `_start_ticks()` once the table is built."""

    clock: Any

    def _start_ticks(self) -> None:
        # A failing tick is a bug like any handler's: it ends the app with its traceback.
        self.run_worker(self._tick_loop(), group="ticks", name="ticks")  # type: ignore[attr-defined]

    async def _tick_loop(self) -> None:
        clock = self.clock
        while True:
            # To the next whole second of the clock, so shown seconds change together and on time.
            into = clock.now().timestamp() % TICK_SECONDS
            await clock.sleep(TICK_SECONDS - into)
            self.tick()

    def tick(self) -> None:
        """Show every running time as of the clock's now."""
        app: Any = self
        app.table.set_now(self.clock.now())
        app._refresh_details()
        app._update_header()
        for pane in app.screen.query(InvitationsPane):
            pane.tick()

"""The dashboard's second hand. Once a second of the app's clock (the injected one: tests move it), every
time shown relative to now moves on: the table's running durations, the details pane's "Took … so far",
the header's "stale for …", the invitations' time left. Each pane rewrites only the characters that
changed, so a tick in which no shown time changes writes nothing."""

from __future__ import annotations

from collections.abc import Callable

from tui.core.clock import Clock

#: Seconds between ticks.
TICK_SECONDS = 1.0


class SecondHand:
    """Calls `on_tick` at each whole second of `clock`; the app runs `run` as a worker once the view is
    built."""

    def __init__(self, clock: Clock, on_tick: Callable[[], None]) -> None:
        self._clock = clock
        self._on_tick = on_tick

    async def run(self) -> None:
        clock = self._clock
        while True:
            # To the next whole second of the clock, so shown seconds change together and on time.
            into = clock.now().timestamp() % TICK_SECONDS
            await clock.sleep(TICK_SECONDS - into)
            self._on_tick()

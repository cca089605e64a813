"""A wall clock that can be stepped (as NTP, an operator or a VM resume steps it) over another clock whose
monotonic time and sleeps it keeps: pcwatch sees the step, the local endpoint sharing the clock underneath
does not (the service's clock never steps with the host's)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tui.core.clock import Clock


class SteppedWall:
    def __init__(self, base: Clock) -> None:
        self.base = base
        self.offset = 0.0

    def step(self, seconds: float) -> None:
        """Move the wall clock by `seconds` (back if negative) at once; monotonic time does not move."""
        self.offset += seconds

    def now(self) -> datetime:
        return self.base.now() + timedelta(seconds=self.offset)

    def monotonic(self) -> float:
        return self.base.monotonic()

    async def sleep(self, seconds: float) -> None:
        await self.base.sleep(seconds)

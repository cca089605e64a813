"""Injectable clocks. Everything that reads time or sleeps takes a `Clock`, so tests control time
without monkeypatching: `MockClock` only moves when told to, and its sleepers wake when it passes
their deadline. `sleep_or_wake` is the loops' wait: a delay on the clock, cut short by an event."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The wall-clock time, timezone-aware (UTC)."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back; for intervals and rates."""

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of this clock's time."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class MockClock:
    """A clock that moves only through `advance` (or `set`). `sleep` waits until it has moved far enough."""

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)
        self._elapsed = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        return self._elapsed

    def advance(self, seconds: float) -> None:
        self._elapsed += max(0.0, seconds)
        self._wake()

    def _wake(self) -> None:
        due = [(t, f) for t, f in self._sleepers if t <= self._elapsed]
        self._sleepers = [(t, f) for t, f in self._sleepers if t > self._elapsed]
        for _, fut in due:
            if not fut.done():
                fut.get_loop().call_soon_threadsafe(_resolve, fut)

    @property
    def sleepers(self) -> int:
        """How many coroutines are waiting on this clock (lets a test wait until a loop is parked)."""
        return sum(1 for _, f in self._sleepers if not f.done())

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._elapsed + seconds, fut))
        await fut


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


async def sleep_or_wake(clock: Clock, delay: float, wake: asyncio.Event) -> None:
    """Sleep `delay` seconds of `clock`, or less if `wake` is set meanwhile (or already); `wake` is
    cleared either way, so the next wait starts afresh."""
    if wake.is_set():
        wake.clear()
        return
    sleeper = asyncio.ensure_future(clock.sleep(delay))
    waker = asyncio.ensure_future(wake.wait())
    try:
        await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in (sleeper, waker):
            t.cancel()
        wake.clear()

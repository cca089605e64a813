"""Injectable clocks. Everything that reads time or sleeps takes a `Clock`, so tests control time
without monkeypatching: `MockClock` only moves when told to, and its sleepers wake when it passes
their deadline. `sleep_or_wake` is the loops' wait: a delay on the clock, cut short by an event.

`steady_wall(clock)` is the clock's wall time carried across steps (NTP, an operator, a VM resume) by its
monotonic time, for what is stored or counted over time (the store's observation times, so durations;
the daily allowance's record of calls); what is shown as "now" stays the wall clock."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from datetime import datetime, timedelta, timezone
from typing import Protocol

import msgspec

log = logging.getLogger(__name__)


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


#: A step: between two readings the wall clock moved this many seconds more (or less) than the monotonic
#: clock... (a reading's own delay is far below it; a step by NTP or an operator is far above)
STEP_THRESHOLD = 2.0
#: ...beyond this share of the time between them: the most the kernel slews a wall clock (500 ppm), so a
#: slewed clock read hours apart is not a step.
MAX_SLEW = 0.0005


class ClockStep(msgspec.Struct, frozen=True):
    """A step of the wall clock, as noticed (the poller's status carries the last one to the header)."""

    #: How far the wall clock jumped (positive: forward).
    seconds: float
    #: When it was noticed, step-free.
    at: datetime


class SteadyWall:
    """The wall clock as it was when first read, carried on by the monotonic clock across steps: between
    readings it follows the wall clock (and so its slewing), except by a step, which it notices
    (`last_step`) and leaves out (`offset`, the steps' sum). A step and its return cancel out.

    What it cannot know: a step before its first reading (a process started on a wrong clock keeps that
    clock's time until it restarts; a restart takes the wall clock as it finds it), and a suspend, when
    the monotonic clock stops while the wall clock goes on (it reads as a forward step)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._wall = clock.now()
        self._mono = clock.monotonic()
        #: Seconds the wall clock is ahead of this one (the steps noticed).
        self.offset = 0.0
        self.last_step: ClockStep | None = None

    def now(self) -> datetime:
        with self._lock:
            wall, mono = self._clock.now(), self._clock.monotonic()
            gap = mono - self._mono
            jump = (wall - self._wall).total_seconds() - gap
            self._wall, self._mono = wall, mono
            if abs(jump) > STEP_THRESHOLD + MAX_SLEW * abs(gap):
                self.offset += jump
                self.last_step = ClockStep(jump, wall - timedelta(seconds=self.offset))
                log.warning("the wall clock stepped %+.0f s (pcwatch carries its times across it)", jump)
            return wall - timedelta(seconds=self.offset)

    def stamp(self, wall: datetime | None = None) -> datetime:
        """A wall-clock reading taken now (default: this one) without the steps noticed so far."""
        steady = self.now()
        return steady if wall is None else wall - timedelta(seconds=self.offset)


_SYSTEM_WALL: SteadyWall | None = None
_steady_walls: weakref.WeakKeyDictionary[Clock, SteadyWall] = weakref.WeakKeyDictionary()
_steady_lock = threading.Lock()


def steady_wall(clock: Clock) -> SteadyWall:
    """The one `SteadyWall` of `clock` (of every `SystemClock`: they read the same clocks), so the store,
    the budget and the poller's status agree on the steps."""
    global _SYSTEM_WALL
    with _steady_lock:
        if isinstance(clock, SystemClock):
            if _SYSTEM_WALL is None:
                _SYSTEM_WALL = SteadyWall(clock)
            return _SYSTEM_WALL
        found = _steady_walls.get(clock)
        if found is None:
            found = _steady_walls[clock] = SteadyWall(clock)
        return found

"""The request budget: how many calls pcwatch may make, and when.

Two token buckets govern every call. The rate bucket holds a few seconds' worth at the sustained rate
(1 call/s by default). The daily bucket refills at `daily_calls / 86400` per second and holds a short
burst, so the allowance is paced across the day: a dashboard left open for days keeps polling at a slow
steady pace instead of spending the day's calls in the first hours and then going blind. A rolling
24-hour log is the hard cap: whatever the buckets say, never more than `daily_calls` in any 24 hours.

`Backoff` gives exponential delays with jitter from an injected `random.Random`, so tests are exact.
"""

from __future__ import annotations

import random
from collections import deque

from tui.core.clock import Clock
from tui.core.settings import Budget

DAY = 86_400.0
HOUR = 3_600.0


class TokenBucket:
    """`capacity` tokens at most, refilled continuously at `rate` per second of the clock's monotonic time."""

    def __init__(self, rate: float, capacity: float, clock: Clock, *, full: bool = True) -> None:
        self.rate = max(rate, 1e-9)
        self.capacity = max(capacity, 1.0)
        self._clock = clock
        self._tokens = self.capacity if full else 0.0
        self._at = clock.monotonic()

    def _refill(self) -> None:
        now = self._clock.monotonic()
        self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
        self._at = now

    @property
    def tokens(self) -> float:
        self._refill()
        return self._tokens

    def wait_time(self, n: float = 1.0) -> float:
        """Seconds until `n` tokens are there (0 if they are now)."""
        missing = min(n, self.capacity) - self.tokens
        return 0.0 if missing <= 1e-12 else missing / self.rate

    def take(self, n: float = 1.0) -> None:
        """Spend `n` tokens; the balance may go negative (a debt repaid by waiting), e.g. for retries."""
        self._refill()
        self._tokens -= n


class RequestBudget:
    """Decides whether a call may be made now and keeps the figures the status line shows."""

    def __init__(self, budget: Budget, clock: Clock, *, daily_burst: float | None = None) -> None:
        self.budget = budget
        self._clock = clock
        self.rate = TokenBucket(budget.rate_per_second, max(1, budget.burst), clock)
        # A quarter of an hour of the daily allowance may be spent at once (enough to fill the
        # dashboard at start), never less than the rate burst.
        burst = daily_burst if daily_burst is not None else max(budget.burst, budget.daily_calls / 96)
        self.daily = TokenBucket(budget.daily_calls / DAY, min(burst, budget.daily_calls), clock)
        self._calls: deque[float] = deque()  # monotonic times of calls in the last 24 h

    def _trim(self) -> None:
        horizon = self._clock.monotonic() - DAY
        while self._calls and self._calls[0] <= horizon:
            self._calls.popleft()

    @property
    def calls_last_hour(self) -> int:
        self._trim()
        horizon = self._clock.monotonic() - HOUR
        # Calls are appended in time order: count from the newest end.
        n = 0
        for t in reversed(self._calls):
            if t <= horizon:
                break
            n += 1
        return n

    @property
    def calls_last_day(self) -> int:
        self._trim()
        return len(self._calls)

    @property
    def calls_left_today(self) -> int:
        """What is left of the allowance over the rolling 24 hours."""
        return max(0, self.budget.daily_calls - self.calls_last_day)

    @property
    def paced_tokens(self) -> float:
        """Calls the daily pacing allows right now (the burst left)."""
        return self.daily.tokens

    def wait_time(self, n: int = 1) -> float:
        """Seconds until `n` calls may be made without breaking any limit."""
        wait = max(self.rate.wait_time(min(n, self.rate.capacity)), self.daily.wait_time(n))
        self._trim()
        over = len(self._calls) + n - self.budget.daily_calls
        if over > 0:
            # The rolling cap: wait until enough of the oldest calls leave the 24-hour window.
            oldest = self._calls[min(over, len(self._calls)) - 1]
            wait = max(wait, oldest + DAY - self._clock.monotonic())
        return max(0.0, wait)

    def can_spend(self, n: int = 1) -> bool:
        return self.wait_time(n) <= 0.0

    def spend(self, n: int = 1) -> None:
        """Record `n` calls made now (also retries botocore made on its own)."""
        now = self._clock.monotonic()
        self.rate.take(n)
        self.daily.take(n)
        self._calls.extend([now] * n)

    async def acquire(self) -> None:
        """Wait (on the injected clock) until one call is allowed, then record it."""
        while (wait := self.wait_time(1)) > 0:
            await self._clock.sleep(wait)
        self.spend(1)


class Backoff:
    """Exponential backoff with "equal jitter": half the delay is fixed, half random, so retries of
    several clients spread out while the wait still grows."""

    def __init__(self, rng: random.Random, *, base: float = 2.0, cap: float = 300.0) -> None:
        self._rng = rng
        self.base = base
        self.cap = cap
        self.failures = 0

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * (2**self.failures))
        self.failures += 1
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.failures = 0

"""The request budget: how many calls pcwatch may make, and when.

Two token buckets govern every call. The rate bucket holds a few seconds' worth at the sustained rate
(1 call/s by default). The daily bucket refills at `daily_calls / 86400` per second and holds a short
burst, so the allowance is paced across the day: a dashboard left open for days keeps polling at a slow
steady pace instead of spending the day's calls in the first hours and then going blind. A rolling
24-hour window is the hard cap: whatever the buckets say, never more than `daily_calls` in any 24 hours.
The buckets and the window are the core's rate limiter (`tui.core.rate_limit`).
"""

from __future__ import annotations

from tui.core.clock import Clock
from tui.core.rate_limit import RollingWindow, TokenBucket
from tui.core.settings import Budget

DAY = 86_400.0
HOUR = 3_600.0


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
        self._calls = RollingWindow(budget.daily_calls, clock, window=DAY)

    @property
    def calls_last_hour(self) -> int:
        return self._calls.count_since(HOUR)

    @property
    def calls_last_day(self) -> int:
        return self._calls.count

    @property
    def calls_left_today(self) -> int:
        """What is left of the allowance over the rolling 24 hours."""
        return self._calls.left

    @property
    def paced_tokens(self) -> float:
        """Calls the daily pacing allows right now (the burst left)."""
        return self.daily.tokens

    def wait_time(self, n: int = 1) -> float:
        """Seconds until `n` calls may be made without breaking any limit."""
        wait = max(self.rate.wait_time(min(n, self.rate.capacity)), self.daily.wait_time(n))
        return max(0.0, wait, self._calls.wait_time(n))

    def can_spend(self, n: int = 1) -> bool:
        return self.wait_time(n) <= 0.0

    def spend(self, n: int = 1) -> None:
        """Record `n` calls made now (also retries botocore made on its own)."""
        self.rate.take(n)
        self.daily.take(n)
        self._calls.add(n)

    async def acquire(self) -> None:
        """Wait (on the injected clock) until one call is allowed, then record it."""
        while (wait := self.wait_time(1)) > 0:
            await self._clock.sleep(wait)
        self.spend(1)

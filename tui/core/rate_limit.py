"""The rate limiter: a token bucket for a sustained rate with a burst, and a rolling window that caps the
calls of any 24 hours. The request budget paces pcwatch's own calls with them; the local endpoint's
quotas refuse a client's calls with the same two. Times are seconds of an injected clock's `monotonic`.
"""

from __future__ import annotations

from collections import deque

from .clock import Clock


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
        self._tokens = min(self.capacity, self._tokens + max(0.0, now - self._at) * self.rate)
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

    def try_take(self, n: float = 1.0) -> bool:
        """Spend `n` tokens if they are there now; False (and nothing spent) if not."""
        if self.wait_time(n) > 0:
            return False
        self.take(n)
        return True


class RollingWindow:
    """Calls counted over the last `window` seconds, against `limit`.

    With `slot` 0 every call time is kept exactly; with a slot (e.g. 60 s) calls are counted per slot, so
    100,000 calls a day take 1,440 entries, and a slot leaves the window `window` seconds after it began.
    """

    def __init__(self, limit: int, clock: Clock, *, window: float = 86_400.0, slot: float = 0.0) -> None:
        self.limit = limit
        self.window = window
        self.slot = slot
        self._clock = clock
        self._entries: deque[list[float]] = deque()  # [time (slot start), calls], oldest first
        self._total = 0

    def _trim(self) -> float:
        now = self._clock.monotonic()
        horizon = now - self.window
        while self._entries and self._entries[0][0] <= horizon:
            self._total -= int(self._entries.popleft()[1])
        return now

    @property
    def count(self) -> int:
        """Calls in the window now."""
        self._trim()
        return self._total

    @property
    def left(self) -> int:
        return max(0, self.limit - self.count)

    def count_since(self, seconds: float) -> int:
        """Calls in the last `seconds` (at most the window)."""
        horizon = self._trim() - seconds
        n = 0
        for at, calls in reversed(self._entries):  # newest first: stop at the first one too old
            if at <= horizon:
                break
            n += int(calls)
        return n

    def add(self, n: int = 1) -> None:
        """Count `n` calls made now, over the limit or not (the caller decided to make them)."""
        now = self._trim()
        at = now - now % self.slot if self.slot else now
        if self._entries and self._entries[-1][0] == at:
            self._entries[-1][1] += n
        else:
            self._entries.append([at, float(n)])
        self._total += n

    def try_add(self) -> bool:
        """Count one call if the limit allows it now; False (nothing counted) if not."""
        if self.count >= self.limit:
            return False
        self.add(1)
        return True

    def wait_time(self, n: int = 1) -> float:
        """Seconds until `n` more calls fit under the limit, as the oldest leave the window."""
        now = self._trim()
        over = self._total + n - self.limit
        if over <= 0:
            return 0.0
        freed = 0
        leaves = now
        for at, calls in self._entries:
            freed, leaves = freed + int(calls), at + self.window
            if freed >= over:
                break
        # (More than the limit at once: when the newest call leaves the window.)
        return max(0.0, leaves - now)

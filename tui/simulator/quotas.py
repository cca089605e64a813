"""The service's request quotas, per catalog: token buckets for the per-second rates and a rolling 24-hour
counter, all on the injected clock so tests decide when time passes."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from tui.core.clock import Clock

#: Operations that change something count against the write quota; everything else is a read.
WRITE_OPERATIONS = frozenset(
    {
        "StartEngagementByAcceptingInvitationTask",
        "StartEngagementFromOpportunityTask",
        "StartOpportunityFromEngagementTask",
        "RejectEngagementInvitation",
    }
)
DAY_SECONDS = 86400.0
_SLOT_SECONDS = 60.0  # the rolling day is counted in one-minute slots


@dataclass(frozen=True)
class QuotaLimits:
    reads_per_second: float = 10.0
    writes_per_second: float = 1.0
    reads_per_day: int = 100_000
    writes_per_day: int = 10_000


class TokenBucket:
    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.updated = now

    def take(self, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class RollingDay:
    """Calls in the last 24 hours, in one-minute slots."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.slots: deque[list[float]] = deque()  # [slot start, count]
        self.total = 0

    def take(self, now: float) -> bool:
        while self.slots and self.slots[0][0] <= now - DAY_SECONDS:
            self.total -= int(self.slots.popleft()[1])
        if self.total >= self.limit:
            return False
        slot = now - now % _SLOT_SECONDS
        if self.slots and self.slots[-1][0] == slot:
            self.slots[-1][1] += 1
        else:
            self.slots.append([slot, 1])
        self.total += 1
        return True


class Quotas:
    """Admits or refuses each request; refused requests get ThrottlingException "Rate exceeded"."""

    def __init__(self, clock: Clock, limits: QuotaLimits | None = None) -> None:
        self.clock = clock
        self.limits = limits or QuotaLimits()
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, bool], tuple[TokenBucket, RollingDay]] = {}

    def admit(self, catalog: str, operation: str) -> bool:
        write = operation in WRITE_OPERATIONS
        with self._lock:
            now = self.clock.monotonic()
            pair = self._buckets.get((catalog, write))
            if pair is None:
                lim = self.limits
                rate = lim.writes_per_second if write else lim.reads_per_second
                day = lim.writes_per_day if write else lim.reads_per_day
                pair = (TokenBucket(rate, max(1.0, rate), now), RollingDay(day))
                self._buckets[(catalog, write)] = pair
            bucket, daily = pair
            # The daily counter only counts calls the rate let through.
            return bucket.take(now) and daily.take(now)

    def used_today(self, catalog: str, *, write: bool = False) -> int:
        with self._lock:
            pair = self._buckets.get((catalog, write))
            return pair[1].total if pair else 0

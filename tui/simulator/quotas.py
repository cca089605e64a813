"""The service's request quotas, per catalog: a token bucket for the per-second rate and a rolling 24-hour
counter, the core's rate limiter (`tui.core.rate_limit`) on the injected clock, so tests decide when time
passes. Which operations are writes: `schemas.WRITE_OPERATIONS`."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from schemas import WRITE_OPERATIONS
from tui.core.clock import Clock
from tui.core.rate_limit import RollingWindow, TokenBucket

DAY_SECONDS = 86400.0
_SLOT_SECONDS = 60.0  # the rolling day is counted in one-minute slots


@dataclass(frozen=True)
class QuotaLimits:
    reads_per_second: float = 10.0
    writes_per_second: float = 1.0
    reads_per_day: int = 100_000
    writes_per_day: int = 10_000


class Quotas:
    """Admits or refuses each request; refused requests get ThrottlingException "Rate exceeded"."""

    def __init__(self, clock: Clock, limits: QuotaLimits | None = None) -> None:
        self.clock = clock
        self.limits = limits or QuotaLimits()
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, bool], tuple[TokenBucket, RollingWindow]] = {}

    def admit(self, catalog: str, operation: str) -> bool:
        write = operation in WRITE_OPERATIONS
        with self._lock:
            pair = self._buckets.get((catalog, write))
            if pair is None:
                lim = self.limits
                rate = lim.writes_per_second if write else lim.reads_per_second
                day = lim.writes_per_day if write else lim.reads_per_day
                pair = (
                    TokenBucket(rate, max(1.0, rate), self.clock),
                    RollingWindow(day, self.clock, window=DAY_SECONDS, slot=_SLOT_SECONDS),
                )
                self._buckets[(catalog, write)] = pair
            bucket, daily = pair
            # The daily counter only counts calls the rate let through.
            return bucket.try_take() and daily.try_add()

    def used_today(self, catalog: str, *, write: bool = False) -> int:
        with self._lock:
            pair = self._buckets.get((catalog, write))
            return pair[1].count if pair else 0

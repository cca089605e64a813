"""The one retry policy: which failed calls are tried again, and after how long.

Two levels, one policy. Within one call, botocore retries throttling, 5xx and connection errors on its
own (`standard` mode, `SDK_MAX_ATTEMPTS` requests at most, the same serialized request each time, so a
write resends its ClientToken). Across calls, pcwatch's loops (the poller's next tick, `pcwatch wait`,
`accept --all-pending`) wait `Backoff` delays before trying again, and only after a failure that
`may_retry` allows: never after bad credentials or a refusal that no retry can change.
"""

from __future__ import annotations

import random

from .failures import ApiFailure, CredentialsFailure

#: botocore's retry mode and attempts per call (first try included).
SDK_RETRY_MODE = "standard"
SDK_MAX_ATTEMPTS = 3
#: pcwatch's waits between failed calls: the first at most BASE_DELAY seconds, doubling up to MAX_DELAY.
BASE_DELAY = 2.0
MAX_DELAY = 300.0


def may_retry(failure: ApiFailure) -> bool:
    """True if trying the same call again later may succeed (throttling, a fault, a network error, a
    malformed body); False for missing or expired credentials and for definitive refusals."""
    if isinstance(failure, CredentialsFailure):
        return False
    return failure.retryable or failure.throttled


class Backoff:
    """Exponential backoff with "equal jitter": half the delay is fixed, half random, so retries of
    several clients spread out while the wait still grows. The random source is injected (tests are
    exact)."""

    def __init__(self, rng: random.Random, *, base: float = BASE_DELAY, cap: float = MAX_DELAY) -> None:
        self._rng = rng
        self.base = base
        self.cap = cap
        self.failures = 0

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * 2.0**self.failures)
        self.failures += 1
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.failures = 0


def extra_attempts(before: int, after: int) -> int:
    """Requests botocore sent beyond the one asked for, between two readings of a client's `attempts`:
    they spent quota too."""
    return max(0, after - before - 1)

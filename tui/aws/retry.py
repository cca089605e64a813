"""The one retry policy: which failed calls are tried again, and after how long.

Two levels, one policy. Within one call, botocore retries throttling, 5xx and connection errors on its
own (`standard` mode, `SDK_MAX_ATTEMPTS` requests at most, the same serialized request each time, so a
write resends its ClientToken). Across calls, pcwatch's loops (the poller's next tick, `pcwatch wait`,
`accept --all-pending`) wait `Backoff` delays before trying again, and only after a failure that
`may_retry` allows: never after bad credentials or a refusal that no retry can change.

The headless commands retry one call for up to `CLI_RETRY_SECONDS` (`retrying`), so a burst of throttling,
faults, resets or truncated bodies longer than botocore's attempts does not end `pcwatch list`; then
they give up naming the cause. Any call may be bounded by a deadline on the clock (`within`): the thread
blocked in botocore is left behind (it ends at its read timeout), the caller is not.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tui.core.clock import Clock

from .failures import ApiFailure, CredentialsFailure

T = TypeVar("T")

#: botocore's retry mode and attempts per call (first try included).
SDK_RETRY_MODE = "standard"
SDK_MAX_ATTEMPTS = 3
#: pcwatch's waits between failed calls: the first at most BASE_DELAY seconds, doubling up to MAX_DELAY.
BASE_DELAY = 2.0
MAX_DELAY = 300.0
#: How long a headless command keeps retrying one call, and its waits between tries.
CLI_RETRY_SECONDS = 10.0
CLI_BASE_DELAY = 0.5
CLI_MAX_DELAY = 4.0


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


class DeadlinePassed(Exception):
    """A call was still outstanding when its deadline came (the call itself goes on in its thread)."""


async def within(call: Awaitable[T], clock: Clock, deadline: float | None) -> T:
    """`await call`, but raise DeadlinePassed once `clock.monotonic()` reaches `deadline` (None: no
    deadline). On the injected clock, so a test's MockClock decides when the deadline passes."""
    if deadline is None:
        return await call
    work = asyncio.ensure_future(call)
    timer = asyncio.ensure_future(clock.sleep(deadline - clock.monotonic()))
    try:
        await asyncio.wait({work, timer}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        timer.cancel()
    if not work.done():
        work.cancel()
        raise DeadlinePassed
    return work.result()


async def retrying(
    make_call: Callable[[], Awaitable[T]],
    *,
    clock: Clock,
    rng: random.Random | None = None,
    budget: float = CLI_RETRY_SECONDS,
    on_retry: Callable[[ApiFailure, float], None] | None = None,
) -> T:
    """Call `make_call()` until it succeeds; after a failure `may_retry` allows, wait a jittered backoff
    (cut to end with the budget) and try again, while less than `budget` seconds have passed since the
    first try. Then raise the last failure, its message saying how many tries were made over how long."""
    backoff = Backoff(rng or random.Random(), base=CLI_BASE_DELAY, cap=CLI_MAX_DELAY)
    started = clock.monotonic()
    tries = 0
    while True:
        tries += 1
        try:
            return await make_call()
        except ApiFailure as failure:
            if not may_retry(failure):
                raise
            spent = clock.monotonic() - started
            delay = min(backoff.next_delay(), budget - spent)  # the last wait ends with the budget
            if delay <= 0:
                raise type(failure)(
                    f"gave up after {tries} tries in {spent:.0f} s: {failure.message}",
                    service_error=failure.service_error,
                    retryable=failure.retryable,
                    throttled=failure.throttled,
                ) from failure
            if on_retry is not None:
                on_retry(failure, delay)
            await clock.sleep(delay)

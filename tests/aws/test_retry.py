"""The one retry policy: which failures are tried again, and the backoff between tries."""

from __future__ import annotations

import itertools
import random

import pytest

from tui.aws.failures import ApiFailure, CredentialsFailure, MalformedResponse, NetworkFailure, ServiceFailure
from tui.aws.retry import Backoff, extra_attempts, may_retry


def test_backoff_grows_with_jitter_and_resets() -> None:
    backoff = Backoff(random.Random(7), base=2.0, cap=60.0)
    delays = [backoff.next_delay() for _ in range(8)]
    for n, d in enumerate(delays):
        ceiling = min(60.0, 2.0 * 2**n)
        assert ceiling / 2 <= d <= ceiling
    assert delays[-1] <= 60.0
    # Same seed, same delays: tests and benchmarks are reproducible.
    again = Backoff(random.Random(7), base=2.0, cap=60.0)
    assert [again.next_delay() for _ in range(8)] == delays
    backoff.reset()
    assert backoff.next_delay() <= 2.0


def test_what_may_be_tried_again() -> None:
    assert may_retry(NetworkFailure("reset"))
    assert may_retry(MalformedResponse("truncated"))
    assert may_retry(ServiceFailure("Rate exceeded", throttled=True, retryable=True))
    assert may_retry(ApiFailure("throttled", retryable=False, throttled=True))  # throttling always waits
    assert not may_retry(ServiceFailure("ValidationException", retryable=False))
    assert not may_retry(CredentialsFailure("expired", retryable=True))  # nothing changes until the user acts


def test_botocore_retries_are_the_attempts_beyond_the_first() -> None:
    assert extra_attempts(before=4, after=5) == 0
    assert extra_attempts(before=4, after=7) == 2
    assert extra_attempts(before=4, after=4) == 0  # a call that failed before sending


# --- retrying (the headless commands) and within (deadlines), on a MockClock ---------------------------


async def _drive(clock, work):
    """Run `work` while advancing the mock clock a tenth of a second at a time."""
    import asyncio

    task = asyncio.ensure_future(work)
    while not task.done():
        await asyncio.sleep(0)
        clock.advance(0.1)
    return task


async def test_retrying_outlasts_a_burst_then_succeeds() -> None:
    from tui.aws.failures import ServiceFailure
    from tui.aws.retry import retrying
    from tui.core.clock import MockClock

    clock = MockClock()
    tries = []

    async def call() -> str:
        tries.append(clock.monotonic())
        if len(tries) <= 4:
            raise ServiceFailure("ThrottlingException: slow down", throttled=True)
        return "page"

    task = await _drive(clock, retrying(call, clock=clock, rng=random.Random(3)))
    assert task.result() == "page" and len(tries) == 5
    gaps = [b - a for a, b in itertools.pairwise(tries)]
    assert all(g > 0 for g in gaps) and tries[-1] <= 10.0


async def test_retrying_gives_up_at_its_budget_naming_the_cause_and_tries() -> None:
    from tui.aws.failures import NetworkFailure
    from tui.aws.retry import CLI_RETRY_SECONDS, retrying
    from tui.core.clock import MockClock

    clock = MockClock()
    tries = []

    async def call() -> str:
        tries.append(clock.monotonic())
        raise NetworkFailure("network error: connection reset")

    task = await _drive(clock, retrying(call, clock=clock, rng=random.Random(3)))
    with pytest.raises(NetworkFailure, match=rf"gave up after {len(tries)} tries in \d+ s: network error"):
        task.result()
    assert CLI_RETRY_SECONDS - 0.2 <= tries[-1] <= CLI_RETRY_SECONDS + 0.2


async def test_retrying_never_retries_credentials() -> None:
    from tui.aws.failures import CredentialsFailure
    from tui.aws.retry import retrying
    from tui.core.clock import MockClock

    calls = 0

    async def call() -> str:
        nonlocal calls
        calls += 1
        raise CredentialsFailure("credentials expired", retryable=False)

    with pytest.raises(CredentialsFailure):
        await retrying(call, clock=MockClock())
    assert calls == 1


async def test_within_abandons_a_call_at_its_deadline_on_the_clock() -> None:
    import asyncio

    from tui.aws.retry import DeadlinePassed, within
    from tui.core.clock import MockClock

    clock = MockClock()
    never = asyncio.get_running_loop().create_future()
    task = await _drive(clock, within(never, clock, deadline=3.0))
    with pytest.raises(DeadlinePassed):
        task.result()
    assert 3.0 <= clock.monotonic() < 4.0 and never.cancelled()
    assert await within(asyncio.sleep(0, result="ok"), clock, deadline=None) == "ok"

"""The one retry policy: which failures are tried again, and the backoff between tries."""

from __future__ import annotations

import random

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

"""The poller's loop on a MockClock: budget, backoff, failures, pause/resume/refresh, status."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

from schemas import ThrottlingException
from tests.support.engine import ACCEPT, T0, FakeClient, task
from tui.aws.failures import CredentialsFailure, NetworkFailure, ServiceFailure
from tui.core.clock import MockClock
from tui.core.settings import Budget, Settings
from tui.engine.budget import RequestBudget
from tui.engine.poller import Poller, PollerStatus, PollPlan
from tui.engine.store import Store


def make(client: FakeClient, budget: Budget, clock: MockClock | None = None, seed: int = 1) -> Poller:
    """A poller someone watches (a dashboard is open)."""
    clock = clock if clock is not None else MockClock(T0)
    poller = Poller(
        client,
        Store(clock=clock),
        Settings(max_rate=budget.rate_per_second, daily_calls=budget.daily_calls, burst=budget.burst),
        clock,
        rng=random.Random(seed),
        budget=RequestBudget(budget, clock),
        plan=PollPlan(),
    )
    poller.watching()
    return poller


async def drive(poller: Poller, seconds: float, step: float = 0.5) -> None:
    """Advance the mock clock in steps, letting the loop run between them (the fake client never blocks)."""
    clock = poller.clock
    assert isinstance(clock, MockClock)
    end = clock.monotonic() + seconds
    while clock.monotonic() < end:
        for _ in range(20):
            await asyncio.sleep(0)
        clock.advance(step)


async def test_a_day_of_polling_stays_within_the_budget_and_never_stops() -> None:
    # Tasks keep running all day and someone watches: the poller spends fast, then the pacing holds it
    # back so that it never goes blind.
    client = FakeClient(
        [task(n) for n in range(5)]
        + [
            task(100 + n, kind=k)
            for n, k in enumerate(["EngagementFromOpportunity", "OpportunityFromEngagement"])
        ]
    )
    budget = Budget(rate_per_second=1.0, daily_calls=2000, burst=5)
    poller = make(client, budget)
    times: list[float] = []
    client.on_call = lambda call: times.append(poller.clock.monotonic())
    runner = asyncio.create_task(poller.run())
    await drive(poller, 86_400 * 1.5, step=5.0)
    runner.cancel()
    # Never more than the daily allowance in any 24 h, and calls in every hour (it never went blind).
    j = 0
    for i, t in enumerate(times):
        while times[j] <= t - 86_400:
            j += 1
        assert i - j + 1 <= 2000
    hours = {int(t // 3600) for t in times}
    assert hours == set(range(36))
    # The rate: never more than burst + 1/s.
    assert max(sum(1 for t in times if s <= t < s + 10) for s in range(0, 3600, 10)) <= 15
    assert poller.status.calls_left_today <= 2000 and poller.status.state == "live"
    assert poller.status.saving  # (and says so)


async def test_throttling_backs_off_with_jitter_keeps_data_and_recovers() -> None:
    client = FakeClient([task(1), task(2, status="COMPLETE")])
    poller = make(client, Budget(rate_per_second=10, daily_calls=100_000, burst=50))
    statuses: list[PollerStatus] = []
    poller.subscribe_status(statuses.append)
    assert await poller.poll_once()
    assert len(poller.store) == 2

    throttled = ServiceFailure(
        "ThrottlingException: slow down",
        service_error=ThrottlingException(message="slow down"),
        throttled=True,
    )
    delays = []
    poller.clock.advance(6)  # the kind's next look
    for _ in range(4):
        client.fail_next = [throttled]
        assert await poller.poll_once() is False
        delays.append(poller.next_delay())
        poller.clock.advance(delays[-1])
    assert poller.status.state == "backoff"
    assert isinstance(poller.status.last_service_error, ThrottlingException)
    assert poller.status.stale_since == T0 + timedelta(seconds=6)
    assert len(poller.store) == 2  # the data stays
    # Exponential with jitter: each delay within [c/2, c] of c = 2, 4, 8, 16.
    for n, d in enumerate(delays):
        assert 2.0 * 2**n / 2 <= d <= 2.0 * 2**n
    assert len(set(delays)) == 4

    assert await poller.poll_once()
    assert (
        poller.status.state == "live"
        and poller.status.last_error is None
        and poller.status.stale_since is None
    )
    assert poller.next_delay() == 6.0
    assert {"starting", "backoff", "live"} <= {s.state for s in statuses}


async def test_expired_credentials_mark_stale_with_the_fix_and_retry_slowly() -> None:
    client = FakeClient([task(1)])
    poller = make(client, Budget(rate_per_second=10, daily_calls=100_000, burst=50))
    await poller.poll_once()
    client.fail_next = [
        CredentialsFailure("SSO session expired — run: aws sso login --profile dev", retryable=False)
    ]
    poller.clock.advance(6)
    assert await poller.poll_once() is False
    assert poller.status.state == "stale"
    assert poller.status.last_error == "SSO session expired — run: aws sso login --profile dev"
    assert poller.next_delay() == 60.0
    assert poller.store.task(task(1).task_id) is not None


async def test_failure_midway_keeps_what_succeeded_and_records_last_success_per_source() -> None:
    client = FakeClient([task(1), task(2, kind="EngagementFromOpportunity")])
    poller = make(client, Budget(rate_per_second=10, daily_calls=100_000, burst=50))
    await poller.poll_once()
    client.set_status(task(1).task_id, "COMPLETE")
    poller.clock.advance(6)
    # The first call (ACCEPT's newest page, which shows the end) succeeds; the next one (the other kind's
    # page) fails: the network holds every source, and what succeeded is kept.
    client.fail_next = []
    calls = 0

    def fail_second(call) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise NetworkFailure("network error: connection reset")

    client.on_call = fail_second
    assert await poller.poll_once() is False
    assert poller.store.task(task(1).task_id).task_status == "COMPLETE"
    assert poller.status.last_success[ACCEPT] == poller.clock.now()
    assert poller.status.last_success["EngagementFromOpportunity"] < poller.clock.now()
    assert poller.status.state == "stale"


async def test_pause_stops_polling_and_refresh_now_wakes_the_loop() -> None:
    client = FakeClient([task(n, status="COMPLETE") for n in range(3)])
    poller = make(client, Budget(rate_per_second=1, daily_calls=100_000, burst=10))
    runner = asyncio.create_task(poller.run())
    await drive(poller, 2)
    first = len(client.calls)
    assert first > 0 and poller.status.next_poll_at is not None

    poller.pause()
    await drive(poller, 600)
    assert poller.status.state == "paused"
    paused_calls = len(client.calls)
    await drive(poller, 600)
    assert len(client.calls) == paused_calls

    poller.resume()
    await drive(poller, 2)
    assert len(client.calls) > paused_calls and poller.status.state == "live"

    # Idle: the next poll is a minute away; refresh_now polls within a couple of seconds.
    await drive(poller, 10)
    before = len(client.calls)
    poller.refresh_now()
    await drive(poller, 2)
    assert len(client.calls) > before
    runner.cancel()


async def test_an_unexpected_exception_never_stops_the_loop() -> None:
    client = FakeClient([task(1)])
    poller = make(client, Budget(rate_per_second=10, daily_calls=100_000, burst=50))
    client.fail_next = [RuntimeError("decoder bug")]
    runner = asyncio.create_task(poller.run())
    await drive(poller, 1)
    assert poller.status.state == "stale" and "RuntimeError: decoder bug" in poller.status.last_error
    await drive(poller, 10)
    assert poller.status.state == "live" and len(poller.store) == 1
    assert not runner.done()
    runner.cancel()

"""The request budget (the rate, daily pacing and the rolling cap together), on a MockClock."""

from __future__ import annotations

import asyncio

import pytest

from tui.core.clock import MockClock
from tui.core.settings import Budget
from tui.engine.budget import RequestBudget


def test_rate_limit_allows_burst_then_one_per_second() -> None:
    clock = MockClock()
    budget = RequestBudget(Budget(rate_per_second=1.0, daily_calls=100_000, burst=3), clock)
    for _ in range(3):
        assert budget.can_spend()
        budget.spend()
    assert not budget.can_spend()
    assert budget.wait_time() == pytest.approx(1.0)
    clock.advance(1.0)
    assert budget.can_spend()


def test_daily_allowance_is_paced_not_spent_up_front() -> None:
    clock = MockClock()
    # 8640 a day = one call every 10 s, with a burst of 20.
    budget = RequestBudget(Budget(rate_per_second=1.0, daily_calls=8640, burst=5), clock, daily_burst=20)
    spent = 0
    for _ in range(3600):  # one simulated hour, trying every second
        if budget.can_spend():
            budget.spend()
            spent += 1
        clock.advance(1.0)
    # The burst plus one call per 10 s: about 20 + 360, nowhere near the 8640 a greedy poller would take.
    assert 375 <= spent <= 382
    assert budget.calls_last_hour == spent - 1 or budget.calls_last_hour == spent
    assert budget.calls_left_today == 8640 - spent


def test_rolling_cap_never_exceeded_over_days() -> None:
    clock = MockClock()
    budget = RequestBudget(Budget(rate_per_second=10.0, daily_calls=100, burst=10), clock, daily_burst=100)
    made: list[float] = []
    for _ in range(3 * 24 * 60):  # three days, trying each minute, greedily
        while budget.can_spend():
            budget.spend()
            made.append(clock.monotonic())
        clock.advance(60.0)
    # In every 24-hour window, at most 100 calls; and polling never stopped (calls on each day).
    j = 0
    for i, t in enumerate(made):
        while made[j] <= t - 86_400:
            j += 1
        assert i - j + 1 <= 100
    days = {int(t // 86_400) for t in made}
    assert days == {0, 1, 2}


def test_retries_are_charged_as_debt() -> None:
    clock = MockClock()
    budget = RequestBudget(Budget(rate_per_second=1.0, daily_calls=10_000, burst=2), clock)
    budget.spend(5)  # one call that botocore retried four times
    assert budget.calls_last_hour == 5
    assert budget.wait_time() == pytest.approx(4.0)


async def test_acquire_sleeps_on_the_injected_clock() -> None:
    clock = MockClock()
    budget = RequestBudget(Budget(rate_per_second=1.0, daily_calls=10_000, burst=1), clock)
    await budget.acquire()
    task = asyncio.create_task(budget.acquire())
    while clock.sleepers == 0:
        await asyncio.sleep(0)
    assert not task.done()
    clock.advance(1.0)
    await asyncio.wait_for(task, 1)
    assert budget.calls_last_hour == 2

"""The request budget: the rate, and the daily allowance over a rolling 24 hours, recorded in memory or in
the journal (shared by every process of that journal), on a MockClock."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tui.core.clock import MockClock
from tui.core.settings import Budget
from tui.engine.budget import BudgetSpent, RequestBudget
from tui.engine.call_ledger import DAY, MemoryCallLedger
from tui.engine.journal import Journal

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["memory", "journal"])
def ledger_kind(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    """A factory of budgets over one ledger of each kind."""
    journal = Journal(tmp_path / "j.sqlite3") if request.param == "journal" else None
    memory = MemoryCallLedger()

    def make(budget: Budget, clock: MockClock) -> RequestBudget:
        return RequestBudget(budget, clock, ledger=journal.call_ledger() if journal else memory)

    yield make
    if journal is not None:
        journal.close()


def test_rate_limit_allows_burst_then_one_per_second() -> None:
    clock = MockClock()
    budget = RequestBudget(Budget(rate_per_second=1.0, daily_calls=100_000, burst=3), clock)
    for _ in range(3):
        assert budget.try_spend()
    assert not budget.try_spend()
    assert budget.wait_time() == pytest.approx(1.0)
    clock.advance(1.0)
    assert budget.try_spend()


def test_the_allowance_is_a_rolling_day_not_a_drip(ledger_kind) -> None:
    clock = MockClock()
    budget = ledger_kind(Budget(rate_per_second=10.0, daily_calls=500, burst=10), clock)
    spent = 0
    for _ in range(600):  # ten minutes of trying 10 calls a second: the whole allowance is there at once
        for _ in range(10):
            spent += budget.try_spend()
        clock.advance(1.0)
    assert spent == 500 and budget.calls_left_today == 0 and budget.calls_last_hour == 500
    resumes = budget.resumes_at()
    assert resumes is not None
    # The first minute's calls leave the window a day after that minute ends.
    assert resumes == clock.now() - timedelta(seconds=600) + timedelta(seconds=DAY + 60)
    error = budget.spent_error()
    assert "500 calls in the last 24 h of 500" in str(error) and "calls return from" in str(error)


def test_never_more_than_the_limit_in_any_24_hours_over_days(ledger_kind) -> None:
    clock = MockClock()
    budget = ledger_kind(Budget(rate_per_second=10.0, daily_calls=100, burst=10), clock)
    made: list[float] = []
    for _ in range(3 * 24 * 60):  # three days, trying each minute (at odd seconds), greedily
        clock.advance(59.7)
        while budget.try_spend():
            made.append(clock.monotonic())
    j = 0
    for i, t in enumerate(made):
        while made[j] <= t - DAY:
            j += 1
        assert i - j + 1 <= 100
    assert {int(t // DAY) for t in made} == {0, 1, 2}  # and it never went blind for good


def test_a_reservation_gives_back_what_botocore_did_not_send(ledger_kind) -> None:
    clock = MockClock()
    budget = ledger_kind(Budget(rate_per_second=10.0, daily_calls=10, burst=10), clock)

    async def spend(reserve: int, used: int) -> None:
        budget.settle(await budget.acquire(reserve, wait_for_allowance=False), used)

    asyncio.run(spend(3, 1))
    assert budget.calls_last_day == 1
    asyncio.run(spend(3, 3))  # two retries: all of it
    assert budget.calls_last_day == 4
    clock.advance(61)  # given back in the slot it was taken from, whatever the time now
    reservation = asyncio.run(budget.acquire(3, wait_for_allowance=False))
    clock.advance(120)
    budget.settle(reservation, 1)
    assert budget.calls_last_day == 5
    for _ in range(2):
        asyncio.run(spend(3, 1))
    assert budget.calls_left_today == 3
    asyncio.run(spend(3, 1))
    # 2 left: a request that botocore may retry twice does not fit any more.
    with pytest.raises(BudgetSpent):
        asyncio.run(spend(3, 1))
    assert budget.calls_last_day == 8


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


async def test_acquire_waits_for_calls_to_return_when_asked_to() -> None:
    clock = MockClock()
    budget = RequestBudget(Budget(rate_per_second=10.0, daily_calls=2, burst=10), clock)
    await budget.acquire()
    await budget.acquire()
    with pytest.raises(BudgetSpent):
        await budget.acquire(wait_for_allowance=False)
    task = asyncio.create_task(budget.acquire())
    while clock.sleepers == 0:
        await asyncio.sleep(0)
    clock.advance(DAY - 1)
    await asyncio.sleep(0)
    assert not task.done()
    clock.advance(61)
    await asyncio.wait_for(task, 1)


def test_budgets_of_one_journal_spend_one_allowance(tmp_path: Path) -> None:
    clock = MockClock()
    path = tmp_path / "shared.sqlite3"
    first, second = Journal(path), Journal(path)
    limits = Budget(rate_per_second=100.0, daily_calls=50, burst=100)
    a = RequestBudget(limits, clock, ledger=first.call_ledger())
    b = RequestBudget(limits, clock, ledger=second.call_ledger())
    for _ in range(30):
        assert a.try_spend()
    assert b.calls_left_today == 20 and b.calls_last_hour == 30
    assert sum(b.try_spend() for _ in range(40)) == 20
    assert not a.try_spend()
    first.close()
    # A restart (a new process, a new leader) starts from what was spent, not from a fresh day.
    again = Journal(path)
    assert RequestBudget(limits, clock, ledger=again.call_ledger()).calls_left_today == 0
    again.close()
    second.close()


SPENDER = """
import os, sys, time
from tui.core.clock import SystemClock
from tui.core.settings import Budget
from tui.engine.budget import RequestBudget
from tui.engine.journal import Journal
journal = Journal(sys.argv[1])
budget = RequestBudget(Budget(rate_per_second=1e6, daily_calls=int(sys.argv[2]), burst=1_000_000),
                       SystemClock(), ledger=journal.call_ledger())
print("ready", flush=True)
while not os.path.exists(sys.argv[1] + ".go"):  # all start together
    time.sleep(0.005)
spent = 0
while budget.try_spend():
    spent += 1
    time.sleep(0.001)  # (a call's worth of pause: the others get their turns)
print(spent, flush=True)
"""


def test_processes_never_both_spend_the_last_calls(tmp_path: Path) -> None:
    path = tmp_path / "race.sqlite3"
    Journal(path).close()
    spenders = [
        subprocess.Popen(
            [sys.executable, "-c", SPENDER, str(path), "600"], stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        for _ in range(4)
    ]
    for p in spenders:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    Path(f"{path}.go").touch()
    spent = [int(p.communicate(timeout=60)[0]) for p in spenders]
    assert sum(spent) == 600  # each call recorded once, and none beyond the allowance
    assert sum(1 for s in spent if s) >= 2  # (they did race for them)
    journal = Journal(path)
    assert journal.call_ledger().used(time.time()) == 600
    journal.close()

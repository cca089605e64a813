"""The poller against the local endpoint, through boto3, under every fault the endpoint can inject:
it keeps its data, says it is stale (or backing off) and why, and recovers when the fault clears."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator

import pytest

from schemas import TaskKind
from tui.aws.client import make_client
from tui.core.clock import MockClock
from tui.core.settings import Budget, Settings
from tui.engine.budget import RequestBudget
from tui.engine.poller import Poller, PollPlan
from tui.engine.store import Store
from tui.simulator import Faults, Simulator, serve

GENEROUS = Budget(rate_per_second=100.0, daily_calls=1_000_000, burst=1000)

# fault -> (extra Faults options, what a poll does under it)
FAILING = {
    "throttle": ({}, "backoff"),
    "internal_error": ({}, "stale"),
    "connection_reset": ({}, "stale"),
    "hang": ({"hang_seconds": 1.5}, "stale"),
    "truncated_body": ({}, "stale"),
    "non_json_body": ({}, "stale"),
}
SURVIVABLE = ["slow", "unknown_enum", "unknown_field", "missing_optional", "huge_message", "hostile_text"]


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Simulator, MockClock, object]]:
    clock = MockClock()
    sim = Simulator(seed=3, history=150, clock=clock, enforce_quotas=False)
    with serve(sim) as endpoint:
        client = make_client(
            Settings(endpoint_url=endpoint.url, demo=True),
            max_attempts=1,
            read_timeout=0.5,
            connect_timeout=0.5,
        )
        yield sim, clock, client


def fresh_poller(world) -> Poller:
    sim, clock, client = world
    sim.faults = Faults()
    settings = Settings(
        max_rate=GENEROUS.rate_per_second, daily_calls=GENEROUS.daily_calls, burst=GENEROUS.burst
    )
    store = Store(clock=clock)
    poller = Poller(
        client,
        store,
        settings,
        clock,
        rng=random.Random(5),
        budget=RequestBudget(GENEROUS, clock),
        plan=PollPlan(),
    )
    poller.watching()
    return poller


def run(coro):
    return asyncio.run(coro)


def poll_now(poller: Poller) -> bool | None:
    """Every source due (as `r` does), then one tick."""
    poller.refresh_now()
    return run(poller.poll_once())


@pytest.mark.parametrize("fault", sorted(FAILING))
def test_failing_fault_keeps_data_marks_stale_and_recovers(world, fault: str) -> None:
    sim, clock, _ = world
    poller = fresh_poller(world)
    assert run(poller.poll_once())
    known = len(poller.store)
    assert known >= 150
    clock.advance(61)
    task_id = sim.add_task(kind=TaskKind.ENGAGEMENT_FROM_OPPORTUNITY, duration=10.0, outcome="FAILED")
    assert poll_now(poller)  # sees the new task running
    assert poller.store.task(task_id).task_status == "IN_PROGRESS"

    options, state = FAILING[fault]
    sim.faults = Faults(**{fault: 1.0, **options})
    clock.advance(15)  # the task ends meanwhile
    assert poll_now(poller) is False
    status = poller.status
    assert status.state == state
    assert status.stale_since == clock.now() and status.last_error
    assert "\n" not in status.last_error
    assert len(poller.store) == known + 1  # nothing lost
    assert poller.next_delay() > 0

    sim.faults = Faults()
    clock.advance(5)
    if fault == "throttle":  # the endpoint refuses a burst of requests in a row, then lets them through
        for _ in range(5):
            if poll_now(poller):
                break
    else:
        assert poll_now(poller)
    assert poller.status.state == "live" and poller.status.stale_since is None
    assert poller.store.task(task_id).task_status == "FAILED"
    [*_, last] = poller.store.transitions_of(task_id)
    assert (last.from_status, last.to_status) == ("IN_PROGRESS", "FAILED")


@pytest.mark.parametrize("fault", SURVIVABLE)
def test_data_faults_decode_and_never_erase_what_is_known(world, fault: str) -> None:
    sim, clock, _ = world
    poller = fresh_poller(world)
    assert run(poller.poll_once())
    before = {t.task_id: t for t in poller.store.tasks()}
    sim.faults = Faults(**{fault: 1.0, "slow_seconds": 0.1})
    clock.advance(61)
    task_id = sim.add_task(duration=5.0, outcome="COMPLETE")
    assert poll_now(poller), poller.status.last_error
    assert poller.status.state == "live"
    record = poller.store.task(task_id)
    assert record is not None
    for task_id_before, old in before.items():
        new = poller.store.task(task_id_before)
        assert new is not None
        # A field once known is never dropped by a response that leaves it out.
        for name in ("task_arn", "start_time", "opportunity_id", "engagement_id"):
            if getattr(old, name) is not None:
                assert getattr(new, name) is not None
    sim.faults = Faults()
    clock.advance(61)
    assert poll_now(poller)
    assert poller.store.task(task_id).task_status == "COMPLETE"

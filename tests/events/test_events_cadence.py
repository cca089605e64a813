"""The poller's cadence with a live events queue, on a MockClock with a fake client: the idle sweep stays
within 12 Partner Central calls an hour (even watched), and a failing queue brings the normal cadence back
at once."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence

from schemas.events import QueueMessage
from tests.support.engine import KINDS, T0, FakeClient, task
from tui.aws.failures import ApiFailure
from tui.core.clock import MockClock
from tui.core.settings import Budget, Settings
from tui.engine.budget import RequestBudget
from tui.engine.event_consumer import EventConsumer
from tui.engine.poller import Poller, PollPlan
from tui.engine.store import Store


class ClockQueue:
    """An empty queue whose receive is a 20 s long poll on the mock clock (or fails while `down`)."""

    def __init__(self, clock: MockClock) -> None:
        self.clock = clock
        self.calls = 0
        self.down = False

    def receive(self) -> list[QueueMessage]:  # (the consumer below never calls it in a thread)
        raise AssertionError

    def delete(self, messages: Sequence[QueueMessage]) -> list[str]:
        return []


class ClockConsumer(EventConsumer):
    async def _receive(self) -> list[QueueMessage]:
        queue = self.source
        assert isinstance(queue, ClockQueue)
        queue.calls += 1
        if queue.down:
            raise ApiFailure("events queue q does not exist (deleted?)")
        await self.clock.sleep(20)
        return []


async def drive(clock: MockClock, seconds: float, step: float = 1.0) -> None:
    end = clock.monotonic() + seconds
    while clock.monotonic() < end:
        for _ in range(20):
            await asyncio.sleep(0)
        clock.advance(step)


async def test_idle_with_events_costs_at_most_12_calls_an_hour_and_a_failing_queue_restores_polling() -> None:
    clock = MockClock(T0)
    client = FakeClient([task(n, kind=k, status="COMPLETE") for n, k in enumerate(KINDS * 20)])
    store = Store(clock=clock)
    settings = Settings()
    poller = Poller(
        client,
        store,
        settings,
        clock,
        rng=random.Random(2),
        budget=RequestBudget(Budget(), clock),
        plan=PollPlan(),
    )
    queue = ClockQueue(clock)
    poller.wakeups.consumer = ClockConsumer(
        queue, store, "Sandbox", clock, poller.wake_for, on_health=poller.wakeups.on_health
    )
    poller.watching()  # (watched: the faster of the two normal cadences)
    runner = asyncio.create_task(poller.run())
    try:
        await drive(clock, 3600)  # the history, then settling into the sweep
        assert poller.status.events == "live"
        before = len(client.calls)
        await drive(clock, 3600)
        assert len(client.calls) - before <= 12
        assert poller.plan_input().events_live
        queue.down = True
        await drive(clock, 30)
        assert poller.status.events == "down"
        assert not poller.plan_input().events_live  # the normal cadence again
        before = len(client.calls)
        await drive(clock, 600)
        assert len(client.calls) - before >= 9  # a look for new tasks of each kind every 3 minutes
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)

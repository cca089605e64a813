"""The events rig: the local endpoint on a MockClock (over HTTP), its events published to a moto SQS
queue, and the poller with that queue, journaling to SQLite. The tests step it by hand."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.engine import T0
from tui.aws.client import make_client
from tui.aws.event_queue import EventQueue, make_event_queue
from tui.core.clock import MockClock
from tui.core.settings import Budget, Settings
from tui.engine.event_consumer import EventConsumer
from tui.engine.journal import Journal
from tui.engine.poller import Poller, PollPlan
from tui.engine.store import Store
from tui.simulator import Simulator, serve
from tui.simulator.events import EventPublisher, sqs_sender

#: Plenty: these tests are about what is polled, not about pacing.
BUDGET = Budget(rate_per_second=1000.0, daily_calls=1_000_000, burst=1000)


@dataclass
class Rig:
    clock: MockClock
    sim: Simulator
    settings: Settings
    store: Store
    poller: Poller
    queue: EventQueue
    publisher: EventPublisher
    sqs: Any

    @property
    def consumer(self) -> EventConsumer:
        assert self.poller.events is not None
        return self.poller.events

    async def deliver(self) -> bool:
        """One receive of the consumer and the poll it wakes up (if any). False if the queue failed."""
        receiving = asyncio.ensure_future(self.consumer.receive_once())
        for _ in range(1000):
            if receiving.done() or self.poller.waiting_wakeups:
                break
            await asyncio.sleep(0.005)
        if self.poller.waiting_wakeups:
            assert await self.poller.poll_once()
        return await receiving

    async def poll_after_delay(self) -> float:
        """Let the poller's own next delay pass, then tick; returns the delay."""
        delay = self.poller.next_delay()
        self.clock.advance(delay)
        await self.poller.poll_once()
        return delay

    def truth(self) -> dict[str, str]:
        return {t.task_id: str(t.task_status) for t in self.sim.tasks("Sandbox")}  # type: ignore[misc]

    def seen(self) -> dict[str, str]:
        return {t.task_id: str(t.task_status) for t in self.store.tasks()}  # type: ignore[misc]

    def journal_statuses(self) -> dict[str, str]:
        journal = self.store.journal
        assert journal is not None
        return {row.record.task_id: str(row.record.task_status) for row in journal.load().tasks}  # type: ignore[misc]

    def depth(self) -> int:
        attrs = self.sqs.get_queue_attributes(
            QueueUrl=self.queue.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


@contextmanager
def events_rig(queue_url: str, sqs: Any, tmp_path: Path, *, history: int = 30) -> Iterator[Rig]:
    clock = MockClock(T0)
    sim = Simulator(seed=5, history=history, clock=clock, enforce_quotas=False)
    with serve(sim, port=0) as endpoint:
        settings = Settings(
            endpoint_url=endpoint.url,
            max_rate=BUDGET.rate_per_second,
            daily_calls=BUDGET.daily_calls,
            burst=BUDGET.burst,
            journal_path=tmp_path / "journal.sqlite3",
        )
        client = make_client(settings, max_attempts=1)  # a throttled poll fails at once
        store = Store(journal=Journal(settings.journal_path or ""), clock=clock)
        store.load()
        queue = make_event_queue(settings, queue_url, wait_seconds=0)
        poller = Poller(client, store, settings, clock, rng=random.Random(1), plan=PollPlan(), events=queue)
        send, publisher_sqs = sqs_sender(queue_url)
        publisher = EventPublisher(sim, send)
        try:
            yield Rig(clock, sim, settings, store, poller, queue, publisher, sqs)
        finally:
            client.close()
            queue.close()
            publisher_sqs.close()
            if store.journal is not None:
                store.journal.close()

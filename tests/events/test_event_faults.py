"""Events through a real SQS protocol (moto's server) into the poller, and every fault the issue names:
a lost event, a delayed one, duplicates, a malformed body, the queue deleted, SQS throttling, a failed
poll. The truth is the endpoint's own record of its tasks; the journal must agree with it."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from schemas import TaskKind, TaskStatus
from tests.events.rig import Rig, events_rig
from tests.support.engine import T0
from tui.aws.failures import ApiFailure
from tui.engine.event_consumer import EventConsumer, SeenEvents
from tui.simulator import Faults


@pytest.fixture
def rig(queue_url: str, sqs: Any, tmp_path: Path) -> Any:
    with events_rig(queue_url, sqs, tmp_path) as r:
        yield r


async def start(rig: Rig) -> None:
    """History in, the queue answering (events live)."""
    assert await rig.poller.poll_once()
    assert await rig.deliver()
    assert rig.poller.status.events == "live"


async def look(rig: Rig) -> None:
    """A tick that sees the tasks just started (as when pcwatch started them itself, or `r`)."""
    rig.poller.refresh_now()
    assert await rig.poller.poll_once()


def kind_calls(rig: Rig) -> int:
    return rig.sim.stats.total


async def test_an_event_wakes_the_poll_that_sees_the_end_then_is_deleted(rig: Rig) -> None:
    await start(rig)
    task_id = rig.sim.add_task(kind=TaskKind.ACCEPT_INVITATION, duration=30)
    await look(rig)
    assert await rig.poller.poll_once() is None  # nothing due: its kind's page not for a minute
    assert rig.seen()[task_id] == TaskStatus.IN_PROGRESS
    rig.clock.advance(31)
    assert rig.publisher.publish_due() >= 2  # invitation accepted, opportunity created, snapshot
    before = dict(rig.sim.stats.calls)
    assert await rig.deliver()
    assert rig.seen()[task_id] == TaskStatus.COMPLETE
    assert rig.journal_statuses()[task_id] == TaskStatus.COMPLETE  # journaled before the delete
    assert rig.depth() == 0
    assert rig.consumer.counts["events"] == len(rig.publisher.sent)
    # One tick, two calls: the task the accepted invitation names, by id (its other events, Opportunity
    # Created and Resource Snapshot Created, list nothing more), and the snapshot job the event named.
    made = {k: v - before.get(k, 0) for k, v in rig.sim.stats.calls.items() if v - before.get(k, 0)}
    assert made.pop("ListEngagementByAcceptingInvitationTasks") == 1
    assert made.pop("GetResourceSnapshotJob") == 1  # asked for by the event and by the end: once
    assert set(made) <= {"GetResourceSnapshotJob"}, made
    assert rig.seen() == rig.truth()


async def test_duplicates_are_acted_on_once_even_after_a_restart(rig: Rig, sqs: Any) -> None:
    await start(rig)
    rig.sim.add_task(duration=10)
    await look(rig)
    rig.clock.advance(11)
    rig.publisher.publish_due()
    assert await rig.deliver()
    bodies = [e for e in rig.publisher.sent]
    rig.publisher._publish(bodies)  # EventBridge delivered them all again
    before = kind_calls(rig)
    assert await rig.deliver()
    assert rig.consumer.counts["duplicates"] == len(bodies)
    assert kind_calls(rig) == before  # no poll for a duplicate
    assert rig.depth() == 0
    # The ids are in the journal: a new consumer (a restart) knows them.
    assert all(e["id"] in SeenEvents(rig.store) for e in bodies)


async def test_events_status_shows_the_last_event_received(rig: Rig, moto_url: str, capsys: Any) -> None:
    from tui.__main__ import main

    await start(rig)
    rig.sim.add_task(duration=10)
    await look(rig)
    rig.clock.advance(11)
    rig.publisher.publish_due()
    assert await rig.deliver()
    args = ["--events-queue", rig.queue.url, "--journal", str(rig.settings.journal_path)]
    main([*args, "events", "status", "--aws-endpoint-url", moto_url])  # (no rule sends to this test queue)
    out = capsys.readouterr().out
    received = rig.consumer.health.last_event_at
    assert received is not None and received == T0 + timedelta(seconds=11)
    assert f"last event  {received.isoformat()}" in out, out


async def test_malformed_messages_are_logged_once_and_deleted(rig: Rig, caplog: Any) -> None:
    await start(rig)
    for body in ("not json", '{"id": "x"}', '{"detail-type": 1}'):
        rig.sqs.send_message(QueueUrl=rig.queue.url, MessageBody=body)
    before = kind_calls(rig)
    with caplog.at_level(logging.WARNING, logger="tui.engine.event_consumer"):
        assert await rig.deliver()
        assert await rig.deliver()
    assert rig.consumer.counts["malformed"] == 3
    assert len([r for r in caplog.records if "malformed" in r.getMessage()]) == 3
    assert rig.depth() == 0
    assert kind_calls(rig) == before


async def test_a_lost_event_is_caught_by_the_safety_net(rig: Rig) -> None:
    await start(rig)
    rig.publisher.hold = lambda event: True  # EventBridge is best effort: nothing arrives
    known = rig.sim.add_task(duration=20)
    await look(rig)
    rig.clock.advance(21)
    rig.publisher.publish_due()
    assert rig.poller.next_delay() == rig.poller.plan.events_busy_interval - 21  # a minute after the look
    await rig.poll_after_delay()
    assert rig.seen()[known] == TaskStatus.COMPLETE
    # A task started by another tool and ended between two looks, its events lost too: the idle sweep.
    elsewhere = rig.sim.add_task(kind=TaskKind.OPPORTUNITY_FROM_ENGAGEMENT, duration=5)
    rig.clock.advance(6)
    rig.publisher.publish_due()
    waited = 0.0
    while elsewhere not in rig.seen():
        waited += await rig.poll_after_delay()
        assert waited <= rig.poller.plan.events_scan_interval
    assert rig.seen() == rig.truth() == rig.journal_statuses()


async def test_a_delayed_event_changes_nothing_already_seen(rig: Rig) -> None:
    await start(rig)
    rig.publisher.hold = lambda event: True
    task_id = rig.sim.add_task(duration=20, outcome=TaskStatus.COMPLETE)
    await look(rig)
    rig.clock.advance(21)
    rig.publisher.publish_due()
    await rig.poll_after_delay()  # the busy tick sees the end
    rig.clock.advance(600)  # the events arrive ten minutes late
    assert rig.publisher.release() >= 2
    assert await rig.deliver()
    ends = [t for t in rig.store.transitions_of(task_id) if t.to_status in TaskStatus.TERMINAL]
    assert len(ends) == 1
    assert rig.depth() == 0
    assert rig.seen() == rig.truth() == rig.journal_statuses()


async def test_a_failed_poll_leaves_the_events_in_the_queue_until_it_succeeds(rig: Rig, sqs: Any) -> None:
    sqs.set_queue_attributes(QueueUrl=rig.queue.url, Attributes={"VisibilityTimeout": "1"})
    await start(rig)
    task_id = rig.sim.add_task(duration=10)
    await look(rig)
    rig.clock.advance(11)
    sent = rig.publisher.publish_due()
    rig.sim.faults = Faults(throttle=1.0, throttle_burst=1)
    receiving = rig.consumer.receive_once()
    import asyncio

    task = asyncio.ensure_future(receiving)
    while not rig.poller.waiting_wakeups:
        await asyncio.sleep(0.005)
    assert not await rig.poller.poll_once()  # throttled: the effect is not journaled
    assert await task
    assert rig.consumer.counts["retried"] == sent
    # Not deleted. (moto counts a message whose 1 s of invisibility ends between its two counts in
    # neither, so under load the sum can dip for a moment: it is read again until it settles.)
    deadline = time.monotonic() + 5
    while rig.depth() != sent and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert rig.depth() == sent
    rig.sim.faults = Faults()
    rig.clock.advance(rig.poller.next_delay())  # the throttling's backoff (it holds every source)
    await asyncio.sleep(1.2)  # the visibility timeout: SQS delivers them again
    assert await rig.deliver()
    assert rig.seen()[task_id] == TaskStatus.COMPLETE == rig.journal_statuses()[task_id]
    assert rig.depth() == 0


async def test_the_queue_deleted_resumes_normal_polling_and_says_so(rig: Rig, sqs: Any) -> None:
    rig.poller.watching()  # someone watches: the normal cadence of a running kind is 6 s
    await start(rig)
    rig.sim.add_task(duration=3600)
    await look(rig)
    assert rig.poller.next_delay() == rig.poller.plan.events_busy_interval
    sqs.delete_queue(QueueUrl=rig.queue.url)
    assert not await rig.deliver()
    status = rig.poller.status
    assert status.events == "down"
    assert status.events_error is not None and "does not exist" in status.events_error
    assert rig.poller.next_delay() == rig.poller.plan.watched_interval  # the normal cadence again
    # A task ending now is still seen at the normal cadence.
    task_id = rig.sim.add_task(duration=4)
    await look(rig)
    rig.clock.advance(5)
    await rig.poll_after_delay()
    assert rig.seen()[task_id] == TaskStatus.COMPLETE


class ThrottledOnce:
    """An SQS that throttles the first receive (moto does not throttle), then serves the real queue."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.failures = 1

    @property
    def calls(self) -> int:
        return int(self.inner.calls)

    def receive(self) -> Any:
        if self.failures:
            self.failures -= 1
            raise ApiFailure("events queue q: SQS throttled (RequestThrottled)", throttled=True)
        return self.inner.receive()

    def delete(self, messages: Any) -> Any:
        return self.inner.delete(messages)


async def test_sqs_throttling_falls_back_to_polling_then_recovers(rig: Rig) -> None:
    assert await rig.poller.poll_once()
    assert rig.poller.events is not None
    healths: list[str] = []
    consumer = EventConsumer(
        ThrottledOnce(rig.queue),
        rig.store,
        "Sandbox",
        rig.clock,
        rig.poller.wake_for,
        on_health=lambda h: healths.append(h.state),
    )
    rig.poller.wakeups.consumer = consumer
    assert not await consumer.receive_once()
    assert not rig.poller.events_live
    task_id = rig.sim.add_task(duration=10)
    await look(rig)
    rig.clock.advance(11)
    rig.publisher.publish_due()
    assert await rig.deliver()  # the queue answers again: its events are acted on
    assert healths == ["down", "live", "live"]
    assert rig.seen()[task_id] == TaskStatus.COMPLETE
    assert rig.depth() == 0

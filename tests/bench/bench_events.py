"""Detection latency and calls with events (EventBridge -> SQS wake-ups) and without (polling alone),
side by side, on the local endpoint with the default budget (1/s, 10,000/day).

The simulator serves Partner Central over HTTP (its quotas on) and the poller talks to it through boto3,
as in bench_detection.py; time is a MockClock shared by both, so an hour takes seconds. About 20 tasks run
at once (topped up every 10 s; each 30–900 s, half COMPLETE, half FAILED); then nothing runs. Someone
watches throughout (a dashboard is open: the poll plan's faster cadences, the costlier case). With events,
the simulator's publisher sends the events of each COMPLETE end (a FAILED task publishes nothing) to a
queue that models SQS on the mock clock: EventBridge's delivery takes `--delivery` seconds, a receive is
a long poll (it returns at once when a message is there, else after 20 s, one SQS call either way), a
delete batch is one call. The queue's protocol is tested against moto in tests/events; here it is the
policy that is measured.

Latency: from a task's planned end to the poll that saw it (resolution 0.25 s), for the ends that publish
an event (COMPLETE) and for those that do not (FAILED).

    .venv/bin/python tests/bench/bench_events.py [--hours 1] [--history 2000] [--active 20]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sys
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from schemas import TASK_KINDS, TaskStatus
from schemas.events import QueueMessage
from tests.support.counting_client import CountingClient
from tui.aws.client import make_client
from tui.core.clock import MockClock, sleep_or_wake
from tui.core.settings import Budget, Settings
from tui.engine.budget import RequestBudget
from tui.engine.event_consumer import EventConsumer
from tui.engine.poller import Poller, PollPlan
from tui.engine.store import Store, StoreChange
from tui.simulator import Simulator, serve
from tui.simulator.events import EventPublisher

STEP = 0.25
IDLE_HOURS = 2  # measured after two hours of settling; the idle figures are per hour
LONG_POLL = 20.0


class ClockQueue:
    """SQS on the mock clock: messages become visible `delivery` s after they are sent; `receive` waits
    up to 20 s for one. Counts the calls as SQS would bill them."""

    def __init__(self, clock: MockClock, delivery: float) -> None:
        self.clock = clock
        self.delivery = delivery
        self._pending: deque[tuple[float, QueueMessage]] = deque()
        self._n = 0
        self.calls = 0
        self._arrived = asyncio.Event()

    def send(self, bodies: Sequence[str]) -> None:
        for body in bodies:
            self._n += 1
            msg = QueueMessage(message_id=str(self._n), receipt_handle=str(self._n), body=body)
            self._pending.append((self.clock.monotonic() + self.delivery, msg))

    def _visible(self) -> list[QueueMessage]:
        now = self.clock.monotonic()
        out = []
        while self._pending and self._pending[0][0] <= now and len(out) < 10:
            out.append(self._pending.popleft()[1])
        return out

    async def areceive(self) -> list[QueueMessage]:
        self.calls += 1
        end = self.clock.monotonic() + LONG_POLL
        while True:
            got = self._visible()
            if got or self.clock.monotonic() >= end:
                return got
            await sleep_or_wake(self.clock, min(STEP, end - self.clock.monotonic()), self._arrived)

    async def adelete(self, messages: Sequence[QueueMessage]) -> list[str]:
        self.calls += math.ceil(len(messages) / 10)
        return []


class BenchConsumer(EventConsumer):
    queue: ClockQueue

    async def _receive(self) -> list[QueueMessage]:
        return await self.queue.areceive()

    async def _delete(self, messages: Sequence[QueueMessage]) -> list[str]:
        return await self.queue.adelete(messages)


async def advance(
    clock: MockClock, client: CountingClient, seconds: float, on_step: Callable[[], None]
) -> None:
    end = clock.monotonic() + seconds
    while clock.monotonic() < end:
        for _ in range(5):
            await asyncio.sleep(0)
        while client.in_flight:
            await asyncio.sleep(0.0005)
            for _ in range(3):
                await asyncio.sleep(0)
        clock.advance(STEP)
        on_step()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, math.ceil(q * len(values)) - 1)]


async def scenario(
    events: bool, hours: float, history: int, active: int, delivery: float, seed: int = 16
) -> dict:
    clock = MockClock()
    sim = Simulator(seed=seed, history=history, clock=clock)
    rng = random.Random(seed)
    budget = Budget()
    with serve(sim) as endpoint:
        client = CountingClient(make_client(Settings(endpoint_url=endpoint.url, demo=True), read_timeout=10))
        store = Store(clock=clock)
        settings = Settings(budget=budget)
        poller = Poller(
            client,
            store,
            settings,
            clock,
            rng=random.Random(seed),
            budget=RequestBudget(budget, clock),
            plan=PollPlan.from_settings(settings),
        )
        poller.watching()
        queue = ClockQueue(clock, delivery)
        publisher = None
        if events:
            consumer = BenchConsumer(
                queue,
                store,
                settings.catalog,
                clock,
                poller.wake_for,  # type: ignore[arg-type]
                on_health=poller.wakeups.on_health,
            )
            consumer.queue = queue
            poller.wakeups.consumer = consumer
            publisher = EventPublisher(sim, queue.send)
        planned: dict[str, tuple[float, str]] = {}
        detected: dict[str, float] = {}

        def on_change(change: StoreChange) -> None:
            for t in change.transitions:
                if t.to_status in TaskStatus.TERMINAL and t.task_id in planned and t.task_id not in detected:
                    detected[t.task_id] = t.observed_at.timestamp()

        store.subscribe(on_change)
        keep = [active]
        steps = [0]

        def on_step() -> None:
            steps[0] += 1
            if publisher is not None:
                publisher.publish_due()
            if steps[0] % 40:
                return
            now = clock.now().timestamp()
            running = sum(1 for end, _ in planned.values() if end > now)
            for _ in range(max(0, keep[0] - running)):
                duration = rng.uniform(30, 900)
                outcome = rng.choice([TaskStatus.COMPLETE, TaskStatus.FAILED])
                task_id = sim.add_task(kind=rng.choice(list(TASK_KINDS)), duration=duration, outcome=outcome)
                planned[task_id] = (now + duration, outcome)

        runner = asyncio.create_task(poller.run())
        await advance(clock, client, 1800, on_step)  # warm-up: history, pacing burst, first ends
        pc0, sqs0, t0, ops0 = sim.stats.total, queue.calls, clock.now().timestamp(), dict(sim.stats.calls)
        await advance(clock, client, 3600 * hours, on_step)
        pc_busy, sqs_busy, t1 = sim.stats.total - pc0, queue.calls - sqs0, clock.now().timestamp()
        busy_ops = {k: v - ops0.get(k, 0) for k, v in sim.stats.calls.items() if v - ops0.get(k, 0)}
        keep[0] = 0
        await advance(clock, client, 7200, on_step)  # everything ends; jobs stop being followed
        pc1, sqs1, ops1 = sim.stats.total, queue.calls, dict(sim.stats.calls)
        await advance(clock, client, 3600 * IDLE_HOURS, on_step)
        pc_idle, sqs_idle = (sim.stats.total - pc1) / IDLE_HOURS, (queue.calls - sqs1) / IDLE_HOURS
        idle_ops = {k: v - ops1.get(k, 0) for k, v in sim.stats.calls.items() if v - ops1.get(k, 0)}
        runner.cancel()
        client._inner.close()

    def latencies(outcome: str) -> list[float]:
        return [
            detected[i] - end
            for i, (end, o) in planned.items()
            if o == outcome and t0 <= end < t1 and i in detected
        ]

    ended = [i for i, (end, _) in planned.items() if end < t1 - 900]
    return {
        "complete": latencies(TaskStatus.COMPLETE),
        "failed": latencies(TaskStatus.FAILED),
        "missed": sum(1 for i in ended if i not in detected),
        "pc_busy": pc_busy / hours,
        "pc_idle": pc_idle,
        "sqs_busy": sqs_busy / hours,
        "sqs_idle": sqs_idle,
        "events": len(publisher.sent) if publisher else 0,
        "state": poller.status.events,
        "idle_ops": idle_ops,
        "busy_ops": busy_ops,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--history", type=int, default=2000)
    parser.add_argument("--active", type=int, default=20)
    parser.add_argument("--delivery", type=float, default=0.5, help="EventBridge -> SQS delivery, seconds")
    args = parser.parse_args()
    polling = asyncio.run(scenario(False, args.hours, args.history, args.active, args.delivery))
    events = asyncio.run(scenario(True, args.hours, args.history, args.active, args.delivery))
    print(
        f"~{args.active} tasks running (half COMPLETE, half FAILED), {args.hours:g} h busy after 30 min warm-up, "
        f"then 2 measured idle hours; watched; default budget; event delivery {args.delivery:g} s"
    )
    print()
    rows: list[tuple[str, Callable[[dict], str], str]] = [
        (
            "detection p50, ends with an event (COMPLETE), s",
            lambda r: f"{pct(r['complete'], 0.5):.1f}",
            "<= 2",
        ),
        ("detection p95, ends with an event (COMPLETE), s", lambda r: f"{pct(r['complete'], 0.95):.1f}", ""),
        ("detection p50, ends without one (FAILED), s", lambda r: f"{pct(r['failed'], 0.5):.1f}", ""),
        ("detection p95, ends without one (FAILED), s", lambda r: f"{pct(r['failed'], 0.95):.1f}", ""),
        ("ends measured (COMPLETE / FAILED)", lambda r: f"{len(r['complete'])} / {len(r['failed'])}", ""),
        ("ends missed", lambda r: str(r["missed"]), "0"),
        ("Partner Central calls/h, busy", lambda r: f"{r['pc_busy']:.0f}", ""),
        ("Partner Central calls/h, idle", lambda r: f"{r['pc_idle']:.1f}", "<= 12 with events"),
        ("SQS calls/h, busy", lambda r: f"{r['sqs_busy']:.0f}", ""),
        ("SQS calls/h, idle", lambda r: f"{r['sqs_idle']:.0f}", ""),
    ]
    print(f"{'':<50}{'polling only':>14}{'with events':>14}   target")
    print("-" * 96)
    for name, fmt, target in rows:
        print(f"{name:<50}{fmt(polling):>14}{fmt(events):>14}   {target}")
    print()
    print(f"events published: {events['events']}; events state at the end: {events['state']}")
    for name, r in (("polling only", polling), ("with events", events)):
        print(f"busy hours, {name}: {r['busy_ops']}")
        print(f"idle hours, {name}: {r['idle_ops']}")


if __name__ == "__main__":
    main()

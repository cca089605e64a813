"""A journal written the way the dashboard writes it, from the demo's endpoint: `demo_journal` starts the
demo world on a MockClock, polls it with the real poller into a real journal while tasks start and end,
and leaves the endpoint up (its clock stopped) so `pcwatch list --json` can read the same data."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from schemas import TASK_KINDS
from tests.support.dashboard import T0
from tui.aws.client import make_client
from tui.core.clock import MockClock
from tui.core.settings import Budget, Settings
from tui.engine.budget import RequestBudget
from tui.engine.journal import Journal
from tui.engine.poll_plan import PollPlan
from tui.engine.poller import Poller
from tui.engine.store import Store
from tui.simulator.demo import Demo, DemoWorld, start_demo

#: Plenty: the test measures statistics, not the budget.
BUDGET = Budget(rate_per_second=1000.0, daily_calls=1_000_000, burst=1000)


async def _poll(poller: Poller, clock: MockClock, minutes: float, step: float) -> None:
    for kind in TASK_KINDS:  # the history first, as a first run fetches it
        while not poller.history_complete(kind):
            assert await poller.poll_once(), poller.status.last_error
    for _ in range(int(minutes * 60 / step)):
        clock.advance(step)
        assert await poller.poll_once(), poller.status.last_error
    poller.refresh_now()  # a last look at everything, new tasks included
    assert await poller.poll_once(), poller.status.last_error


@contextmanager
def demo_journal(
    path: Path, *, history: int = 600, minutes: float = 10.0, step: float = 5.0, seed: int = 5
) -> Iterator[Demo]:
    """The demo world (`history` old tasks, 12 new a minute) polled every `step` seconds of its clock for
    `minutes` into the journal at `path`; yields the running demo (its clock then stands still)."""
    clock = MockClock(T0)
    demo = start_demo(Settings(), DemoWorld(seed=seed, history=history), clock=clock)
    demo.simulator.enforce_quotas = False  # its clock barely moves while the history is fetched
    try:
        settings = demo.settings
        client = make_client(settings)
        store = Store(Journal(path), clock=clock)
        never = 1e9
        plan = PollPlan(  # every kind every `step`, watched or not; the history as fast as it comes
            watched_interval=step,
            unwatched_interval=step,
            scan_interval=step,
            unwatched_scan_interval=step,
            backfill_interval=0.0,
            invitation_interval=never,
            unwatched_invitation_interval=never,
            invitation_sweep_interval=never,
            unwatched_invitation_sweep_interval=never,
        )
        budget = RequestBudget(BUDGET, clock)
        poller = Poller(client, store, settings, clock, rng=random.Random(seed), budget=budget, plan=plan)
        try:
            asyncio.run(_poll(poller, clock, minutes, step))
        finally:
            client.close()
            assert store.journal is not None
            store.journal.close()
        yield demo
    finally:
        demo.close()

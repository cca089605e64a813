"""A snapshot job someone asks for (the user selected its task: `Engine.want_job`) is fetched at once, not
at the job queue's turn (issue 25, item 6): the want wakes the sleeping poller, the plan makes it the first
call of that tick, and until it is fetched the status says what it waits for
(`PollerStatus.asked_jobs`: the call, the rate, a failure and its retry, a job the service does not have).
On a MockClock with the loop running; a fake client records the calls."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from pathlib import Path

from schemas import GetResourceSnapshotJobResponse, TaskKind
from tests.support.engine import T0, FakeClient, task
from tui.aws.failures import ServiceFailure
from tui.core.clock import MockClock
from tui.core.settings import Budget, Settings
from tui.engine.budget import RequestBudget
from tui.engine.poller import Poller, PollPlan
from tui.engine.sharing import TAIL_INTERVAL, make_engine
from tui.engine.store import Store
from tui.engine.types import AskedJob

JOB = "job-selected"


def make(budget: Budget) -> tuple[Poller, FakeClient, MockClock]:
    """A watched poller of a busy account: tasks running in two kinds, one finished task naming `JOB`."""
    client = FakeClient(
        [
            task(1, status="COMPLETE", resource_snapshot_job_id=JOB),
            task(2),
            task(3, kind=TaskKind.ENGAGEMENT_FROM_OPPORTUNITY),
        ]
    )
    client.jobs[JOB] = GetResourceSnapshotJobResponse(id=JOB, status="Running")
    clock = MockClock(T0)
    settings = Settings(max_rate=budget.rate_per_second, daily_calls=budget.daily_calls, burst=budget.burst)
    poller = Poller(
        client, Store(clock=clock), settings, clock, rng=random.Random(1), budget=RequestBudget(budget, clock)
    )
    poller.plan = PollPlan()
    poller.watching()
    return poller, client, clock


async def settle() -> None:
    """Let the loop run without moving the clock."""
    for _ in range(50):
        await asyncio.sleep(0)


async def until_asleep(poller: Poller, clock: MockClock) -> None:
    """Run the loop (moving the clock) until its first listings and history are done and it sleeps."""
    for _ in range(200):
        await settle()
        between_ticks = clock.sleepers and poller.next_delay() > 0  # (not a rate wait within a tick)
        if poller.history_complete(TaskKind.ACCEPT_INVITATION) and between_ticks:
            return
        clock.advance(0.5)
    raise AssertionError("the poller never went to sleep")


async def test_a_wanted_job_wakes_the_poller_and_is_the_first_call_of_its_tick() -> None:
    poller, client, clock = make(Budget(rate_per_second=1.0, daily_calls=100_000, burst=50))
    runner = asyncio.create_task(poller.run())
    try:
        await until_asleep(poller, clock)
        delay = poller.next_delay()
        assert delay > 1.0  # asleep for a while: nothing due
        # The routine polls fall due at the same moment the user selects the task: the job goes first.
        clock.advance(delay)
        poller.want_job(JOB)
        assert poller.status.asked_jobs == (AskedJob(JOB),)  # said at once: its call goes next
        client.calls.clear()
        await settle()
        ops = [c.op for c in client.calls]
        assert ops[0] == "get_resource_snapshot_job" and client.calls[0].job_id == JOB
        assert len(ops) > 1  # (the routine ones came after it)
        assert poller.store.job(JOB) is not None and poller.status.asked_jobs == ()

        # Asleep again: a want alone wakes it, with no time passing.
        await until_asleep(poller, clock)
        client.calls.clear()
        started = clock.monotonic()
        poller.want_job("job-other")
        client.jobs["job-other"] = GetResourceSnapshotJobResponse(id="job-other", status="Stopped")
        await settle()
        assert [(c.op, c.job_id) for c in client.calls] == [("get_resource_snapshot_job", "job-other")]
        assert clock.monotonic() == started
    finally:
        runner.cancel()


async def test_the_status_says_what_a_wanted_job_waits_for() -> None:
    # One call every 10 s once the burst is spent: the rate holds the job's call back.
    poller, client, clock = make(Budget(rate_per_second=0.1, daily_calls=100_000, burst=50))
    runner = asyncio.create_task(poller.run())
    try:
        await until_asleep(poller, clock)
        poller.budget.rate.take(poller.budget.rate.tokens)  # calls just went: the next one waits 10 s
        now = clock.now()
        poller.want_job(JOB)
        await settle()
        (asked,) = poller.status.asked_jobs
        assert asked.job_id == JOB and asked.waits_for == "rate"
        assert asked.call_at is not None and now < asked.call_at <= now + timedelta(seconds=10)
        assert poller.store.job(JOB) is None

        # Its call fails: the status says why and when it is tried again.
        client.fail_next = [ServiceFailure("InternalServerException: try again")]
        for _ in range(30):
            clock.advance(1)
            await settle()
            if poller.status.asked_jobs[0].waits_for != "rate":
                break
        (asked,) = poller.status.asked_jobs
        assert asked.waits_for == "retry" and asked.error == "InternalServerException: try again"
        assert asked.call_at is not None and asked.call_at > clock.now()

        # Retried at its time: fetched, and no longer named.
        for _ in range(600):
            clock.advance(1)
            await settle()
            if poller.store.job(JOB) is not None:
                break
        assert poller.store.job(JOB) is not None
        await settle()
        assert poller.status.asked_jobs == ()

        # A job the service does not have: said so, not retried on a timer.
        client.missing_jobs.add("job-gone")
        poller.want_job("job-gone")
        for _ in range(30):
            clock.advance(1)
            await settle()
            if poller.status.asked_jobs and poller.status.asked_jobs[0].waits_for == "gone":
                break
        (asked,) = poller.status.asked_jobs
        assert (asked.job_id, asked.waits_for) == ("job-gone", "gone")
        assert asked.error is not None and "ResourceNotFoundException" in asked.error
    finally:
        runner.cancel()


async def test_a_followers_want_reaches_the_leader_and_the_job_the_follower_within_two_tails(
    tmp_path: Path,
) -> None:
    """A follower's want is a journal request the leader reads within a tail (1 s), then fetches at once
    (its poller woken); the job reaches the follower at its next read of the journal: 2 s at most of the
    clock, however far off the leader's next routine poll is."""
    clock = MockClock(T0)
    client = FakeClient([task(1, status="COMPLETE", resource_snapshot_job_id=JOB), task(2)])
    client.jobs[JOB] = GetResourceSnapshotJobResponse(id=JOB, status="Running")
    settings = Settings(endpoint_url="http://127.0.0.1:9", demo=True, journal_path=tmp_path / "j.sqlite3")
    lead_store, lead = make_engine(settings, clock, client_factory=lambda _s: client)
    follow_store, follow = make_engine(settings, clock, client_factory=lambda _s: FakeClient())
    lead_store.load()
    runs = [asyncio.ensure_future(lead.run())]
    try:
        for _ in range(400):  # the leader's first listings and history
            await settle()
            if lead.role == "leader" and lead.history_complete(TaskKind.ACCEPT_INVITATION):
                break
            clock.advance(0.5)
        follow_store.load()
        runs.append(asyncio.ensure_future(follow.run()))
        for _ in range(20):
            await settle()
            if follow.role == "follower" and follow_store.task(task(1).task_id) is not None:
                break
            clock.advance(0.5)
        assert follow.role == "follower" and lead.poller is not None
        assert lead.poller.next_delay() > 2 * TAIL_INTERVAL  # the next routine poll is further off

        asked_at = clock.monotonic()
        follow.want_job(JOB)
        while follow_store.job(JOB) is None and clock.monotonic() - asked_at < 60:
            clock.advance(0.1)
            await settle()
        assert follow_store.job(JOB) is not None
        assert clock.monotonic() - asked_at <= 2 * TAIL_INTERVAL + 0.25  # (the clock moves in 0.1 s steps)
        assert [c.job_id for c in client.calls if c.op == "get_resource_snapshot_job"] == [JOB]
    finally:
        for run in runs:
            run.cancel()
        await asyncio.gather(*runs, return_exceptions=True)
        lead.close()
        follow.close()

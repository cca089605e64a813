"""The poll plan carried out for the new families, with a fake client recording the calls and a MockClock:
bulk job listings (running, idle, a job pcwatch started), a job's results and report only when asked,
prospecting tasks (no status filter; outcomes of a selected one), failures of their own, and the idle
hour's calls with every family known."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest

from schemas import (
    EngagementProspectingResult,
    GetProspectingFromEngagementTaskResponse,
    InternalServerException,
)
from tests.support.engine import (
    ACCEPT,
    ACCT_BULK,
    OPP_BULK,
    PROSPECTING,
    T0,
    FakeClient,
    bulk_job,
    bulk_results,
    task,
)
from tui.aws.failures import ServiceFailure
from tui.core.clock import MockClock
from tui.core.settings import Budget, Settings
from tui.engine.budget import RequestBudget
from tui.engine.event_signals import Wakeup
from tui.engine.poller import Poller, PollPlan
from tui.engine.store import Store

GENEROUS = Budget(rate_per_second=100.0, daily_calls=1_000_000, burst=1000)


def make(client: FakeClient, *, watched: bool = True, store: Store | None = None) -> tuple[Poller, Store]:
    clock = MockClock(T0)
    store = store if store is not None else Store(clock=clock)
    poller = Poller(
        client,
        store,
        Settings(max_rate=GENEROUS.rate_per_second, daily_calls=GENEROUS.daily_calls, burst=GENEROUS.burst),
        clock,
        rng=random.Random(1),
        budget=RequestBudget(GENEROUS, clock),
        plan=PollPlan(),
    )
    if watched:
        poller.watching()
    return poller, store


async def tick(poller: Poller, seconds: float = 0.0) -> bool | None:
    assert isinstance(poller.clock, MockClock)
    poller.clock.advance(seconds)
    return await poller.poll_once()


def bulk_calls(client: FakeClient) -> list[tuple]:
    """The new families' calls since the last look (the task kinds' and invitations' left out)."""
    out = [
        (c.op, c.kind, c.job_id, c.status, c.next_token)
        for c in client.calls
        if c.op not in ("list_tasks", "list_engagement_invitations")
    ]
    client.calls.clear()
    return out


async def test_a_running_job_is_listed_at_the_running_cadence_and_an_idle_family_in_the_slow_lane() -> None:
    client = FakeClient()
    done = bulk_job(2, status="COMPLETED", processed=5000)
    running = bulk_job(1, status="IN_PROGRESS", processed=100)
    client.add_bulk(done, running, bulk_job(3, kind=ACCT_BULK, status="COMPLETED", total=10, processed=10))
    poller, store = make(client)
    assert await tick(poller)
    assert bulk_calls(client) == [
        ("list_bulk_jobs", OPP_BULK, None, None, None),
        ("list_bulk_jobs", ACCT_BULK, None, None, None),
    ]
    assert {j.job_id for j in store.bulk_jobs()} == {
        done.job_id,
        running.job_id,
        bulk_job(3, kind=ACCT_BULK).job_id,
    }

    client.set_bulk(running.job_id, processed_records=700, success_count=690, failure_count=10)
    assert await tick(poller, 6)  # watched: the family with a running job, every 6 s
    assert bulk_calls(client) == [("list_bulk_jobs", OPP_BULK, None, None, None)]
    assert store.bulk_job(running.job_id).processed_records == 700  # type: ignore[union-attr]

    client.set_bulk(running.job_id, status="COMPLETED", processed_records=5000)
    assert await tick(poller, 6)
    assert store.running_bulk_ids(OPP_BULK) == set()
    bulk_calls(client)
    # Nothing running: the idle families (both bulk ones and the prospecting tasks) share the slow lane,
    # one look every 30 minutes at the one looked at longest ago: each every 90 minutes.
    lane = []
    for _ in range(90):
        await tick(poller, 60)
        lane += [c.kind for c in client.calls if c.op == "list_bulk_jobs" or c.kind == PROSPECTING]
        client.calls.clear()
    assert sorted(lane) == sorted([OPP_BULK, ACCT_BULK, PROSPECTING])


async def test_a_shown_jobs_view_has_every_idle_family_looked_at_when_it_asks() -> None:
    """`want_bulk_jobs` (the jobs view, on opening and every 2 minutes): both bulk families' newest page
    at the next tick, whatever the slow lane's cadence; asked again within 30 s, nothing more."""
    client = FakeClient()
    client.add_bulk(bulk_job(1, status="COMPLETED"), bulk_job(2, kind=ACCT_BULK, status="COMPLETED"))
    poller, store = make(client)
    await tick(poller)
    bulk_calls(client)
    await tick(poller, 60)
    assert bulk_calls(client) == []  # idle: the slow lane's next look is half an hour away

    started_elsewhere = bulk_job(3, status="IN_PROGRESS", processed=10)
    client.add_bulk(started_elsewhere)
    poller.want_bulk_jobs()
    await tick(poller, 1)
    assert sorted(c[:2] for c in bulk_calls(client)) == [
        ("list_bulk_jobs", ACCT_BULK),
        ("list_bulk_jobs", OPP_BULK),
    ]
    assert store.bulk_job(started_elsewhere.job_id) is not None
    poller.want_bulk_jobs()  # (the view opened again at once)
    await tick(poller, 1)
    assert [c for c in bulk_calls(client) if c[1] == ACCT_BULK] == []
    await tick(poller, 30)
    bulk_calls(client)
    poller.want_bulk_jobs()
    await tick(poller, 1)
    assert ("list_bulk_jobs", ACCT_BULK, None, None, None) in bulk_calls(client)


async def test_nobody_watching_a_running_job_is_listed_once_a_minute_and_the_slow_lane_hourly() -> None:
    client = FakeClient()
    client.add_bulk(bulk_job(1, status="IN_PROGRESS"))
    poller, _ = make(client, watched=False)
    await tick(poller)
    bulk_calls(client)
    for _ in range(9):
        await tick(poller, 6)
    assert bulk_calls(client) == []
    await tick(poller, 6)
    assert bulk_calls(client) == [("list_bulk_jobs", OPP_BULK, None, None, None)]
    client.set_bulk(bulk_job(1).job_id, status="COMPLETED")
    await tick(poller, 60)
    bulk_calls(client)
    lane = []
    for _ in range(180):  # the slow lane hourly: each family every 3 hours
        await tick(poller, 60)
        lane += [c.kind for c in client.calls if c.op == "list_bulk_jobs" or c.kind == PROSPECTING]
        client.calls.clear()
    assert sorted(lane) == sorted([OPP_BULK, ACCT_BULK, PROSPECTING])


async def test_a_running_job_off_the_newest_page_is_looked_up_by_id() -> None:
    client = FakeClient()
    old = bulk_job(500, status="IN_PROGRESS", processed=10)
    client.add_bulk(old, *(bulk_job(n, status="COMPLETED") for n in range(1, 121)))
    poller, store = make(client)
    await tick(poller)  # the first listing pages back to the end (every job on a page is new)
    first = bulk_calls(client)
    assert [c[0] for c in first].count("list_bulk_jobs") == 3  # (2 opportunity pages, 1 customer-account)
    assert store.bulk_job(old.job_id) is not None

    client.set_bulk(old.job_id, processed_records=60)
    await tick(poller, 6)
    assert bulk_calls(client) == [
        ("list_bulk_jobs", OPP_BULK, None, None, None),
        ("get_bulk_job", OPP_BULK, old.job_id, None, None),
    ]
    assert store.bulk_job(old.job_id).processed_records == 60  # type: ignore[union-attr]


async def test_a_job_pcwatch_started_is_followed_by_id_whoever_watches_until_it_ends() -> None:
    client = FakeClient()
    poller, store = make(client, watched=False)
    await tick(poller)
    bulk_calls(client)
    started = bulk_job(1, status="SUBMITTED", kind=ACCT_BULK, total=100)
    client.add_bulk(started)
    poller.follow_task(started.job_id, ACCT_BULK)  # (what a write calls: a bulk kind follows the job)
    await tick(poller)
    assert bulk_calls(client) == [("get_bulk_job", ACCT_BULK, started.job_id, None, None)]
    # Known running now: its family's listing (every minute, unwatched) shows it; by id every 6 s between.
    await tick(poller, 6)
    assert bulk_calls(client) == [("get_bulk_job", ACCT_BULK, started.job_id, None, None)]
    client.set_bulk(started.job_id, status="COMPLETED", processed_records=100)
    await tick(poller, 6)
    assert store.bulk_job(started.job_id).status == "COMPLETED"  # type: ignore[union-attr]
    bulk_calls(client)
    await tick(poller, 6)
    assert bulk_calls(client) == []  # ended: no longer followed


async def test_results_are_fetched_only_when_asked_every_page_failed_first() -> None:
    client = FakeClient()
    job = bulk_job(1, status="COMPLETED", processed=3000, failed=300)
    client.add_bulk(job)
    client.results[job.job_id] = bulk_results(job.job_id, 3000)
    poller, store = make(client)
    await tick(poller)
    bulk_calls(client)
    for _ in range(5):
        await tick(poller, 6)
    assert bulk_calls(client) == [] and store.bulk_results(job.job_id) is None  # not before asked

    poller.want_results(job.job_id, failed_only=False)
    await tick(poller)
    assert bulk_calls(client) == [("list_bulk_job_results", OPP_BULK, job.job_id, ("FAILED",), None)]
    got = store.bulk_results(job.job_id)
    assert got is not None and len(got.results) == 300 and not got.complete
    for _ in range(4):
        await tick(poller, 1)  # the others, a page a second
    assert [c[3] for c in bulk_calls(client)] == [("SUCCEEDED",), ("SUCCEEDED",), ("SUCCEEDED",)]
    got = store.bulk_results(job.job_id)
    assert got is not None and got.complete and len(got.results) == 3000
    assert {r.status for r in got.results[:300]} == {"FAILED"}

    poller.want_results(job.job_id)  # complete since the job ended: nothing more to fetch
    poller.want_results(job.job_id, failed_only=False)
    await tick(poller, 1)
    assert bulk_calls(client) == []


async def test_a_running_jobs_results_are_fetched_again_when_asked_again() -> None:
    client = FakeClient()
    job = bulk_job(1, status="IN_PROGRESS", processed=20, failed=2)
    client.add_bulk(job)
    client.results[job.job_id] = bulk_results(job.job_id, 20)
    poller, store = make(client)
    await tick(poller)
    poller.want_results(job.job_id)
    await tick(poller)
    assert len(store.bulk_results(job.job_id).results) == 2  # type: ignore[union-attr]
    client.results[job.job_id] = bulk_results(job.job_id, 100)
    bulk_calls(client)
    poller.want_results(job.job_id)  # opened again: what came since
    await tick(poller, 1)
    assert ("list_bulk_job_results", OPP_BULK, job.job_id, ("FAILED",), None) in bulk_calls(client)
    assert len(store.bulk_results(job.job_id).results) == 10  # type: ignore[union-attr]


async def test_results_of_a_job_not_listed_yet_find_it_by_id_first() -> None:
    client = FakeClient()
    poller, store = make(client)
    await tick(poller)
    late = bulk_job(9, kind=ACCT_BULK, status="COMPLETED", total=10, processed=10, failed=10)
    client.add_bulk(late)
    client.results[late.job_id] = bulk_results(late.job_id, 10, failed_every=1)
    bulk_calls(client)
    poller.want_results(late.job_id)
    await tick(poller)
    await tick(poller, 1)
    assert bulk_calls(client) == [
        ("get_bulk_job", OPP_BULK, late.job_id, None, None),
        ("get_bulk_job", ACCT_BULK, late.job_id, None, None),
        ("list_bulk_job_results", ACCT_BULK, late.job_id, ("FAILED",), None),
    ]
    assert len(store.bulk_results(late.job_id).results) == 10  # type: ignore[union-attr]
    poller.want_results("no-such-job")
    await tick(poller, 1)
    await tick(poller, 1)
    assert len(bulk_calls(client)) == 2  # looked for in each family once, then dropped


async def test_the_report_is_asked_again_while_the_service_makes_it_and_kept_in_memory() -> None:
    client = FakeClient()
    job = bulk_job(1, status="COMPLETED", processed=10, failed=3)
    client.add_bulk(job)
    poller, store = make(client)
    await tick(poller)
    bulk_calls(client)
    poller.want_report_url(job.job_id)
    await tick(poller)
    assert bulk_calls(client) == [("get_bulk_job_report_url", OPP_BULK, job.job_id, None, None)]
    assert store.report_url(job.job_id).status == "NOT_STARTED"  # type: ignore[union-attr]
    await tick(poller, 5)
    assert bulk_calls(client) == []
    url = "https://reports.example/job-1.csv?X-Amz-Signature=abc"
    client.reports[job.job_id] = {
        "ReportStatus": "AVAILABLE",
        "Url": url,
        "ExpiresAt": "2026-11-28T09:20:00Z",
    }
    await tick(poller, 5)
    assert len(bulk_calls(client)) == 1
    report = store.report_url(job.job_id)
    assert report is not None and report.url == url
    await tick(poller, 10)
    assert bulk_calls(client) == []  # available: not asked again
    poller.want_report_url(job.job_id)  # (nor when asked again while it lasts)
    await tick(poller, 10)
    assert bulk_calls(client) == []


async def test_prospecting_tasks_are_a_task_kind_without_a_status_filter() -> None:
    running = task(1, kind=PROSPECTING, total_engagement_count=3, completed_engagement_count=0)
    older_running = task(200, kind=PROSPECTING, total_engagement_count=1)
    newer = [
        task(n, kind=PROSPECTING, status="COMPLETE", start=T0 + timedelta(minutes=n)) for n in range(2, 130)
    ]
    client = FakeClient([running, older_running, *newer])
    store = Store(clock=MockClock(T0))
    store.apply_tasks([older_running])  # known running from the journal
    poller, _ = make(client, store=store)
    await tick(poller)
    prospecting = [c for c in client.calls if c.kind == PROSPECTING]
    # The first listing: its newest page (no TaskStatus filter exists), then the known running task that
    # was not on it, by TaskIdentifier; then its history.
    assert (prospecting[0].status, prospecting[0].task_ids, prospecting[0].max_results) == (None, None, 100)
    assert prospecting[1].task_ids == (older_running.task_id,)
    assert all(c.status is None for c in prospecting)
    assert store.task(running.task_id).task_status == "IN_PROGRESS"  # type: ignore[union-attr]
    assert store.task(newer[0].task_id).task_status == "COMPLETE"  # type: ignore[union-attr]


async def test_a_selected_prospecting_task_gets_its_outcomes_again_as_it_progresses() -> None:
    running = task(1, kind=PROSPECTING, total_engagement_count=2, completed_engagement_count=0)
    client = FakeClient([running])
    poller, store = make(client)
    await tick(poller)
    client.calls.clear()
    outcome = GetProspectingFromEngagementTaskResponse(
        task_id=running.task_id,
        engagements=[
            EngagementProspectingResult(engagement_identifier="e1", status="IN_PROGRESS"),
            EngagementProspectingResult(engagement_identifier="e2", status="PENDING"),
        ],
    )
    client.outcomes[running.task_id] = outcome
    poller.want_prospecting(running.task_id)
    await tick(poller)
    assert bulk_calls(client) == [("get_prospecting_task", PROSPECTING, None, None, None)]
    assert store.prospecting(running.task_id) == outcome
    await tick(poller, 6)
    assert bulk_calls(client) == []  # (its counts did not change)
    client.set_status(running.task_id, "IN_PROGRESS", completed_engagement_count=1)
    await tick(poller, 6)  # the kind's page shows the new count: its outcomes are due at once
    assert bulk_calls(client) == [] and poller.next_delay() == 0.0
    await tick(poller)
    assert bulk_calls(client) == [("get_prospecting_task", PROSPECTING, None, None, None)]
    for _ in range(9):
        await tick(poller, 6)
    assert bulk_calls(client) == []
    await tick(poller, 6)
    assert len(bulk_calls(client)) == 1  # and every minute while it runs

    client.set_status(
        running.task_id, "COMPLETE", completed_engagement_count=2, end_time=T0 + timedelta(minutes=5)
    )
    await tick(poller, 6)
    await tick(poller)
    assert len(bulk_calls(client)) == 1  # its end
    for _ in range(20):
        await tick(poller, 6)
    assert bulk_calls(client) == []  # ended, outcomes fresh: never again
    poller.want_prospecting(running.task_id)  # selected again
    await tick(poller, 1)
    assert bulk_calls(client) == []


async def test_a_failing_bulk_listing_is_its_own_failing_source_and_the_tasks_go_on() -> None:
    client = FakeClient([task(1)])
    poller, _ = make(client)
    await tick(poller)
    poller.refresh_now()
    error = InternalServerException(message="bulk jobs are down")

    def fail_bulk(call) -> None:
        if call.op == "list_bulk_jobs" and call.kind == OPP_BULK:
            client.fail_next.append(
                ServiceFailure("InternalServerException: bulk jobs are down", service_error=error)
            )

    client.on_call = fail_bulk
    assert await tick(poller, 6) is False
    status = poller.status
    assert ("opp-bulk jobs", "InternalServerException: bulk jobs are down") in status.failing
    assert status.state == "stale"  # never "live" while one of its sources fails
    client.calls.clear()
    await tick(poller, 6)
    assert any(c.kind == ACCEPT for c in client.calls)  # the running task's kind keeps its cadence
    client.on_call = None
    poller.refresh_now()
    assert await tick(poller, 1)
    assert poller.status.state == "live" and poller.status.failing == ()


async def test_results_of_a_job_the_service_no_longer_has_are_dropped_and_not_the_headers_error() -> None:
    client = FakeClient()
    job = bulk_job(1, status="COMPLETED")
    client.add_bulk(job)
    poller, _ = make(client)
    await tick(poller)
    del client.bulk[job.job_id]  # (the service no longer has it: ResourceNotFound)
    poller.want_results(job.job_id)
    await tick(poller)
    assert any(call[2] == job.job_id for call in bulk_calls(client))  # asked, and answered 404
    # Given up on: nothing anyone can fix, so the header names nothing (issue 27, item 5).
    assert poller.status.failing == () and poller.status.last_error is None
    client.calls.clear()
    await tick(poller, 60)
    assert bulk_calls(client) == []  # not retried on a timer


@pytest.mark.parametrize("watched", [True, False])
async def test_the_idle_hour_with_every_family_known(watched: bool) -> None:
    """Nothing running, every family's history in: watched, the three task kinds every 2 minutes (90), the
    invitations' look riding on the sweep's first page (4), the slow lane of the prospecting tasks and both
    bulk families every 30 minutes (2): 96 calls an hour (100 with a longer list of invitations, whose
    look then goes on its own). Nobody watching: 12 + 2 + 1."""
    kinds = [ACCEPT, "EngagementFromOpportunity", "OpportunityFromEngagement", PROSPECTING]
    client = FakeClient([task(n, kind=k, status="COMPLETE") for n, k in enumerate(kinds * 10)])
    client.add_bulk(bulk_job(1, status="COMPLETED"), bulk_job(2, kind=ACCT_BULK, status="FAILED"))
    poller, _ = make(client, watched=watched)
    runner = asyncio.create_task(poller.run())
    clock = poller.clock
    assert isinstance(clock, MockClock)

    async def drive(seconds: float) -> None:
        end = clock.monotonic() + seconds
        while clock.monotonic() < end:
            for _ in range(20):
                await asyncio.sleep(0)
            clock.advance(1.0)

    try:
        await drive(2 * 3600)  # (settled: history in, the first listings made)
        client.calls.clear()
        await drive(3600)
        by_op: dict[str, int] = {}
        for c in client.calls:
            key = c.kind if c.op == "list_tasks" else c.op
            by_op[key or c.op] = by_op.get(key or c.op, 0) + 1
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
    lane = by_op.pop(PROSPECTING, 0) + by_op.pop("list_bulk_jobs", 0)
    if watched:
        assert by_op == {
            ACCEPT: 30,
            "EngagementFromOpportunity": 30,
            "OpportunityFromEngagement": 30,
            "list_engagement_invitations": 4,  # (one page: the look rides on the sweep's turns)
        }
        assert lane == 2
    else:
        assert by_op == {
            ACCEPT: 4,
            "EngagementFromOpportunity": 4,
            "OpportunityFromEngagement": 4,
            "list_engagement_invitations": 2,
        }
        assert lane == 1


async def test_an_opportunity_event_lists_the_opportunity_jobs_unless_one_is_known_running() -> None:
    client = FakeClient()
    poller, store = make(client)
    await tick(poller)
    bulk_calls(client)
    woken = asyncio.ensure_future(poller.wake_for(Wakeup(bulk=frozenset({OPP_BULK}))))
    await asyncio.sleep(0)
    await tick(poller, 1)
    assert bulk_calls(client) == [("list_bulk_jobs", OPP_BULK, None, None, None)]
    assert await woken  # answered: the listing succeeded

    # A job of the family runs: its records' events are most likely its own, and its listing is on the
    # running cadence already.
    client.add_bulk(bulk_job(1, status="IN_PROGRESS"))
    store.apply_bulk_jobs([bulk_job(1, status="IN_PROGRESS")])
    again = asyncio.ensure_future(poller.wake_for(Wakeup(bulk=frozenset({OPP_BULK}))))
    await asyncio.sleep(0)
    assert poller.wakeups.pending().bulk == frozenset()
    await tick(poller, 1)
    assert await again  # (nothing it needed: answered)

"""The poll plan: which calls the poller makes for which state, with a fake client recording them."""

from __future__ import annotations

import random
from datetime import timedelta

from schemas import GetResourceSnapshotJobResponse, TaskKind
from tests.support.engine import ACCEPT, KINDS, T0, FakeClient, task
from tui.core.clock import MockClock
from tui.core.settings import Budget, Settings
from tui.engine.budget import RequestBudget
from tui.engine.journal import Journal
from tui.engine.poller import Poller, PollPlan
from tui.engine.store import Store

GENEROUS = Budget(rate_per_second=100.0, daily_calls=1_000_000, burst=1000)
FROM_OPP = TaskKind.ENGAGEMENT_FROM_OPPORTUNITY


def make(client: FakeClient, store: Store | None = None, clock: MockClock | None = None, **plan: object):
    clock = clock if clock is not None else MockClock(T0)
    store = store if store is not None else Store(clock=clock)  # an empty Store is falsy (len 0)
    settings = Settings(budget=GENEROUS)
    poller = Poller(
        client,
        store,
        settings,
        clock,
        rng=random.Random(1),
        budget=RequestBudget(GENEROUS, clock),
        plan=PollPlan(**plan),  # type: ignore[arg-type]
    )
    return poller, store, clock


def ops(client: FakeClient) -> list[tuple]:
    out = []
    for c in client.calls:
        if c.op == "list_tasks":
            out.append((c.kind, c.status, c.task_ids, c.max_results, c.next_token))
        else:
            out.append((c.op, c.job_id))
    client.calls.clear()
    return out


async def test_first_run_lists_active_then_backfills_history_newest_first() -> None:
    history = [task(n, status="COMPLETE") for n in range(2500)] + [task(9000 + n) for n in range(3)]
    # (ids apart from the first kind's: `task` names both kinds "task-Enga-…")
    history += [task(5000 + n, kind=FROM_OPP, status="FAILED") for n in range(1500)]
    client = FakeClient(history)
    poller, store, _ = make(client)
    pages: list[int] = []
    store.subscribe(lambda change: pages.append(len(change.task_ids)))
    progress: list[dict[str, int]] = []
    poller.subscribe_status(lambda status: progress.append(status.history_fetched))

    assert await poller.poll_once()

    calls = ops(client)
    inprog = ("IN_PROGRESS",)
    assert calls[:3] == [(k, inprog, None, 100, None) for k in KINDS]
    # The newest page of every kind first (the third kind is empty: one page), then the older pages of
    # the kinds with more, one of each in turn.
    assert calls[3:9] == [
        (ACCEPT, None, None, 1000, None),
        (FROM_OPP, None, None, 1000, None),
        (KINDS[2], None, None, 1000, None),
        (ACCEPT, None, None, 1000, "1000"),
        (FROM_OPP, None, None, 1000, "1000"),
        (ACCEPT, None, None, 1000, "2000"),
    ]
    assert calls[9:] == [("list_engagement_invitations", None)]
    assert len(store) == 4003
    assert pages[:5] == [3, 1000, 1000, 1000, 500]  # the dashboard fills page by page
    # How far the loading has got, by kind, after each page (a notebook's progress bar shows it).
    fetched = [p for i, p in enumerate(progress) if p and p != progress[i - 1]]
    assert fetched[0] == {ACCEPT: 1000}
    assert fetched[2] == {ACCEPT: 1000, FROM_OPP: 1000, KINDS[2]: 0}
    assert fetched[-1] == {ACCEPT: 2503, FROM_OPP: 1500, KINDS[2]: 0}
    assert all(poller.history_complete(k) for k in KINDS)
    assert poller.status.state == "live" and not poller.status.backfilling
    assert store.transitions_of(task(9000).task_id)[0].to_status == "IN_PROGRESS"
    assert store.transitions_of(task(5).task_id) == []  # history: no "first seen" transitions


async def test_steady_state_polls_only_kinds_with_running_tasks_and_fetches_departed_by_id() -> None:
    running = [task(n) for n in range(12)]
    client = FakeClient([*running, task(500, kind=FROM_OPP, status="COMPLETE")])
    poller, store, clock = make(client)
    await poller.poll_once()
    ops(client)

    clock.advance(5)
    await poller.poll_once()
    assert ops(client) == [(ACCEPT, ("IN_PROGRESS",), None, 100, None)]  # idle kinds cost nothing

    for n in range(11):  # 11 finish: two TaskIdentifier calls (10 + 1)
        client.set_status(
            task(n).task_id, "FAILED" if n == 3 else "COMPLETE", reason_code="X" if n == 3 else None
        )
    clock.advance(5)
    await poller.poll_once()
    calls = ops(client)
    assert calls[0] == (ACCEPT, ("IN_PROGRESS",), None, 100, None)
    assert [len(c[2]) for c in calls[1:]] == [10, 1]
    assert all(c[3] == 10 and c[1] is None for c in calls[1:])
    assert store.task(task(3).task_id).task_status == "FAILED"
    assert store.active_ids() == {task(11).task_id}
    t = store.transitions_of(task(3).task_id)[-1]
    assert (t.from_status, t.to_status, t.observed_at, t.previous_observed_at) == (
        "IN_PROGRESS",
        "FAILED",
        clock.now(),
        clock.now() - timedelta(seconds=5),
    )
    assert poller.next_delay() == 5.0  # still one running: fast


async def test_idle_kinds_scan_for_new_tasks_each_slow_interval_stopping_at_a_known_task() -> None:
    client = FakeClient([task(n, status="COMPLETE") for n in range(50)])
    poller, store, clock = make(client)
    await poller.poll_once()
    ops(client)
    assert poller.next_delay() == 60.0  # nothing running: slow

    clock.advance(30)
    await poller.poll_once()
    assert ops(client) == []  # not due yet

    # 30 new tasks (more than one scan page), one of them already finished.
    for n in range(30):
        t = task(
            1000 + n, start=T0 + timedelta(seconds=10 + n), status="COMPLETE" if n == 0 else "IN_PROGRESS"
        )
        client.truth[t.task_id] = t
    clock.advance(30)
    await poller.poll_once()
    calls = ops(client)
    # The first page is all new: start over with the largest pages rather than 25 at a time.
    assert calls[:2] == [(ACCEPT, None, None, 25, None), (ACCEPT, None, None, 1000, None)]
    assert [c[0] for c in calls[2:4]] == KINDS[1:]
    assert len(store) == 80
    assert store.task(task(1000).task_id).task_status == "COMPLETE"  # started and finished between ticks
    assert len(store.active_ids(ACCEPT)) == 29
    assert poller.next_delay() == 5.0


async def test_scanned_is_taken_before_the_newest_first_listing_is_sent() -> None:
    """What `Watch.follow` trusts to say an id does not exist: every task started before `scanned[kind]`
    is known. A listing already on its way, or one of the running tasks only, moves it not."""
    client = FakeClient([task(n, status="COMPLETE") for n in range(5)] + [task(100, kind=FROM_OPP)])
    poller, store, clock = make(client)
    sent: list[tuple[str, object]] = []

    def slow_call(call) -> None:  # each call takes 2 s; remember when each newest-first scan was sent
        if (
            call.op == "list_tasks"
            and call.status is None
            and call.task_ids is None
            and call.max_results == 25
        ):
            sent.append((call.kind, clock.now()))
        clock.advance(2)

    client.on_call = slow_call
    await poller.poll_once()  # the first run: the history, no scan yet
    assert poller.status.scanned == {}
    asked = clock.now()
    poller.refresh_now()
    await poller.poll_once()
    assert [k for k, _ in sent] == KINDS  # one scan per kind, after the running tasks' listing
    assert poller.status.scanned == dict(sent)
    assert all(t >= asked for t in poller.status.scanned.values())
    assert poller.status.last_success[FROM_OPP] > poller.status.scanned[FROM_OPP]  # (answered later)

    # A follower reads the same through the journal's status.
    from tui.engine.status import status_from_json, status_to_json

    shared = status_from_json(status_to_json(poller.status, clock.now()), "following")
    assert shared.scanned == poller.status.scanned and len(store) == 6


async def test_restart_with_journal_loads_first_and_fetches_only_new(tmp_path) -> None:
    clock = MockClock(T0)
    client = FakeClient([task(n, status="COMPLETE") for n in range(3000)] + [task(7000)])
    path = tmp_path / "j.sqlite3"
    poller, store, _ = make(client, Store(Journal(path), clock), clock)
    await poller.poll_once()
    store.journal.close()

    new = task(8000, start=T0 + timedelta(seconds=1))
    client.truth[new.task_id] = new
    client.set_status(task(7000).task_id, "COMPLETE")
    client.calls.clear()
    again = Store(Journal(path), clock)
    again.load()
    assert len(again) == 3001  # filled before any call
    poller2, _, _ = make(client, again, clock)
    clock.advance(1)
    await poller2.poll_once()
    calls = ops(client)
    assert (ACCEPT, None, None, 1000, None) not in calls  # no history re-fetch
    assert calls[0] == (ACCEPT, ("IN_PROGRESS",), None, 100, None)
    assert calls[1] == (ACCEPT, None, (task(7000).task_id,), 10, None)
    assert (ACCEPT, None, None, 25, None) in calls  # one scan page reaches the known tasks
    assert again.task(new.task_id) is not None
    assert again.task(task(7000).task_id).task_status == "COMPLETE"


async def test_snapshot_jobs_fetched_once_when_seen_live_then_slowly_while_running() -> None:
    client = FakeClient([task(1, status="COMPLETE", resource_snapshot_job_id="job-history")])
    poller, store, clock = make(client, job_refresh_interval=900.0)
    await poller.poll_once()
    # The history job is fetched only with spare budget: with this generous budget, yes.
    assert ("get_resource_snapshot_job", "job-history") in ops(client)

    live = task(2, start=T0 + timedelta(seconds=1))
    client.truth[live.task_id] = live
    poller.refresh_now()
    await poller.poll_once()
    ops(client)
    client.set_status(live.task_id, "COMPLETE", resource_snapshot_job_id="job-live")
    client.jobs["job-live"] = GetResourceSnapshotJobResponse(id="job-live", status="Running")
    clock.advance(5)
    await poller.poll_once()
    assert ("get_resource_snapshot_job", "job-live") in ops(client)
    assert store.job("job-live").status == "Running"

    clock.advance(60)
    await poller.poll_once()
    assert not [c for c in ops(client) if c[0] == "get_resource_snapshot_job"]  # not again so soon
    clock.advance(900)
    await poller.poll_once()
    assert ("get_resource_snapshot_job", "job-live") in ops(client)  # refreshed while Running

    client.jobs["job-live"] = GetResourceSnapshotJobResponse(id="job-live", status="Stopped")
    poller.want_job("job-live")
    await poller.poll_once()
    assert ops(client) == [("get_resource_snapshot_job", "job-live")]  # on demand, even if not due
    assert store.job("job-live").status == "Stopped"
    clock.advance(2000)
    await poller.poll_once()
    assert not [c for c in ops(client) if c[0] == "get_resource_snapshot_job"]  # Stopped: no refresh


async def test_pending_invitations_are_listed_slowly_and_stale_ones_dropped() -> None:
    from schemas import EngagementInvitationSummary

    client = FakeClient()
    client.invitations = [
        EngagementInvitationSummary(id=f"inv-{n}", catalog="Sandbox", status="PENDING") for n in range(3)
    ]
    poller, store, clock = make(client, invitation_interval=300.0)
    await poller.poll_once()
    assert len(store.invitations()) == 3
    client.invitations = client.invitations[1:]
    clock.advance(100)
    await poller.poll_once()
    assert len(store.invitations()) == 3  # not due
    clock.advance(200)
    await poller.poll_once()
    assert sorted(i.id for i in store.invitations()) == ["inv-1", "inv-2"]

"""The poll plan carried out: which calls the poller makes for which state, with a fake client recording
them and a MockClock (each `tick` moves the clock, then makes the calls due)."""

from __future__ import annotations

import random
from datetime import timedelta

from schemas import EngagementInvitationSummary, GetResourceSnapshotJobResponse, TaskKind
from tests.support.engine import ACCEPT, KINDS, PROSPECTING, T0, FakeClient, task
from tui.core.clock import MockClock
from tui.core.settings import Budget, Settings
from tui.engine.budget import RequestBudget
from tui.engine.journal import Journal
from tui.engine.poller import Poller, PollPlan
from tui.engine.store import Store

GENEROUS = Budget(rate_per_second=100.0, daily_calls=1_000_000, burst=1000)
FROM_OPP = TaskKind.ENGAGEMENT_FROM_OPPORTUNITY
INPROG = ("IN_PROGRESS",)
#: The kinds whose ends are seen within 2 minutes (the prospecting tasks' looks are slower).
DETECTION = [k for k in KINDS if k != PROSPECTING]


def make(
    client: FakeClient,
    store: Store | None = None,
    clock: MockClock | None = None,
    *,
    watched: bool = True,
    budget: RequestBudget | None = None,
    **plan: object,
) -> tuple[Poller, Store, MockClock]:
    clock = clock if clock is not None else MockClock(T0)
    store = store if store is not None else Store(clock=clock)  # an empty Store is falsy (len 0)
    poller = Poller(
        client,
        store,
        Settings(max_rate=GENEROUS.rate_per_second, daily_calls=GENEROUS.daily_calls, burst=GENEROUS.burst),
        clock,
        rng=random.Random(1),
        budget=budget or RequestBudget(GENEROUS, clock),
        plan=PollPlan(**plan),  # type: ignore[arg-type]
    )
    if watched:
        poller.watching()
    return poller, store, clock


async def tick(poller: Poller, seconds: float = 0.0) -> bool | None:
    assert isinstance(poller.clock, MockClock)
    poller.clock.advance(seconds)
    return await poller.poll_once()


def ops(client: FakeClient) -> list[tuple]:
    out = []
    for c in client.calls:
        if c.op == "list_tasks":
            out.append((c.kind, c.status, c.task_ids, c.max_results, c.next_token))
        else:
            out.append((c.op, c.job_id or c.next_token))
    client.calls.clear()
    return out


async def test_first_run_lists_running_tasks_then_the_history_a_page_a_tick_newest_first() -> None:
    history = [task(n, status="COMPLETE") for n in range(2500)] + [task(9000 + n) for n in range(3)]
    # (ids apart from the first kind's: `task` names both kinds "task-Enga-…")
    history += [task(5000 + n, kind=FROM_OPP, status="FAILED") for n in range(1500)]
    client = FakeClient(history)
    poller, store, _ = make(client)
    pages: list[int] = []
    store.subscribe(lambda change: pages.append(len(change.task_ids)))
    progress: list[dict[str, int]] = []
    poller.subscribe_status(lambda status: progress.append(status.history_fetched))

    assert await tick(poller)
    calls = ops(client)
    assert calls[:3] == [(k, INPROG, None, 100, None) for k in DETECTION]
    # The prospecting tasks' list has no status filter: their first listing is the newest page. The bulk
    # job families' first listings follow.
    assert calls[3] == (PROSPECTING, None, None, 100, None)
    assert calls[4:6] == [("list_bulk_jobs", None), ("list_bulk_jobs", None)]
    # The newest page of every kind's history first (the third and fourth kinds are empty: one page),
    # then the older pages of the kinds with more, one of each a tick.
    assert calls[6:10] == [(k, None, None, 1000, None) for k in KINDS]
    assert calls[10:] == [("list_engagement_invitations", None)]
    assert not poller.history_complete(ACCEPT) and poller.history_complete(KINDS[2])

    assert await tick(poller, 1)
    assert ops(client) == [(ACCEPT, None, None, 1000, "1000"), (FROM_OPP, None, None, 1000, "1000")]
    assert await tick(poller, 1)
    assert ops(client) == [(ACCEPT, None, None, 1000, "2000")]
    assert len(store) == 4003
    assert pages[:5] == [3, 1000, 1000, 1000, 500]  # the dashboard fills page by page
    # How far the loading has got, by kind, after each page (a notebook's progress bar shows it).
    fetched = [p for i, p in enumerate(progress) if p and p != progress[i - 1]]
    assert fetched[0] == {ACCEPT: 1000}
    assert fetched[2] == {ACCEPT: 1000, FROM_OPP: 1000, KINDS[2]: 0}
    assert fetched[-1] == {ACCEPT: 2503, FROM_OPP: 1500, KINDS[2]: 0, PROSPECTING: 0}
    assert all(poller.history_complete(k) for k in KINDS)
    assert poller.status.state == "live" and poller.status.watched
    assert await tick(poller, 1) is None and ops(client) == []  # nothing due until the 6 s look
    assert store.transitions_of(task(9000).task_id)[0].to_status == "IN_PROGRESS"
    assert store.transitions_of(task(5).task_id) == []  # history: no "first seen" transitions


async def test_a_busy_kind_takes_one_newest_page_and_looks_up_by_id_only_tasks_off_it() -> None:
    newer = [task(n, status="COMPLETE") for n in range(120)]  # they fill the newest page of 100
    old_running = [task(200 + n) for n in range(12)]
    client = FakeClient([*newer, *old_running, task(500, kind=FROM_OPP, status="COMPLETE")])
    poller, store, _ = make(client)
    await tick(poller)
    ops(client)

    assert await tick(poller, 6)
    running_ids = sorted(t.task_id for t in old_running)
    assert (
        ops(client)
        == [
            (ACCEPT, None, None, 100, None),  # idle kinds cost nothing now
            (ACCEPT, None, tuple(running_ids[:10]), 10, None),
            (ACCEPT, None, tuple(running_ids[10:]), 10, None),
        ]
    )

    for n in range(11):
        client.set_status(task(200 + n).task_id, "FAILED" if n == 3 else "COMPLETE")
    fresh = task(7000, start=T0 + timedelta(seconds=3))  # a new running task: on the page
    client.truth[fresh.task_id] = fresh
    assert await tick(poller, 6)
    calls = ops(client)
    assert [c[2] and len(c[2]) for c in calls] == [None, 10, 2]  # (still off the page: looked up)
    assert store.task(task(203).task_id).task_status == "FAILED"
    assert store.active_ids() == {task(211).task_id, fresh.task_id}
    t = store.transitions_of(task(203).task_id)[-1]
    assert (t.from_status, t.to_status, t.observed_at, t.previous_observed_at) == (
        "IN_PROGRESS",
        "FAILED",
        poller.clock.now(),
        poller.clock.now() - timedelta(seconds=6),
    )

    client.set_status(fresh.task_id, "COMPLETE")
    assert await tick(poller, 6)
    # The end of a task on the page needs no look-up: the page shows it.
    assert ops(client) == [
        (ACCEPT, None, None, 100, None),
        (ACCEPT, None, (task(211).task_id,), 10, None),
    ]
    assert store.task(fresh.task_id).task_status == "COMPLETE"


async def test_nobody_watching_a_busy_kind_is_looked_at_once_a_minute() -> None:
    client = FakeClient([task(1)])
    poller, _, _ = make(client, watched=False)
    await tick(poller)
    ops(client)
    for _ in range(9):
        assert await tick(poller, 6) is None
    assert ops(client) == []
    assert await tick(poller, 6)
    assert ops(client) == [(ACCEPT, None, None, 100, None)]
    assert not poller.status.watched

    release = poller.watching()  # a dashboard opens: 6 s again
    assert await tick(poller, 6)
    assert ops(client) == [(ACCEPT, None, None, 100, None)]
    release()
    assert await tick(poller, 6) is None


async def test_idle_kinds_look_for_new_tasks_every_2_minutes_paging_on_while_all_are_new() -> None:
    client = FakeClient([task(n, status="COMPLETE") for n in range(50)])
    poller, store, _ = make(client)
    await tick(poller)
    ops(client)
    assert poller.next_delay() == 120.0

    assert await tick(poller, 60) is None and ops(client) == []
    # 30 new tasks (more than one scan page), one of them already finished.
    for n in range(30):
        t = task(
            1000 + n, start=T0 + timedelta(seconds=10 + n), status="COMPLETE" if n == 0 else "IN_PROGRESS"
        )
        client.truth[t.task_id] = t
    assert await tick(poller, 90)
    calls = ops(client)
    # The first page is all new: start over with the largest pages rather than 25 at a time.
    assert calls[:2] == [(ACCEPT, None, None, 25, None), (ACCEPT, None, None, 1000, None)]
    assert [c[0] for c in calls[2:]] == DETECTION[1:]  # (the prospecting tasks' look: every 30 minutes)
    assert len(store) == 80
    assert store.task(task(1000).task_id).task_status == "COMPLETE"  # started and ended between looks
    assert len(store.active_ids(ACCEPT)) == 29
    assert poller.next_delay() == 6.0


async def test_scanned_is_taken_before_the_newest_first_listing_is_sent() -> None:
    """What `Watch.follow` trusts to say an id does not exist: every task started before `scanned[kind]`
    is known. A listing already on its way, or one of the running tasks only, moves it not."""
    client = FakeClient([task(n, status="COMPLETE") for n in range(5)] + [task(100, kind=FROM_OPP)])
    poller, store, clock = make(client)
    sent: list[tuple[str, object]] = []

    def slow_call(call) -> None:  # each call takes 2 s; remember when each newest-first look was sent
        newest_first = call.status is None and call.task_ids is None and call.max_results in (25, 100)
        if call.op == "list_tasks" and newest_first:
            sent.append((call.kind, clock.now()))
        clock.advance(2)

    client.on_call = slow_call
    await poller.poll_once()  # the first run: the history, no scan yet
    assert poller.status.scanned == {}
    sent.clear()  # (the prospecting tasks' first listing is a newest page, but no complete look)
    asked = clock.now()
    poller.refresh_now()
    await poller.poll_once()
    assert sorted(k for k, _ in sent) == sorted(KINDS)  # one look per kind (the running tasks' listing: none)
    assert poller.status.scanned == dict(sent)
    assert all(t >= asked for t in poller.status.scanned.values())
    assert poller.status.last_success[FROM_OPP] > poller.status.scanned[FROM_OPP]  # (answered later)

    # A follower reads the same through the journal's status.
    from tui.engine.status import status_from_json, status_to_json

    shared = status_from_json(status_to_json(poller.status, clock.now()), "following")
    assert shared.scanned == poller.status.scanned and len(store) == 6


async def test_restart_with_journal_loads_first_fetches_only_new_and_keeps_the_budget(tmp_path) -> None:
    clock = MockClock(T0)
    client = FakeClient([task(n, status="COMPLETE") for n in range(3000)] + [task(7000)])
    path = tmp_path / "j.sqlite3"
    store = Store(Journal(path), clock)
    limits = Budget(rate_per_second=100.0, daily_calls=500, burst=1000)
    budget = RequestBudget(limits, clock, ledger=store.journal.call_ledger())
    poller, _, _ = make(client, store, clock, budget=budget)
    for _ in range(4):
        await tick(poller, 1)
    spent = client.attempts
    assert poller.status.calls_left_today == 500 - spent
    store.journal.close()

    new = task(8000, start=T0 + timedelta(seconds=1))
    client.truth[new.task_id] = new
    client.set_status(task(7000).task_id, "COMPLETE")
    client.calls.clear()
    again = Store(Journal(path), clock)
    again.load()
    assert len(again) == 3001  # filled before any call
    budget = RequestBudget(limits, clock, ledger=again.journal.call_ledger())
    assert budget.calls_left_today == 500 - spent  # a restart starts from what was spent
    poller2, _, _ = make(client, again, clock, budget=budget)
    await tick(poller2, 1)
    calls = ops(client)
    assert (ACCEPT, None, None, 1000, None) not in calls  # no history re-fetch
    assert calls[0] == (ACCEPT, INPROG, None, 100, None)
    assert calls[1] == (ACCEPT, None, (task(7000).task_id,), 10, None)
    assert again.task(task(7000).task_id).task_status == "COMPLETE"
    await tick(poller2, 6)
    # (The kind had a running task a moment ago: its next one may come soon, so it keeps the 6 s look.)
    assert ops(client) == [(ACCEPT, None, None, 100, None)]  # one page reaches the known tasks
    assert again.task(new.task_id) is not None
    assert poller2.status.calls_left_today == 500 - client.attempts  # both runs' calls, one allowance


async def test_snapshot_jobs_once_when_first_seen_then_only_those_asked_for_while_running() -> None:
    client = FakeClient([task(1, status="COMPLETE", resource_snapshot_job_id="job-history")])
    poller, store, _ = make(client)
    await tick(poller)
    assert not [c for c in ops(client) if c[0] == "get_resource_snapshot_job"]  # history: when opened

    live = task(2, start=T0 + timedelta(seconds=1))
    client.truth[live.task_id] = live
    poller.refresh_now()
    await tick(poller)
    ops(client)
    client.set_status(live.task_id, "COMPLETE", resource_snapshot_job_id="job-live")
    client.jobs["job-live"] = GetResourceSnapshotJobResponse(id="job-live", status="Running")
    await tick(poller, 6)
    await tick(poller, 0.5)
    assert ("get_resource_snapshot_job", "job-live") in ops(client)  # first seen: fetched once
    assert store.job("job-live").status == "Running"
    for _ in range(4):
        await tick(poller, 900)
        assert not [c for c in ops(client) if c[0] == "get_resource_snapshot_job"]  # nobody asked

    poller.want_job("job-history")  # the user opens the history task: at once
    await tick(poller)
    assert ops(client) == [("get_resource_snapshot_job", "job-history")]
    await tick(poller, 901)
    assert ("get_resource_snapshot_job", "job-history") in ops(client)  # asked for, Running: refreshed
    client.jobs["job-history"] = GetResourceSnapshotJobResponse(id="job-history", status="Stopped")
    await tick(poller, 901)
    assert ("get_resource_snapshot_job", "job-history") in ops(client)
    assert store.job("job-history").status == "Stopped"
    await tick(poller, 901)
    assert not [c for c in ops(client) if c[0] == "get_resource_snapshot_job"]  # final: never again
    # No source is kept per job once it answered (one per job ever fetched would grow without end).
    assert [key for key in poller.plan_input().sources if key.startswith("job:")] == []
    assert "jobs" in poller.status.last_success


async def test_a_job_the_service_no_longer_has_fails_alone_and_is_not_retried_on_a_timer() -> None:
    client = FakeClient([task(1), task(2)])
    client.missing_jobs.add("job-gone")
    poller, store, _ = make(client)
    await tick(poller)
    client.set_status(task(1).task_id, "COMPLETE", resource_snapshot_job_id="job-gone")
    await tick(poller, 6)
    await tick(poller, 0.5)
    assert ("get_resource_snapshot_job", "job-gone") in ops(client)
    status = poller.status
    assert status.state == "live" and status.stale_since is None  # the tasks are current
    # Given up on at once: nothing to fix, so not the header's error; the snapshot jobs pane says it.
    assert status.failing == () and status.last_error is None, status
    (asked,) = status.asked_jobs
    assert (asked.job_id, asked.waits_for) == ("job-gone", "gone") and "ResourceNotFoundException" in (
        asked.error or ""
    )

    client.set_status(task(2).task_id, "FAILED")  # the other sources keep their cadence
    assert await tick(poller, 6)
    assert store.task(task(2).task_id).task_status == "FAILED"
    for _ in range(10):
        await tick(poller, 60)
    assert ("get_resource_snapshot_job", "job-gone") not in ops(client)
    # Named in the pane for 10 minutes, then neither named nor kept.
    assert poller.status.asked_jobs == () and poller.status.last_error is None, poller.status
    poller.want_job("job-gone")  # opened again: asked again
    await tick(poller)
    assert ops(client) == [("get_resource_snapshot_job", "job-gone")]


async def test_tasks_pcwatch_started_are_followed_every_2_seconds_until_they_end() -> None:
    client = FakeClient([task(1)])
    poller, store, _ = make(client, watched=False)
    await tick(poller)
    mine = task(5, start=T0 + timedelta(seconds=1))
    client.truth[mine.task_id] = mine
    store.apply_tasks([mine])
    poller.follow_task(mine.task_id, ACCEPT)
    ops(client)
    await tick(poller, 2)
    assert ops(client) == [(ACCEPT, None, (mine.task_id,), 10, None)]
    client.set_status(mine.task_id, "COMPLETE")
    await tick(poller, 2)
    assert ops(client) == [(ACCEPT, None, (mine.task_id,), 10, None)]
    assert store.task(mine.task_id).task_status == "COMPLETE"
    assert await tick(poller, 2) is None and ops(client) == []  # ended: back to the slow cadence


async def test_new_invitations_every_15_min_the_sweep_a_page_a_turn_dropping_only_what_is_gone() -> None:
    def invitation(n: int) -> EngagementInvitationSummary:
        return EngagementInvitationSummary(id=f"inv-{n:03d}", catalog="Sandbox", status="PENDING")

    def invitation_calls() -> list[tuple]:
        return [
            (c[0].removesuffix("_engagement_invitation").removesuffix("_engagement_invitations"), c[1])
            for c in ops(client)
            if "invitation" in c[0]
        ]

    client = FakeClient()
    client.invitations = [invitation(n) for n in range(250, 0, -1)]  # newest first
    poller, store, _ = make(client)
    await tick(poller)
    # The first pass of the process: every page at once (the pane is complete at start).
    assert invitation_calls() == [("list", None), ("list", "100"), ("list", "200")]
    assert len(store.invitations()) == 250

    # One new; inv-250 gone (the service no longer knows it: a 404 when looked up); inv-001 accepted, and
    # its accepting task seen COMPLETE.
    client.invitations = [invitation(300), *client.invitations[1:-1]]
    accepted = task(7000, status="COMPLETE", engagement_invitation_id="inv-001", start=T0)
    client.truth[accepted.task_id] = accepted
    await tick(poller, 899)
    assert invitation_calls() == []
    await tick(poller, 1)
    # The look and the sweep's turn fall due together: the sweep's first page is the newest, no look.
    assert invitation_calls() == [("list", None)]
    assert "inv-300" in {i.id for i in store.invitations()}
    # While the pass goes on, the list moves under it: inv-249 (on the first page, read already) is
    # accepted elsewhere, so inv-150, the first of the second page, moves up onto the first: the pass never
    # sees it.
    client.invitations = [i for i in client.invitations if i.id != "inv-249"]
    client.invitation_status["inv-249"] = "ACCEPTED"
    await tick(poller, 900)
    assert invitation_calls() == [("list", None), ("list", "100")]  # the look, the sweep's next page
    await tick(poller, 900)
    assert invitation_calls() == [("list", None), ("list", "200")]
    ids = {i.id for i in store.invitations()}
    assert {"inv-250", "inv-150"} <= ids  # not seen by the pass: nothing dropped on that alone
    await tick(poller, 900)
    # The next turn looks up what the pass did not see: the gone one goes, inv-150 (pending) stays; the
    # accepted one went without a call (its task says so).
    assert sorted(c for c in invitation_calls() if c[0] == "get") == [("get", None)] * 2
    ids = {i.id for i in store.invitations()}
    assert "inv-250" not in ids and "inv-150" in ids and "inv-001" not in ids
    assert ids == {i.id for i in client.invitations} | {"inv-249"}  # (seen before it went: the next pass)
    for _ in range(4):  # the next pass: three pages, then its look-ups
        await tick(poller, 900)
    assert {i.id for i in store.invitations()} == {i.id for i in client.invitations}

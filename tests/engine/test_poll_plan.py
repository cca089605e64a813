"""The poll plan as a pure function: (what is known, who watches, each source's clock, the allowance)
-> the calls due now and when to look again. No client, no store, no event loop."""

from __future__ import annotations

import dataclasses
import math

import pytest

from tui.engine.poll_plan import (
    ACTIVE,
    BULK_LIST,
    ENGAGEMENTS,
    FIND,
    HISTORY,
    INVITATIONS,
    INVITATIONS_SOURCE,
    JOB,
    JOBS,
    NAMED,
    NEWEST,
    OWN,
    REPORT,
    RESULTS,
    SLOW_LANE,
    SWEEP_SOURCE,
    UNSETTLED,
    BulkState,
    Followed,
    KindState,
    PlanInput,
    PollPlan,
    SourceTimes,
    departed,
    engagements_source,
    event_source,
    job_source,
    own_source,
    pace,
    plan_tick,
)

PLAN = PollPlan()
A, B, C = "EngagementByAcceptingInvitation", "EngagementFromOpportunity", "OpportunityFromEngagement"


def kinds(running: dict[str, int] | None = None, **extra: object) -> tuple[KindState, ...]:
    running = running or {}
    return tuple(
        KindState(k, running=running.get(k, 0), history_complete=True, listed=True, **extra)  # type: ignore[arg-type]
        for k in (A, B, C)
    )


def state(
    now: float = 1000.0,
    *,
    watched: bool = True,
    running: dict[str, int] | None = None,
    last: float | None = 1000.0,
    left: int = 10_000,
    **changes: object,
) -> PlanInput:
    """Every source last called at `last` (None: never) unless `sources` says otherwise, the allowance
    full unless `left` says."""
    keys = [A, B, C, INVITATIONS_SOURCE, SWEEP_SOURCE, JOBS]
    sources = {k: SourceTimes(last) for k in keys}
    sources.update(changes.pop("sources", {}))  # type: ignore[call-overload]
    fields: dict[str, object] = {
        "now": now,
        "watched": watched,
        "kinds": kinds(running),
        "limit": 10_000,
        "calls_left": left,
        "sources": sources,
    }
    fields.update(changes)
    return PlanInput(**fields)  # type: ignore[arg-type]


def ops(plan) -> list[tuple[str, str | None]]:
    return [(c.op, c.kind or c.job_id) for c in plan.calls]


def hourly_cost(s: PlanInput, hours: float = 1.0, step: float = 0.5) -> int:
    """Calls the plan makes over `hours` if each is made as planned (the sources' clocks follow)."""
    sources = dict(s.sources)
    calls = 0
    now = s.now
    end = now + hours * 3600
    while now < end:
        tick = plan_tick(PlanInput(**{**s.__dict__, "now": now, "sources": sources}), PLAN)
        for call in tick.calls:
            sources[call.source] = SourceTimes(now)
        calls += len(tick.calls)
        now = max(now + step, min(tick.wake_at, end))
    return calls


def test_a_busy_kind_watched_takes_one_newest_page_every_6_s() -> None:
    tick = plan_tick(state(now=1006.0, running={A: 20, B: 5, C: 1}), PLAN)
    assert ops(tick) == [(NEWEST, A), (NEWEST, B), (NEWEST, C)]
    assert {c.page_size for c in tick.calls} == {100}
    assert tick.wake_at == 1012.0 and tick.stretch == 1.0
    assert plan_tick(state(now=1005.9, running={A: 20}), PLAN).calls == ()


def test_three_busy_kinds_cost_at_most_1800_calls_an_hour_and_idle_almost_nothing() -> None:
    busy = hourly_cost(state(running={A: 9, B: 6, C: 4}))
    assert 1800 <= busy <= 1800 + 4 + 4  # the kinds, the new invitations, the sweep's turns
    idle_watched = hourly_cost(state())
    # A scan of each kind every 2 min (no end seen more than 2 minutes late), the new invitations and the
    # sweep's turns every 15 min: at most 98, under the 100 an hour an idle account may cost.
    assert 3 * 29 <= idle_watched <= 3 * 30 + 4 + 4 <= 98
    idle_unwatched = hourly_cost(state(watched=False))
    assert idle_unwatched <= 3 * 4 + 2 + 1
    busy_unwatched = hourly_cost(state(watched=False, running={A: 9, B: 6, C: 4}))
    assert busy_unwatched <= 3 * 60 + 2 + 1


def test_a_kind_that_just_went_quiet_keeps_its_cadence_for_a_while() -> None:
    lingering = tuple(
        KindState(k, running=0, idle_for=120.0, history_complete=True, listed=True) for k in (A, B, C)
    )
    tick = plan_tick(state(now=1006.0, kinds=lingering), PLAN)
    assert ops(tick) == [(NEWEST, A), (NEWEST, B), (NEWEST, C)]
    quiet = tuple(
        KindState(k, running=0, idle_for=PLAN.linger + 1, history_complete=True, listed=True)
        for k in (A, B, C)
    )
    assert plan_tick(state(now=1006.0, kinds=quiet), PLAN).calls == ()
    tick = plan_tick(state(now=1180.0, kinds=quiet), PLAN)
    assert ops(tick) == [(NEWEST, A), (NEWEST, B), (NEWEST, C)]
    assert {c.page_size for c in tick.calls} == {25} and all(c.follow_pages for c in tick.calls)


def test_nobody_watching_slows_every_cadence() -> None:
    assert plan_tick(state(now=1059.0, watched=False, running={A: 3}), PLAN).calls == ()
    assert ops(plan_tick(state(now=1060.0, watched=False, running={A: 3}), PLAN)) == [(NEWEST, A)]
    assert plan_tick(state(now=1000 + 899, watched=False), PLAN).calls == ()
    tick = plan_tick(state(now=1000 + 900, watched=False), PLAN)
    assert ops(tick) == [(NEWEST, A), (NEWEST, B), (NEWEST, C)]


def test_tasks_pcwatch_started_are_followed_by_id_every_2_s_ten_a_call() -> None:
    own = tuple(f"task-{n:03d}" for n in range(12))
    ks = (KindState(A, running=15, own=own, history_complete=True, listed=True),)
    tick = plan_tick(state(now=1002.0, kinds=ks, sources={own_source(A): SourceTimes(1000.0)}), PLAN)
    assert [(c.op, len(c.task_ids)) for c in tick.calls][:2] == [(OWN, 10), (OWN, 2)]
    assert tick.calls[0].task_ids == own[:10]
    # Watched or not: a task the user started is followed closely.
    unwatched = plan_tick(
        state(now=1002.0, kinds=ks, watched=False, sources={own_source(A): SourceTimes(1000.0)}), PLAN
    )
    assert [c.op for c in unwatched.calls][:2] == [OWN, OWN]


def test_first_listing_of_each_kind_then_history_pages_then_invitations() -> None:
    fresh = tuple(KindState(k) for k in (A, B, C))
    tick = plan_tick(state(kinds=fresh, last=None), PLAN)
    assert ops(tick) == [
        (ACTIVE, A),
        (ACTIVE, B),
        (ACTIVE, C),
        (HISTORY, A),
        (HISTORY, B),
        (HISTORY, C),
        (INVITATIONS, None),
    ]
    assert tick.calls[-1].full  # every page (the new ones among them)
    assert {c.page_size for c in tick.calls if c.op == HISTORY} == {1000}


def test_unsettled_tasks_are_looked_up_slowly() -> None:
    ks = (KindState(A, unsettled=("task-x",), history_complete=True, listed=True),)
    key = "unsettled:" + A
    assert plan_tick(state(now=1059.0, kinds=ks, sources={key: SourceTimes(1000.0)}), PLAN).calls == ()
    tick = plan_tick(state(now=1060.0, kinds=ks, sources={key: SourceTimes(1000.0)}), PLAN)
    assert [(c.op, c.task_ids) for c in tick.calls] == [(UNSETTLED, ("task-x",))]


def test_jobs_opened_at_once_others_one_a_minute_while_watched() -> None:
    tick = plan_tick(state(now=1001.0, jobs_wanted=("job-a", "job-b"), job_next="job-c"), PLAN)
    assert ops(tick) == [(JOB, "job-a"), (JOB, "job-b")]
    assert tick.calls[0].source == job_source("job-a")
    tick = plan_tick(state(now=1060.0, job_next="job-c"), PLAN)
    assert ops(tick) == [(JOB, "job-c")] and tick.calls[0].source == JOBS
    assert plan_tick(state(now=5000.0, job_next="job-c", watched=False), PLAN).calls[-1].op != JOB


def test_a_failing_source_waits_alone_and_a_hold_stops_them_all() -> None:
    sources = {A: SourceTimes(1000.0, retry_at=1030.0), B: SourceTimes(1000.0), C: SourceTimes(1000.0)}
    tick = plan_tick(state(now=1006.0, running={A: 1, B: 1, C: 1}, sources=sources), PLAN)
    assert ops(tick) == [(NEWEST, B), (NEWEST, C)]
    held = plan_tick(state(now=1006.0, running={A: 1, B: 1}, not_before=1010.0), PLAN)
    assert held.calls == () and held.wake_at == 1010.0
    gone = {job_source("job-x"): SourceTimes(1000.0, retry_at=math.inf)}
    assert plan_tick(state(now=1001.0, jobs_wanted=("job-x",), sources=gone), PLAN).calls == ()


def test_pace_spends_freely_above_the_reserve_and_slows_as_the_allowance_empties() -> None:
    assert pace(10_000, 10_000, 1800, PLAN) == 1.0
    assert pace(2_500, 10_000, 1800, PLAN) == 1.0
    below = pace(2_000, 10_000, 1800, PLAN)
    assert below == pytest.approx(1800 / (10_000 / 24 * 2000 / 2500))
    assert pace(200, 10_000, 1800, PLAN) > below * 9
    assert pace(0, 10_000, 1800, PLAN) == math.inf


def test_saving_stretches_cadences_and_the_history_and_jobs_wait() -> None:
    tight = state(now=1006.0, running={A: 1, B: 1, C: 1}, left=1000, job_next="job-c")
    tick = plan_tick(tight, PLAN)
    assert tick.stretch > 1 and tick.calls == ()
    assert tick.wake_at == pytest.approx(1000.0 + 6 * tick.stretch)
    history = (KindState(A, running=1, history_complete=False, listed=True),)
    assert HISTORY not in [c.op for c in plan_tick(state(kinds=history, left=1000, last=None), PLAN).calls]
    assert HISTORY in [c.op for c in plan_tick(state(kinds=history, last=None), PLAN).calls]
    # What the user opened is fetched anyway.
    assert ops(plan_tick(state(now=1001.0, left=1000, jobs_wanted=("job-a",)), PLAN)) == [(JOB, "job-a")]


def test_departed_are_the_running_tasks_the_page_did_not_show() -> None:
    assert departed({"a", "b", "c"}, {"b", "x"}) == ["a", "c"]


# --- events: a wake-up is an input of the plan; a live queue relaxes the timers ----------------------


def test_a_live_events_queue_relaxes_the_timers_to_about_10_calls_an_hour_idle() -> None:
    for watched in (True, False):
        assert hourly_cost(state(watched=watched, events_live=True)) <= 12
    # A running kind: once a minute, watched or not (a FAILED task publishes no event).
    busy = state(now=1059.0, running={A: 3}, events_live=True)
    assert plan_tick(busy, PLAN).calls == ()
    assert ops(plan_tick(state(now=1060.0, running={A: 3}, events_live=True), PLAN)) == [(NEWEST, A)]
    # The queue fails: the normal cadence at once.
    assert ops(plan_tick(state(now=1006.0, running={A: 3}, events_live=False), PLAN)) == [(NEWEST, A)]


def test_what_an_event_wakes_up_is_due_now_whatever_its_cadence() -> None:
    tick = plan_tick(state(now=1001.0, events_live=True, kinds_woken=frozenset({B})), PLAN)
    assert ops(tick) == [(NEWEST, B)]
    tick = plan_tick(state(now=1001.0, events_live=True, invitations_woken=True), PLAN)
    assert [(c.op, c.source) for c in tick.calls] == [(INVITATIONS, INVITATIONS_SOURCE)]
    tick = plan_tick(state(now=1001.0, events_live=True, jobs_wanted=("job-1",)), PLAN)
    assert [(c.op, c.job_id) for c in tick.calls] == [(JOB, "job-1")]


def test_a_task_an_event_names_is_looked_up_by_id_unless_its_kind_is_listed_anyway() -> None:
    named = {A: ("task-1",)}
    tick = plan_tick(state(now=1001.0, running={A: 3}, events_live=True, tasks_named=named), PLAN)
    assert [(c.op, c.source, c.task_ids) for c in tick.calls] == [(NAMED, event_source(A), ("task-1",))]
    tick = plan_tick(state(now=1060.0, running={A: 3}, events_live=True, tasks_named=named), PLAN)
    assert ops(tick) == [(NEWEST, A)]  # its page shows the task's end too


def test_a_woken_source_still_keeps_its_backoff_and_the_accounts_hold() -> None:
    failing = {B: SourceTimes(1000.0, retry_at=1030.0)}
    tick = plan_tick(state(now=1001.0, events_live=True, kinds_woken=frozenset({B}), sources=failing), PLAN)
    assert tick.calls == () and tick.wake_at == 1030.0
    held = state(now=1001.0, events_live=True, kinds_woken=frozenset({B}), not_before=1010.0)
    assert plan_tick(held, PLAN).calls == ()


def test_with_events_pacing_sets_calls_aside_for_the_wake_ups() -> None:
    low = state(now=1060.0, running={A: 3}, left=250, events_live=True)  # a tenth of the reserve left
    no_reserve = dataclasses.replace(PLAN, events_reserve=0.0)
    assert plan_tick(low, PLAN).stretch > plan_tick(low, no_reserve).stretch > 1.0
    # Plenty left: the timers as they are.
    assert plan_tick(state(now=1060.0, running={A: 3}, events_live=True), PLAN).stretch == 1.0


# --- the new families (issue 24) --------------------------------------------------------------------

P = "ProspectingFromEngagement"
OPP, ACCT = "OpportunityBulkJob", "CustomerAccountBulkJob"


def families(*, running: dict[str, int] | None = None, **changes: object) -> PlanInput:
    """The three task kinds and the prospecting tasks idle, both bulk families listed, every source last
    called at 1000 (the slow lane never yet)."""
    base = state(**changes)  # type: ignore[arg-type]
    running = running or {}
    sources = dict(base.sources)
    for key in (P, OPP, ACCT):
        sources.setdefault(key, SourceTimes(1000.0))
    return dataclasses.replace(
        base,
        kinds=(*base.kinds, KindState(P, running=running.get(P, 0), history_complete=True, listed=True)),
        bulk=tuple(BulkState(k, running=running.get(k, 0), listed=True) for k in (OPP, ACCT)),
        sources=sources,
    )


def test_the_idle_new_families_share_one_slow_lane_the_stalest_first() -> None:
    s = families()
    early = plan_tick(dataclasses.replace(s, now=2799.0), PLAN)
    assert [c for c in early.calls if c.source == SLOW_LANE] == []  # (30 min from their first listings)
    times = dict(s.sources)
    seen = []
    for now in (2800.0, 4600.0, 6400.0, 8200.0):
        tick = plan_tick(dataclasses.replace(s, now=now, sources=times), PLAN)
        lane = [c for c in tick.calls if c.source == SLOW_LANE]
        assert len(lane) == 1, tick.calls
        seen.append(lane[0].kind)
        times[SLOW_LANE] = SourceTimes(now)
        times[lane[0].kind] = SourceTimes(now)  # (the poller marks its family called too)
    assert sorted(seen[:3]) == sorted([P, OPP, ACCT]) and seen[3] == seen[0]
    assert [
        c.op for c in plan_tick(dataclasses.replace(s, now=2800.0), PLAN).calls if c.source == SLOW_LANE
    ] in (
        [NEWEST],
        [BULK_LIST],
    )
    # Each family comes round every 90 minutes: that is the header's pace of the looks.
    assert plan_tick(dataclasses.replace(s, now=2800.0), PLAN).scan_every == 3 * 1800.0


def test_a_woken_or_failing_family_leaves_the_lane_and_a_running_one_is_listed_every_6_s() -> None:
    woken = plan_tick(families(now=1001.0, bulk_woken=frozenset({OPP})), PLAN)
    assert [(c.source, c.op, c.kind) for c in woken.calls] == [(OPP, BULK_LIST, OPP)]
    failing = families(now=1001.0, sources={ACCT: SourceTimes(1000.0, retry_at=1030.0)})
    assert plan_tick(failing, PLAN).calls == ()
    # (its backoff decides, not the lane's turn)
    assert [c.kind for c in plan_tick(dataclasses.replace(failing, now=1030.0), PLAN).calls] == [ACCT]
    busy = plan_tick(families(now=1006.0, running={OPP: 1}), PLAN)
    assert [(c.source, c.op, c.page_size) for c in busy.calls] == [(OPP, BULK_LIST, 100)]
    unwatched = families(now=1006.0, running={OPP: 1}, watched=False)
    assert plan_tick(unwatched, PLAN).calls == ()
    assert [c.kind for c in plan_tick(dataclasses.replace(unwatched, now=1060.0), PLAN).calls] == [OPP]


def test_what_users_ask_for_is_due_at_once_never_counted_nor_skipped_while_saving() -> None:
    asked = families(
        now=1001.0,
        left=100,  # (saving hard: the cadences are stretched, the history and jobs nobody asked wait)
        results_wanted=(("job-1", OPP),),
        reports_wanted=(("job-2", ACCT),),
        prospecting=(Followed("task-p", P, stale=True, running=True),),
        jobs_to_find=("job-9",),
    )
    tick = plan_tick(asked, PLAN)
    assert tick.stretch > 1
    assert {(c.op, c.job_id or c.task_ids[0]) for c in tick.calls} == {
        (RESULTS, "job-1"),
        (REPORT, "job-2"),
        (ENGAGEMENTS, "task-p"),
        (FIND, "job-9"),
    }
    assert all(c.page_size == PLAN.history_page_size for c in tick.calls if c.op == RESULTS)
    quiet = dataclasses.replace(asked, results_wanted=(), reports_wanted=(), prospecting=(), jobs_to_find=())
    # Not counted in the pace: the stretch is the same with or without them.
    assert plan_tick(quiet, PLAN).stretch == tick.stretch
    # A fresh outcome of a running task: again every prospecting_interval, not at once.
    fresh = dataclasses.replace(
        quiet,
        now=1001.0,
        prospecting=(Followed("task-p", P, stale=False, running=True),),
        sources={**quiet.sources, engagements_source("task-p"): SourceTimes(1000.0)},
    )
    assert plan_tick(fresh, PLAN).calls == ()
    later = dataclasses.replace(fresh, now=1000.0 + PLAN.prospecting_interval)
    assert [c.op for c in plan_tick(later, PLAN).calls] == [ENGAGEMENTS]


def test_a_job_someone_opened_is_the_first_call_of_the_next_tick() -> None:
    """(issue 25: a selected task's job came minutes late) Ahead of the kinds' pages, the tasks pcwatch
    started, the invitations and the history, whatever their cadence."""
    due = state(
        now=2000.0,
        running={A: 2, B: 1},
        kinds=(
            KindState(A, running=2, own=("task-own",), history_complete=False, listed=True),
            *kinds({B: 1})[1:],
        ),
        jobs_wanted=("job-opened",),
        job_next="job-fresh",
    )
    calls = plan_tick(due, PLAN).calls
    assert len(calls) > 4 and {OWN, NEWEST, INVITATIONS, HISTORY} <= {c.op for c in calls}
    assert (calls[0].op, calls[0].job_id, calls[0].source) == (JOB, "job-opened", job_source("job-opened"))

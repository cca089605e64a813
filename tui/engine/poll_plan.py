"""The poll plan: which calls to make now, as a pure function of what is known (`PlanInput`: the kinds'
running and own tasks, each source's last call and backoff, who watches, the allowance left, the clock)
-> `TickPlan` (the calls, in order, and when to look again). No I/O; the poller carries the calls out.

The calls are spent by value:

- a kind with running tasks (or that had some in the last `linger` seconds: a busy kind's next task
  comes soon, and would otherwise wait for the slow scan): one newest-first page (MaxResults 100) shows
  its new tasks *and* the ends of its running ones; only running tasks that are not on that page are
  looked up by `TaskIdentifier` (the poller does that at once, from the page: `departed`). Every
  `watched_interval` (6 s) while someone watches, every `unwatched_interval` (60 s) when nobody does;
- tasks pcwatch started (its own writes): by `TaskIdentifier` every `own_interval` (2 s) until they end;
- a kind with nothing running: a small newest-first page every `scan_interval` (2 min) watched,
  `unwatched_scan_interval` (15 min) not, paging on only while every task on it is new;
- snapshot jobs: those the user opened at once, ahead of every other call of the tick (the poller is
  woken for them); others (first seen, or still Running) one per `job_interval` while watched and not
  saving (see `tui.engine.job_queue`);
- pending invitations: the newest first until a known one every 15 minutes watched (30 not), and the
  sweep through every page (which drops those no longer pending) a page a turn, every 15 minutes watched
  (an hour not; see `tui.engine.invitation_listings`); when its next turn starts a pass, its page is the
  newest and the look is not made beside it;
- the history once, a page a second, while not saving;
- prospecting tasks (a fourth task kind, `slow_scan_kinds`): listed like the others while some run (the
  page shows their engagement counts), but looked at for new ones only in the slow lane (below); its
  list has no status filter, so its first listing is its newest page (and the running ones known by id). A selected one's per-engagement
  outcomes (`Engine.want_prospecting`): at once, again when its counts change, and every
  `prospecting_interval` while it runs;
- bulk jobs, per family (`BulkState`): while one runs, the family's newest page (it shows their
  progress) at the running cadence (`watched_interval` watched, `unwatched_interval` not), running jobs
  not on it by id; with none running, a look for new ones in the slow lane, paging on while every job on
  the page is new; the first listing of a process goes back until a known job (the whole list, once per
  journal). A job pcwatch started (`follow_job`): by id every
  `own_bulk_interval` until it ends. A job's per-record results only when asked (`want_results`), a page
  a `backfill_interval`, and its report URL (`want_report_url`), again every `report_interval` while the
  service is still making it;
- the slow lane: the idle prospecting tasks and bulk job families share one look every
  `slow_scan_interval` (30 min) watched, an hour not, at the family looked at longest ago: each of the
  three every 90 minutes watched (an event, or a failure's backoff, takes a family out of the lane).
  While the jobs view is shown it asks for a look at both bulk families (`Engine.want_bulk_jobs`, as an
  event wakes them: `bulk_woken`) on opening and every `BULK_LOOK_EVERY` (2 min): a job started
  elsewhere shows within 2 minutes there, for 2 calls a look (about 156 calls an idle hour with the view
  shown, against 100 with the tasks' view).

Events (`PlanInput.events_live`: an EventBridge -> SQS queue answers, see `tui.engine.event_consumer`): what
an event points at is due now (`kinds_woken`, `tasks_named`, `invitations_woken`, `bulk_woken`, and its
snapshot jobs in `jobs_wanted`), whatever its cadence; and the timers relax to a safety net (a FAILED
task publishes no event): a kind with running tasks every `events_busy_interval` (1 min) whoever
watches, the look for new tasks every `events_scan_interval` (20 min), the new invitations and the
sweep's turns hourly, the slow lane every `events_slow_scan_interval` (40 min): about 11.5 calls an hour
idle. When the queue fails, `events_live` is False and the cadences
above return at once. (A running bulk job's progress publishes no event: it keeps its cadence.)

The idle hour, watched, with every family known and nothing running: the three task kinds' looks every 2
minutes (90 calls), the invitations' (the look and the sweep's turns every 15 minutes: 8; 4 when the
pending invitations fit on one page, as the look rides on the sweep's first page) and the slow lane's
(2): 100 calls at most.

Pacing (`pace`): the allowance is a rolling 24 hours, not an even drip. While more than `reserve_fraction`
(a quarter) of it is left, the cadences above apply as they are. Below that the plan saves: every cadence
is stretched so that the planned calls come to at most the day's average rate scaled by what is left of
the reserve (the closer to empty, the slower), the history and the non-urgent jobs wait.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from schemas import TaskKind
from tui.core.settings import Settings

from .call_ledger import DAY, HOUR

#: What a planned call does.
ACTIVE = "active"  # List…Tasks TaskStatus=IN_PROGRESS (a kind's first listing in this process)
NEWEST = "newest"  # List…Tasks newest first (then TaskIdentifier for running tasks not on the page)
OWN = "own"  # List…Tasks TaskIdentifier: tasks pcwatch started
NAMED = "named"  # List…Tasks TaskIdentifier: running tasks an event named
UNSETTLED = "unsettled"  # List…Tasks TaskIdentifier: tasks in a status this version does not know
HISTORY = "history"  # List…Tasks newest first, 1000 a page, from where the last page ended
JOB = "job"  # GetResourceSnapshotJob
INVITATIONS = "invitations"  # ListEngagementInvitations PENDING, newest first (`full`: the sweep's next page)
BULK_LIST = "bulk"  # List<Kind>s newest first (then running jobs not on the page, by id)
BULK_OWN = "bulk-own"  # bulk jobs pcwatch started, by id (`task_ids`: their ids)
RESULTS = "results"  # List<Kind>Results: the next page of a job's per-record results
REPORT = "report"  # Get<Kind>ReportUrl
ENGAGEMENTS = "engagements"  # GetProspectingFromEngagementTask (`task_ids`: the one task)
FIND = "find"  # a bulk job asked for that no listing has shown: by id in each family

#: The sources that are not a kind's (a kind's own source is named by the kind).
JOBS = "jobs"
INVITATIONS_SOURCE = "invitations"
SWEEP_SOURCE = "sweep:invitations"


def own_source(kind: str) -> str:
    return f"own:{kind}"


def history_source(kind: str) -> str:
    return f"history:{kind}"


def unsettled_source(kind: str) -> str:
    return f"unsettled:{kind}"


def job_source(job_id: str) -> str:
    return f"job:{job_id}"


def event_source(kind: str) -> str:
    return f"event:{kind}"


def results_source(job_id: str) -> str:
    return f"results:{job_id}"


def report_source(job_id: str) -> str:
    return f"report:{job_id}"


def engagements_source(task_id: str) -> str:
    return f"engagements:{task_id}"


def find_source(job_id: str) -> str:
    return f"find:{job_id}"


#: The slow lane's source: one look at a time at the prospecting tasks or a bulk job family (see
#: `PollPlan.slow_scan_kinds`); a call in it answers for that family's own source too.
SLOW_LANE = "slow-lane"


@dataclass(frozen=True)
class PollPlan:
    """The knobs of the poll plan. Intervals in seconds of the injected clock."""

    #: A kind with running tasks, while someone watches (three kinds: 1,800 calls an hour).
    watched_interval: float = 6.0
    #: A kind with running tasks while nobody watches.
    unwatched_interval: float = 60.0
    #: Tasks pcwatch itself started, until they end.
    own_interval: float = 2.0
    #: A kind keeps the cadence of running tasks this long after its last one ended.
    linger: float = 600.0
    #: New tasks of a kind with none running: watched, and not. Watched, every 2 minutes: a task that
    #: starts and ends between two looks is seen at the second, so no end is seen more than 2 minutes
    #: late even on an idle account (three kinds: 90 calls an hour; with the invitations 96.5).
    scan_interval: float = 120.0
    unwatched_scan_interval: float = 900.0
    #: Tasks in a status this version does not know: refreshed by id this often.
    unsettled_interval: float = 60.0
    #: New pending invitations (newest first, until a known one), watched and not.
    invitation_interval: float = 900.0
    unwatched_invitation_interval: float = 1800.0
    #: The sweep through every pending invitation (those accepted, rejected or expired elsewhere drop out):
    #: one page (or one look-up of what the last pass missed) per this many seconds, watched and not.
    #: Watched and idle, 3 kinds every 2 minutes, the look and the sweep: 98 calls an hour at most.
    invitation_sweep_interval: float = 900.0
    unwatched_invitation_sweep_interval: float = 3600.0
    #: One snapshot job (first seen, or due a refresh) per this many seconds, while watched.
    job_interval: float = 60.0
    #: A Running job of a task seen ending is fetched again this often, for `job_follow_window`.
    job_refresh_interval: float = 900.0
    job_follow_window: float = 3600.0
    #: Jobs waiting for their first fetch, newest first, at most this many and this old; the others are
    #: fetched when opened.
    job_queue_limit: int = 30
    job_fresh_window: float = 600.0
    #: The kinds whose look for new work is slow: the prospecting tasks (one task converts many
    #: engagements, for minutes or hours; a look every 2 minutes like the other kinds' would cost 30 calls
    #: an hour more idle). They and the bulk job families, while none of theirs runs, share one lane: one
    #: look every `slow_scan_interval` (30 min) watched, `unwatched_slow_scan_interval` (an hour) not, at
    #: the family looked at longest ago (each family every 90 minutes watched): 2 calls an hour, what the
    #: idle hour's 100 leaves once the task kinds and the invitations have theirs.
    slow_scan_kinds: frozenset[str] = frozenset({TaskKind.PROSPECTING_FROM_ENGAGEMENT})
    slow_scan_interval: float = 1800.0
    unwatched_slow_scan_interval: float = 3600.0
    #: Bulk jobs pcwatch started, by id until they end (whoever watches).
    own_bulk_interval: float = 6.0
    #: A selected running prospecting task's outcomes, again (at once too when its counts change).
    prospecting_interval: float = 60.0
    #: A report the service is still making: asked again this often.
    report_interval: float = 10.0
    #: One history page per kind per this many seconds (the rate limit applies too); one page of a bulk
    #: job's results as often.
    backfill_interval: float = 1.0
    newest_page_size: int = 100
    scan_page_size: int = 25
    history_page_size: int = 1000
    #: Below this share of the allowance left, the plan saves (see `pace`)...
    reserve_fraction: float = 0.25
    #: ...but not below this many calls an hour while any is left.
    min_calls_per_hour: float = 4.0
    #: With a live events queue (events wake the poller up): a kind with running tasks, watched or not (a
    #: FAILED task publishes no event: this bounds how late a failure is seen)...
    events_busy_interval: float = 60.0
    #: ...the look for new tasks of a kind with none running, and tasks in a status this version does not
    #: know, and the new invitations (their own events say when they change): 3 kinds every 20 minutes
    #: and the invitations hourly, about 10 calls an hour idle...
    events_scan_interval: float = 1200.0
    events_invitation_interval: float = 3600.0
    #: ...and the slow lane's look (prospecting tasks, bulk jobs) every 40 minutes, each family every 2 hours
    #: (an opportunity bulk job's records' events wake its family's listing; a customer-account job's and
    #: a prospecting task's publish none pcwatch receives): 1.5 calls an hour...
    events_slow_scan_interval: float = 2400.0
    #: ...and pacing counts this many calls an hour for the polls events ask for: a low allowance
    #: stretches the timers first and leaves room for them.
    events_reserve: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> PollPlan:
        """`fast_interval` is the watched cadence of a kind with running tasks; `slow_interval` the
        unwatched one, and the slow checks scale with it (a test's short intervals shorten them all)."""
        slow = settings.slow_interval
        return cls(
            watched_interval=settings.fast_interval,
            unwatched_interval=slow,
            unsettled_interval=slow,
            scan_interval=slow * 2,
            unwatched_scan_interval=slow * 15,
            invitation_interval=slow * 15,
            unwatched_invitation_interval=slow * 30,
            invitation_sweep_interval=slow * 15,
            unwatched_invitation_sweep_interval=slow * 60,
            slow_scan_interval=slow * 30,
            unwatched_slow_scan_interval=slow * 60,
            own_bulk_interval=settings.fast_interval,
            prospecting_interval=slow,
        )


@dataclass(frozen=True)
class KindState:
    """What the plan knows of one kind."""

    kind: str
    #: Tasks known IN_PROGRESS.
    running: int = 0
    #: Seconds since the kind last had running tasks (0 while it has; None: not in this process).
    idle_for: float | None = None
    #: Of those, the ones pcwatch started.
    own: tuple[str, ...] = ()
    #: Tasks in a status this version does not know.
    unsettled: tuple[str, ...] = ()
    history_complete: bool = False
    #: Listed at least once by this process (the first listing is of its IN_PROGRESS tasks).
    listed: bool = False


@dataclass(frozen=True)
class BulkState:
    """What the plan knows of one bulk job family."""

    kind: str
    #: Jobs known not finished.
    running: int = 0
    #: Of those, the ones pcwatch started.
    own: tuple[str, ...] = ()
    #: Listed at least once by this process.
    listed: bool = False


@dataclass(frozen=True)
class Followed:
    """A prospecting task someone selected: its outcomes are due now when `stale` (never fetched, or its
    counts changed since), and every `prospecting_interval` while it runs."""

    task_id: str
    kind: str
    stale: bool = True
    running: bool = False


@dataclass(frozen=True)
class SourceTimes:
    """A source's clock: its last call (monotonic seconds) and, while it fails, when to try again
    (its own backoff, sooner or later than its cadence; inf: not on a timer)."""

    last_call: float | None = None
    retry_at: float = -math.inf


@dataclass(frozen=True)
class PlanInput:
    now: float
    watched: bool
    kinds: tuple[KindState, ...]
    #: The daily allowance and what is left of it over the rolling 24 hours.
    limit: int
    calls_left: int
    sources: Mapping[str, SourceTimes] = field(default_factory=dict)
    #: Jobs to fetch at once (the user opened their task), and the next one waiting its turn.
    jobs_wanted: tuple[str, ...] = ()
    job_next: str | None = None
    #: Nothing before this (throttling, credentials, the network: the whole account waits).
    not_before: float = -math.inf
    #: An events queue answers: the timers relax (`PollPlan.events_*`).
    events_live: bool = False
    #: What events asked for (`tui.engine.event_signals.Wakeup`, resolved by the poller), due now: kinds to
    #: list, running tasks to look up by id (kind -> ids; not if their kind is listed this tick anyway),
    #: the new invitations. (The snapshot jobs events name are in `jobs_wanted`.)
    kinds_woken: frozenset[str] = frozenset()
    tasks_named: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: The sweep's next turn starts a pass: its page is the newest, so the look for new invitations is
    #: not made beside it.
    sweep_starts: bool = True
    invitations_woken: bool = False
    #: The bulk job families, and those events woke up.
    bulk: tuple[BulkState, ...] = ()
    bulk_woken: frozenset[str] = frozenset()
    #: What users asked for: jobs' results (job id, kind), being fetched a page at a time; reports
    #: (job id, kind); prospecting tasks selected.
    results_wanted: tuple[tuple[str, str], ...] = ()
    reports_wanted: tuple[tuple[str, str], ...] = ()
    prospecting: tuple[Followed, ...] = ()
    #: Jobs asked for that no listing has shown: looked up by id, once.
    jobs_to_find: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlannedCall:
    source: str
    op: str
    kind: str | None = None
    task_ids: tuple[str, ...] = ()
    job_id: str | None = None
    page_size: int = 0
    #: NEWEST: page on while every task on the page is new (only once the kind's history is in).
    follow_pages: bool = False
    #: INVITATIONS: every page (not only until a known invitation).
    full: bool = False


@dataclass(frozen=True)
class TickPlan:
    calls: tuple[PlannedCall, ...]
    #: Monotonic time the next source falls due (the poller sleeps until then, or until woken).
    wake_at: float
    #: ≥ 1: how much the cadences were stretched to save the allowance (1: not saving).
    stretch: float = 1.0
    #: Seconds each kind's new-task look is due every, at this tier and pace (for the header's lag).
    scan_every: float = 0.0


def chunks(items: Sequence[str], size: int = 10) -> list[tuple[str, ...]]:
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


def pace(calls_left: int, limit: int, planned_per_hour: float, plan: PollPlan) -> float:
    """How much to stretch every cadence (≥ 1; inf with nothing left). While more than the reserve is
    left, 1. Below it the planned calls may come to the day's average rate scaled by the share of the
    reserve left: spending slows as the allowance empties and recovers as calls leave the window; but
    while any call is left, never below `min_calls_per_hour` (the kinds' looks stay within the hour,
    rather than the whole plan going blind for hours as the last calls are eked out)."""
    reserve = limit * plan.reserve_fraction
    if calls_left >= reserve or planned_per_hour <= 0:
        return 1.0
    if calls_left <= 0:
        return math.inf
    allowed = max(limit / (DAY / HOUR) * calls_left / reserve, plan.min_calls_per_hour)
    return max(1.0, planned_per_hour / allowed)


@dataclass(frozen=True)
class _Want:
    """A source the plan would call every `interval` seconds (before stretching), with these calls."""

    key: str
    interval: float
    calls: tuple[PlannedCall, ...]
    #: Skipped while saving (the history, jobs nobody asked for).
    only_when_not_saving: bool = False
    #: Counted in the planned rate that pacing compares with the allowance (the recurring polling; not
    #: the one-off history or what the user asked for).
    counted: bool = True
    stretchable: bool = True
    #: Due now, whatever its cadence (an event woke it up); its backoff and a hold still apply.
    woken: bool = False
    #: Skipped if this source's calls are in the tick anyway (a kind's page shows what its tasks by id would).
    unless: str | None = None
    #: A candidate of the slow lane (not a want of its own: `_slow_lane` makes the lane's one).
    lane: bool = False
    #: How often the looks of the lane come round to each family (the header's `scan_every`).
    looks_every: float = 0.0
    #: Its last call, as far as its cadence goes, when its source has had none.
    anchor: float | None = None


def _kind_wants(k: KindState, state: PlanInput, plan: PollPlan) -> tuple[list[_Want], list[_Want]]:
    """A kind's polling, and its history (which comes after the urgent jobs)."""
    watched, live, woken = state.watched, state.events_live, k.kind in state.kinds_woken
    wants = []
    if k.own:
        key = own_source(k.kind)
        wants.append(
            _Want(key, plan.own_interval, tuple(PlannedCall(key, OWN, k.kind, c) for c in chunks(k.own)))
        )
    if not k.listed:
        call = PlannedCall(k.kind, ACTIVE, k.kind, page_size=plan.newest_page_size)
        wants.append(_Want(k.kind, 0.0, (call,), counted=False))
    elif k.running or (k.idle_for is not None and k.idle_for < plan.linger):
        every = plan.watched_interval if watched else plan.unwatched_interval
        every = max(every, plan.events_busy_interval) if live else every
        call = PlannedCall(
            k.kind, NEWEST, k.kind, page_size=plan.newest_page_size, follow_pages=k.history_complete
        )
        wants.append(_Want(k.kind, every, (call,), woken=woken))
    elif k.kind in plan.slow_scan_kinds and k.history_complete:
        call = PlannedCall(k.kind, NEWEST, k.kind, page_size=plan.scan_page_size, follow_pages=True)
        wants += _slow_look(call, state, plan, woken)
    elif k.history_complete or woken:
        every = plan.scan_interval if watched else plan.unwatched_scan_interval
        every = max(every, plan.events_scan_interval) if live else every
        # (while its history loads, the newest page only: the history pages through the rest)
        follow = k.history_complete
        call = PlannedCall(k.kind, NEWEST, k.kind, page_size=plan.scan_page_size, follow_pages=follow)
        wants.append(_Want(k.kind, every, (call,), woken=woken))
    named = state.tasks_named.get(k.kind, ())
    if named:
        key = event_source(k.kind)
        calls = tuple(PlannedCall(key, NAMED, k.kind, c) for c in chunks(list(named)))
        wants.append(_Want(key, 0.0, calls, counted=False, stretchable=False, woken=True, unless=k.kind))
    if k.unsettled:
        key = unsettled_source(k.kind)
        every = max(plan.unsettled_interval, plan.events_scan_interval) if live else plan.unsettled_interval
        calls = tuple(PlannedCall(key, UNSETTLED, k.kind, c) for c in chunks(k.unsettled))
        wants.append(_Want(key, every, calls))
    history = []
    if not k.history_complete:
        key = history_source(k.kind)
        call = PlannedCall(key, HISTORY, k.kind, page_size=plan.history_page_size)
        history.append(_Want(key, plan.backfill_interval, (call,), only_when_not_saving=True, counted=False))
    return wants, history


def _bulk_wants(b: BulkState, state: PlanInput, plan: PollPlan) -> list[_Want]:
    """A bulk family's polling: its jobs pcwatch started, and its listing."""
    watched, woken = state.watched, b.kind in state.bulk_woken
    wants = []
    if b.own:
        key = own_source(b.kind)
        call = PlannedCall(key, BULK_OWN, b.kind, b.own)
        wants.append(_Want(key, plan.own_bulk_interval, (call,), unless=b.kind))
    if not b.listed:
        call = PlannedCall(b.kind, BULK_LIST, b.kind, page_size=plan.newest_page_size, follow_pages=True)
        wants.append(_Want(b.kind, 0.0, (call,), counted=False))
    elif b.running:
        every = plan.watched_interval if watched else plan.unwatched_interval
        call = PlannedCall(b.kind, BULK_LIST, b.kind, page_size=plan.newest_page_size)
        wants.append(_Want(b.kind, every, (call,), woken=woken))
    else:
        call = PlannedCall(b.kind, BULK_LIST, b.kind, page_size=plan.scan_page_size, follow_pages=True)
        wants += _slow_look(call, state, plan, woken)
    return wants


def slow_lane_interval(state: PlanInput, plan: PollPlan) -> float:
    every = plan.slow_scan_interval if state.watched else plan.unwatched_slow_scan_interval
    return max(every, plan.events_slow_scan_interval) if state.events_live else every


def _slow_look(call: PlannedCall, state: PlanInput, plan: PollPlan, woken: bool) -> list[_Want]:
    """An idle slow family's look: its own source when an event woke it or while it fails (its backoff
    decides); else a candidate of the slow lane (`_slow_lane`)."""
    times = state.sources.get(call.source, SourceTimes())
    if woken or times.retry_at != -math.inf:
        return [_Want(call.source, slow_lane_interval(state, plan), (call,), woken=woken)]
    return [_Want(SLOW_LANE, 0.0, (call,), lane=True)]


def _slow_lane(candidates: list[_Want], state: PlanInput, plan: PollPlan) -> list[_Want]:
    """The slow lane: one look a turn, at the candidate looked at longest ago (never first)."""
    if not candidates:
        return []

    def last_look(want: _Want) -> float:
        last = state.sources.get(want.calls[0].source, SourceTimes()).last_call
        return -math.inf if last is None else last

    stalest = min(candidates, key=last_look)
    call = dataclasses.replace(stalest.calls[0], source=SLOW_LANE)
    every = slow_lane_interval(state, plan)
    # (before its first turn, the lane counts from the latest look its families had: their first listings)
    anchor = max(last_look(w) for w in candidates)
    return [
        _Want(
            SLOW_LANE,
            every,
            (call,),
            looks_every=every * len(candidates),
            anchor=None if math.isinf(anchor) else anchor,
        )
    ]


def _wanted_jobs(state: PlanInput) -> list[_Want]:
    """The snapshot jobs users asked for (a task selected): at once, the first calls of the tick (someone
    looks at the pane waiting for it; one call each). Not counted in the pace, never stretched."""
    wants = []
    for job_id in state.jobs_wanted:
        key = job_source(job_id)
        call = PlannedCall(key, JOB, job_id=job_id)
        wants.append(_Want(key, 0.0, (call,), counted=False, stretchable=False))
    return wants


def _asked_wants(state: PlanInput, plan: PollPlan) -> list[_Want]:
    """What else users asked for: prospecting outcomes, a job's results and its report. Not counted in
    the pace and never stretched (someone waits for it)."""
    wants = []
    for f in state.prospecting:
        key = engagements_source(f.task_id)
        every = plan.prospecting_interval if f.running else math.inf
        call = PlannedCall(key, ENGAGEMENTS, f.kind, (f.task_id,))
        wants.append(_Want(key, every, (call,), counted=False, stretchable=False, woken=f.stale))
    for job_id in state.jobs_to_find:
        key = find_source(job_id)
        call = PlannedCall(key, FIND, job_id=job_id)
        wants.append(_Want(key, math.inf, (call,), counted=False, stretchable=False))
    for job_id, kind in state.results_wanted:
        key = results_source(job_id)
        call = PlannedCall(key, RESULTS, kind, job_id=job_id, page_size=plan.history_page_size)
        wants.append(_Want(key, plan.backfill_interval, (call,), counted=False, stretchable=False))
    for job_id, kind in state.reports_wanted:
        key = report_source(job_id)
        call = PlannedCall(key, REPORT, kind, job_id=job_id)
        wants.append(_Want(key, plan.report_interval, (call,), counted=False, stretchable=False))
    return wants


def _wants(state: PlanInput, plan: PollPlan) -> list[_Want]:
    """Every source the plan would call, in the order of their value (the calls of a tick keep it)."""
    kinds = sorted(state.kinds, key=lambda k: (not k.own, not k.running))  # own, then live kinds first
    polling: list[_Want] = _wanted_jobs(state)
    history: list[_Want] = []
    for k in kinds:
        mine, past = _kind_wants(k, state, plan)
        polling += mine
        history += past
    for b in sorted(state.bulk, key=lambda b: (not b.own, not b.running)):
        polling += _bulk_wants(b, state, plan)
    lane = [w for w in polling if w.lane]
    polling = [w for w in polling if not w.lane] + _slow_lane(lane, state, plan)
    polling += _asked_wants(state, plan)
    polling += history
    if state.watched and state.job_next is not None and state.job_next not in state.jobs_wanted:
        call = PlannedCall(JOBS, JOB, job_id=state.job_next)
        polling.append(_Want(JOBS, plan.job_interval, (call,), only_when_not_saving=True))
    every = plan.invitation_interval if state.watched else plan.unwatched_invitation_interval
    every = max(every, plan.events_invitation_interval) if state.events_live else every
    call = PlannedCall(INVITATIONS_SOURCE, INVITATIONS)
    polling.append(_Want(INVITATIONS_SOURCE, every, (call,), woken=state.invitations_woken))
    every = plan.invitation_sweep_interval if state.watched else plan.unwatched_invitation_sweep_interval
    every = max(every, plan.events_invitation_interval) if state.events_live else every
    sweep = PlannedCall(SWEEP_SOURCE, INVITATIONS, full=True)
    polling.append(_Want(SWEEP_SOURCE, every, (sweep,)))
    return polling


def plan_tick(state: PlanInput, plan: PollPlan) -> TickPlan:
    """The calls due now, in order of value, and when the next source falls due after them (assuming
    they are made now)."""
    wants = _wants(state, plan)
    planned = sum(len(w.calls) * HOUR / w.interval for w in wants if w.counted and w.interval > 0)
    if state.events_live:
        planned += plan.events_reserve
    stretch = pace(state.calls_left, state.limit, planned, plan)
    saving = stretch > 1.0
    now = state.now
    calls: list[PlannedCall] = []
    wake_at = math.inf
    kinds = {k.kind for k in state.kinds}
    scan_every = 0.0
    planned_now: set[str] = set()
    for want in wants:
        if want.only_when_not_saving and saving:
            continue
        if want.unless is not None and want.unless in planned_now:
            continue
        times = state.sources.get(want.key, SourceTimes())
        interval = want.interval * (stretch if want.stretchable else 1.0)
        if want.key in kinds:
            scan_every = max(scan_every, interval)
        elif want.looks_every and any(c.kind in kinds for c in want.calls):
            scan_every = max(scan_every, want.looks_every * (stretch if want.stretchable else 1.0))
        if times.retry_at != -math.inf:  # failing: its backoff decides
            due = times.retry_at
        elif want.woken:
            due = -math.inf
        else:
            last = times.last_call if times.last_call is not None else want.anchor
            due = -math.inf if last is None else last + interval
        due = max(due, state.not_before)
        if due <= now:
            calls.extend(want.calls)
            planned_now.add(want.key)
            due = max(now + interval, times.retry_at, state.not_before)
        wake_at = min(wake_at, due)
    if state.sweep_starts and any(c.full for c in calls):  # (the newest page: the new ones are on it)
        calls = [c for c in calls if c.source != INVITATIONS_SOURCE]
    if math.isinf(wake_at):  # (nothing at all to poll: cannot happen while there are kinds)
        wake_at = now + plan.unwatched_scan_interval
    return TickPlan(tuple(calls), wake_at, stretch, scan_every)


def departed(running: set[str], page_ids: set[str]) -> list[str]:
    """Running tasks a newest-first page did not show: looked up by TaskIdentifier to learn their end."""
    return sorted(running - page_ids)

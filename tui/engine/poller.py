"""The poller: decides which calls to make, within the request budget, and feeds the store.

Each tick spends calls only where they can change something (see `PollPlan`):

- per kind with running tasks: list its IN_PROGRESS tasks (every tick);
- tasks that left that list: fetched by TaskIdentifier, 10 per call, for their final state;
- per kind, every slow interval: the newest tasks (StartTime descending), paging only until a known task;
  this finds new tasks of an idle kind, and tasks that started and finished between two ticks;
- the history, on a first run, 1000 per page, newest first, as the budget allows (the dashboard fills
  progressively); with a journal it is fetched once and afterwards only back to the newest known task;
- resource snapshot jobs named by tasks: once when first seen live, then slowly while Running; those of
  history tasks only with spare budget; any on demand (`want_job`);
- pending engagement invitations for this account, slowly.

Ticks never overlap. The interval is fast while tasks run and slow when none do, and never shorter than the
budget's pacing allows. Failures never stop the loop: the data stays, the status says stale and why, and
the next attempt waits (exponential backoff with jitter on throttling and faults).

With an events queue (`events=`, see `event_consumer`), events wake the poller up to list exactly the kinds,
invitations and jobs they point at, and while the queue answers the polling itself relaxes: every
`events_busy_interval` while tasks run (a FAILED task publishes no event), one sweep every
`events_sweep_interval` when none do, each kind's scan for new tasks and the invitations only every
`events_scan_interval`. When the queue fails, the normal cadence resumes at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import msgspec

from schemas import (
    TASK_KINDS,
    InvitationStatus,
    TaskStatus,
)
from tui.aws.failures import ApiFailure
from tui.aws.retry import Backoff, extra_attempts, may_retry
from tui.aws.service import TaskReads
from tui.core import logs
from tui.core.clock import Clock, sleep_or_wake
from tui.core.settings import Settings
from tui.core.timefmt import iso

from .budget import RequestBudget
from .event_consumer import EventConsumer, EventsHealth, EventSource
from .event_signals import Wakeup, combined
from .job_queue import SnapshotJobQueue
from .poll_plan import PollPlan
from .status import StatusBoard
from .store import Store, StoreChange
from .task_listings import TaskListings
from .types import PollerStatus

log = logging.getLogger(__name__)

JOBS = "jobs"
INVITATIONS = "invitations"

__all__ = ["INVITATIONS", "JOBS", "PollPlan", "Poller", "PollerStatus"]

T = TypeVar("T")


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Poller(TaskListings):
    def __init__(
        self,
        client: TaskReads,
        store: Store,
        settings: Settings,
        clock: Clock,
        *,
        rng: random.Random | None = None,
        budget: RequestBudget | None = None,
        plan: PollPlan | None = None,
        kinds: Sequence[str] | None = None,
        events: EventSource | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self.settings = settings
        self.clock = clock
        self.plan = plan or PollPlan.from_settings(settings)
        self.budget = budget or RequestBudget(settings.budget, clock)
        self.kinds = list(kinds or TASK_KINDS)
        self._backoff = Backoff(rng or random.Random())
        self._lock = asyncio.Lock()
        self._wake: asyncio.Event | None = None
        self._paused = False
        self._board = StatusBoard(PollerStatus(calls_left_today=settings.budget.daily_calls))
        self._failed: ApiFailure | None = None
        #: The source whose call raised `_failed` (its next success clears the error).
        self._failed_source: str | None = None
        self._polled_active: set[str] = set()
        self._last_scan: dict[str, float] = {}
        #: Kind -> the newest start the last complete scan saw (see `TaskListings._scan_new`).
        self._scan_floor: dict[str, datetime] = {}
        self._last_unsettled: dict[str, float] = {}
        self._history_token: dict[str, str | None] = {}
        self._last_invitations: float | None = None
        self._jobs = SnapshotJobQueue(store, clock, self.plan)
        self._unsubscribe = store.subscribe(self._on_store_change)
        self._in_backfill = False
        self._wakeups: list[tuple[Wakeup, asyncio.Future[bool]]] = []
        #: With events: the kinds woken up for this tick, and when each running kind was last listed.
        self._woken: set[str] = set()
        self._last_active: dict[str, float] = {}
        self._listed_now: set[str] = set()
        self._direct: dict[str, list[str]] = {}
        self.events: EventConsumer | None = None
        if events is not None:
            self.events = EventConsumer(
                events,
                store,
                settings.catalog,
                clock,
                self.wake_for,
                on_health=self._on_events_health,
                rng=random.Random((rng or random.Random()).random()),
            )
            self._update(events="starting")

    # --- public controls ----------------------------------------------------------------------------

    @property
    def status(self) -> PollerStatus:
        return self._board.current

    def subscribe_status(self, callback: Callable[[PollerStatus], None]) -> Callable[[], None]:
        return self._board.subscribe(callback)

    def pause(self) -> None:
        self._paused = True
        self._update(state="paused", next_poll_at=None)

    def resume(self) -> None:
        self._paused = False
        self._update(
            state="stale" if self._failed else ("live" if self._board.current.last_success else "starting")
        )
        self.refresh_now()

    def refresh_now(self) -> None:
        """Poll as soon as the budget allows, including the slow checks (new tasks, invitations)."""
        self._last_scan.clear()
        self._last_invitations = None
        if self._wake is not None:
            self._wake.set()

    def want_job(self, job_id: str) -> None:
        """Fetch this snapshot job at the next tick (e.g. the user opened its task)."""
        self._jobs.want(job_id)
        if self._wake is not None:
            self._wake.set()

    def history_complete(self, kind: str) -> bool:
        return self.store.meta(f"history_complete:{kind}") == "1"

    async def wake_for(self, wakeup: Wakeup) -> bool:
        """Poll what `wakeup` points at as soon as the budget allows; True once that poll succeeded
        (its result journaled), False if it failed."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._wakeups.append((wakeup, done))
        if self._wake is not None:
            self._wake.set()
        return await done

    @property
    def waiting_wakeups(self) -> int:
        """Wake-ups asked for and not yet polled."""
        return len(self._wakeups)

    @property
    def events_live(self) -> bool:
        """An events queue answers: the polling may relax."""
        return self.events is not None and self.events.health.state == "live"

    def _active_due(self, kind: str) -> bool:
        """Whether to list a kind's running tasks this tick: every tick without events; with live
        events, when an event woke it up, or every `events_busy_interval` if the budget keeps
        `events_reserve` calls for the wake-ups (and at twice that interval whatever the budget)."""
        now = self.clock.monotonic()
        if self.events_live and kind not in self._woken:
            since = now - self._last_active.get(kind, -1e18)
            if since < self.plan.events_busy_interval:
                return False
            if (
                self.budget.paced_tokens < self.plan.events_reserve + 1
                and since < 2 * self.plan.events_busy_interval
            ):
                return False  # the budget is tight: what is left is for the polls events ask for (a while)
        self._listed_now.add(kind)
        self._last_active[kind] = now
        return True

    def _idle_interval(self) -> float:
        """How often the slow checks run (new tasks of a kind, unknown statuses, invitations)."""
        return self.plan.events_scan_interval if self.events_live else self.plan.slow_interval

    def events_unavailable(self, message: str) -> None:
        """An events queue was asked for and cannot be read at all: the status says why."""
        self._update(events="down", events_error=message)

    def _on_events_health(self, health: EventsHealth) -> None:
        was_live = self._board.current.events == "live"
        self._update(events=health.state, last_event_at=health.last_event_at, events_error=health.error)
        if was_live and health.state != "live" and self._wake is not None:
            self._wake.set()  # re-plan now: the normal cadence resumes, and events may have been missed

    # --- the loop -----------------------------------------------------------------------------------

    async def run(self) -> None:
        """Poll until cancelled."""
        self._wake = asyncio.Event()
        consumer = asyncio.ensure_future(self.events.run()) if self.events is not None else None
        try:
            while True:
                if self._paused:
                    await self._wake.wait()
                    self._wake.clear()
                    continue
                await self.poll_once()
                if not self._paused:  # (unless pause() came during the poll)
                    await self._wait_for_next_tick(self._wake)
        finally:
            self._wake = None
            if consumer is not None:
                consumer.cancel()

    async def _wait_for_next_tick(self, wake: asyncio.Event) -> None:
        delay = self.next_delay()
        self._update(next_poll_at=self.clock.now() + timedelta(seconds=delay))
        await sleep_or_wake(self.clock, delay, wake)
        # Woken early (refresh_now): still never faster than the rate allows.
        wait = self.budget.rate.wait_time(1)
        if wait > 0:
            await self.clock.sleep(wait)

    def live_kinds(self) -> list[str]:
        """Kinds with tasks IN_PROGRESS (polled every fast tick)."""
        return [k for k in self.kinds if self._running_ids(k)]

    def next_delay(self) -> float:
        """Seconds to the next tick: fast while tasks run, slow when none do, longer after failures and
        whenever the budget's pacing needs it."""
        if self._failed is not None:
            if not may_retry(self._failed):  # nothing changes by itself: look again slowly
                return self.plan.slow_interval
            return self._backoff.next_delay()
        live = self.live_kinds()
        busy = bool(live) or self._jobs.has_urgent
        if self.events_live:
            delay = self.plan.events_busy_interval if busy else self.plan.events_sweep_interval
        else:
            delay = self.plan.fast_interval if busy else self.plan.slow_interval
        if self._backfilling():
            delay = min(delay, 1.0)
        expected = max(1, len(live))
        return max(delay, self.budget.wait_time(expected))

    # --- one tick -----------------------------------------------------------------------------------

    async def poll_once(self) -> bool:
        """One tick. Returns True if every call it made succeeded."""
        started, calls = self.clock.monotonic(), self._board.current.calls_total
        ok = await self._tick()
        logs.event(
            log,
            "poll",
            level=logging.DEBUG if ok else logging.INFO,
            duration=self.clock.monotonic() - started,
            outcome="ok" if ok else self._board.current.last_error,
            calls=self._board.current.calls_total - calls,
        )
        return ok

    async def _tick(self) -> bool:
        async with self._lock:
            woken = self._take_wakeups()
            ok = await self._poll_locked()
            for _, done in woken:
                if not done.done():
                    done.set_result(ok)
            return ok

    def _take_wakeups(self) -> list[tuple[Wakeup, asyncio.Future[bool]]]:
        """The wake-ups asked for before this tick: their kinds, invitations and jobs are due now. A kind
        with running tasks is listed every tick anyway; one without is scanned for new tasks."""
        taken, self._wakeups = self._wakeups, []
        self._woken = set()
        self._listed_now = set()
        named = self._named_tasks(combined(w for w, _ in taken))
        self._direct = named
        for wakeup, _ in taken:
            # A task an event named is fetched by id, and the kinds of the events that came with it are
            # not listed: they are most likely the same end's (an accepted invitation also creates an
            # opportunity and a snapshot). Another end among them is seen by the next busy tick.
            kinds = [] if named else [k for k in self.kinds if k in wakeup.kinds]
            running = [k for k in kinds if self._running_ids(k)]
            # The end is most likely one of the running tasks pcwatch follows; if none of the kinds has
            # any, it is a task started elsewhere: look for the newest tasks of those kinds.
            self._woken.update(running)
            for kind in kinds if not running else ():
                self._last_scan.pop(kind, None)
            if wakeup.invitations:
                self._last_invitations = None
            for job_id in sorted(wakeup.jobs):
                self._jobs.want(job_id)
        return taken

    def _named_tasks(self, wakeup: Wakeup) -> dict[str, list[str]]:
        """Kind -> the running tasks the wake-up's references name."""
        named: dict[str, list[str]] = {}
        if not wakeup.tasks:
            return named
        for kind in self.kinds:
            for task_id in sorted(self._running_ids(kind)):
                record = self.store.task(task_id)
                if record is not None and any(getattr(record, f, None) == v for f, v in wakeup.tasks):
                    named.setdefault(kind, []).append(task_id)
        return named

    async def _fetch_named(self) -> None:
        """The tasks events named, by id, unless their kind was listed this tick anyway."""
        direct, self._direct = self._direct, {}
        for kind, task_ids in direct.items():
            if kind not in self._listed_now:
                await self._fetch_by_id(kind, task_ids)

    async def _poll_locked(self) -> bool:
        try:
            with self.store.batch():
                for kind in self.kinds:
                    await self._poll_active(kind)
                await self._fetch_named()
                for kind in self.kinds:
                    await self._scan_new(kind)
                for kind in self.kinds:
                    await self._check_unsettled(kind)
            await self._backfill()
            with self.store.batch():
                await self._poll_jobs()
                await self._poll_invitations()
                self._save_meta()
        except ApiFailure as failure:
            self._on_failure(failure)
            return False
        except Exception as exc:  # a bug, or a response no decoder foresaw: never stop polling
            log.exception("poll failed unexpectedly")
            self._on_failure(ApiFailure(f"unexpected error: {type(exc).__name__}: {exc}"))
            return False
        self._on_success()
        return True

    def _running_ids(self, kind: str) -> set[str]:
        ids = self.store.active_ids(kind)
        return {
            i
            for i in ids
            if (t := self.store.task(i)) is not None and t.task_status == TaskStatus.IN_PROGRESS
        }

    async def _call(self, make: Callable[[], Awaitable[T]], source: str) -> T:
        """One call for `source` (a kind, JOBS, INVITATIONS) within the budget; its start is in the
        status while it is outstanding, and a failure is remembered as that source's."""
        while (wait := self.budget.wait_time(1)) > 0:
            self._update(next_poll_at=self.clock.now() + timedelta(seconds=wait))
            await self.clock.sleep(wait)
        self.budget.spend(1)
        before = self.client.attempts
        self._update(call_started_at=self.clock.now())
        try:
            return await make()
        except ApiFailure:
            self._failed_source = source
            raise
        finally:
            extra = extra_attempts(before, self.client.attempts)
            if extra:
                self.budget.spend(extra)  # botocore's own retries cost quota too
            self._update(
                calls_last_hour=self.budget.calls_last_hour,
                calls_left_today=self.budget.calls_left_today,
                calls_total=self._board.current.calls_total + 1,
                call_started_at=None,
            )

    def _succeeded(self, source: str) -> None:
        self._update(last_success={**self._board.current.last_success, source: self.clock.now()})
        if self._failed is not None and source == self._failed_source:
            self._on_success()  # the failing source answers again: its error is over, now

    def _on_store_change(self, change: StoreChange) -> None:
        self._jobs.on_task_change(change, backfill=self._in_backfill)

    async def _poll_jobs(self) -> None:
        # When the pacing is tight, jobs (details) yield to task polling (detection).
        plenty = self.budget.paced_tokens > self.budget.daily.capacity / 2
        # With live events, the history's jobs wait until asked for (`want_job`): the idle sweep's budget
        # is 12 calls an hour.
        for job_id in self._jobs.next_batch(plenty=plenty, history=not self.events_live):
            job = await self._call(partial(self.client.get_resource_snapshot_job, job_id), JOBS)
            if job.id is None:  # a partial response: we know which job we asked for
                job = msgspec.structs.replace(job, id=job_id)
            self._jobs.fetched(job_id)
            self.store.apply_jobs([job], self.clock.now())
            self._succeeded(JOBS)

    async def _poll_invitations(self) -> None:
        now = self.clock.monotonic()
        # With live events the invitations' own events say when they change: the list is the safety net.
        every = (
            self.plan.invitation_interval if not self.events_live else self.plan.events_invitation_interval
        )
        if self._last_invitations is not None and now - self._last_invitations < every:
            return
        found = []
        token: str | None = None
        while True:
            page = await self._call(
                partial(
                    self.client.list_engagement_invitations,
                    status=[InvitationStatus.PENDING],
                    participant_type="RECEIVER",
                    next_token=token,
                ),
                INVITATIONS,
            )
            found.extend(page.engagement_invitation_summaries)
            token = page.next_token
            if not token:
                break
        self.store.apply_invitations(found)
        seen = {i.id for i in found}
        self.store.remove_invitations([i.id for i in self.store.invitations() if i.id not in seen])
        self._last_invitations = now
        self._succeeded(INVITATIONS)

    def _save_meta(self) -> None:
        for kind in self.kinds:
            newest = self.store.newest_start(kind)
            if newest is not None:
                self.store.set_meta(f"newest_start:{kind}", iso(newest))

    # --- status -------------------------------------------------------------------------------------

    def _on_success(self) -> None:
        self._failed = self._failed_source = None
        self._backoff.reset()
        self._update(
            state="paused" if self._paused else "live",
            last_error=None,
            last_service_error=None,
            stale_since=None,
            active_tasks=sum(len(self._running_ids(k)) for k in self.kinds),
        )

    def _on_failure(self, failure: ApiFailure) -> None:
        self._failed = failure
        self._update(
            state="paused" if self._paused else ("backoff" if failure.throttled else "stale"),
            last_error=failure.message,
            last_service_error=failure.service_error,
            stale_since=self._board.current.stale_since or self.clock.now(),
        )

    def _update(self, **changes: Any) -> None:
        self._board.update(**changes)

"""The poller: carries out the poll plan (`tui.engine.poll_plan.plan_tick`) within the request budget,
and feeds the store.

Each tick it asks the plan which calls are due, given what the store knows (running tasks per kind, the
tasks pcwatch started), who watches, each source's clock and the allowance left; makes them in order;
and sleeps until the next source falls due (or it is woken: refresh now, a watcher arrives, a task
pcwatch started, a snapshot job opened). Ticks never overlap.

Failures never stop the loop, and stay where they happen (`tui.engine.sources`): a failing job, kind
listing or invitation page backs off on its own while the others keep their cadence, and the status names
it. Throttling (the account's quota), credentials and the network hold every source (exponential backoff
with jitter; slowly for what no retry fixes). The data stays; the status says what is stale and why. A
spent daily allowance holds the poller until calls return, and the status says when.

With an events queue (`events=`, see `tui.engine.wakeups`), an event wakes the poller up: what it points
at (kinds, a running task by id, the invitations, a snapshot job) is due in the next plan, and while the
queue answers the plan's timers relax to a safety net; when it fails, the normal cadence resumes at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

import msgspec

from schemas import BULK_KINDS, TASK_KINDS
from tui.aws.failures import ApiFailure
from tui.aws.retry import SDK_MAX_ATTEMPTS
from tui.aws.service import TaskReads
from tui.core import logs
from tui.core.clock import Clock, sleep_or_wake, steady_wall
from tui.core.settings import Settings
from tui.core.timefmt import iso

from .budget import BudgetSpent, RequestBudget
from .bulk_listings import BulkListings
from .bulk_wants import BulkWants
from .event_consumer import EventConsumer, EventSource
from .event_signals import Wakeup
from .invitation_listings import InvitationListings
from .job_queue import SnapshotJobQueue
from .journal import Deposed
from .poll_plan import (
    ACTIVE,
    BULK_LIST,
    BULK_OWN,
    ENGAGEMENTS,
    FIND,
    HISTORY,
    INVITATIONS,
    INVITATIONS_SOURCE,
    JOB,
    JOBS,
    NEWEST,
    REPORT,
    RESULTS,
    SLOW_LANE,
    BulkState,
    KindState,
    PlanInput,
    PlannedCall,
    PollPlan,
    TickPlan,
    engagements_source,
    find_source,
    job_source,
    plan_tick,
    report_source,
    results_source,
)
from .poller_status import StatusPublisher
from .sources import Sources, is_global, is_gone
from .store import Store, StoreChange
from .task_listings import TaskListings
from .types import AskedJob, PollerStatus
from .wakeups import EventWakeups, Woken
from .watchers import Watchers

log = logging.getLogger(__name__)

#: While saving, the plan is made again at least this often (seconds): the pace follows the allowance.
REPLAN_WHILE_SAVING = 60.0
#: `want_bulk_jobs` looks again no sooner than this (seconds): opening and closing the jobs view over and
#: over spends a look at most this often.
BULK_LOOK_FLOOR = 30.0
#: While the journal holds changes it did not take (a full disk), the poller tries them again at least
#: this often (seconds), calls due or not.
RETRY_UNWRITTEN = 30.0
#: The snapshot jobs the status names (`PollerStatus.asked_jobs`) at most: the ones asked for lately.
ASKED_JOBS_SHOWN = 20

__all__ = ["INVITATIONS_SOURCE", "JOBS", "PollPlan", "Poller", "PollerStatus"]

T = TypeVar("T")


class Poller:
    """Carries out the plan each tick. It owns its collaborators and calls them through their methods:
    the task listings (`TaskListings`), the invitations' look and sweep (`InvitationListings`), the event
    wake-ups (`EventWakeups`) and the status (`StatusPublisher`); each keeps its own state. The loop's
    own state is here: paused, the tasks pcwatch started, when each kind last ran, the allowance spent,
    the last plan."""

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
        watchers: Watchers | None = None,
        events: EventSource | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self.settings = settings
        self.clock = clock
        self.plan = plan or PollPlan.from_settings(settings)
        if budget is None:
            # (a journal that takes no writes never stops the watching: the calls are counted in memory)
            journal = store.journal
            ledger = journal.call_ledger(in_memory_while_unwritable=True) if journal is not None else None
            budget = RequestBudget(settings.budget, clock, ledger=ledger)
        self.budget = budget
        self.kinds = list(kinds or TASK_KINDS)
        #: The bulk job families (none when `kinds` names only task kinds: a test's poller of one kind).
        self.bulk_kinds = [k for k in (kinds or BULK_KINDS) if k in BULK_KINDS]
        self.kinds = [k for k in self.kinds if k not in BULK_KINDS]
        self.watchers = watchers or Watchers(clock)
        self.watchers.on_change(self._wake_up)
        self._sources = Sources(rng or random.Random(), slow_retry=self.plan.unwatched_interval)
        self._lock = asyncio.Lock()
        self._wake: asyncio.Event | None = None
        self._paused = False
        self._status = StatusPublisher(
            self._sources, [*self.kinds, *self.bulk_kinds], clock, daily_calls=settings.budget.daily_calls
        )
        self._task_listings = TaskListings(client, store, clock, self.plan, self._call, self._status)
        self._invitations = InvitationListings(client, store, clock, self._sources, self._call)
        self._wants = BulkWants(store, clock, self.plan)
        self._bulk = BulkListings(client, store, clock, self._call, self._wants)
        self._own: dict[str, str] = {}  # task id -> kind: tasks pcwatch started, until they end
        self._refresh_all = False  # refresh_now: the slow lane's families too, this tick
        self._look_for_bulk_jobs = False  # want_bulk_jobs: the bulk job families due, this tick
        self._bulk_looked_at = -math.inf  # (monotonic) when want_bulk_jobs last made them due
        self._last_running: dict[str, float] = {}  # kind -> when it last had running tasks (monotonic)
        self._jobs = SnapshotJobQueue(store, clock, self.plan)
        self._unsubscribe = store.subscribe(self._on_store_change)
        self._spent: BudgetSpent | None = None
        self._last_plan: TickPlan | None = None
        #: The events side: the wake-ups waiting, and the events queue's consumer (`wakeups.consumer`,
        #: which a test or a bench may replace with its own before `run`).
        self.wakeups = EventWakeups(
            store,
            self.kinds,
            self._jobs,
            self._status,
            self._wake_up,
            events=events,
            catalog=settings.catalog,
            clock=clock,
            rng=rng or random.Random(),
            bulk_kinds=self.bulk_kinds,
        )

    # --- public controls ----------------------------------------------------------------------------

    @property
    def status(self) -> PollerStatus:
        return self._status.current

    def subscribe_status(self, callback: Callable[[PollerStatus], None]) -> Callable[[], None]:
        return self._status.subscribe(callback)

    def pause(self) -> None:
        self._paused = True
        self._status.paused()

    def resume(self) -> None:
        self._paused = False
        self._publish_state()
        self.refresh_now()

    def refresh_now(self) -> None:
        """Poll as soon as the budget allows: every source is due (those backing off too), the families
        of the slow lane each at once too."""
        self._sources.wake_all()
        self._refresh_all = True
        self._wake_up()

    def want_job(self, job_id: str) -> None:
        """Fetch this snapshot job at once (the user opened its task), even one given up on: the first
        call of the next tick, and the poller is woken for it. The status says where it stands
        (`PollerStatus.asked_jobs`) until it is fetched."""
        self._jobs.want(job_id)
        self._sources.retry(job_source(job_id))
        self._status.asked_jobs(self._asked_jobs())
        self._wake_up()

    def watching(self) -> Callable[[], None]:
        """One more watcher (a dashboard, a live view): the poller spends fast while tasks run. Call the
        result when it stops watching."""
        release = self.watchers.add()
        self._status.watched()
        return release

    def follow_task(self, task_id: str, kind: str) -> None:
        """A task pcwatch started: followed every `own_interval` until it ends (a bulk job's kind: as
        `follow_job`)."""
        if kind in self.bulk_kinds:
            self.follow_job(task_id, kind)
        elif kind in self.kinds:
            self._own[task_id] = kind
            self._wake_up()

    def follow_job(self, job_id: str, kind: str) -> None:
        """A bulk job pcwatch started: followed by id every `own_bulk_interval` until it ends."""
        if kind in self.bulk_kinds:
            self._wants.follow_job(job_id, kind)
            self._wake_up()

    def want_results(self, job_id: str, *, failed_only: bool = True) -> None:
        """Fetch this bulk job's per-record results, every page (the failed ones first), unless the
        journal has them complete since the job ended."""
        if self._wants.want_results(job_id, failed_only):
            self._sources.retry(results_source(job_id))
            self._wake_up()

    def want_report_url(self, job_id: str) -> None:
        """Ask for this bulk job's failed-records report (memory only)."""
        if self._wants.want_report(job_id):
            self._sources.retry(report_source(job_id))
            self._wake_up()

    def want_prospecting(self, task_id: str) -> None:
        """Fetch this prospecting task's per-engagement outcomes (at once unless fresh), and again while
        it runs and stays selected."""
        self._wants.want_prospecting(task_id)
        self._wake_up()

    def want_bulk_jobs(self) -> None:
        """Every bulk job family's newest page at the next tick (the jobs view is shown), as an event
        would wake it: a family backing off after a failure still waits."""
        now = self.clock.monotonic()
        if self.bulk_kinds and now - self._bulk_looked_at >= BULK_LOOK_FLOOR:
            self._bulk_looked_at = now
            self._look_for_bulk_jobs = True
            self._wake_up()

    def history_complete(self, kind: str) -> bool:
        return self._task_listings.history_complete(kind)

    # --- the events queue (`EventWakeups`) ----------------------------------------------------------

    @property
    def events(self) -> EventConsumer | None:
        """The events queue's consumer, or None without a queue."""
        return self.wakeups.consumer

    async def wake_for(self, wakeup: Wakeup) -> bool:
        """Poll what `wakeup` points at as soon as the plan and the budget allow; True once that poll
        succeeded (its result journaled), False if it failed."""
        return await self.wakeups.wake_for(wakeup)

    @property
    def waiting_wakeups(self) -> int:
        """Wake-ups asked for and not yet polled."""
        return self.wakeups.waiting

    @property
    def events_live(self) -> bool:
        """An events queue answers: the plan's timers relax."""
        return self.wakeups.live

    def close_events(self) -> None:
        """Close the events queue's client (the leader made it for itself; a closed engine keeps none)."""
        self.wakeups.close()

    def events_unavailable(self, message: str) -> None:
        """An events queue was asked for and cannot be read at all: the status says why."""
        self.wakeups.unavailable(message)

    def _wake_up(self) -> None:
        if self._wake is not None:
            self._wake.set()

    # --- the loop -----------------------------------------------------------------------------------

    async def run(self) -> None:
        """Poll until cancelled."""
        self._wake = asyncio.Event()
        events = self.wakeups.consumer
        consumer = asyncio.ensure_future(events.run()) if events is not None else None
        try:
            while True:
                if self._paused:
                    await self._wake.wait()
                    self._wake.clear()
                    continue
                made = await self.poll_once()
                if not self._paused:  # (unless pause() came during the poll)
                    await self._wait_for_next_tick(self._wake, made)
        finally:
            self._wake = None
            if consumer is not None:
                consumer.cancel()

    async def _wait_for_next_tick(self, wake: asyncio.Event, made: bool | None = None) -> None:
        delay = self.next_delay()
        if delay <= 0 and made is None:
            delay = 1.0  # (nothing could be done although something is due: never spin)
        if self._last_plan is not None and self._last_plan.stretch > 1.0:
            # Saving: calls return to the allowance as they leave the window; look again soon.
            delay = min(delay, REPLAN_WHILE_SAVING)
        if self.store.unwritten:
            delay = min(delay, RETRY_UNWRITTEN)
        self._status.next_poll(self.clock.now() + timedelta(seconds=delay))
        await sleep_or_wake(self.clock, delay, wake)

    def next_delay(self) -> float:
        """Seconds to the next tick: until the next source falls due (at its cadence for the current
        watchers and pace, or after its backoff), or until calls return to a spent allowance."""
        now = self.clock.monotonic()
        if self._spent is not None:
            resumes = self.budget.resumes_at(SDK_MAX_ATTEMPTS)
            if resumes is not None:
                return max(1.0, (resumes - self.clock.now()).total_seconds())
            self._spent = None
        plan = plan_tick(self.plan_input(), self.plan)
        if plan.calls:
            return 0.0
        return max(0.0, plan.wake_at - now)

    def live_kinds(self) -> list[str]:
        """Kinds with tasks IN_PROGRESS."""
        return [k for k in self.kinds if self.store.running_ids(k)]

    def plan_input(self, woken: Woken | None = None) -> PlanInput:
        """What the plan decides from, now (with `woken`, what the wake-ups taken for this tick ask;
        without, those waiting)."""
        woken = woken if woken is not None else self.wakeups.pending()
        kinds = []
        now = self.clock.monotonic()
        for kind in self.kinds:
            running = self.store.running_ids(kind)
            if running:
                self._last_running[kind] = now
            last = self._last_running.get(kind)
            own = tuple(sorted(t for t, k in self._own.items() if k == kind and t in running))
            unsettled = tuple(sorted(self.store.active_ids(kind) - running))
            kinds.append(
                KindState(
                    kind,
                    running=len(running),
                    idle_for=None if last is None else now - last,
                    own=own,
                    unsettled=unsettled,
                    history_complete=self.history_complete(kind),
                    listed=self._task_listings.listed(kind),
                )
            )
        return PlanInput(
            now=now,
            watched=self.watchers.watched,
            kinds=tuple(kinds),
            limit=self.budget.limit,
            calls_left=self.budget.calls_left_today,
            sources=self._sources.times(),
            jobs_wanted=self._jobs.wanted,
            job_next=self._jobs.next_job(),
            not_before=self._sources.not_before,
            events_live=self.events_live,
            kinds_woken=woken.kinds | (frozenset(self.kinds) if self._refresh_all else frozenset()),
            tasks_named=woken.named,
            invitations_woken=woken.invitations,
            sweep_starts=self._invitations.sweep_starts_next,
            bulk=tuple(
                BulkState(
                    kind,
                    running=len(self.store.running_bulk_ids(kind)),
                    own=self._wants.own(kind),
                    listed=self._bulk.listed(kind),
                )
                for kind in self.bulk_kinds
            ),
            bulk_woken=woken.bulk
            | (frozenset(self.bulk_kinds) if self._refresh_all or self._look_for_bulk_jobs else frozenset()),
            results_wanted=self._wants.results_wanted(),
            reports_wanted=self._wants.reports_wanted(),
            prospecting=self._wants.followed(),
            jobs_to_find=tuple(sorted(self._wants.unknown)) if self.bulk_kinds else (),
        )

    # --- one tick -----------------------------------------------------------------------------------

    async def poll_once(self) -> bool | None:
        """One tick: the calls due now. True if every call it made succeeded, False if one failed, None
        if it could make none (the allowance is spent, or every source waits)."""
        started, calls = self.clock.monotonic(), self.status.calls_total
        ok = await self._tick()
        logs.event(
            log,
            "poll",
            level=logging.INFO if ok is False else logging.DEBUG,
            duration=self.clock.monotonic() - started,
            outcome="ok" if ok else "no call due" if ok is None else self.status.last_error,
            calls=self.status.calls_total - calls,
        )
        return ok

    async def _tick(self) -> bool | None:
        async with self._lock:
            self.store.flush()  # (what the journal did not take before: tried again each tick)
            woken, answers = self.wakeups.take()
            state = self.plan_input(woken)
            plan = self._last_plan = plan_tick(state, self.plan)
            self._refresh_all = self._look_for_bulk_jobs = False
            made, ok = False, True
            outcomes: dict[str, bool] = {}
            batch: contextlib.ExitStack | None = None
            try:
                for call in plan.calls:
                    if call.op == HISTORY and batch is not None:  # a history page: its own transaction
                        batch.close()
                        batch = None
                    elif call.op != HISTORY and batch is None:
                        batch = contextlib.ExitStack()
                        batch.enter_context(self.store.batch())
                    done = await self._carry_out(call, sweep_starts=state.sweep_starts)
                    if done is None:  # the allowance is spent
                        break
                    for key in _outcome_keys(call, sweep_starts=state.sweep_starts):
                        outcomes[key] = outcomes.get(key, True) and done
                    made = True
                    if not done:
                        ok = False
                        if self._sources.hold_error is not None:  # every source waits
                            break
                self._save_meta()
            finally:
                if batch is not None:
                    batch.close()
                for kind, sent in self._task_listings.take_scanned().items():  # (its tasks journaled)
                    self._status.scanned(kind, sent)
            self._own = {t: k for t, k in self._own.items() if t in self.store.running_ids(k)}
            self._sources.forget_unasked(self._asked_sources(), self.clock.monotonic())
            self._publish_state(plan)
            self.wakeups.answer(woken, answers, outcomes)
            return ok if made else None

    async def _carry_out(self, call: PlannedCall, *, sweep_starts: bool = False) -> bool | None:
        """One planned call (with its follow-ups). True if it succeeded, False if it failed (recorded on
        its source), None if the allowance is spent."""
        now = self.clock.monotonic()
        self._sources.called(call.source, now)
        try:
            if call.op == ACTIVE:
                await self._task_listings.list_active(call)
            elif call.op == NEWEST:
                await self._task_listings.list_newest(call)
            elif call.op == HISTORY:
                await self._task_listings.history_page(call)
            elif call.op == JOB:
                await self._fetch_job(call)
            elif call.op == INVITATIONS and call.full:
                await self._invitations.sweep(call)
            elif call.op == INVITATIONS:
                await self._invitations.list_new(call)
            elif call.op == BULK_LIST:
                await self._bulk.list_jobs(call)
            elif call.op == BULK_OWN:
                await self._bulk.own(call)
            elif call.op == RESULTS:
                await self._bulk.results_page(call)
            elif call.op == REPORT:
                await self._bulk.report(call)
            elif call.op == ENGAGEMENTS:
                await self._bulk.engagements(call)
            elif call.op == FIND:
                await self._bulk.find(call)
            else:  # OWN, UNSETTLED: by TaskIdentifier
                await self._task_listings.by_id(call)
        except BudgetSpent as spent:
            self._spent = spent
            self._sources.get(call.source).last_call = None  # (it did not happen)
            return None
        except ApiFailure as failure:
            self._on_failure(call, failure)
            return False
        except Deposed:  # another viewer leads now: this poller ends (tui.engine.sharing), no failure
            raise
        except sqlite3.Error as exc:  # the journal's, not the source's: no backoff, no blame
            log.warning("poll of %s: the journal failed: %s", call.source, exc)
            return False
        except Exception as exc:  # a bug, or a response no decoder foresaw: never stop polling
            log.exception("poll of %s failed unexpectedly", call.source)
            self._on_failure(call, ApiFailure(f"unexpected error: {type(exc).__name__}: {exc}"))
            return False
        self._spent = None
        for key in _outcome_keys(call, sweep_starts=sweep_starts):
            if key != call.source:  # (the look for new invitations rode on the sweep's first page)
                self._sources.called(key, now)
            self._sources.succeeded(key, steady_wall(self.clock).now())
        if self.status.last_error is not None:
            self._publish_state()  # a source answers again: its error is over now, not at the tick's end
        return True

    def _on_failure(self, call: PlannedCall, failure: ApiFailure) -> None:
        """A call failed: recorded on its source (or holding every source: throttling, credentials, the
        network), a job the service no longer has dropped, and the status published at once."""
        now = self.clock.monotonic()
        key = failure_key(call)
        if is_global(failure):
            self._sources.hold(key, failure, now)
        else:
            self._sources.failed(key, failure, now)
        gave_up = not is_global(failure) and self._sources.get(key).gave_up_at is not None
        if call.op == JOB and call.job_id is not None:
            if is_gone(failure):
                self._jobs.gone(call.job_id)
            elif gave_up:
                self._jobs.give_up(call.job_id)
        elif gave_up or is_gone(failure):  # what users asked for, that no retry will fetch
            if call.op == RESULTS and call.job_id is not None:
                self._wants.drop_results(call.job_id)
            elif call.op == REPORT and call.job_id is not None:
                self._wants.drop_report(call.job_id)
            elif call.op == ENGAGEMENTS and call.task_ids:
                self._wants.drop_prospecting(call.task_ids[0])
            elif call.op == FIND and call.job_id is not None:
                self._wants.forget_unknown({call.job_id})
        # Said now, not at the tick's end: the tick's next call may hang, and until it has hung for
        # HUNG_AFTER the header would still say what it said before this failure.
        self._publish_state()

    def _publish_state(self, plan: TickPlan | None = None) -> None:
        """The status from the sources, the plan (this tick's, else the last) and the allowance."""
        self._status.publish(
            paused=self._paused,
            listed=self._task_listings.any_listed,
            active_tasks=sum(len(self.store.running_ids(k)) for k in self.kinds),
            watched=self.watchers.watched,
            plan=plan or self._last_plan,
            spent=self._spent,
            asked_jobs=self._asked_jobs(),
            journal_not_written=self.store.journal_not_written(),
        )

    def _asked_jobs(self, rate_until: datetime | None = None) -> tuple[AskedJob, ...]:
        """Where each snapshot job asked for stands: what its call waits for (`rate_until`: the next call
        waits for the rate until then), or why it failed; then those given up on lately."""
        now, at = self.clock.now(), self.clock.monotonic()

        def wall(monotonic: float) -> datetime | None:
            return None if math.isinf(monotonic) else now + timedelta(seconds=max(0.0, monotonic - at))

        sources = self._sources
        hold = sources.hold_error
        wanted = self._jobs.wanted
        out: list[AskedJob] = []
        for job_id in wanted[:ASKED_JOBS_SHOWN]:
            source = sources.peek(job_source(job_id))
            if self._paused:
                out.append(AskedJob(job_id, "paused"))
            elif source is not None and source.failure is not None:
                out.append(AskedJob(job_id, "retry", wall(source.retry_at), source.error))
            elif self._spent is not None:
                out.append(AskedJob(job_id, "allowance", self._spent.resumes_at, str(self._spent)))
            elif hold is not None and sources.not_before > at:
                out.append(AskedJob(job_id, "hold", wall(sources.not_before), hold.message))
            elif rate_until is not None and rate_until > now:
                out.append(AskedJob(job_id, "rate", rate_until))
            else:
                out.append(AskedJob(job_id))
        for job_id, source in sources.jobs_given_up(at):
            if job_id not in wanted and len(out) < ASKED_JOBS_SHOWN:
                gone = source.failure is not None and is_gone(source.failure)
                out.append(AskedJob(job_id, "gone" if gone else "given up", error=source.error))
        return tuple(out)

    async def _call(self, source: str, make: Callable[[], Awaitable[T]]) -> T:
        """One request within the budget (the listings' `BudgetedCall`): the rate, then a reservation of
        the allowance for it and the retries botocore may add (what it did not send is given back)."""
        wait = self.budget.rate.wait_time(1)
        if wait > 0:
            until = self.clock.now() + timedelta(seconds=wait)
            self._status.next_poll(until)
            if self._jobs.wanted:  # (someone waits for a job: the pane says what it waits for)
                self._status.asked_jobs(self._asked_jobs(rate_until=until))

        async def sent() -> T:  # (once the rate and the allowance let it go: a hang is the call's own)
            self._status.call_sent(self.clock.now())
            if wait > 0 and self._jobs.wanted:
                self._status.asked_jobs(self._asked_jobs())
            return await make()

        try:
            result = await self.budget.spend_on(lambda: self.client.attempts, sent)
        finally:
            self._status.call_ended(
                calls_last_hour=self.budget.calls_last_hour, calls_left_today=self.budget.calls_left_today
            )
        self._sources.release()  # the account and the network answer
        return result

    def _on_store_change(self, change: StoreChange) -> None:
        self._jobs.on_task_change(change, backfill=self._task_listings.in_backfill, own=set(self._own))
        self._wants.on_store_change(change)

    def _asked_sources(self) -> set[str]:
        """The sources of what users asked for that are still wanted (the others are not kept)."""
        return {
            *(results_source(j) for j, _ in self._wants.results_wanted()),
            *(report_source(j) for j, _ in self._wants.reports_wanted()),
            *(engagements_source(f.task_id) for f in self._wants.followed()),
            *(find_source(j) for j in self._wants.unknown),
        }

    async def _fetch_job(self, call: PlannedCall) -> None:
        job_id = call.job_id or ""
        job = await self._call(call.source, partial(self.client.get_resource_snapshot_job, job_id))
        if job.id is None:  # a partial response: we know which job we asked for
            job = msgspec.structs.replace(job, id=job_id)
        self._jobs.fetched(job_id)
        self.store.apply_jobs([job], self.clock.now())

    def _save_meta(self) -> None:
        for kind in self.kinds:
            newest = self.store.newest_start(kind)
            if newest is not None:
                self.store.set_meta(f"newest_start:{kind}", iso(newest))


def failure_key(call: PlannedCall) -> str:
    """Where a call's failure is kept: a job's under the job (whose turn it was does not matter), the slow
    lane's under its family."""
    if call.op == JOB and call.job_id:
        return job_source(call.job_id)
    if call.source == SLOW_LANE and call.kind:
        return call.kind
    return call.source


def _outcome_keys(call: PlannedCall, *, sweep_starts: bool = False) -> set[str]:
    """The sources a call answers for: the sweep's turn that starts a pass, the look for new
    invitations too (its page is the newest)."""
    keys = {call.source, failure_key(call)}
    if sweep_starts and call.op == INVITATIONS and call.full:
        keys.add(INVITATIONS_SOURCE)
    return keys

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
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

import msgspec

from schemas import (
    TASK_KINDS,
    InvitationStatus,
    TaskRecord,
    TaskStatus,
)
from tui.aws.failures import ApiFailure
from tui.aws.retry import Backoff, extra_attempts, may_retry
from tui.aws.service import TaskReads
from tui.core.clock import Clock, sleep_or_wake
from tui.core.settings import Settings
from tui.core.subscribers import Subscribers
from tui.core.timefmt import iso

from .budget import RequestBudget
from .job_queue import SnapshotJobQueue
from .poll_plan import PollPlan
from .store import Store, StoreChange
from .types import PollerStatus

log = logging.getLogger(__name__)

JOBS = "jobs"
INVITATIONS = "invitations"

__all__ = ["INVITATIONS", "JOBS", "PollPlan", "Poller", "PollerStatus"]

T = TypeVar("T")


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Poller:
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
        self._status = PollerStatus(calls_left_today=settings.budget.daily_calls)
        self._status_subscribers: Subscribers[PollerStatus] = Subscribers("status")
        self._failed: ApiFailure | None = None
        self._polled_active: set[str] = set()
        self._last_scan: dict[str, float] = {}
        self._last_unsettled: dict[str, float] = {}
        self._history_token: dict[str, str | None] = {}
        self._last_invitations: float | None = None
        self._jobs = SnapshotJobQueue(store, clock, self.plan)
        self._unsubscribe = store.subscribe(self._on_store_change)
        self._in_backfill = False

    # --- public controls ----------------------------------------------------------------------------

    @property
    def status(self) -> PollerStatus:
        return self._status

    def subscribe_status(self, callback: Callable[[PollerStatus], None]) -> Callable[[], None]:
        return self._status_subscribers.add(callback)

    def pause(self) -> None:
        self._paused = True
        self._update(state="paused", next_poll_at=None)

    def resume(self) -> None:
        self._paused = False
        self._update(state="stale" if self._failed else ("live" if self._status.last_success else "starting"))
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

    # --- the loop -----------------------------------------------------------------------------------

    async def run(self) -> None:
        """Poll until cancelled."""
        self._wake = asyncio.Event()
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
        delay = self.plan.fast_interval if live or self._jobs.has_urgent else self.plan.slow_interval
        if self._backfilling():
            delay = min(delay, 1.0)
        expected = max(1, len(live))
        return max(delay, self.budget.wait_time(expected))

    # --- one tick -----------------------------------------------------------------------------------

    async def poll_once(self) -> bool:
        """One tick. Returns True if every call it made succeeded."""
        async with self._lock:
            try:
                with self.store.batch():
                    for kind in self.kinds:
                        await self._poll_active(kind)
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

    async def _call(self, make: Callable[[], Awaitable[T]]) -> T:
        while (wait := self.budget.wait_time(1)) > 0:
            self._update(next_poll_at=self.clock.now() + timedelta(seconds=wait))
            await self.clock.sleep(wait)
        self.budget.spend(1)
        before = self.client.attempts
        try:
            return await make()
        finally:
            extra = extra_attempts(before, self.client.attempts)
            if extra:
                self.budget.spend(extra)  # botocore's own retries cost quota too
            self._update(
                calls_last_hour=self.budget.calls_last_hour,
                calls_left_today=self.budget.calls_left_today,
                calls_total=self._status.calls_total + 1,
            )

    def _succeeded(self, source: str) -> None:
        self._update(last_success={**self._status.last_success, source: self.clock.now()})

    async def _list_all(self, kind: str, **kwargs: Any) -> list[TaskRecord]:
        """Every page of one listing (for the small ones: the active set, a batch of ids)."""
        records: list[TaskRecord] = []
        token: str | None = None
        while True:
            page = await self._call(partial(self.client.list_tasks, kind, next_token=token, **kwargs))
            records.extend(TaskRecord.from_task(s, kind) for s in page.task_summaries)
            token = page.next_token
            if not token:
                return records

    async def _poll_active(self, kind: str) -> None:
        """List IN_PROGRESS tasks of a kind that has some (or was never listed), then fetch the ones
        that left the list by id to learn how they ended."""
        running = self._running_ids(kind)
        if not running and kind in self._polled_active:
            return
        listed = await self._list_all(
            kind, status=[TaskStatus.IN_PROGRESS], max_results=self.plan.active_page_size
        )
        self._polled_active.add(kind)
        self.store.apply_tasks(listed, self.clock.now())
        self._succeeded(kind)
        departed = sorted(running - {r.task_id for r in listed})
        await self._fetch_by_id(kind, departed)

    async def _fetch_by_id(self, kind: str, task_ids: Sequence[str]) -> None:
        for chunk in _chunks(list(task_ids), 10):
            found = await self._list_all(kind, task_ids=chunk, max_results=10)
            self.store.apply_tasks(found, self.clock.now())
            self._succeeded(kind)

    async def _check_unsettled(self, kind: str) -> None:
        """Tasks in a status this version does not know: refreshed by id, slowly."""
        ids = sorted(self.store.active_ids(kind) - self._running_ids(kind))
        now = self.clock.monotonic()
        if not ids or now - self._last_unsettled.get(kind, -1e18) < self.plan.slow_interval:
            return
        self._last_unsettled[kind] = now
        await self._fetch_by_id(kind, ids)

    async def _scan_new(self, kind: str) -> None:
        """Newest first, until a known task: new tasks since the last look (once history is in)."""
        if not self.history_complete(kind):
            return
        now = self.clock.monotonic()
        every = self.plan.active_scan_interval if self._running_ids(kind) else self.plan.slow_interval
        if now - self._last_scan.get(kind, -1e18) < every:
            return
        newest = self.store.newest_start(kind)
        token: str | None = None
        size = self.plan.scan_page_size
        while True:
            page = await self._call(partial(self.client.list_tasks, kind, max_results=size, next_token=token))
            records = [TaskRecord.from_task(s, kind) for s in page.task_summaries]
            reached_known = any(
                self.store.task(r.task_id) is not None  # type: ignore[arg-type]
                or (newest is not None and r.start_time is not None and r.start_time < newest)
                for r in records
            )
            self.store.apply_tasks(records, self.clock.now())
            self._succeeded(kind)
            token = page.next_token
            if reached_known or not token:
                break
            if size < self.plan.history_page_size:
                # Many new tasks (pcwatch was closed a while): start over with the largest pages
                # rather than page through them 25 at a time (a token is only valid for its page size).
                size, token = self.plan.history_page_size, None
        self._last_scan[kind] = now

    def _backfilling(self) -> bool:
        return any(not self.history_complete(k) for k in self.kinds)

    async def _backfill(self) -> None:
        """The history, newest first, a page at a time, while the pacing keeps a reserve for live polls."""
        self._update(backfilling=self._backfilling())
        for kind in self.kinds:
            while not self.history_complete(kind):
                if self.budget.paced_tokens < self.plan.history_reserve + 1:
                    return
                token = self._history_token.get(kind)
                page = await self._call(
                    partial(
                        self.client.list_tasks,
                        kind,
                        max_results=self.plan.history_page_size,
                        next_token=token,
                    )
                )
                records = [TaskRecord.from_task(s, kind) for s in page.task_summaries]
                self._in_backfill = True
                try:
                    # Each page is its own transaction and notification: the dashboard fills as it comes.
                    self.store.apply_tasks(records, self.clock.now(), backfill=True)
                finally:
                    self._in_backfill = False
                self._succeeded(kind)
                self._history_token[kind] = page.next_token
                if not page.next_token:
                    self.store.set_meta(f"history_complete:{kind}", "1")
                    self._last_scan[kind] = self.clock.monotonic()
        self._update(backfilling=self._backfilling())

    def _on_store_change(self, change: StoreChange) -> None:
        self._jobs.on_task_change(change, backfill=self._in_backfill)

    async def _poll_jobs(self) -> None:
        # When the pacing is tight, jobs (details) yield to task polling (detection).
        plenty = self.budget.paced_tokens > self.budget.daily.capacity / 2
        for job_id in self._jobs.next_batch(plenty=plenty):
            job = await self._call(partial(self.client.get_resource_snapshot_job, job_id))
            if job.id is None:  # a partial response: we know which job we asked for
                job = msgspec.structs.replace(job, id=job_id)
            self._jobs.fetched(job_id)
            self.store.apply_jobs([job], self.clock.now())
            self._succeeded(JOBS)

    async def _poll_invitations(self) -> None:
        now = self.clock.monotonic()
        if (
            self._last_invitations is not None
            and now - self._last_invitations < self.plan.invitation_interval
        ):
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
                )
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
        self._failed = None
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
        log.info("poll failed: %s", failure.message)
        self._update(
            state="paused" if self._paused else ("backoff" if failure.throttled else "stale"),
            last_error=failure.message,
            last_service_error=failure.service_error,
            stale_since=self._status.stale_since or self.clock.now(),
        )

    def _update(self, **changes: Any) -> None:
        status = dataclasses.replace(self._status, **changes)
        if status == self._status:
            return
        self._status = status
        self._status_subscribers.notify(status)

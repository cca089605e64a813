"""The task listings of a poll tick (a mixin of `Poller`, which supplies the client, the store, the budgeted
`_call` and the bookkeeping): the IN_PROGRESS tasks of each kind with running ones, the tasks that left
that list (by id, 10 per call), tasks in a status this version does not know, new tasks since the newest
known, and the history, a page at a time while the pacing allows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from schemas import TaskRecord, TaskStatus

if TYPE_CHECKING:
    from datetime import datetime

    from tui.aws.service import TaskReads
    from tui.core.clock import Clock

    from .budget import RequestBudget
    from .poll_plan import PollPlan
    from .status import StatusBoard
    from .store import Store

T = TypeVar("T")


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class TaskListings:
    if TYPE_CHECKING:
        client: TaskReads
        store: Store
        clock: Clock
        plan: PollPlan
        budget: RequestBudget
        kinds: list[str]
        _polled_active: set[str]
        _last_scan: dict[str, float]
        _scan_floor: dict[str, datetime]
        _last_unsettled: dict[str, float]
        _history_token: dict[str, str | None]
        _in_backfill: bool
        _board: StatusBoard

        async def _call(self, make: Callable[[], Awaitable[T]], source: str) -> T: ...

        def _succeeded(self, source: str) -> None: ...

        def _update(self, **changes: Any) -> None: ...

        def _running_ids(self, kind: str) -> set[str]: ...

        def history_complete(self, kind: str) -> bool: ...

        def _idle_interval(self) -> float: ...

        def _active_due(self, kind: str) -> bool: ...

    async def _list_all(self, kind: str, **kwargs: Any) -> list[TaskRecord]:
        """Every page of one listing (for the small ones: the active set, a batch of ids)."""
        records: list[TaskRecord] = []
        token: str | None = None
        while True:
            page = await self._call(partial(self.client.list_tasks, kind, next_token=token, **kwargs), kind)
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
        if running and not self._active_due(kind):
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
        if not ids or now - self._last_unsettled.get(kind, -1e18) < self._idle_interval():
            return
        self._last_unsettled[kind] = now
        await self._fetch_by_id(kind, ids)

    async def _scan_new(self, kind: str) -> None:
        """Newest first, down to what the last complete scan covered: new tasks since the last look
        (once history is in).

        The floor is the newest start this listing saw when it last went all the way, not the newest
        start the store knows: the IN_PROGRESS listing and a scan cut short by a failure also bring in
        new tasks, and stopping at those would leave a gap whose tasks, finished meanwhile, are never
        seen. Without a floor yet (nothing scanned since the poller started), a known task ends it."""
        if not self.history_complete(kind):
            return
        now = self.clock.monotonic()
        every = self.plan.active_scan_interval if self._running_ids(kind) else self._idle_interval()
        if now - self._last_scan.get(kind, -1e18) < every:
            return
        floor = self._scan_floor.get(kind)
        sent = self.clock.now()  # (no later than the first request: a task started before it is on a page)
        token: str | None = None
        size = self.plan.scan_page_size
        newest_seen = floor
        while True:
            page = await self._call(
                partial(self.client.list_tasks, kind, max_results=size, next_token=token), kind
            )
            records = [TaskRecord.from_task(s, kind) for s in page.task_summaries]
            starts = [r.start_time for r in records if r.start_time is not None]
            if starts and (newest_seen is None or max(starts) > newest_seen):
                newest_seen = max(starts)
            if floor is not None:
                reached_known = any(start < floor for start in starts)
            else:
                reached_known = any(self.store.task(r.task_id) is not None for r in records)  # type: ignore[arg-type]
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
        if newest_seen is not None:
            self._scan_floor[kind] = newest_seen
        self._update(scanned={**self._board.current.scanned, kind: sent})

    def _backfilling(self) -> bool:
        return any(not self.history_complete(k) for k in self.kinds)

    async def _backfill(self) -> None:
        """The history, newest first, while the pacing keeps a reserve for live polls: one page of each
        kind in turn, so the newest tasks of every kind are in after the first round (the dashboard and a
        notebook's first `tasks()` show them while older pages follow)."""
        self._update(backfilling=self._backfilling())
        while pending := [k for k in self.kinds if not self.history_complete(k)]:
            for kind in pending:
                if self.budget.paced_tokens < self.plan.history_reserve + 1:
                    return
                await self._history_page(kind)
        self._update(backfilling=self._backfilling())

    async def _history_page(self, kind: str) -> None:
        token = self._history_token.get(kind)
        page = await self._call(
            partial(self.client.list_tasks, kind, max_results=self.plan.history_page_size, next_token=token),
            kind,
        )
        records = [TaskRecord.from_task(s, kind) for s in page.task_summaries]
        self._in_backfill = True
        try:
            # Each page is its own transaction and notification: the dashboard fills as it comes.
            self.store.apply_tasks(records, self.clock.now(), backfill=True)
        finally:
            self._in_backfill = False
        self._succeeded(kind)
        fetched = self._board.current.history_fetched
        self._update(history_fetched={**fetched, kind: fetched.get(kind, 0) + len(records)})
        self._history_token[kind] = page.next_token
        if not page.next_token:
            self.store.set_meta(f"history_complete:{kind}", "1")
            self._last_scan[kind] = self.clock.monotonic()

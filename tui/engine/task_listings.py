"""The task listings a poll tick carries out (a mixin of `Poller`, which supplies the client, the store,
the budgeted `_call` and the bookkeeping): a kind's first listing (its IN_PROGRESS tasks), its newest-first
page (new tasks and the ends of running ones; running tasks not on it are looked up by id, 10 a call),
tasks by id (pcwatch's own, or in a status this version does not know), and the history, a page at a time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from schemas import TaskRecord, TaskStatus

from .poll_plan import PlannedCall, chunks, departed

if TYPE_CHECKING:
    from datetime import datetime

    from tui.aws.service import TaskReads
    from tui.core.clock import Clock

    from .poll_plan import PollPlan
    from .status import StatusBoard
    from .store import Store

T = TypeVar("T")


class TaskListings:
    if TYPE_CHECKING:
        client: TaskReads
        store: Store
        clock: Clock
        plan: PollPlan
        kinds: list[str]
        _listed: set[str]
        _history_token: dict[str, str | None]
        _scan_floor: dict[str, datetime]
        _in_backfill: bool
        _board: StatusBoard

        def _update(self, **changes: Any) -> None: ...

        async def _call(self, source: str, make: Callable[[], Awaitable[T]]) -> T: ...

        def _running_ids(self, kind: str) -> set[str]: ...

        def history_complete(self, kind: str) -> bool: ...

    async def _list_all(self, source: str, kind: str, **kwargs: Any) -> list[TaskRecord]:
        """Every page of one listing (for the small ones: the active set, a batch of ids)."""
        records: list[TaskRecord] = []
        token: str | None = None
        while True:
            page = await self._call(source, partial(self.client.list_tasks, kind, next_token=token, **kwargs))
            records.extend(TaskRecord.from_task(s, kind) for s in page.task_summaries)
            token = page.next_token
            if not token:
                return records

    async def _list_active(self, call: PlannedCall) -> None:
        """A kind's first listing in this process: its IN_PROGRESS tasks (those older than any page
        shows too); running tasks known from the journal that are not among them, by id."""
        kind = call.kind or ""
        running = self._running_ids(kind)
        listed = await self._list_all(
            call.source, kind, status=[TaskStatus.IN_PROGRESS], max_results=call.page_size
        )
        self._listed.add(kind)
        self.store.apply_tasks(listed, self.clock.now())
        await self._fetch_by_id(
            call.source, kind, departed(running, {r.task_id for r in listed if r.task_id})
        )

    async def _list_newest(self, call: PlannedCall) -> None:
        """Newest first: new tasks, and the ends of running tasks on the page. With `follow_pages`, on
        down to what the last complete look covered (pcwatch was away a while: then the largest pages).
        Running tasks no page showed are looked up by id.

        The floor is the newest start this listing saw when it last went all the way, not the newest
        start the store knows: the first IN_PROGRESS listing, the tasks looked up by id and a look cut
        short by a failure also bring in new tasks, and stopping at those would leave a gap whose tasks,
        finished meanwhile, are never seen. Without a floor yet, a known task ends it."""
        kind = call.kind or ""
        running = self._running_ids(kind)
        floor = self._scan_floor.get(kind)
        newest_seen = floor
        sent = self.clock.now()  # (no later than the first request: a task started before it is on a page)
        seen: set[str] = set()
        token: str | None = None
        size = call.page_size
        while True:
            page = await self._call(
                call.source, partial(self.client.list_tasks, kind, max_results=size, next_token=token)
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
            seen.update(r.task_id for r in records if r.task_id)
            token = page.next_token
            if reached_known or not token or not call.follow_pages:
                break
            if size < self.plan.history_page_size:
                # Many new tasks: start over with the largest pages rather than page through them a few
                # at a time (a token is only valid for its page size).
                size, token = self.plan.history_page_size, None
        if newest_seen is not None and (reached_known or not token):  # (it went all the way)
            self._scan_floor[kind] = newest_seen
        # Every task of the kind started before `sent` is known now (what `Watch.follow` waits for before
        # saying an id does not exist; the IN_PROGRESS listing does not count).
        self._update(scanned={**self._board.current.scanned, kind: sent})
        await self._fetch_by_id(call.source, kind, departed(running, seen))

    async def _fetch_by_id(self, source: str, kind: str, task_ids: Sequence[str]) -> None:
        for chunk in chunks(list(task_ids)):
            found = await self._list_all(source, kind, task_ids=chunk, max_results=10)
            self.store.apply_tasks(found, self.clock.now())

    async def _by_id(self, call: PlannedCall) -> None:
        await self._fetch_by_id(call.source, call.kind or "", call.task_ids)

    async def _history_page(self, call: PlannedCall) -> None:
        """The next page of a kind's history, newest first; its own transaction and notification (the
        dashboard fills as it comes)."""
        kind = call.kind or ""
        if self.history_complete(kind):
            return
        page = await self._call(
            call.source,
            partial(
                self.client.list_tasks,
                kind,
                max_results=call.page_size,
                next_token=self._history_token.get(kind),
            ),
        )
        records = [TaskRecord.from_task(s, kind) for s in page.task_summaries]
        self._in_backfill = True
        try:
            self.store.apply_tasks(records, self.clock.now(), backfill=True)
        finally:
            self._in_backfill = False
        fetched = self._board.current.history_fetched
        self._update(history_fetched={**fetched, kind: fetched.get(kind, 0) + len(records)})
        self._history_token[kind] = page.next_token
        if not page.next_token:
            self.store.set_meta(f"history_complete:{kind}", "1")

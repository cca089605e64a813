"""The task listings a poll tick carries out: a kind's first listing (its IN_PROGRESS tasks; for a kind
whose list has no status filter, a prospecting task's, its newest page), its
newest-first page (new tasks and the ends of running ones; running tasks not on it are looked up by id,
10 a call), tasks by id (pcwatch's own, or in a status this version does not know), and the history, a
page at a time.

`TaskListings` keeps what the listings know between ticks (which kinds have had their first listing,
each kind's scan floor and history token); the poller gives it the client, the store, the budgeted call
and the status publisher, and asks it what the plan needs (`listed`, `history_complete`, `in_backfill`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from schemas import TASK_KINDS, TaskRecord, TaskStatus
from tui.aws.service import TaskReads
from tui.core.clock import Clock

from .budget import BudgetedCall
from .poll_plan import PlannedCall, PollPlan, chunks, departed
from .poller_status import StatusPublisher
from .store import Store


class TaskListings:
    def __init__(
        self,
        client: TaskReads,
        store: Store,
        clock: Clock,
        plan: PollPlan,
        call: BudgetedCall,
        status: StatusPublisher,
    ) -> None:
        self._client = client
        self._store = store
        self._clock = clock
        self._plan = plan
        self._call = call
        self._status = status
        #: Kinds whose first listing (their IN_PROGRESS tasks) this process has made.
        self._listed: set[str] = set()
        #: Kind -> the next page of its history (None: the first).
        self._history_token: dict[str, str | None] = {}
        #: Kind -> the newest start the last complete newest-first look saw (see `list_newest`).
        self._scan_floor: dict[str, datetime] = {}
        self._in_backfill = False

    def listed(self, kind: str) -> bool:
        """`kind`'s first listing is made."""
        return kind in self._listed

    @property
    def any_listed(self) -> bool:
        """Some kind's first listing is made: the poller is live, no longer starting."""
        return bool(self._listed)

    @property
    def in_backfill(self) -> bool:
        """A history page is being applied (its tasks are not news)."""
        return self._in_backfill

    def history_complete(self, kind: str) -> bool:
        return self._store.meta(f"history_complete:{kind}") == "1"

    async def _list_all(self, source: str, kind: str, **kwargs: Any) -> list[TaskRecord]:
        """Every page of one listing (for the small ones: the active set, a batch of ids)."""
        records: list[TaskRecord] = []
        token: str | None = None
        while True:
            page = await self._call(
                source, partial(self._client.list_tasks, kind, next_token=token, **kwargs)
            )
            records.extend(TaskRecord.from_task(s, kind) for s in page.task_summaries)
            token = page.next_token
            if not token:
                return records

    async def list_active(self, call: PlannedCall) -> None:
        """A kind's first listing in this process: its IN_PROGRESS tasks (those older than any page
        shows too); running tasks known from the journal that are not among them, by id. A kind whose
        list has no status filter: its newest page (running tasks older than it are the history's to
        find, or known from the journal and looked up by id)."""
        kind = call.kind or ""
        running = self._store.running_ids(kind)
        entry = TASK_KINDS.get(kind)
        if entry is not None and entry.status_filter is None:
            page = await self._call(
                call.source, partial(self._client.list_tasks, kind, max_results=call.page_size)
            )
            listed = [TaskRecord.from_task(s, kind) for s in page.task_summaries]
        else:
            listed = await self._list_all(
                call.source, kind, status=[TaskStatus.IN_PROGRESS], max_results=call.page_size
            )
        self._listed.add(kind)
        self._store.apply_tasks(listed, self._clock.now())
        await self._fetch_by_id(
            call.source, kind, departed(running, {r.task_id for r in listed if r.task_id})
        )

    async def list_newest(self, call: PlannedCall) -> None:
        """Newest first: new tasks, and the ends of running tasks on the page. With `follow_pages`, on
        down to what the last complete look covered (pcwatch was away a while: then the largest pages).
        Running tasks no page showed are looked up by id.

        The floor is the newest start this listing saw when it last went all the way, not the newest
        start the store knows: the first IN_PROGRESS listing, the tasks looked up by id and a look cut
        short by a failure also bring in new tasks, and stopping at those would leave a gap whose tasks,
        finished meanwhile, are never seen. Without a floor yet, a known task ends it."""
        kind = call.kind or ""
        store = self._store
        running = store.running_ids(kind)
        floor = self._scan_floor.get(kind)
        newest_seen = floor
        sent = self._clock.now()  # (no later than the first request: a task started before it is on a page)
        seen: set[str] = set()
        token: str | None = None
        size = call.page_size
        while True:
            page = await self._call(
                call.source, partial(self._client.list_tasks, kind, max_results=size, next_token=token)
            )
            records = [TaskRecord.from_task(s, kind) for s in page.task_summaries]
            starts = [r.start_time for r in records if r.start_time is not None]
            if starts and (newest_seen is None or max(starts) > newest_seen):
                newest_seen = max(starts)
            if floor is not None:
                reached_known = any(start < floor for start in starts)
            else:
                reached_known = any(store.task(r.task_id) is not None for r in records)  # type: ignore[arg-type]
            store.apply_tasks(records, self._clock.now())
            seen.update(r.task_id for r in records if r.task_id)
            token = page.next_token
            if reached_known or not token or not call.follow_pages:
                break
            if size < self._plan.history_page_size:
                # Many new tasks: start over with the largest pages rather than page through them a few
                # at a time (a token is only valid for its page size).
                size, token = self._plan.history_page_size, None
        if newest_seen is not None and (reached_known or not token):  # (it went all the way)
            self._scan_floor[kind] = newest_seen
        # Every task of the kind started before `sent` is known now (what `Watch.follow` waits for before
        # saying an id does not exist; the IN_PROGRESS listing does not count).
        self._status.scanned(kind, sent)
        await self._fetch_by_id(call.source, kind, departed(running, seen))

    async def _fetch_by_id(self, source: str, kind: str, task_ids: Sequence[str]) -> None:
        for chunk in chunks(list(task_ids)):
            found = await self._list_all(source, kind, task_ids=chunk, max_results=10)
            self._store.apply_tasks(found, self._clock.now())

    async def by_id(self, call: PlannedCall) -> None:
        """Tasks by TaskIdentifier (pcwatch's own, or in a status this version does not know)."""
        await self._fetch_by_id(call.source, call.kind or "", call.task_ids)

    async def history_page(self, call: PlannedCall) -> None:
        """The next page of a kind's history, newest first; its own transaction and notification (the
        dashboard fills as it comes)."""
        kind = call.kind or ""
        if self.history_complete(kind):
            return
        page = await self._call(
            call.source,
            partial(
                self._client.list_tasks,
                kind,
                max_results=call.page_size,
                next_token=self._history_token.get(kind),
            ),
        )
        records = [TaskRecord.from_task(s, kind) for s in page.task_summaries]
        self._in_backfill = True
        try:
            self._store.apply_tasks(records, self._clock.now(), backfill=True)
        finally:
            self._in_backfill = False
        self._status.history_fetched(kind, len(records))
        self._history_token[kind] = page.next_token
        if not page.next_token:
            self._store.set_meta(f"history_complete:{kind}", "1")

"""The calls a poll tick makes for the new families: a bulk job family's listing (newest first; the running
jobs not on its page by id), the jobs pcwatch started (by id), the next page of a job's results, a job's
report URL, and a selected prospecting task's per-engagement outcomes.

`BulkListings` keeps what its listings know between ticks (which families have had their first listing);
what users asked for, and where each fetch stands, is the poller's `BulkWants`. The poller gives it the
client, the store, the budgeted call and the wants.
"""

from __future__ import annotations

from functools import partial

import msgspec

from schemas import BULK_KINDS, BulkJobRecord, bulk_job_records
from tui.aws.service import TaskReads
from tui.core.clock import Clock

from .budget import BudgetedCall
from .bulk_wants import BulkWants
from .poll_plan import PlannedCall
from .store import Store
from .types import ReportUrl

#: A listing pages on while every job on its page is new, at most this many pages (the whole list of a
#: busy account once per journal; a listing that never meets a known job stops there).
MAX_LISTING_PAGES = 50


class BulkListings:
    def __init__(
        self, client: TaskReads, store: Store, clock: Clock, call: BudgetedCall, wants: BulkWants
    ) -> None:
        self._client = client
        self._store = store
        self._clock = clock
        self._call = call
        self._wants = wants
        #: Families listed at least once by this process.
        self._listed: set[str] = set()

    def listed(self, kind: str) -> bool:
        return kind in self._listed

    @property
    def all_listed(self) -> bool:
        return bool(self._listed)

    async def list_jobs(self, call: PlannedCall) -> None:
        """The family's newest page (with `follow_pages`, on while every job on it is new); the running
        jobs it did not show, by id."""
        kind = call.kind or ""
        store = self._store
        running = store.running_bulk_ids(kind)
        seen: set[str] = set()
        token: str | None = None
        for _ in range(MAX_LISTING_PAGES):
            page = await self._call(
                call.source,
                partial(self._client.list_bulk_jobs, kind, max_results=call.page_size, next_token=token),
            )
            records = bulk_job_records(page, kind)
            known = any(store.bulk_job(r.job_id) is not None for r in records)
            store.apply_bulk_jobs(records, self._clock.now())
            seen.update(r.job_id for r in records)
            token = page.next_token
            if known or not token or not call.follow_pages:
                break
        self._listed.add(kind)
        for job_id in sorted(running - seen):
            await self._fetch_one(call.source, kind, job_id)

    async def own(self, call: PlannedCall) -> None:
        """Jobs pcwatch started, by id."""
        for job_id in call.task_ids:
            await self._fetch_one(call.source, call.kind or "", job_id)

    async def find(self, call: PlannedCall) -> None:
        """A job asked for (its results, its report) that no listing has shown: by id in each family
        until one has it; in none, the ask is dropped."""
        job_id = call.job_id or ""
        for kind in BULK_KINDS:
            job = await self._call(call.source, partial(self._client.get_bulk_job, kind, job_id))
            if job is not None:
                self._store.apply_bulk_jobs([job], self._clock.now())
                return
        self._wants.forget_unknown({job_id})

    async def _fetch_one(self, source: str, kind: str, job_id: str) -> BulkJobRecord | None:
        if job_id in self._wants.gone:
            return None
        job = await self._call(source, partial(self._client.get_bulk_job, kind, job_id))
        if job is None:  # the service does not know it (deleted, or another catalog's): not asked again
            self._wants.gone.add(job_id)
            return None
        self._store.apply_bulk_jobs([job], self._clock.now())
        return job

    async def results_page(self, call: PlannedCall) -> None:
        """The next page of a job's results (the failed records first, then, if every record was asked
        for, the others). The first page of a fetch starts the kept set over (or extends it)."""
        job_id, kind = call.job_id or "", call.kind or ""
        fetch = self._wants.results_fetch(job_id)
        if fetch is None:
            return
        page = await self._call(
            call.source,
            partial(
                self._client.list_bulk_job_results,
                kind,
                job_id,
                status=fetch.phase,
                max_results=call.page_size,
                next_token=fetch.token,
            ),
        )
        if not fetch.started and not fetch.extend:
            self._store.start_results(job_id, kind, all_asked=fetch.all_asked, final=fetch.final)
        elif fetch.all_asked:
            self._store.extend_results(job_id, kind, all_asked=True)
        self._store.apply_results(job_id, fetch.phase, list(page.results), complete=not page.next_token)
        self._wants.page_done(job_id, page.next_token)

    async def report(self, call: PlannedCall) -> None:
        """A job's failed-records report: its status and, once available, its URL (memory only)."""
        job_id, kind = call.job_id or "", call.kind or ""
        report = await self._call(call.source, partial(self._client.get_bulk_job_report_url, kind, job_id))
        self._store.set_report(
            ReportUrl(
                job_id=job_id,
                status=report.report_status,
                url=report.url,
                expires_at=report.expires_at,
                failure_reason=report.failure_reason,
            )
        )
        self._wants.report_done(job_id, report.report_status)

    async def engagements(self, call: PlannedCall) -> None:
        """A prospecting task's per-engagement outcomes."""
        [task_id] = call.task_ids
        outcome = await self._call(call.source, partial(self._client.get_prospecting_task, task_id))
        if outcome.task_id is None:  # a partial answer: we know which task we asked for
            outcome = msgspec.structs.replace(outcome, task_id=task_id)
        self._store.apply_prospecting(outcome, self._clock.now())
        self._wants.prospecting_fetched(task_id)

"""Which resource snapshot jobs the poller fetches, and when.

A job named by a task seen live is fetched once, soon (urgent). A Running job of such a task is refreshed
slowly for a while (`job_follow_window`), at most one refresh per `job_refresh_spacing`: a snapshot job
keeps running as long as its engagement is tracked, so following every one forever would cost more than
all the task polling. Jobs of history tasks are fetched only if recent and only with spare budget; any
job on demand (`want`, e.g. the user opened its task).
"""

from __future__ import annotations

from collections import deque
from datetime import timedelta

from schemas import ResourceSnapshotJobStatus
from tui.core.clock import Clock

from .poll_plan import PollPlan
from .store import Store, StoreChange


class SnapshotJobQueue:
    def __init__(self, store: Store, clock: Clock, plan: PollPlan) -> None:
        self._store = store
        self._clock = clock
        self._plan = plan
        self._urgent: deque[str] = deque()
        self._spare: deque[str] = deque()
        self._known: set[str] = set()
        self._live: dict[str, float] = {}  # job id -> when its task was seen live (monotonic)
        self._last_refresh = -1e18

    @property
    def has_urgent(self) -> bool:
        return bool(self._urgent)

    def want(self, job_id: str) -> None:
        if job_id in self._urgent:
            self._urgent.remove(job_id)
        self._urgent.appendleft(job_id)

    def on_task_change(self, change: StoreChange, *, backfill: bool) -> None:
        recent = self._clock.now() - timedelta(seconds=self._plan.history_job_window)
        for task_id in change.task_ids:
            record = self._store.task(task_id)
            job_id = record.resource_snapshot_job_id if record else None
            if not job_id or job_id in self._known or self._store.job(job_id) is not None:
                continue  # (a job loaded from the journal is known too)
            self._known.add(job_id)
            if not backfill:
                if job_id not in self._urgent:  # (an event may have asked for it already: once is enough)
                    self._urgent.append(job_id)
                self._live[job_id] = self._clock.monotonic()
            elif record is not None and record.start_time is not None and record.start_time >= recent:
                self._spare.append(job_id)

    def _due_refreshes(self) -> list[str]:
        now = self._clock.monotonic()
        for job_id, since in list(self._live.items()):
            if now - since > self._plan.job_follow_window:
                del self._live[job_id]
        horizon = self._clock.now() - timedelta(seconds=self._plan.job_refresh_interval)
        due = []
        for job_id in self._live:
            job = self._store.job(job_id)
            at = self._store.job_fetched_at(job_id)
            if job is not None and job.status == ResourceSnapshotJobStatus.RUNNING and at and at <= horizon:
                due.append(job_id)
        return due

    def next_batch(self, *, plenty: bool, history: bool = True) -> list[str]:
        """The jobs to fetch this tick: urgent ones first; with `plenty` of budget, also a refresh and
        (unless `history` is False) history jobs, up to `jobs_per_tick`; otherwise one."""
        batch = list(self._urgent)
        if plenty:
            now = self._clock.monotonic()
            if now - self._last_refresh >= self._plan.job_refresh_spacing:
                due = [j for j in self._due_refreshes() if j not in self._urgent]
                if due:
                    self._last_refresh = now
                    batch.append(due[0])
            if history:
                batch += [j for j in self._spare if j not in batch]
        return batch[: self._plan.jobs_per_tick if plenty else 1]

    def fetched(self, job_id: str) -> None:
        # The store knows it now (or it failed: a later change of its task may queue it again); the set
        # would otherwise grow with every job ever seen.
        self._known.discard(job_id)
        for queue in (self._urgent, self._spare):
            if job_id in queue:
                queue.remove(job_id)

"""Which resource snapshot jobs the poller fetches, and in what order.

- **Wanted** (the user opened a task, a task pcwatch started names one, or an event names one): fetched
  at once.
- **First seen**: a job named by a task seen ending live is fetched once, newest first, one per
  `job_interval` while someone watches. A busy account ends far more tasks than are worth a call each, so
  at most `job_queue_limit` wait, none longer than `job_fresh_window`; the others are fetched when opened.
- **While it can still change**: a job someone asked for (opened, or named by a task pcwatch started)
  that is `Running` is fetched again every `job_refresh_interval` for `job_follow_window` after it was
  first asked for. A job in a final state (`Stopped`) is never fetched again on a timer; nor is one
  nobody asked for (a busy account's hundreds an hour would cost more than all the task polling).
- Jobs of tasks loaded as history are fetched only when opened.
- A job the service says does not exist is dropped (the snapshot jobs pane names it for a while; it is
  not the header's error: `Source.gone`), never retried on a timer; opening its task asks again.
"""

from __future__ import annotations

from collections import deque
from datetime import timedelta

from schemas import ResourceSnapshotJobStatus
from tui.core.clock import Clock, steady_wall

from .poll_plan import PollPlan
from .store import Store, StoreChange

#: Job statuses that can still change.
CHANGING = (ResourceSnapshotJobStatus.RUNNING,)


class SnapshotJobQueue:
    def __init__(self, store: Store, clock: Clock, plan: PollPlan) -> None:
        self._store = store
        self._clock = clock
        self._plan = plan
        self._wanted: deque[str] = deque()
        self._fresh: deque[tuple[str, float]] = deque()  # (job id, first seen), newest first
        self._known: set[str] = set()
        self._followed: dict[str, float] = {}  # job id -> when it was asked for (monotonic)
        self._gone: set[str] = set()

    @property
    def wanted(self) -> tuple[str, ...]:
        return tuple(self._wanted)

    def want(self, job_id: str) -> None:
        if job_id in self._wanted:
            self._wanted.remove(job_id)
        self._wanted.appendleft(job_id)
        self._gone.discard(job_id)
        self._followed.setdefault(job_id, self._clock.monotonic())

    def want_for_event(self, job_id: str) -> None:
        """A job an event names (its snapshot was created): fetched at once, unless it is known in a
        final state already. Asked for twice (the event, then the end of its task), fetched once."""
        job = self._store.job(job_id)
        if job is not None and job.status not in CHANGING and job_id not in self._gone:
            return
        self._known.add(job_id)
        if job_id not in self._wanted:
            self._wanted.append(job_id)
        self._gone.discard(job_id)

    def is_gone(self, job_id: str) -> bool:
        return job_id in self._gone

    def on_task_change(self, change: StoreChange, *, backfill: bool, own: set[str] | None = None) -> None:
        """Queue the jobs the changed tasks name for the first time (not those of history)."""
        if backfill:
            return
        for task_id in change.task_ids:
            record = self._store.task(task_id)
            job_id = record.resource_snapshot_job_id if record else None
            if not job_id or job_id in self._known:
                continue
            self._known.add(job_id)
            if own is not None and task_id in own:
                self.want(job_id)
                continue
            if self._store.job(job_id) is not None:  # (loaded from the journal)
                continue
            self._fresh.appendleft((job_id, self._clock.monotonic()))
            while len(self._fresh) > self._plan.job_queue_limit:
                self._fresh.pop()

    def next_job(self) -> str | None:
        """The job whose turn it is: the newest first seen (lately), else the Running one asked for that
        is most overdue a refresh."""
        now = self._clock.monotonic()
        while self._fresh and now - self._fresh[-1][1] > self._plan.job_fresh_window:
            self._fresh.pop()
        if self._fresh:
            return self._fresh[0][0]
        for job_id, since in list(self._followed.items()):
            if now - since > self._plan.job_follow_window or job_id in self._gone:
                del self._followed[job_id]
        # (the store's fetch times are step-free: so is the horizon, or a step forward would make every
        # followed job due at each tick)
        horizon = steady_wall(self._clock).now() - timedelta(seconds=self._plan.job_refresh_interval)
        due = []
        for job_id in self._followed:
            job = self._store.job(job_id)
            at = self._store.job_fetched_at(job_id)
            if job is not None and job.status in CHANGING and at is not None and at <= horizon:
                due.append((at, job_id))
        return min(due)[1] if due else None

    def fetched(self, job_id: str) -> None:
        if job_id in self._wanted:
            self._wanted.remove(job_id)
        self._fresh = deque(entry for entry in self._fresh if entry[0] != job_id)
        self._gone.discard(job_id)
        # The store knows it now (or the service does not: a later change of its task may queue it again);
        # the set would otherwise grow with every job ever seen.
        self._known.discard(job_id)

    def gone(self, job_id: str) -> None:
        """The service has no such job: drop it (opening its task asks again)."""
        self.fetched(job_id)
        self._gone.add(job_id)
        self._followed.pop(job_id, None)

    def give_up(self, job_id: str) -> None:
        """A refusal no retry changes (e.g. access denied): out of the queues, as if fetched."""
        self.fetched(job_id)
        self._followed.pop(job_id, None)

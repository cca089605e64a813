"""The store: the single source of truth the dashboard and the commands read.

Tasks by id across kinds, status transitions with the time each was observed, snapshot jobs and
invitations, and the derived facts (completion times; counts and running ids, kept by
`store_index.TaskIndex`). It is mutated only by the poller, on the poller's event loop; subscribers
are called synchronously after each change with the ids that changed. Every change also goes to the
journal (if any): one transaction per `batch()` (a poll), or per call outside one. A store that
follows another process's poller instead takes its changes from the journal
(`apply_journal_changes`), and notifies its subscribers in the same way.
"""

from __future__ import annotations

import gc
import logging
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

import msgspec

from schemas import EngagementInvitationSummary, GetResourceSnapshotJobResponse, TaskRecord, TaskStatus
from tui.core.clock import Clock, SystemClock
from tui.core.subscribers import Subscribers

from .journal import Journal, JournalChanges, JournalContents, PendingWrites
from .store_index import TaskIndex
from .types import Completion, StoreChange, TaskRow, Transition

log = logging.getLogger(__name__)

RECENT_TRANSITIONS = 1000

__all__ = ["Completion", "Store", "StoreChange", "Transition"]


def _ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, timezone.utc)


def _is_terminal(status: str | None) -> bool:
    return status in TaskStatus.TERMINAL


def _merge(old: TaskRecord, new: TaskRecord) -> TaskRecord:
    """The new record, keeping fields a partial response left out (never erase what we knew)."""
    missing = {
        f: getattr(old, f)
        for f in new.__struct_fields__
        if getattr(new, f) is None and getattr(old, f) is not None
    }
    return msgspec.structs.replace(new, **missing) if missing else new


class Store:
    def __init__(self, journal: Journal | None = None, clock: Clock | None = None) -> None:
        self.journal = journal
        self._clock = clock or SystemClock()
        self._rows: dict[str, TaskRow] = {}
        self._transitions: dict[str, list[Transition]] = {}
        self._recent: deque[Transition] = deque(maxlen=RECENT_TRANSITIONS)
        self._jobs: dict[str, GetResourceSnapshotJobResponse] = {}
        self._job_fetched: dict[str, float] = {}
        self._invitations: dict[str, EngagementInvitationSummary] = {}
        self._meta: dict[str, str] = {}
        self._index = TaskIndex()
        self._subscribers: Subscribers[StoreChange] = Subscribers("store")
        self._pending = PendingWrites()
        self._batch_depth = 0
        #: The journal change number the store's contents are as of (see `apply_journal_changes`).
        self.journal_seq = 0

    # --- loading ------------------------------------------------------------------------------------

    def load(self) -> None:
        """Fill from the journal (before the first API call). Subscribers are not called."""
        if self.journal is None:
            return
        # 100,000s of new objects, none of them garbage: without this the cyclic GC runs hundreds of
        # times during the load (~0.1 s at 100,000 tasks), twice as full passes.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._load_contents(self.journal.load())
        finally:
            if gc_was_enabled:
                gc.enable()

    def _load_contents(self, contents: JournalContents) -> None:
        # Kind, status and reason repeat across 100,000s of tasks: share one string object for each value
        # (~20 MB less at 100,000 tasks).
        shared: dict[str, str] = {}
        intern = shared.setdefault
        rows = self._rows
        # `TaskIndex.replace` for each record, inlined: this loop is most of a large journal's load time.
        index = self._index
        counts, reasons, active_by_kind, newest = index.by_status, index.by_reason, index.active, index.newest
        terminal = TaskStatus.TERMINAL
        for row in contents.tasks:
            record = row.record
            task_id = record.task_id
            if not task_id:
                continue
            old = rows.get(task_id)
            if old is not None:  # not expected (the id is the journal's key), but keep the index right
                self._index.replace(old.record, None)
            record.kind = kind = intern(record.kind, record.kind)
            status = record.task_status
            if status is not None:
                record.task_status = status = intern(status, status)
            reason = record.reason_code
            if reason is not None:
                record.reason_code = reason = intern(reason, reason)
            rows[task_id] = row
            by_status = counts.get(kind)
            if by_status is None:
                by_status = counts[kind] = {}
                active_by_kind.setdefault(kind, set())
            key = status or "UNKNOWN"
            by_status[key] = by_status.get(key, 0) + 1
            if reason:
                by_reason = reasons.setdefault(kind, {})
                by_reason[reason] = by_reason.get(reason, 0) + 1
            if status not in terminal:
                active_by_kind[kind].add(task_id)
            start = record.start_time
            if start is not None:
                latest = newest.get(kind)
                if latest is None or start > latest:
                    newest[kind] = start
        for task_id, kind, before, after, at, prev in contents.transitions:
            t = Transition(task_id, kind, before, after, _ts(at), _ts(prev))  # type: ignore[arg-type]
            self._transitions.setdefault(task_id, []).append(t)
            self._recent.append(t)
        for job, at in contents.jobs:
            if job.id:
                self._jobs[job.id] = job
                self._job_fetched[job.id] = at
        self._invitations = {i.id: i for i in contents.invitations}
        self._meta = dict(contents.meta)
        self.journal_seq = contents.change_seq

    def apply_journal_changes(self, changes: JournalChanges) -> StoreChange:
        """Apply rows another process wrote to the journal (this store follows its poller). Nothing is
        written back. Subscribers are notified as after a poll."""
        changed: set[str] = set()
        for row in changes.tasks:
            record = row.record
            task_id = record.task_id
            if not task_id:
                continue
            old = self._rows.get(task_id)
            if old is not None and old.last_observed > row.last_observed:
                continue  # our own write is newer (we were the poller a moment ago)
            self._rows[task_id] = row
            if old is None or old.record != record:
                self._index.replace(old.record if old else None, record)
                changed.add(task_id)
        transitions = []
        for task_id, kind, before, after, at, prev in changes.transitions:
            t = Transition(task_id, kind, before, after, _ts(at), _ts(prev))  # type: ignore[arg-type]
            self._transitions.setdefault(task_id, []).append(t)
            self._recent.append(t)
            transitions.append(t)
        job_ids: set[str] = set()
        for job, at in changes.jobs:
            if job.id:
                if self._jobs.get(job.id) != job:
                    job_ids.add(job.id)
                self._jobs[job.id] = job
                self._job_fetched[job.id] = at
        invitation_ids: set[str] = set()
        for inv in changes.invitations:
            if self._invitations.get(inv.id) != inv:
                invitation_ids.add(inv.id)
                self._invitations[inv.id] = inv
        for inv_id in changes.removed_invitations:
            if self._invitations.pop(inv_id, None) is not None:
                invitation_ids.add(inv_id)
        self._meta.update(changes.meta)
        self.journal_seq = max(self.journal_seq, changes.change_seq)
        return self._notify(
            StoreChange(
                task_ids=frozenset(changed),
                job_ids=frozenset(job_ids),
                invitation_ids=frozenset(invitation_ids),
                transitions=tuple(transitions),
            )
        )

    @property
    def warnings(self) -> list[str]:
        return self.journal.warnings if self.journal else []

    # --- reading ------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._rows)

    def __bool__(self) -> bool:
        return True  # an empty store is still a store (`store or default` must not replace it)

    def task(self, task_id: str) -> TaskRecord | None:
        row = self._rows.get(task_id)
        return row.record if row else None

    def tasks(self) -> Iterator[TaskRecord]:
        return (row.record for row in list(self._rows.values()))

    def last_observed(self, task_id: str) -> datetime | None:
        row = self._rows.get(task_id)
        return _ts(row.last_observed) if row else None

    def active_ids(self, kind: str | None = None) -> set[str]:
        """Tasks not known to be finished (IN_PROGRESS, or a status this version does not know)."""
        return self._index.active_ids(kind)

    def newest_start(self, kind: str) -> datetime | None:
        return self._index.newest_start(kind)

    def job(self, job_id: str) -> GetResourceSnapshotJobResponse | None:
        return self._jobs.get(job_id)

    def jobs(self) -> list[GetResourceSnapshotJobResponse]:
        return list(self._jobs.values())

    def job_fetched_at(self, job_id: str) -> datetime | None:
        return _ts(self._job_fetched.get(job_id))

    def invitations(self) -> list[EngagementInvitationSummary]:
        return list(self._invitations.values())

    def transitions_of(self, task_id: str) -> list[Transition]:
        return list(self._transitions.get(task_id, ()))

    def recent_transitions(self, limit: int = 200) -> list[Transition]:
        """The latest transitions, oldest first."""
        items = list(self._recent)
        return items[-limit:] if limit else []

    def completion(self, task_id: str) -> Completion | None:
        row = self._rows.get(task_id)
        if row is None or row.terminal_at is None or not _is_terminal(row.record.task_status):
            return None
        end = row.terminal_at
        start = row.record.start_time.timestamp() if row.record.start_time else None
        before = row.terminal_prev if row.terminal_prev is not None else start
        return Completion(
            started=row.record.start_time,
            observed_end=_ts(end),  # type: ignore[arg-type]
            uncertainty=max(0.0, end - before) if before is not None else float("inf"),
            duration=max(0.0, end - start) if start is not None else float("nan"),
            observed_live=row.terminal_prev is not None,
        )

    def observed_end(self, task_id: str) -> float | None:
        """Epoch seconds of a finished task's first terminal observation, if pcwatch saw it running
        before (what the default sort orders finished tasks by); None otherwise. `completion()` without
        building the object, for sorting 100,000s of rows."""
        row = self._rows.get(task_id)
        if row is None or row.terminal_prev is None or not _is_terminal(row.record.task_status):
            return None
        return row.terminal_at

    def task_rows(self) -> list[TaskRow]:
        """Every task as stored (record plus observation times), for bulk readers such as the table's
        sort; `observed_end` of a row is `row.terminal_at` when `row.terminal_prev` is not None.
        Treat as read-only."""
        return list(self._rows.values())

    def counts(self) -> dict[str, dict[str, int]]:
        """kind -> status -> number of tasks."""
        return self._index.counts()

    def reason_counts(self) -> dict[str, dict[str, int]]:
        """kind -> ReasonCode -> number of tasks carrying it."""
        return self._index.reason_counts()

    def meta(self, key: str, default: str | None = None) -> str | None:
        return self._meta.get(key, default)

    # --- subscribing --------------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[StoreChange], None]) -> Callable[[], None]:
        return self._subscribers.add(callback)

    def _notify(self, change: StoreChange) -> StoreChange:
        if change:
            self._subscribers.notify(change)  # a broken view must not stop the poller
        return change

    # --- writing ------------------------------------------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group changes into one journal transaction (a poll)."""
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0:
                self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, PendingWrites()
        if self.journal is None or not pending:
            return
        try:
            self.journal.write(
                tasks=pending.tasks.values(),
                transitions=pending.transitions,
                jobs=pending.jobs.values(),
                invitations=pending.invitations.values(),
                removed_invitations=pending.removed_invitations,
                meta=pending.meta,
            )
        except sqlite3.Error as exc:
            # Keep running in memory; the next flush tries again with its own changes.
            message = f"journal write failed: {exc}"
            self.journal.warnings.append(message)
            log.warning("%s", message)

    def _after_write(self) -> None:
        if self._batch_depth == 0:
            self.flush()

    def apply_tasks(
        self, records: Iterable[TaskRecord], observed_at: datetime | None = None, *, backfill: bool = False
    ) -> StoreChange:
        """Upsert tasks observed at `observed_at` (default: now) and record status transitions.

        `backfill=True` (history loaded in bulk) records no "first seen" transitions for new tasks.
        """
        when = observed_at or self._clock.now()
        at = when.timestamp()
        changed: set[str] = set()
        transitions: list[Transition] = []
        for record in records:
            task_id = record.task_id
            if not task_id:
                continue
            row = self._rows.get(task_id)
            if row is None:
                terminal = _is_terminal(record.task_status)
                row = TaskRow(record, at, at, terminal_at=at if terminal else None)
                self._rows[task_id] = row
                self._index.replace(None, record)
                changed.add(task_id)
                if not backfill:
                    transitions.append(
                        Transition(task_id, record.kind, None, record.task_status or "", when, None)
                    )
            else:
                old = row.record
                if row.last_observed > at:
                    continue  # an older observation arriving late: keep what is newer
                new = _merge(old, record)
                if new.task_status != old.task_status:
                    prev = row.last_observed
                    transitions.append(
                        Transition(task_id, new.kind, old.task_status, new.task_status or "", when, _ts(prev))
                    )
                    if _is_terminal(new.task_status):
                        if row.terminal_at is None:
                            row.terminal_at, row.terminal_prev = at, prev
                    else:
                        row.terminal_at = row.terminal_prev = None
                if new != old:
                    self._index.replace(old, new)
                    row.record = new
                    changed.add(task_id)
                row.last_observed = at
            self._pending.tasks[task_id] = row
        for t in transitions:
            self._transitions.setdefault(t.task_id, []).append(t)
            self._recent.append(t)
            self._pending.transitions.append(
                (
                    t.task_id,
                    t.kind,
                    t.from_status,
                    t.to_status,
                    t.observed_at.timestamp(),
                    t.previous_observed_at.timestamp() if t.previous_observed_at else None,
                )
            )
        self._after_write()
        return self._notify(StoreChange(task_ids=frozenset(changed), transitions=tuple(transitions)))

    def apply_jobs(
        self, jobs: Iterable[GetResourceSnapshotJobResponse], observed_at: datetime | None = None
    ) -> StoreChange:
        at = (observed_at or self._clock.now()).timestamp()
        changed: set[str] = set()
        for job in jobs:
            if not job.id:
                continue
            if self._jobs.get(job.id) != job:
                changed.add(job.id)
            self._jobs[job.id] = job
            self._job_fetched[job.id] = at
            self._pending.jobs[job.id] = (job, at)
        self._after_write()
        return self._notify(StoreChange(job_ids=frozenset(changed)))

    def apply_invitations(self, invitations: Iterable[EngagementInvitationSummary]) -> StoreChange:
        changed: set[str] = set()
        for inv in invitations:
            if self._invitations.get(inv.id) != inv:
                changed.add(inv.id)
                self._invitations[inv.id] = inv
                self._pending.invitations[inv.id] = inv
                self._pending.removed_invitations.discard(inv.id)
        self._after_write()
        return self._notify(StoreChange(invitation_ids=frozenset(changed)))

    def remove_invitations(self, invitation_ids: Iterable[str]) -> StoreChange:
        """Forget invitations no longer pending (accepted, rejected or expired since)."""
        removed = {i for i in invitation_ids if self._invitations.pop(i, None) is not None}
        for i in removed:
            self._pending.invitations.pop(i, None)
        self._pending.removed_invitations |= removed
        self._after_write()
        return self._notify(StoreChange(invitation_ids=frozenset(removed)))

    def set_meta(self, key: str, value: str) -> None:
        """Poll bookkeeping kept in the journal (e.g. whether a kind's history is fully fetched)."""
        if self._meta.get(key) != value:
            self._meta[key] = value
            self._pending.meta[key] = value
            self._after_write()

"""The store's side of the journal (a mixin of `Store`): filling it from the journal before the first
call (`load`), and, for a store that follows another process's poller, applying the rows that poller
wrote since (`apply_journal_changes`), with the same notifications a poll makes."""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from schemas import EngagementInvitationSummary, GetResourceSnapshotJobResponse, TaskStatus

from .journal import Journal, JournalChanges, JournalContents
from .store_index import TaskIndex
from .types import StoreChange, TaskRow, Transition


def from_epoch(value: float | None) -> datetime | None:
    """Epoch seconds (as the journal keeps times) as an aware UTC datetime."""
    return None if value is None else datetime.fromtimestamp(value, timezone.utc)


class JournalSync:
    if TYPE_CHECKING:
        journal: Journal | None
        journal_seq: int
        _rows: dict[str, TaskRow]
        _transitions: dict[str, list[Transition]]
        _recent: deque[Transition]
        _jobs: dict[str, GetResourceSnapshotJobResponse]
        _job_fetched: dict[str, float]
        _invitations: dict[str, EngagementInvitationSummary]
        _meta: dict[str, str]
        keep_ended: int
        _index: TaskIndex
        _notify: Callable[[StoreChange], StoreChange]
        _forget_ended: Callable[[], set[str]]

    def load(self) -> None:
        """Fill from the journal (before the first API call). Subscribers are not called."""
        if self.journal is None:
            return
        # 100,000s of new objects, none of them garbage: without this the cyclic GC runs hundreds of
        # times during the load (~0.1 s at 100,000 tasks), twice as full passes.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._load_contents(self.journal.load(self.keep_ended))
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
            t = Transition(task_id, kind, before, after, from_epoch(at), from_epoch(prev))  # type: ignore[arg-type]
            self._transitions.setdefault(task_id, []).append(t)
            self._recent.append(t)
        for job, at in contents.jobs:
            if job.id:
                self._jobs[job.id] = job
                self._job_fetched[job.id] = at
        self._invitations = {i.id: i for i in contents.invitations}
        self._meta = dict(contents.meta)
        self.journal_seq = contents.change_seq
        self._forget_ended()

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
            t = Transition(task_id, kind, before, after, from_epoch(at), from_epoch(prev))  # type: ignore[arg-type]
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
        changed |= self._forget_ended()
        return self._notify(
            StoreChange(
                task_ids=frozenset(changed),
                job_ids=frozenset(job_ids),
                invitation_ids=frozenset(invitation_ids),
                transitions=tuple(transitions),
            )
        )

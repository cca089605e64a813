"""The store's derived index of its tasks, per kind: counts by status and by reason code, the ids not
known to be finished, and the newest start time; and each invitation's newest accept task. `Store` keeps
it in step with every record it replaces (`TaskIndex.replace`); it never reads the records itself.
"""

from __future__ import annotations

import math
from datetime import datetime

from schemas import TaskKind, TaskRecord, TaskStatus


class TaskIndex:
    """Counts, running ids and newest start per kind, updated one record replacement at a time."""

    def __init__(self) -> None:
        #: kind -> status ("UNKNOWN" for none) -> number of tasks (entries may be 0).
        self.by_status: dict[str, dict[str, int]] = {}
        #: kind -> ReasonCode -> number of tasks carrying it (entries may be 0).
        self.by_reason: dict[str, dict[str, int]] = {}
        #: kind -> the latest start time seen.
        self.newest: dict[str, datetime] = {}
        #: kind -> ids of tasks not known to be finished.
        self.active: dict[str, set[str]] = {}
        #: invitation id -> (start, id) of the newest accept task naming it: the one an accept started.
        self.accepts: dict[str, tuple[float, str]] = {}

    def replace(self, old: TaskRecord | None, new: TaskRecord | None) -> None:
        """Keep counts, newest start and the active set in step with one record replacing another."""
        for record, sign in ((old, -1), (new, 1)):
            if record is None:
                continue
            kind, status = record.kind, record.task_status or "UNKNOWN"
            by_status = self.by_status.setdefault(kind, {})
            by_status[status] = by_status.get(status, 0) + sign
            if record.reason_code:
                by_reason = self.by_reason.setdefault(kind, {})
                by_reason[record.reason_code] = by_reason.get(record.reason_code, 0) + sign
            active = self.active.setdefault(kind, set())
            if sign > 0 and record.task_status not in TaskStatus.TERMINAL:
                active.add(record.task_id)  # type: ignore[arg-type]
            elif sign < 0:
                active.discard(record.task_id)
            if kind == TaskKind.ACCEPT_INVITATION and sign > 0:
                self.link_accept(record)
            elif kind == TaskKind.ACCEPT_INVITATION:
                self._unlink_accept(record)
        if new is not None and new.start_time is not None:
            newest = self.newest.get(new.kind)
            if newest is None or new.start_time > newest:
                self.newest[new.kind] = new.start_time

    def link_accept(self, record: TaskRecord) -> None:
        """An accept task: its invitation's accepting task, if none newer is known. (Without a start
        time it was just started: the newest.)"""
        invitation_id, task_id = record.engagement_invitation_id, record.task_id
        if not invitation_id or not task_id:
            return
        start = record.start_time.timestamp() if record.start_time is not None else math.inf
        known = self.accepts.get(invitation_id)
        if known is None or (start, task_id) >= known:
            self.accepts[invitation_id] = (start, task_id)

    def _unlink_accept(self, record: TaskRecord) -> None:
        invitation_id = record.engagement_invitation_id
        known = self.accepts.get(invitation_id) if invitation_id else None
        if known is not None and known[1] == record.task_id:
            del self.accepts[invitation_id]  # type: ignore[arg-type]

    def accept_task_id(self, invitation_id: str) -> str | None:
        """The newest accept task naming the invitation."""
        known = self.accepts.get(invitation_id)
        return known[1] if known is not None else None

    def active_ids(self, kind: str | None = None) -> set[str]:
        """Tasks not known to be finished (IN_PROGRESS, or a status this version does not know)."""
        if kind is not None:
            return set(self.active.get(kind, ()))
        return set().union(*self.active.values()) if self.active else set()

    def active_count(self) -> int:
        return sum(len(ids) for ids in self.active.values())

    def newest_start(self, kind: str) -> datetime | None:
        return self.newest.get(kind)

    def counts(self) -> dict[str, dict[str, int]]:
        """kind -> status -> number of tasks."""
        return {k: {s: n for s, n in v.items() if n} for k, v in self.by_status.items()}

    def reason_counts(self) -> dict[str, dict[str, int]]:
        """kind -> ReasonCode -> number of tasks carrying it."""
        return {k: {s: n for s, n in v.items() if n} for k, v in self.by_reason.items()}

"""What a store holds in memory: its tasks (as `TaskRow`s) and their index, their transitions, the
snapshot jobs, the pending invitations, the journal's meta rows, bounded by `keep_ended`; and the bulk
jobs, their results and the prospecting tasks' outcomes (`bulk`, a `BulkContents`, bounded on its own).

One object, changed from two sides that never call each other: a poll's observations (`Store.apply_*`,
which also queue the journal writes and notify) and the journal's rows (`store_sync`: the load, and a
follower's changes read since its last look). Its fields are the store's data; the forgetting of the
oldest finished tasks (`forget_ended`) and the transitions' bookkeeping live here, where both sides use
them.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable
from datetime import datetime, timezone

from schemas import EngagementInvitationSummary, GetResourceSnapshotJobResponse, TaskRecord

from .bulk_contents import BulkContents
from .store_index import TaskIndex
from .store_retention import ended_to_forget
from .types import Acceptance, TaskRow, Transition

log = logging.getLogger(__name__)

#: The latest transitions kept in memory across tasks (the activity pane's).
RECENT_TRANSITIONS = 1000


def from_epoch(value: float | None) -> datetime | None:
    """Epoch seconds (as the journal keeps times) as an aware UTC datetime."""
    return None if value is None else datetime.fromtimestamp(value, timezone.utc)


def started(record: TaskRecord) -> float:
    """A record's start in epoch seconds (-inf without one): the order of forgetting."""
    return record.start_time.timestamp() if record.start_time else float("-inf")


class StoreContents:
    def __init__(self, keep_ended: int) -> None:
        #: Finished tasks kept in memory at most (the newest by start; `store_retention`).
        self.keep_ended = keep_ended
        #: The latest start time (epoch seconds) of a finished task forgotten so far.
        self.forgotten_until = float("-inf")
        self.rows: dict[str, TaskRow] = {}
        self.transitions: dict[str, list[Transition]] = {}
        self.recent: deque[Transition] = deque(maxlen=RECENT_TRANSITIONS)
        self.jobs: dict[str, GetResourceSnapshotJobResponse] = {}
        #: Job id -> when it was last fetched (epoch seconds).
        self.job_fetched: dict[str, float] = {}
        self.invitations: dict[str, EngagementInvitationSummary] = {}
        #: Invitations this process sent an accept for, its answer not back yet (memory only: another
        #: viewer sees the accept once its task is in the journal).
        self.accepts_sent: set[str] = set()
        self.meta: dict[str, str] = {}
        self.index = TaskIndex()
        self.bulk = BulkContents()

    def add_transition(self, transition: Transition) -> None:
        self.transitions.setdefault(transition.task_id, []).append(transition)
        self.recent.append(transition)

    def acceptance(self, invitation_id: str) -> Acceptance | None:
        """The invitation's acceptance: an accept sent from here and not answered yet, else its newest
        accept task (None: none known)."""
        if invitation_id in self.accepts_sent:
            return Acceptance(invitation_id)
        task_id = self.index.accept_task_id(invitation_id)
        row = self.rows.get(task_id) if task_id is not None else None
        return Acceptance(invitation_id, row.record) if row is not None else None

    def is_accepted(self, invitation_id: str) -> bool:
        """Its accepting task is COMPLETE: no longer pending, whatever a listing a moment behind says."""
        acceptance = self.acceptance(invitation_id)
        return acceptance is not None and acceptance.state == "accepted"

    def accepts_changed(self, task_ids: Iterable[str]) -> tuple[set[str], set[str]]:
        """The pending invitations whose accepting task is among `task_ids` (just changed): their
        acceptance changed; and of those, the ones whose task is COMPLETE, dropped here (the invitation
        is accepted). Returns (changed, dropped)."""
        changed: set[str] = set()
        dropped: set[str] = set()
        accepts = self.index.accepts
        for task_id in task_ids:
            row = self.rows.get(task_id)
            invitation_id = row.record.engagement_invitation_id if row is not None else None
            if not invitation_id or invitation_id not in self.invitations:
                continue
            known = accepts.get(invitation_id)
            if known is None or known[1] != task_id:
                continue  # (an older accept of it, or not an accept task)
            changed.add(invitation_id)
            if self.is_accepted(invitation_id):
                del self.invitations[invitation_id]
                dropped.add(invitation_id)
        return changed, dropped

    def put_job(self, job: GetResourceSnapshotJobResponse, fetched_at: float) -> bool:
        """Keep a job (it has an id) fetched at `fetched_at`; True if it differs from the one kept."""
        assert job.id is not None
        changed = self.jobs.get(job.id) != job
        self.jobs[job.id] = job
        self.job_fetched[job.id] = fetched_at
        return changed

    def forget_ended(self) -> set[str]:
        """Forget the oldest finished tasks beyond `keep_ended` (and their transitions, snapshot jobs and
        prospecting outcomes): the ids forgotten. Their journal rows stay."""
        ended = len(self.rows) - self.index.active_count()
        forget = ended_to_forget(self.rows.values(), ended, self.keep_ended)
        if not forget:
            return set()
        job_ids = set()
        for task_id in forget:
            record = self.rows.pop(task_id).record
            self.index.replace(record, None)
            self.transitions.pop(task_id, None)
            self.forgotten_until = max(self.forgotten_until, started(record))
            if record.resource_snapshot_job_id:
                job_ids.add(record.resource_snapshot_job_id)
        job_ids -= {r.record.resource_snapshot_job_id for r in self.rows.values()}
        for job_id in job_ids:
            self.jobs.pop(job_id, None)
            self.job_fetched.pop(job_id, None)
        self.bulk.forget_prospecting(set(forget))
        log.debug("forgot %d finished tasks (the journal keeps them)", len(forget))
        return set(forget)

"""One catalog's state: tasks of every kind, bulk jobs of both families, engagement invitations, resource
snapshot jobs, and the report URLs handed out.

Tasks are kept in start order per kind (`seq` is the position), with sorted lists of positions per
status and small indexes per identifier, so a page of a list call costs a few bisects and the page's own
size, never a scan of the whole history. Tasks finish lazily: a heap of planned end times is drained to
the current clock time at the start of every request (`advance`).
"""

from __future__ import annotations

import bisect
import heapq
import random
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from schemas import BULK_KINDS, InvitationStatus, TaskKind, TaskStatus

from .bulk_records import BulkTable
from .records import KINDS, STATUSES, SimInvitation, SimTask, job_status


class KindTable:
    """The tasks of one kind in one catalog."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.tasks: list[SimTask] = []
        self.by_id: dict[str, SimTask] = {}
        self.by_status: dict[str, list[int]] = {s: [] for s in STATUSES}
        #: filter field -> id -> seqs (unsorted; candidate sets are small)
        self.refs: dict[str, dict[str, list[int]]] = {}

    def index_ref(self, field: str, value: str | None, seq: int) -> None:
        if value is not None:
            self.refs.setdefault(field, {}).setdefault(value, []).append(seq)

    def candidates(self, field: str, values: Iterable[str]) -> set[int]:
        index = self.refs.get(field, {})
        out: set[int] = set()
        for v in values:
            out.update(index.get(v, ()))
        return out


def page_positions(
    lists: list[list[int]] | None, total: int, after: int | None, descending: bool, limit: int
) -> tuple[list[int], bool]:
    """Up to `limit` positions past the cursor `after`, from the union of sorted `lists` (None: all of
    range(total)); and whether more follow."""
    want = limit + 1
    if lists is None:
        if descending:
            hi = total if after is None else min(after, total)
            picked = list(range(hi - 1, max(hi - 1 - want, -1), -1))
        else:
            lo = 0 if after is None else after + 1
            picked = list(range(lo, min(lo + want, total)))
    else:
        chunks: list[list[int]] = []
        for lst in lists:
            if descending:
                hi = len(lst) if after is None else bisect.bisect_left(lst, after)
                chunks.append(lst[max(0, hi - want) : hi])
            else:
                lo = 0 if after is None else bisect.bisect_right(lst, after)
                chunks.append(lst[lo : lo + want])
        merged = sorted(p for chunk in chunks for p in chunk)
        picked = merged[::-1][:want] if descending else merged[:want]
    return picked[:limit], len(picked) > limit


class CatalogWorld:
    """Everything one catalog holds. All access goes through `lock`."""

    def __init__(self, catalog: str) -> None:
        self.catalog = catalog
        self.lock = threading.RLock()
        self.tables: dict[str, KindTable] = {k: KindTable(k) for k in KINDS}
        self._pending: list[tuple[float, int, str]] = []  # (end, seq, kind) of tasks in progress
        self.invitations: dict[str, SimInvitation] = {}
        self.invitation_order: list[SimInvitation] = []  # by invitation date
        self.jobs: list[SimTask] = []  # completed tasks with a snapshot job, by job creation time
        self.job_by_id: dict[str, int] = {}
        self.jobs_by_status: dict[str, list[int]] = {"Running": [], "Stopped": []}
        self.jobs_by_engagement: dict[str, list[int]] = {}
        #: The bulk jobs of each family (by the kind's wire name).
        self.bulk: dict[str, BulkTable] = {k: BulkTable(k) for k in BULK_KINDS}
        #: Report URL token -> what it serves until when (`reports.ReportLink`).
        self.report_links: dict[str, Any] = {}
        #: ClientToken -> (request fingerprint, kind, seq) of every start (tasks and bulk jobs).
        self.client_tokens: dict[str, tuple[str, str, int]] = {}
        self.last_start = 0.0
        #: Every identifier handed out in this catalog, so none repeats.
        self.ids: set[str] = set()
        #: The tasks that ended since the events publisher last looked (None: no publisher, keep nothing).
        self.ended: list[SimTask] | None = None
        #: The catalog's seeded RNG and identifier source (set by the Simulator).
        self.rng = random.Random(0)
        self.id_factory: Any = None
        #: Those of the prospecting tasks and the bulk jobs: a stream of their own, so the three other
        #: kinds' history and activity draw what they drew before those families existed.
        self.family_rng = random.Random(1)
        self.family_ids: Any = None

    # -- tasks -------------------------------------------------------------------------------------------

    def new_task(self, kind: str, task_id: str, start: float, end: float, *, track: bool = True) -> SimTask:
        """Append an IN_PROGRESS task; start times never go backwards so `seq` order is start order.

        `track=False` leaves the status index and the end heap to `settle_history` (bulk loading)."""
        table = self.tables[kind]
        start = max(start, self.last_start)
        end = max(end, start)
        self.last_start = start
        task = SimTask(self.catalog, kind, len(table.tasks), task_id, start, end)
        table.tasks.append(task)
        table.by_id[task_id] = task
        if track:
            table.by_status[TaskStatus.IN_PROGRESS].append(task.seq)
            heapq.heappush(self._pending, (end, task.seq, kind))
        return task

    def settle_history(self, now: float) -> None:
        """Index tasks loaded with `track=False`: finish those that ended by `now` in one pass (a
        per-task `advance` would cost a list deletion each), and queue the rest."""
        finished: list[SimTask] = []
        for kind, table in self.tables.items():
            for task in table.tasks:
                if task.end <= now:
                    task.status = task.outcome
                    finished.append(task)
                else:
                    heapq.heappush(self._pending, (task.end, task.seq, kind))
                table.by_status[task.status].append(task.seq)
        finished.sort(key=lambda t: t.end)
        for task in finished:
            self._after_finish(task)

    def index_inputs(self, task: SimTask) -> None:
        table = self.tables[task.kind]
        if task.kind == TaskKind.PROSPECTING_FROM_ENGAGEMENT:
            table.index_ref("task_name", task.task_name, task.seq)
        elif task.kind == TaskKind.ACCEPT_INVITATION:
            table.index_ref("engagement_invitation_id", task.invitation_id, task.seq)
        elif task.kind == TaskKind.ENGAGEMENT_FROM_OPPORTUNITY:
            table.index_ref("opportunity_id", task.opportunity_id, task.seq)
        else:
            table.index_ref("engagement_id", task.engagement_id, task.seq)
            table.index_ref("context_id", task.context_id, task.seq)

    def advance(self, now: float) -> None:
        """Finish every task whose planned end has passed."""
        pending = self._pending
        while pending and pending[0][0] <= now:
            _, seq, kind = heapq.heappop(pending)
            self._finish(self.tables[kind].tasks[seq])

    def _finish(self, task: SimTask) -> None:
        table = self.tables[task.kind]
        running = table.by_status[TaskStatus.IN_PROGRESS]
        i = bisect.bisect_left(running, task.seq)
        if i < len(running) and running[i] == task.seq:
            del running[i]
        task.status = task.outcome
        task.wire = None
        bisect.insort(table.by_status[task.status], task.seq)
        self._after_finish(task)

    def _after_finish(self, task: SimTask) -> None:
        table = self.tables[task.kind]
        if self.ended is not None:
            self.ended.append(task)
        invitation = self.invitations.get(task.invitation_id or "")
        if task.kind == TaskKind.ACCEPT_INVITATION and invitation is not None:
            if invitation.accepting_seq == task.seq:
                invitation.accepting_seq = None
            if task.status == TaskStatus.COMPLETE:
                invitation.status = InvitationStatus.ACCEPTED
        if task.status != TaskStatus.COMPLETE or task.kind == TaskKind.PROSPECTING_FROM_ENGAGEMENT:
            return
        if task.kind == TaskKind.ACCEPT_INVITATION:
            table.index_ref("opportunity_id", task.opportunity_id, task.seq)
        elif task.kind == TaskKind.ENGAGEMENT_FROM_OPPORTUNITY:
            table.index_ref("engagement_id", task.engagement_id, task.seq)
            table.index_ref("engagement_invitation_id", task.invitation_id, task.seq)
        else:
            table.index_ref("opportunity_id", task.opportunity_id, task.seq)
        self.add_job(task)

    def add_job(self, task: SimTask) -> None:
        if task.job_id is None:
            return
        pos = len(self.jobs)
        self.jobs.append(task)
        self.job_by_id[task.job_id] = pos
        self.jobs_by_status[job_status(task)].append(pos)
        if task.engagement_id:
            self.jobs_by_engagement.setdefault(task.engagement_id, []).append(pos)

    def all_tasks(self) -> Iterator[SimTask]:
        for table in self.tables.values():
            yield from table.tasks

    # -- invitations -------------------------------------------------------------------------------------

    def add_invitation(self, invitation: SimInvitation) -> None:
        self.invitations[invitation.id] = invitation
        order = self.invitation_order
        if order and order[-1].invited > invitation.invited:
            bisect.insort(order, invitation, key=lambda inv: inv.invited)
        else:
            order.append(invitation)

"""The engine's typed surface: what the dashboard, the commands and the notebook may use of it.

Three Protocols and the result types of `tui.engine.types`:

- `StoreView`: the store as its readers see it (tasks, jobs, invitations, transitions, counts) and
  `subscribe` for the `StoreChange` after every change;
- `StoreWriter`: what the write actions apply to it (a started task, an accept being sent, an invitation
  no longer pending);
- `Engine`: what drives the store, a `Poller` or a viewer sharing one (`tui.engine.sharing`): run it,
  pause, resume, refresh now, fetch a snapshot job, say someone is watching, follow a task pcwatch
  started, and its `PollerStatus`; a `Viewer` is an `Engine` shared through the journal, with its role
  and `close`.

`tui.engine.sharing.make_engine(settings, clock)` builds a `Store` and a `SharedEngine`, which are these;
tests build the dashboard around fakes that are these too. Importing this module loads no journal, no
poller and no AWS SDK.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Protocol

from schemas import (
    BulkJobRecord,
    EngagementInvitationSummary,
    GetProspectingFromEngagementTaskResponse,
    GetResourceSnapshotJobResponse,
    TaskRecord,
)

from .types import (
    HUNG_AFTER,
    Acceptance,
    AskedJob,
    BulkResults,
    Completion,
    PollerStatus,
    ReportUrl,
    StoreChange,
    TaskRow,
    Transition,
)

#: How often a shown jobs view asks for a look at every bulk job family (`Engine.want_bulk_jobs`): new
#: jobs started elsewhere show within this, at 2 calls a look (an idle family is otherwise looked at in
#: the slow lane, every 90 minutes watched: see `tui.engine.poll_plan`).
BULK_LOOK_EVERY = 120.0

Unsubscribe = Callable[[], None]


class StoreView(Protocol):
    """The store, read side. Mutated only on the engine's event loop; read it from there (the app's
    loop is the engine's)."""

    @property
    def warnings(self) -> list[str]:
        """Human-readable warnings (a journal moved aside, a failed write) for the user."""
        ...

    def __len__(self) -> int: ...

    def task(self, task_id: str) -> TaskRecord | None: ...

    def tasks(self) -> Iterable[TaskRecord]: ...

    def task_rows(self) -> list[TaskRow]:
        """Every task with its observation times, for bulk readers (the table's sort). Read-only."""
        ...

    def observed_end(self, task_id: str) -> float | None:
        """Epoch seconds a finished task was first seen finished, if it was seen running before."""
        ...

    def completion(self, task_id: str) -> Completion | None: ...

    def job(self, job_id: str) -> GetResourceSnapshotJobResponse | None: ...

    def jobs(self) -> list[GetResourceSnapshotJobResponse]: ...

    def invitations(self) -> list[EngagementInvitationSummary]:
        """The pending invitations (and those that expired or were answered elsewhere, until a sweep
        sees it); never one whose accepting task is COMPLETE."""
        ...

    def acceptance(self, invitation_id: str) -> Acceptance | None:
        """The invitation's acceptance: "accepting" from the moment an accept is sent until its task
        ends, then "accepted" (it leaves `invitations()`) or "failed" (pending again, with the reason)."""
        ...

    def bulk_jobs(self) -> list[BulkJobRecord]:
        """Every bulk job known (both families), the newest created first."""
        ...

    def bulk_job(self, job_id: str) -> BulkJobRecord | None: ...

    def bulk_results(self, job_id: str) -> BulkResults | None:
        """The job's per-record results fetched so far (None: not asked for yet; `Engine.want_results`)."""
        ...

    def report_url(self, job_id: str) -> ReportUrl | None:
        """The job's failed-records report, if asked for (`Engine.want_report_url`) and not expired. Only
        the viewer that polls has the link (memory only); another's says so in `failure_reason`."""
        ...

    def prospecting(self, task_id: str) -> GetProspectingFromEngagementTaskResponse | None:
        """A prospecting task with each engagement's outcome, once fetched (`Engine.want_prospecting`)."""
        ...

    def transitions_of(self, task_id: str) -> list[Transition]: ...

    def recent_transitions(self, limit: int = 200) -> list[Transition]:
        """The latest transitions, oldest first."""
        ...

    def counts(self) -> dict[str, dict[str, int]]:
        """kind -> status -> number of tasks."""
        ...

    def meta(self, key: str, default: str | None = None) -> str | None: ...

    def subscribe(self, callback: Callable[[StoreChange], None]) -> Unsubscribe: ...


class StoreWriter(Protocol):
    """What a write applies to the store at once, before the next poll sees it."""

    def apply_tasks(
        self,
        records: Iterable[TaskRecord],
        observed_at: datetime | None = None,
        *,
        backfill: bool = False,
        first_state: bool = False,
    ) -> StoreChange: ...

    def remove_invitations(self, invitation_ids: Iterable[str]) -> StoreChange: ...

    def accept_sent(self, invitation_id: str) -> StoreChange:
        """An accept of it is being sent: "accepting" at once (the task the answer names then says)."""
        ...

    def accept_answered(self, invitation_id: str) -> StoreChange:
        """The accept's answer is back (its task applied, or a failure)."""
        ...


class Engine(Protocol):
    """What feeds the store: polls it (or follows the viewer that does). `run` until cancelled."""

    @property
    def status(self) -> PollerStatus: ...

    def subscribe_status(self, callback: Callable[[PollerStatus], None]) -> Unsubscribe: ...

    async def run(self) -> None: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def refresh_now(self) -> None:
        """Poll as soon as the budget allows (a follower asks the polling viewer)."""
        ...

    def want_job(self, job_id: str) -> None:
        """Fetch this snapshot job soon (the user opened its task)."""
        ...

    def want_results(self, job_id: str, *, failed_only: bool = True) -> None:
        """Fetch this bulk job's per-record results soon, every page (the user opened the job)."""
        ...

    def want_report_url(self, job_id: str) -> None:
        """Ask for this bulk job's failed-records report URL soon (the user opened the job)."""
        ...

    def want_prospecting(self, task_id: str) -> None:
        """Fetch this prospecting task's per-engagement outcomes soon (the user selected it), and again
        while it runs and is selected."""
        ...

    def want_bulk_jobs(self) -> None:
        """Look for new bulk jobs of every family soon (the jobs view is shown): each family's newest
        page, whatever the slow lane's cadence (a failing family's backoff still applies). A shown jobs
        view asks every `BULK_LOOK_EVERY` seconds."""
        ...

    def watching(self) -> Unsubscribe:
        """Someone looks (a dashboard, a live view, `follow`): the poller spends fast while tasks run.
        Nobody watching, it spends almost nothing. Call the result when it stops looking."""
        ...

    def follow_task(self, task_id: str, kind: str) -> None:
        """A task pcwatch started: follow it closely until it ends."""
        ...

    def follow_job(self, job_id: str, kind: str) -> None:
        """A bulk job pcwatch started (`kind`: its `BulkJobKind`): follow it by id until it ends."""
        ...


class Viewer(Engine, Protocol):
    """An `Engine` shared between the viewers of one journal (`tui.engine.sharing.SharedEngine`): it
    polls while it holds the lead, else follows the viewer that does."""

    @property
    def role(self) -> str:
        """ "leader" (polls), "follower" (reads the journal) or "starting" (before `run`)."""
        ...

    def close(self) -> None:
        """Release the lead (another viewer takes over), close the client and the journal."""
        ...


__all__ = [
    "HUNG_AFTER",
    "Acceptance",
    "AskedJob",
    "BulkResults",
    "Completion",
    "Engine",
    "PollerStatus",
    "ReportUrl",
    "StoreChange",
    "StoreView",
    "StoreWriter",
    "TaskRow",
    "Transition",
    "Unsubscribe",
    "Viewer",
]

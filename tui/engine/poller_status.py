"""The poller's state, said as it changes (a mixin of `Poller`): a call's failure recorded on its source
(or holding every source), and the status published from the sources, the plan and the allowance: the
one state the header shows, what fails, the watchers, the pace."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .poll_plan import JOB, PlannedCall, TickPlan, job_source, own_source
from .sources import is_global, is_gone

if TYPE_CHECKING:
    from tui.aws.failures import ApiFailure
    from tui.core.clock import Clock

    from .budget import BudgetSpent
    from .job_queue import SnapshotJobQueue
    from .sources import Sources
    from .status import StatusBoard
    from .types import PollerStatus
    from .watchers import Watchers


class PollerState:
    if TYPE_CHECKING:
        clock: Clock
        kinds: list[str]
        watchers: Watchers
        _sources: Sources
        _jobs: SnapshotJobQueue
        _board: StatusBoard
        _paused: bool
        _listed: set[str]
        _spent: BudgetSpent | None
        _last_plan: TickPlan | None

        @property
        def status(self) -> PollerStatus: ...

        def _running_ids(self, kind: str) -> set[str]: ...

    def _on_failure(self, call: PlannedCall, failure: ApiFailure) -> None:
        now = self.clock.monotonic()
        key = failure_key(call)
        if is_global(failure):
            self._sources.hold(key, failure, now)
        else:
            self._sources.failed(key, failure, now)
        if call.op == JOB and call.job_id is not None:
            if is_gone(failure):
                self._jobs.gone(call.job_id)
            elif not is_global(failure) and self._sources.get(key).gave_up_at is not None:
                self._jobs.give_up(call.job_id)
        # Said now, not at the tick's end: the tick's next call may hang, and until it has hung for
        # HUNG_AFTER the header would still say what it said before this failure.
        self._publish_state()

    def _publish_state(self, plan: TickPlan | None = None) -> None:
        """The status after a tick: the state, what fails, the watchers, the pace, the allowance."""
        plan = plan or self._last_plan
        now = self.clock.monotonic()
        hold = self._sources.hold_error
        kind_failure = self._sources.first_failure([*self.kinds, *(own_source(k) for k in self.kinds)])
        failing = self._sources.failing(now)
        failure = hold or kind_failure or self._sources.first_failure()
        if self._paused:
            state = "paused"
        elif hold is not None:
            state = "backoff" if hold.throttled else "stale"
        elif kind_failure is not None:
            state = "stale"
        else:
            state = "live" if self._listed else "starting"
        stale = hold is not None or kind_failure is not None
        last_success = self._sources.last_success()
        self._update(
            state=state,
            last_success=last_success,
            last_error=failure.message if failure is not None else None,
            last_service_error=failure.service_error if failure is not None else None,
            stale_since=(self.status.stale_since or self.clock.now()) if stale else None,
            failing=failing,
            active_tasks=sum(len(self._running_ids(k)) for k in self.kinds),
            watched=self.watchers.watched,
            saving=plan is not None and plan.stretch > 1.0,
            scan_every=plan.scan_every if plan is not None else 0.0,
            budget_resumes_at=self._spent.resumes_at if self._spent is not None else None,
        )

    def _update(self, **changes: Any) -> None:
        self._board.update(**changes)


def failure_key(call: PlannedCall) -> str:
    """Where a call's failure is kept: a job's under the job (whose turn it was does not matter)."""
    return job_source(call.job_id) if call.op == JOB and call.job_id else call.source

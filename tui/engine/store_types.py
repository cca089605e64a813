"""What the store hands out (transitions, completions, change notices) and what it has yet to write."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from schemas import EngagementInvitationSummary, GetResourceSnapshotJobResponse

from .journal import TaskRow, TransitionRow


@dataclass(frozen=True)
class Transition:
    task_id: str
    kind: str
    #: None for the first observation of a task seen live (not for history loaded in bulk).
    from_status: str | None
    to_status: str
    observed_at: datetime
    previous_observed_at: datetime | None


@dataclass(frozen=True)
class Completion:
    """When a finished task ended, as far as pcwatch could observe it."""

    started: datetime | None
    #: The first observation in a terminal status.
    observed_end: datetime
    #: Seconds between that observation and the one before it: the true end lies in that gap. For a
    #: task first seen already finished, the whole span since its start.
    uncertainty: float
    #: Seconds from start to `observed_end` (an upper bound; the true duration is within `uncertainty`).
    duration: float
    #: True if pcwatch saw the task running before it finished (the uncertainty is one poll gap).
    observed_live: bool


@dataclass(frozen=True)
class StoreChange:
    task_ids: frozenset[str] = frozenset()
    job_ids: frozenset[str] = frozenset()
    invitation_ids: frozenset[str] = frozenset()
    transitions: tuple[Transition, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.task_ids or self.job_ids or self.invitation_ids or self.transitions)


@dataclass
class PendingWrites:
    """Changes not yet in the journal (written at the end of a batch)."""

    tasks: dict[str, TaskRow] = field(default_factory=dict)
    transitions: list[TransitionRow] = field(default_factory=list)
    jobs: dict[str, tuple[GetResourceSnapshotJobResponse, float]] = field(default_factory=dict)
    invitations: dict[str, EngagementInvitationSummary] = field(default_factory=dict)
    removed_invitations: set[str] = field(default_factory=set)
    meta: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(
            self.tasks
            or self.transitions
            or self.jobs
            or self.invitations
            or self.removed_invitations
            or self.meta
        )

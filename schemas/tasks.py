"""Task shapes: the three Start…Task responses, the three List…Tasks summaries and pages, and
`TaskRecord`, one record that holds a task of any kind so the dashboard can show them in one table."""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from ._base import Timestamp, WireStruct
from .enums import TaskKind, TaskStatus
from .operations import ACCEPT_INVITATION, ENGAGEMENT_FROM_OPPORTUNITY, OPPORTUNITY_FROM_ENGAGEMENT


class _TaskFields(WireStruct):
    """The nine fields every task shape shares (the seed module's type `t`); all optional."""

    task_id: str | None = None
    task_arn: str | None = None
    start_time: Timestamp | None = None
    task_status: str | None = None
    #: On failure: what went wrong and how to recover. Untrusted text.
    message: str | None = None
    reason_code: str | None = None
    opportunity_id: str | None = None
    resource_snapshot_job_id: str | None = None


class StartEngagementByAcceptingInvitationTaskResponse(_TaskFields):
    KIND: ClassVar[str] = TaskKind.ACCEPT_INVITATION
    engagement_invitation_id: str | None = None


class StartEngagementFromOpportunityTaskResponse(_TaskFields):
    KIND: ClassVar[str] = TaskKind.ENGAGEMENT_FROM_OPPORTUNITY
    engagement_id: str | None = None
    engagement_invitation_id: str | None = None


class StartOpportunityFromEngagementTaskResponse(_TaskFields):
    KIND: ClassVar[str] = TaskKind.OPPORTUNITY_FROM_ENGAGEMENT
    engagement_id: str | None = None
    context_id: str | None = None


class ListEngagementByAcceptingInvitationTaskSummary(_TaskFields):
    KIND: ClassVar[str] = TaskKind.ACCEPT_INVITATION
    engagement_invitation_id: str | None = None


class ListEngagementFromOpportunityTaskSummary(_TaskFields):
    KIND: ClassVar[str] = TaskKind.ENGAGEMENT_FROM_OPPORTUNITY
    engagement_id: str | None = None
    engagement_invitation_id: str | None = None


class ListOpportunityFromEngagementTaskSummary(_TaskFields):
    KIND: ClassVar[str] = TaskKind.OPPORTUNITY_FROM_ENGAGEMENT
    engagement_id: str | None = None
    context_id: str | None = None


class ListEngagementByAcceptingInvitationTasksResponse(WireStruct):
    KIND: ClassVar[str] = TaskKind.ACCEPT_INVITATION
    task_summaries: list[ListEngagementByAcceptingInvitationTaskSummary] = msgspec.field(default_factory=list)
    next_token: str | None = None


class ListEngagementFromOpportunityTasksResponse(WireStruct):
    KIND: ClassVar[str] = TaskKind.ENGAGEMENT_FROM_OPPORTUNITY
    task_summaries: list[ListEngagementFromOpportunityTaskSummary] = msgspec.field(default_factory=list)
    next_token: str | None = None


class ListOpportunityFromEngagementTasksResponse(WireStruct):
    KIND: ClassVar[str] = TaskKind.OPPORTUNITY_FROM_ENGAGEMENT
    task_summaries: list[ListOpportunityFromEngagementTaskSummary] = msgspec.field(default_factory=list)
    next_token: str | None = None


TaskShape = (
    StartEngagementByAcceptingInvitationTaskResponse
    | StartEngagementFromOpportunityTaskResponse
    | StartOpportunityFromEngagementTaskResponse
    | ListEngagementByAcceptingInvitationTaskSummary
    | ListEngagementFromOpportunityTaskSummary
    | ListOpportunityFromEngagementTaskSummary
)

ListTasksPage = (
    ListEngagementByAcceptingInvitationTasksResponse
    | ListEngagementFromOpportunityTasksResponse
    | ListOpportunityFromEngagementTasksResponse
)

#: For each kind: its Start…Task operation and response, its List…Tasks operation and page.
TASK_KINDS: dict[str, dict[str, Any]] = {
    TaskKind.ACCEPT_INVITATION: {
        "start_operation": ACCEPT_INVITATION,
        "start_response": StartEngagementByAcceptingInvitationTaskResponse,
        "list_operation": "ListEngagementByAcceptingInvitationTasks",
        "list_response": ListEngagementByAcceptingInvitationTasksResponse,
        "summary": ListEngagementByAcceptingInvitationTaskSummary,
    },
    TaskKind.ENGAGEMENT_FROM_OPPORTUNITY: {
        "start_operation": ENGAGEMENT_FROM_OPPORTUNITY,
        "start_response": StartEngagementFromOpportunityTaskResponse,
        "list_operation": "ListEngagementFromOpportunityTasks",
        "list_response": ListEngagementFromOpportunityTasksResponse,
        "summary": ListEngagementFromOpportunityTaskSummary,
    },
    TaskKind.OPPORTUNITY_FROM_ENGAGEMENT: {
        "start_operation": OPPORTUNITY_FROM_ENGAGEMENT,
        "start_response": StartOpportunityFromEngagementTaskResponse,
        "list_operation": "ListOpportunityFromEngagementTasks",
        "list_response": ListOpportunityFromEngagementTasksResponse,
        "summary": ListOpportunityFromEngagementTaskSummary,
    },
}


class TaskRecord(_TaskFields, kw_only=True):
    """A task of any kind, with its kind: the row the store keeps and the dashboard shows.

    Encodes with the service's wire names plus `Kind`, which is what `pcwatch list --json` prints.
    """

    kind: str
    engagement_invitation_id: str | None = None
    engagement_id: str | None = None
    context_id: str | None = None

    @classmethod
    def from_task(cls, task: TaskShape, kind: str | None = None) -> TaskRecord:
        """Build a record from any Start…Task response or List…Task summary."""
        fields = {f: getattr(task, f) for f in task.__struct_fields__}
        return cls(kind=kind or type(task).KIND, **fields)

    @property
    def is_terminal(self) -> bool:
        return self.task_status in TaskStatus.TERMINAL

    @property
    def is_failed(self) -> bool:
        return self.task_status == TaskStatus.FAILED

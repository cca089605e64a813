"""Task shapes: the three Start…Task responses, the three List…Tasks summaries and pages, and
`TaskRecord`, one record that holds a task of any kind so the dashboard can show them in one table.
Which kind each shape belongs to, and its operations, are the kinds table's (`schemas.kinds`)."""

from __future__ import annotations

from typing import Any

import msgspec

from ._base import Timestamp, WireStruct
from .enums import TaskStatus


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
    engagement_invitation_id: str | None = None


class StartEngagementFromOpportunityTaskResponse(_TaskFields):
    engagement_id: str | None = None
    engagement_invitation_id: str | None = None


class StartOpportunityFromEngagementTaskResponse(_TaskFields):
    engagement_id: str | None = None
    context_id: str | None = None


class ListEngagementByAcceptingInvitationTaskSummary(_TaskFields):
    engagement_invitation_id: str | None = None


class ListEngagementFromOpportunityTaskSummary(_TaskFields):
    engagement_id: str | None = None
    engagement_invitation_id: str | None = None


class ListOpportunityFromEngagementTaskSummary(_TaskFields):
    engagement_id: str | None = None
    context_id: str | None = None


class ListEngagementByAcceptingInvitationTasksResponse(WireStruct):
    task_summaries: list[ListEngagementByAcceptingInvitationTaskSummary] = msgspec.field(default_factory=list)
    next_token: str | None = None


class ListEngagementFromOpportunityTasksResponse(WireStruct):
    task_summaries: list[ListEngagementFromOpportunityTaskSummary] = msgspec.field(default_factory=list)
    next_token: str | None = None


class ListOpportunityFromEngagementTasksResponse(WireStruct):
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

#: What a Start…Task answers.
StartTaskResponse = (
    StartEngagementByAcceptingInvitationTaskResponse
    | StartEngagementFromOpportunityTaskResponse
    | StartOpportunityFromEngagementTaskResponse
)


class TaskRecord(_TaskFields, kw_only=True):
    """A task of any kind, with its kind: the row the store keeps and the dashboard shows.

    Encodes with the service's wire names plus `Kind`, the wire kind (as the journal keeps it); what
    pcwatch prints, with the short name, is `schemas.kinds.task_document`.
    """

    kind: str
    engagement_invitation_id: str | None = None
    engagement_id: str | None = None
    context_id: str | None = None
    # A prospecting task's (`schemas.prospecting`): its name, its end, its engagements and how many of
    # them have settled; its `task_status` is derived from those (`Kind.record_status`).
    task_name: str | None = None
    end_time: Timestamp | None = None
    identifiers: list[str] | None = None
    total_engagement_count: int | None = None
    completed_engagement_count: int | None = None
    failed_engagement_count: int | None = None

    @classmethod
    def from_task(cls, task: Any, kind: str | None = None) -> TaskRecord:
        """Build a record from any Start…Task response or List…Task summary (of `kind`, by default the
        one `schemas.kinds` pairs with its struct). A kind whose summaries carry no TaskStatus (a
        prospecting task's) has it derived by its entry's `record_status`."""
        from .kinds import BY_WIRE, kind_of_shape  # (the table imports this module's structs)

        entry = BY_WIRE.get(kind) if kind is not None else kind_of_shape(type(task))
        fields = {f: getattr(task, f) for f in task.__struct_fields__}
        if entry is not None and entry.record_status is not None:
            fields["task_status"] = entry.record_status(task)
        return cls(kind=kind or (entry.wire if entry is not None else ""), **fields)

    @property
    def is_terminal(self) -> bool:
        return self.task_status in TaskStatus.TERMINAL

    @property
    def is_failed(self) -> bool:
        return self.task_status == TaskStatus.FAILED

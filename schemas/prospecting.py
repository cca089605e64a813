"""Prospecting-from-engagement tasks: one task converts many engagements, each settling on its own
(PENDING, IN_PROGRESS, COMPLETED or FAILED with a ReasonCode and a Message), so a task can half-fail. The
list gives counts; `GetProspectingFromEngagementTask` gives each engagement's outcome."""

from __future__ import annotations

import msgspec

from ._base import Timestamp, WireStruct


class ProspectingTaskSummary(WireStruct):
    task_id: str | None = None
    task_arn: str | None = None
    task_name: str | None = None
    start_time: Timestamp | None = None
    #: Set once every engagement has settled.
    end_time: Timestamp | None = None
    total_engagement_count: int | None = None
    completed_engagement_count: int | None = None
    failed_engagement_count: int | None = None


class ListProspectingFromEngagementTasksResponse(WireStruct):
    task_summaries: list[ProspectingTaskSummary] = msgspec.field(default_factory=list)
    next_token: str | None = None


class EngagementProspectingResult(WireStruct):
    engagement_identifier: str | None = None
    engagement_context_id: str | None = None
    status: str | None = None
    reason_code: str | None = None
    #: On failure: what went wrong. Untrusted text.
    message: str | None = None


class GetProspectingFromEngagementTaskResponse(WireStruct):
    task_id: str | None = None
    task_arn: str | None = None
    task_name: str | None = None
    start_time: Timestamp | None = None
    end_time: Timestamp | None = None
    engagements: list[EngagementProspectingResult] = msgspec.field(default_factory=list)


class StartProspectingFromEngagementTaskResponse(WireStruct):
    identifiers: list[str] | None = None
    task_name: str | None = None
    message: str | None = None
    reason_code: str | None = None
    start_time: Timestamp | None = None
    task_id: str | None = None
    task_arn: str | None = None
    task_status: str | None = None


def record_status(task: ProspectingTaskSummary | StartProspectingFromEngagementTaskResponse) -> str | None:
    """A prospecting task's status in `TaskRecord`'s terms: running until every engagement has settled
    (its end time), then COMPLETE, or FAILED if any engagement failed (a half-failed task is a failed
    task: its engagements say which). The start response's own status is mapped the same way."""
    from .enums import ProspectingStatus, TaskStatus

    if isinstance(task, StartProspectingFromEngagementTaskResponse):
        status = task.task_status
        if status in (ProspectingStatus.PENDING, ProspectingStatus.IN_PROGRESS):
            return TaskStatus.IN_PROGRESS
        if status == ProspectingStatus.COMPLETED:
            return TaskStatus.COMPLETE
        return status  # FAILED, or a status this version does not know (kept as it is)
    if task.end_time is None:
        return TaskStatus.IN_PROGRESS
    return TaskStatus.FAILED if task.failed_engagement_count else TaskStatus.COMPLETE

"""The records a catalog holds: tasks (a prospecting task with its engagements, each settling in turn),
engagement invitations, and the snapshot jobs completed tasks create; with the identifiers and ARNs in
the service's formats. (Bulk jobs: `bulk_records`.)"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import msgspec

from schemas import (
    TASK_KINDS,
    AccountReceiver,
    InvitationStatus,
    ProspectingStatus,
    ProspectingTaskSummary,
    Receiver,
    TaskKind,
    TaskRecord,
    TaskStatus,
)

from .texts import SNAPSHOT_FAILURES, SNAPSHOT_TEMPLATE

REGION = "us-east-1"
#: The partner account the simulated catalog belongs to.
ACCOUNT_ID = "111122223333"

#: The task kinds the catalog holds (their wire names), in the kinds table's order.
KINDS = tuple(TASK_KINDS)
STATUSES = (TaskStatus.IN_PROGRESS, TaskStatus.COMPLETE, TaskStatus.FAILED)


def to_datetime(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def task_arn(catalog: str, kind: str, task_id: str) -> str:
    return f"arn:aws:partnercentral:{REGION}:aws:catalog/{catalog}/{TASK_KINDS[kind].arn_segment}/{task_id}"


def job_arn(catalog: str, job_id: str) -> str:
    return f"arn:aws:partnercentral:{REGION}:{ACCOUNT_ID}:catalog/{catalog}/resource-snapshot-job/{job_id}"


def invitation_arn(catalog: str, invitation_id: str) -> str:
    return f"arn:aws:partnercentral:{REGION}:aws:catalog/{catalog}/engagement-invitation/{invitation_id}"


def opportunity_arn(catalog: str, opportunity_id: str) -> str:
    return f"arn:aws:partnercentral:{REGION}:{ACCOUNT_ID}:catalog/{catalog}/opportunity/{opportunity_id}"


class SimEngagement:
    """One engagement of a prospecting task: PENDING until `start`, IN_PROGRESS until `end`, then its
    `outcome` (COMPLETED with the prospecting context it made, or FAILED with a reason and a message)."""

    __slots__ = ("context_id", "end", "engagement_id", "message", "outcome", "reason_code", "start")

    def __init__(self, engagement_id: str, start: float, end: float) -> None:
        self.engagement_id = engagement_id
        self.start = start
        self.end = end
        self.outcome: str = ProspectingStatus.COMPLETED
        self.context_id: str | None = None
        self.reason_code: str | None = None
        self.message: str | None = None

    def status_at(self, now: float) -> str:
        if now < self.start:
            return ProspectingStatus.PENDING
        return ProspectingStatus.IN_PROGRESS if now < self.end else self.outcome

    def result(self, now: float) -> dict[str, Any]:
        """GetProspectingFromEngagementTask's entry for it (snake_case fields)."""
        status = self.status_at(now)
        out: dict[str, Any] = {"engagement_identifier": self.engagement_id, "status": status}
        if status == ProspectingStatus.COMPLETED:
            out["engagement_context_id"] = self.context_id
        elif status == ProspectingStatus.FAILED:
            out["reason_code"] = self.reason_code
            out["message"] = self.message
        return out


class SimTask:
    """A task as the service keeps it. Result ids exist from the start and are shown once COMPLETE.

    A prospecting task (`engagements` set) ends when its last engagement settles: its `end` is that
    engagement's, its outcome FAILED when any engagement failed (a half-failed task), COMPLETE otherwise,
    as `schemas.prospecting.record_status` reads its summary."""

    __slots__ = (
        "catalog",
        "context_id",
        "end",
        "engagement_id",
        "engagements",
        "invitation_id",
        "job_id",
        "kind",
        "message",
        "opportunity_id",
        "outcome",
        "reason_code",
        "seq",
        "start",
        "status",
        "task_id",
        "task_name",
        "wire",
    )

    def __init__(self, catalog: str, kind: str, seq: int, task_id: str, start: float, end: float) -> None:
        self.catalog = catalog
        self.kind = kind
        self.seq = seq
        self.task_id = task_id
        self.start = start
        self.end = end
        self.status: str = TaskStatus.IN_PROGRESS
        self.outcome: str = TaskStatus.COMPLETE
        self.reason_code: str | None = None
        self.message: str | None = None
        self.opportunity_id: str | None = None
        self.engagement_id: str | None = None
        self.invitation_id: str | None = None
        self.context_id: str | None = None
        self.job_id: str | None = None
        #: A prospecting task's name and engagements (None for the other kinds).
        self.task_name: str | None = None
        self.engagements: list[SimEngagement] | None = None
        #: The encoded List…Tasks summary, cached until the task changes.
        self.wire: bytes | None = None

    @property
    def arn(self) -> str:
        return task_arn(self.catalog, self.kind, self.task_id)

    def settled(self, now: float | None = None) -> tuple[int, int]:
        """A prospecting task's engagements COMPLETED and FAILED as of `now` (None: as of its status)."""
        engagements = self.engagements or []
        if now is None:
            now = self.end if self.status != TaskStatus.IN_PROGRESS else self.start
        completed = failed = 0
        for engagement in engagements:
            if engagement.end <= now:
                if engagement.outcome == ProspectingStatus.FAILED:
                    failed += 1
                else:
                    completed += 1
        return completed, failed

    def prospecting_fields(self, now: float | None = None) -> dict[str, Any]:
        """A prospecting task's summary fields (snake_case) as of `now`: its counts move as its engagements
        settle, and its end shows once the last has."""
        completed, failed = self.settled(now)
        out: dict[str, Any] = {
            "task_id": self.task_id,
            "task_arn": self.arn,
            "task_name": self.task_name,
            "start_time": to_datetime(self.start),
            "total_engagement_count": len(self.engagements or ()),
            "completed_engagement_count": completed,
            "failed_engagement_count": failed,
        }
        if self.status != TaskStatus.IN_PROGRESS:
            out["end_time"] = to_datetime(self.end)
        return out

    def fields(self, now: float | None = None) -> dict[str, Any]:
        """The snake_case fields the service shows for this task now (kind-specific, status-specific).
        `now` matters only to a prospecting task (its counts): None is as of its status."""
        if self.engagements is not None:
            return self.prospecting_fields(now)
        done = self.status == TaskStatus.COMPLETE
        out: dict[str, Any] = {
            "task_id": self.task_id,
            "task_arn": self.arn,
            "start_time": to_datetime(self.start),
            "task_status": self.status,
        }
        if self.status == TaskStatus.FAILED:
            out["reason_code"] = self.reason_code
            out["message"] = self.message
        if self.kind == TaskKind.ACCEPT_INVITATION:
            out["engagement_invitation_id"] = self.invitation_id
            if done:
                out["opportunity_id"] = self.opportunity_id
        elif self.kind == TaskKind.ENGAGEMENT_FROM_OPPORTUNITY:
            out["opportunity_id"] = self.opportunity_id
            if done:
                out["engagement_id"] = self.engagement_id
                out["engagement_invitation_id"] = self.invitation_id
        else:
            out["engagement_id"] = self.engagement_id
            out["context_id"] = self.context_id
            if done:
                out["opportunity_id"] = self.opportunity_id
        if done:
            out["resource_snapshot_job_id"] = self.job_id
        return out

    def summary_bytes(self, now: float | None = None) -> bytes:
        """The encoded List…Tasks summary (a running prospecting task's is made anew: its counts move)."""
        if self.wire is not None:
            return self.wire
        wire = msgspec.json.encode(TASK_KINDS[self.kind].summary(**self.fields(now)))
        if self.engagements is None or self.status != TaskStatus.IN_PROGRESS:
            self.wire = wire
        return wire

    def record(self, now: float | None = None) -> TaskRecord:
        """The task as pcwatch records it from its summary (a prospecting task's status derived the same
        way: `TaskRecord.from_task`)."""
        if self.engagements is not None:
            return TaskRecord.from_task(ProspectingTaskSummary(**self.fields(now)), self.kind)
        return TaskRecord(kind=self.kind, **self.fields())


class SimInvitation:
    __slots__ = (
        "accepting_seq",
        "catalog",
        "engagement_id",
        "expiration",
        "id",
        "invited",
        "payload_type",
        "rejection_reason",
        "sender_account",
        "sender_company",
        "status",
        "title",
    )

    def __init__(self, catalog: str, invitation_id: str, engagement_id: str, invited: float) -> None:
        self.catalog = catalog
        self.id = invitation_id
        self.engagement_id = engagement_id
        self.invited = invited
        self.expiration = invited + 15 * 86400.0  # invitations expire after 15 days unanswered
        self.status: str = InvitationStatus.PENDING
        self.title = ""
        self.sender_account = "aws"
        self.sender_company = "AWS"
        self.payload_type = "OpportunityInvitation"
        self.rejection_reason: str | None = None
        #: The seq of an accept task in progress for this invitation.
        self.accepting_seq: int | None = None

    def status_at(self, now: float) -> str:
        if self.status == InvitationStatus.PENDING and now >= self.expiration and self.accepting_seq is None:
            return InvitationStatus.EXPIRED
        return self.status

    def summary(self, now: float) -> dict[str, Any]:
        return {
            "arn": invitation_arn(self.catalog, self.id),
            "payload_type": self.payload_type,
            "id": self.id,
            "engagement_id": self.engagement_id,
            "engagement_title": self.title,
            "status": self.status_at(now),
            "invitation_date": to_datetime(self.invited),
            "expiration_date": to_datetime(self.expiration),
            "sender_aws_account_id": self.sender_account,
            "sender_company_name": self.sender_company,
            "receiver": Receiver(account=AccountReceiver(aws_account_id=ACCOUNT_ID, alias="pcwatch-partner")),
            "catalog": self.catalog,
            "participant_type": "RECEIVER",
        }


def job_status(task: SimTask) -> str:
    # Most snapshot jobs keep running; a few stopped (the opportunity closed, a member left).
    return "Stopped" if task.seq % 13 == 7 else "Running"


def job_response(task: SimTask, now: float) -> dict[str, Any]:
    """GetResourceSnapshotJob's fields (snake_case) for the job a completed task created."""
    status = job_status(task)
    out: dict[str, Any] = {
        "catalog": task.catalog,
        "id": task.job_id,
        "arn": job_arn(task.catalog, task.job_id or ""),
        "engagement_id": task.engagement_id,
        "resource_type": "Opportunity",
        "resource_id": task.opportunity_id,
        "resource_arn": opportunity_arn(task.catalog, task.opportunity_id or ""),
        "resource_snapshot_template_name": SNAPSHOT_TEMPLATE,
        "created_at": to_datetime(task.end),
        "status": status,
    }
    first_run = task.end + 5.0
    if first_run <= now:
        out["last_successful_execution_date"] = to_datetime(first_run)
    if status == "Stopped":
        out["last_failure"] = SNAPSHOT_FAILURES[task.seq % len(SNAPSHOT_FAILURES)]
    return out

"""Enumerations of the service, kept open.

The service adds values over time (ReasonCode grew from 11 to 22), so fields holding these are typed `str`
and an unknown value decodes and is kept as-is. These classes give the known values as constants.
"""

from __future__ import annotations


class _OpenEnum:
    KNOWN: frozenset[str] = frozenset()
    #: The known values in the order declared (what an option that takes one lists).
    VALUES: tuple[str, ...] = ()

    @classmethod
    def is_known(cls, value: str | None) -> bool:
        return value in cls.KNOWN


def _known(cls: type[_OpenEnum]) -> type[_OpenEnum]:
    cls.VALUES = tuple(v for k, v in vars(cls).items() if k.isupper() and isinstance(v, str))
    cls.KNOWN = frozenset(cls.VALUES)
    return cls


@_known
class TaskStatus(_OpenEnum):
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"

    TERMINAL = frozenset({"COMPLETE", "FAILED"})


@_known
class ReasonCode(_OpenEnum):
    INVITATION_ACCESS_DENIED = "InvitationAccessDenied"
    INVITATION_VALIDATION_FAILED = "InvitationValidationFailed"
    ENGAGEMENT_ACCESS_DENIED = "EngagementAccessDenied"
    OPPORTUNITY_ACCESS_DENIED = "OpportunityAccessDenied"
    RESOURCE_SNAPSHOT_JOB_ACCESS_DENIED = "ResourceSnapshotJobAccessDenied"
    RESOURCE_SNAPSHOT_JOB_VALIDATION_FAILED = "ResourceSnapshotJobValidationFailed"
    RESOURCE_SNAPSHOT_JOB_CONFLICT = "ResourceSnapshotJobConflict"
    ENGAGEMENT_VALIDATION_FAILED = "EngagementValidationFailed"
    ENGAGEMENT_CONFLICT = "EngagementConflict"
    OPPORTUNITY_SUBMISSION_FAILED = "OpportunitySubmissionFailed"
    ENGAGEMENT_INVITATION_CONFLICT = "EngagementInvitationConflict"
    INTERNAL_ERROR = "InternalError"
    OPPORTUNITY_VALIDATION_FAILED = "OpportunityValidationFailed"
    OPPORTUNITY_CONFLICT = "OpportunityConflict"
    RESOURCE_SNAPSHOT_ACCESS_DENIED = "ResourceSnapshotAccessDenied"
    RESOURCE_SNAPSHOT_VALIDATION_FAILED = "ResourceSnapshotValidationFailed"
    RESOURCE_SNAPSHOT_CONFLICT = "ResourceSnapshotConflict"
    SERVICE_QUOTA_EXCEEDED = "ServiceQuotaExceeded"
    REQUEST_THROTTLED = "RequestThrottled"
    CONTEXT_NOT_FOUND = "ContextNotFound"
    CUSTOMER_PROJECT_CONTEXT_NOT_PERMITTED = "CustomerProjectContextNotPermitted"
    DISQUALIFIED_LEAD_NOT_PERMITTED = "DisqualifiedLeadNotPermitted"


@_known
class ResourceSnapshotJobStatus(_OpenEnum):
    RUNNING = "Running"
    STOPPED = "Stopped"


@_known
class InvitationStatus(_OpenEnum):
    ACCEPTED = "ACCEPTED"
    PENDING = "PENDING"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"


@_known
class Catalog(_OpenEnum):
    AWS = "AWS"
    SANDBOX = "Sandbox"


@_known
class PayloadType(_OpenEnum):
    OPPORTUNITY_INVITATION = "OpportunityInvitation"
    LEAD_INVITATION = "LeadInvitation"
    ACCOUNT_PLANNING_INVITATION = "AccountPlanningInvitation"


@_known
class SalesInvolvementType(_OpenEnum):
    """AwsSubmission.InvolvementType (`start-engagement --involvement`)."""

    CO_SELL = "Co-Sell"
    FOR_VISIBILITY_ONLY = "For Visibility Only"


@_known
class Visibility(_OpenEnum):
    """AwsSubmission.Visibility (`start-engagement --visibility`)."""

    FULL = "Full"
    LIMITED = "Limited"


@_known
class ParticipantType(_OpenEnum):
    SENDER = "SENDER"
    RECEIVER = "RECEIVER"


@_known
class TaskKind(_OpenEnum):
    """The kinds of asynchronous task, named after their `List…Tasks` operations."""

    ACCEPT_INVITATION = "EngagementByAcceptingInvitation"
    ENGAGEMENT_FROM_OPPORTUNITY = "EngagementFromOpportunity"
    OPPORTUNITY_FROM_ENGAGEMENT = "OpportunityFromEngagement"
    #: One task converts many engagements (each PENDING, IN_PROGRESS, COMPLETED or FAILED).
    PROSPECTING_FROM_ENGAGEMENT = "ProspectingFromEngagement"


@_known
class BulkJobKind(_OpenEnum):
    """The kinds of bulk job, named after their `List…BulkJobs` operations."""

    OPPORTUNITY = "OpportunityBulkJob"
    CUSTOMER_ACCOUNT = "CustomerAccountBulkJob"


@_known
class ProspectingStatus(_OpenEnum):
    """A prospecting task's, and each of its engagements' (`ProspectingTaskStatus`)."""

    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"

    TERMINAL = frozenset({"COMPLETED", "FAILED"})


@_known
class BulkJobStatus(_OpenEnum):
    SUBMITTED = "SUBMITTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"

    TERMINAL = frozenset({"COMPLETED", "FAILED"})


@_known
class BulkRecordStatus(_OpenEnum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@_known
class BulkFileFormat(_OpenEnum):
    """The file formats a bulk job reads (`start-bulk-import --format`)."""

    CSV = "CSV"


@_known
class BulkOperationType(_OpenEnum):
    BULK_CREATE = "BULK_CREATE"
    BULK_UPDATE = "BULK_UPDATE"


@_known
class BulkReportStatus(_OpenEnum):
    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    AVAILABLE = "AVAILABLE"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"


@_known
class BulkReportType(_OpenEnum):
    FAILED_RECORDS = "FAILED_RECORDS"
    ALL_RECORDS = "ALL_RECORDS"

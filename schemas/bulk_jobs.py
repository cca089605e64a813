"""Bulk jobs: one call starts the creation or update of many opportunities (or customer accounts) from a
CSV file; the job goes SUBMITTED -> IN_PROGRESS -> COMPLETED or FAILED while it processes its records,
each SUCCEEDED or FAILED (with an ErrorCode and an ErrorMessage), and a report of the failed records is
served at an expiring URL.

The two families differ in their wire names only where the service's model does (the customer-account
list's summaries are in `items`, its job id is `Id`); `BulkJobRecord` holds a job of either, as
`TaskRecord` holds a task of any kind."""

from __future__ import annotations

from typing import Any

import msgspec

from ._base import Timestamp, WireStruct
from .enums import BulkJobStatus


class OpportunityBulkJobSummary(WireStruct):
    job_id: str | None = None
    status: str | None = None
    total_records: int | None = None
    processed_records: int | None = None
    success_count: int | None = None
    failure_count: int | None = None
    created_at: Timestamp | None = None
    started_at: Timestamp | None = None
    completed_at: Timestamp | None = None
    #: Why the whole job failed. Untrusted text.
    failure_reason: str | None = None
    file_name: str | None = None
    operation_type: str | None = None


class ListOpportunityBulkJobsResponse(WireStruct):
    opportunity_bulk_job_summaries: list[OpportunityBulkJobSummary] = msgspec.field(default_factory=list)
    next_token: str | None = None


class StartOpportunityBulkJobResponse(WireStruct):
    job_id: str | None = None


class BulkJobResult(WireStruct):
    """One record of a bulk job's file."""

    request_id: str | None = None
    status: str | None = None
    resource_identifier: str | None = None
    error_code: str | None = None
    #: Untrusted text.
    error_message: str | None = None


class ListOpportunityBulkJobResultsResponse(WireStruct):
    results: list[BulkJobResult] = msgspec.field(default_factory=list)
    next_token: str | None = None


class ListCustomerAccountBulkJobResultsResponse(WireStruct):
    results: list[BulkJobResult] = msgspec.field(default_factory=list)
    next_token: str | None = None


class GetOpportunityBulkJobReportUrlResponse(WireStruct):
    report_status: str | None = None
    report_type: str | None = None
    report_format: str | None = None
    #: Expires at `expires_at`; a credential of sorts while it lasts: shown, copied, never logged.
    url: str | None = None
    expires_at: Timestamp | None = None
    failure_reason: str | None = None


class GetCustomerAccountBulkJobReportUrlResponse(WireStruct):
    report_status: str | None = None
    report_type: str | None = None
    url: str | None = None
    expires_at: Timestamp | None = None
    failure_reason: str | None = None


class CustomerAccountBulkJobSummary(WireStruct):
    arn: str | None = None
    id: str | None = None
    status: str | None = None
    file_name: str | None = None
    total_records: int | None = None
    processed_records: int | None = None
    success_count: int | None = None
    failure_count: int | None = None
    deleted_count: int | None = None
    failure_reason: str | None = None
    created_at: Timestamp | None = None
    completed_at: Timestamp | None = None


class ListCustomerAccountBulkJobsResponse(WireStruct):
    # The model names this member in lower case (every other is PascalCase).
    items: list[CustomerAccountBulkJobSummary] = msgspec.field(default_factory=list, name="items")
    next_token: str | None = None


class GetCustomerAccountBulkJobResponse(CustomerAccountBulkJobSummary):
    pass


class StartCustomerAccountBulkJobResponse(WireStruct):
    arn: str | None = None
    id: str | None = None
    status: str | None = None
    created_at: Timestamp | None = None


BulkJobShape = (
    OpportunityBulkJobSummary
    | CustomerAccountBulkJobSummary
    | GetCustomerAccountBulkJobResponse
    | StartCustomerAccountBulkJobResponse
)


class BulkJobRecord(WireStruct, kw_only=True):
    """A bulk job of either family, with its kind (`BulkJobKind`): what the store keeps and the jobs view
    shows. Encodes with the service's wire names plus `Kind` (and `JobId` for both families)."""

    kind: str
    job_id: str
    arn: str | None = None
    status: str | None = None
    file_name: str | None = None
    operation_type: str | None = None
    total_records: int | None = None
    processed_records: int | None = None
    success_count: int | None = None
    failure_count: int | None = None
    deleted_count: int | None = None
    failure_reason: str | None = None
    created_at: Timestamp | None = None
    started_at: Timestamp | None = None
    completed_at: Timestamp | None = None

    @classmethod
    def from_job(cls, job: BulkJobShape, kind: str) -> BulkJobRecord:
        """A record from any summary or response of a bulk job (the customer-account family's `Id` is
        its `job_id`). Raises ValueError for a job without an id."""
        fields: dict[str, Any] = {f: getattr(job, f) for f in job.__struct_fields__}
        job_id = fields.pop("job_id", None) or fields.pop("id", None)
        fields.pop("id", None)
        if not job_id:
            raise ValueError(f"a {kind} without a job id")
        return cls(kind=kind, job_id=job_id, **fields)

    @property
    def is_terminal(self) -> bool:
        return self.status in BulkJobStatus.TERMINAL

    @property
    def has_failed_records(self) -> bool:
        return bool(self.failure_count)


#: A page of `List…BulkJobs`, of either family.
BulkJobsPage = ListOpportunityBulkJobsResponse | ListCustomerAccountBulkJobsResponse
#: A page of a job's per-record results, of either family.
BulkResultsPage = ListOpportunityBulkJobResultsResponse | ListCustomerAccountBulkJobResultsResponse
#: The report of a job's records: its status and, once AVAILABLE, an expiring URL.
BulkReportUrl = GetOpportunityBulkJobReportUrlResponse | GetCustomerAccountBulkJobReportUrlResponse


def bulk_job_records(page: BulkJobsPage, kind: str) -> list[BulkJobRecord]:
    """The page's jobs as records of `kind` (a job without an id is left out: nothing could name it)."""
    jobs: list[OpportunityBulkJobSummary] | list[CustomerAccountBulkJobSummary] = (
        page.opportunity_bulk_job_summaries
        if isinstance(page, ListOpportunityBulkJobsResponse)
        else page.items
    )
    return [
        BulkJobRecord.from_job(job, kind)
        for job in jobs
        if getattr(job, "job_id", None) or getattr(job, "id", None)
    ]

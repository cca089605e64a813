"""What the engine and the writes need of a Partner Central client, as a Protocol: `PartnerCentralClient`
is one, and so are the tests' fakes. Importing this loads no AWS SDK."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from schemas import (
    BulkJobRecord,
    BulkJobsPage,
    BulkReportUrl,
    BulkResultsPage,
    GetEngagementInvitationResponse,
    GetProspectingFromEngagementTaskResponse,
    GetResourceSnapshotJobResponse,
    ListEngagementInvitationsResponse,
    ListTasksPage,
    StartEngagementByAcceptingInvitationTaskResponse,
    StartEngagementFromOpportunityTaskResponse,
    StartOpportunityBulkJobResponse,
    StartOpportunityFromEngagementTaskResponse,
)


class TaskReads(Protocol):
    """The read calls the poller and the headless commands make."""

    @property
    def attempts(self) -> int:
        """HTTP requests sent so far, botocore's own retries included (they spend quota too)."""
        ...

    async def list_tasks(
        self,
        kind: str,
        *,
        status: Sequence[str] | None = None,
        task_ids: Sequence[str] | None = None,
        max_results: int = 100,
        next_token: str | None = None,
        descending: bool = True,
    ) -> ListTasksPage: ...

    async def get_resource_snapshot_job(self, job_id: str) -> GetResourceSnapshotJobResponse: ...

    async def list_engagement_invitations(
        self,
        *,
        status: Sequence[str] | None = ("PENDING",),
        participant_type: str = "RECEIVER",
        max_results: int = 100,
        next_token: str | None = None,
    ) -> ListEngagementInvitationsResponse:
        """Newest first (by InvitationDate)."""
        ...

    async def get_engagement_invitation(self, invitation_id: str) -> GetEngagementInvitationResponse: ...

    # --- prospecting tasks and bulk jobs (issue 24) --------------------------------------------------
    # `list_tasks` lists a prospecting task's kind too (its list has no status filter: `status` must be
    # None for it, a ValueError otherwise; `task_ids` filters by `TaskIdentifier` as for the others).

    async def get_prospecting_task(self, task_id: str) -> GetProspectingFromEngagementTaskResponse:
        """`GetProspectingFromEngagementTask`: the task with each engagement's outcome."""
        ...

    async def list_bulk_jobs(
        self,
        kind: str,
        *,
        status: str | None = None,
        job_id: str | None = None,
        max_results: int = 100,
        next_token: str | None = None,
    ) -> BulkJobsPage:
        """`List<Kind>s` of a bulk job kind (`BulkJobKind`): one page, newest first (by the service's
        order); `bulk_job_records(page, kind)` makes its records. `job_id`: only that job (the
        opportunity family's `JobId` filter, the customer-account family's `Filter.Identifier`)."""
        ...

    async def get_bulk_job(self, kind: str, job_id: str) -> BulkJobRecord | None:
        """One bulk job as it is now (`GetCustomerAccountBulkJob`, or the opportunity list filtered by
        `JobId`, which has no Get); None if the service does not know it."""
        ...

    async def list_bulk_job_results(
        self,
        kind: str,
        job_id: str,
        *,
        status: str | None = None,
        max_results: int = 100,
        next_token: str | None = None,
    ) -> BulkResultsPage:
        """`List<Kind>Results`: one page of the job's per-record results (`status`: SUCCEEDED or FAILED
        only)."""
        ...

    async def get_bulk_job_report_url(
        self, kind: str, job_id: str, *, report_type: str = "FAILED_RECORDS"
    ) -> BulkReportUrl:
        """`Get<Kind>ReportUrl`: the report's status and, once AVAILABLE, its expiring URL (CSV)."""
        ...

    def close(self) -> None: ...


class PartnerCentralApi(TaskReads, Protocol):
    """Reads and the writes (each Start… with the caller's ClientToken)."""

    @property
    def catalog(self) -> str: ...

    def accept_invitation_params(self, invitation_id: str, client_token: str) -> dict[str, Any]: ...

    def engagement_from_opportunity_params(
        self, opportunity_id: str, client_token: str, *, involvement_type: str, visibility: str | None = None
    ) -> dict[str, Any]: ...

    def opportunity_from_engagement_params(
        self, engagement_id: str, client_token: str, *, context_id: str
    ) -> dict[str, Any]: ...

    async def start_engagement_by_accepting_invitation_task(
        self, invitation_id: str, *, client_token: str
    ) -> StartEngagementByAcceptingInvitationTaskResponse: ...

    async def start_engagement_from_opportunity_task(
        self,
        opportunity_id: str,
        *,
        involvement_type: str,
        visibility: str | None = None,
        client_token: str,
    ) -> StartEngagementFromOpportunityTaskResponse: ...

    async def start_opportunity_from_engagement_task(
        self, engagement_id: str, *, context_id: str, client_token: str
    ) -> StartOpportunityFromEngagementTaskResponse: ...

    async def reject_engagement_invitation(
        self, invitation_id: str, *, reason: str | None = None
    ) -> None: ...

    def opportunity_bulk_job_params(
        self, file_uri: str, client_token: str, *, file_format: str = "CSV"
    ) -> dict[str, Any]: ...

    async def start_opportunity_bulk_job(
        self, file_uri: str, *, file_format: str = "CSV", client_token: str
    ) -> StartOpportunityBulkJobResponse:
        """`StartOpportunityBulkJob` (a write: the ledger's ClientToken makes a repeat the same job)."""
        ...

    async def get_engagement_invitation(self, invitation_id: str) -> GetEngagementInvitationResponse: ...

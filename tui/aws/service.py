"""What the engine and the writes need of a Partner Central client, as a Protocol: `PartnerCentralClient`
is one, and so are the tests' fakes. Importing this loads no AWS SDK."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from schemas import (
    GetEngagementInvitationResponse,
    GetResourceSnapshotJobResponse,
    ListEngagementInvitationsResponse,
    ListTasksPage,
    StartEngagementByAcceptingInvitationTaskResponse,
    StartEngagementFromOpportunityTaskResponse,
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

    def close(self) -> None: ...


class PartnerCentralApi(TaskReads, Protocol):
    """Reads and the four writes (each Start…Task with the caller's ClientToken)."""

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

    async def get_engagement_invitation(self, invitation_id: str) -> GetEngagementInvitationResponse: ...

"""Resource snapshot jobs: created by a completed task, they copy the resource's details for tracking."""

from __future__ import annotations

import msgspec

from ._base import Timestamp, WireStruct


class GetResourceSnapshotJobResponse(WireStruct):
    catalog: str | None = None
    id: str | None = None
    arn: str | None = None
    engagement_id: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    resource_arn: str | None = None
    resource_snapshot_template_name: str | None = None
    created_at: Timestamp | None = None
    status: str | None = None
    last_successful_execution_date: Timestamp | None = None
    #: Why the last run failed. Untrusted text.
    last_failure: str | None = None


class ResourceSnapshotJobSummary(WireStruct):
    id: str | None = None
    arn: str | None = None
    engagement_id: str | None = None
    status: str | None = None


class ListResourceSnapshotJobsResponse(WireStruct):
    resource_snapshot_job_summaries: list[ResourceSnapshotJobSummary] = msgspec.field(default_factory=list)
    next_token: str | None = None

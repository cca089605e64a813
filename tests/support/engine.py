"""Shared fakes for the engine tests: a scripted HTTP endpoint, a recording fake client, task builders."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from schemas import (
    BULK_KINDS,
    TASK_KINDS,
    BulkJobKind,
    BulkJobRecord,
    BulkJobResult,
    GetEngagementInvitationResponse,
    GetProspectingFromEngagementTaskResponse,
    GetResourceSnapshotJobResponse,
    ListEngagementInvitationsResponse,
    ListOpportunityBulkJobsResponse,
    ResourceNotFoundException,
    TaskKind,
    TaskRecord,
)
from tui.aws.failures import ApiFailure, ServiceFailure

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)
KINDS = list(TASK_KINDS)
ACCEPT = TaskKind.ACCEPT_INVITATION
PROSPECTING = TaskKind.PROSPECTING_FROM_ENGAGEMENT
OPP_BULK = BulkJobKind.OPPORTUNITY
ACCT_BULK = BulkJobKind.CUSTOMER_ACCOUNT


def task(
    n: int,
    *,
    kind: str = ACCEPT,
    status: str = "IN_PROGRESS",
    start: datetime | None = None,
    **extra: Any,
) -> TaskRecord:
    start = start or T0 - timedelta(minutes=n)
    if kind == PROSPECTING and status in ("COMPLETE", "FAILED"):
        # (its list carries no status: an end time and the failed engagements say it, as the service's)
        extra = {"end_time": start + timedelta(minutes=1), **extra}
        extra.setdefault("failed_engagement_count", 1 if status == "FAILED" else 0)
    return TaskRecord(
        kind=kind,
        task_id=f"task-{kind[:4]}-{n:05d}",
        task_arn=f"arn:aws:partnercentral:us-east-1:123456789012:catalog/Sandbox/task/{n}",
        start_time=start,
        task_status=status,
        **extra,
    )


def bulk_job(
    n: int,
    *,
    kind: str = OPP_BULK,
    status: str = "IN_PROGRESS",
    created: datetime | None = None,
    total: int = 5000,
    processed: int = 0,
    failed: int = 0,
    **extra: Any,
) -> BulkJobRecord:
    created = created or T0 - timedelta(minutes=n)
    return BulkJobRecord(
        kind=kind,
        job_id=f"job-{kind[:4].lower()}-{n:05d}",
        status=status,
        total_records=total,
        processed_records=processed,
        success_count=processed - failed,
        failure_count=failed,
        created_at=created,
        started_at=created + timedelta(seconds=30),
        **extra,
    )


def bulk_results(job_id: str, n: int, *, failed_every: int = 10) -> list[BulkJobResult]:
    """`n` records' results, every `failed_every`-th FAILED."""
    return [
        BulkJobResult(
            request_id=f"{job_id}-r{i:05d}",
            status="FAILED" if i % failed_every == 0 else "SUCCEEDED",
            resource_identifier=None if i % failed_every == 0 else f"O{i:07d}",
            error_code="INVALID_FIELD" if i % failed_every == 0 else None,
            error_message=f"record {i}: CloseDate is in the past" if i % failed_every == 0 else None,
        )
        for i in range(n)
    ]


def _not_found(what: str) -> ServiceFailure:
    message = f"{what} was not found in catalog Sandbox."
    return ServiceFailure(
        f"ResourceNotFoundException: {message}",
        service_error=ResourceNotFoundException(message=message),
        retryable=False,
    )


# --- a scripted HTTP endpoint (before/independently of the simulator) ------------------------------


@dataclass
class StubEndpoint:
    url: str
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: Each response: (status, headers, body bytes). Popped in order; the last one repeats.
    responses: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)


@contextmanager
def stub_endpoint() -> Iterator[StubEndpoint]:
    state = StubEndpoint(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            target = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
            with lock:
                state.requests.append((target, json.loads(body or b"{}")))
                status, headers, payload = (
                    state.responses.pop(0) if len(state.responses) > 1 else state.responses[0]
                )
            self.send_response(status)
            for k, v in {"Content-Type": "application/x-amz-json-1.0", **headers}.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


# --- a fake client recording the calls the poller makes --------------------------------------------


@dataclass
class Call:
    op: str
    kind: str | None = None
    status: tuple[str, ...] | None = None
    task_ids: tuple[str, ...] | None = None
    max_results: int | None = None
    next_token: str | None = None
    job_id: str | None = None


class FakeClient:
    """Serves tasks from an in-memory truth (`self.truth`: task id -> TaskRecord), newest first, paged.

    `fail_next` holds exceptions raised by the next calls, in order; `calls` records every call."""

    def __init__(self, tasks: list[TaskRecord] | None = None) -> None:
        self.truth: dict[str, TaskRecord] = {t.task_id: t for t in tasks or []}  # type: ignore[misc]
        self.jobs: dict[str, GetResourceSnapshotJobResponse] = {}
        #: Jobs the service says do not exist (ResourceNotFoundException, as a 404 decodes).
        self.missing_jobs: set[str] = set()
        self.invitations: list[Any] = []
        #: Invitations no longer pending (not in `invitations`): id -> their status now.
        self.invitation_status: dict[str, str] = {}
        #: Bulk jobs of both families by id; their per-record results; their reports (the fields of
        #: the report response, by wire name); prospecting tasks' outcomes (else made from `truth`).
        self.bulk: dict[str, BulkJobRecord] = {}
        self.results: dict[str, list[BulkJobResult]] = {}
        self.reports: dict[str, dict[str, Any]] = {}
        self.outcomes: dict[str, GetProspectingFromEngagementTaskResponse] = {}
        self.calls: list[Call] = []
        self.fail_next: list[BaseException] = []
        self.attempts = 0
        self.on_call: Callable[[Call], None] | None = None

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self.attempts += 1
        if self.on_call:
            self.on_call(call)
        if self.fail_next:
            raise self.fail_next.pop(0)

    def set_status(self, task_id: str, status: str, **changes: Any) -> None:
        import msgspec

        self.truth[task_id] = msgspec.structs.replace(self.truth[task_id], task_status=status, **changes)

    async def list_tasks(
        self,
        kind: str,
        *,
        status: Any = None,
        task_ids: Any = None,
        max_results: int = 100,
        next_token: str | None = None,
        descending: bool = True,
    ) -> Any:
        self._record(
            Call(
                "list_tasks",
                kind,
                tuple(status) if status else None,
                tuple(task_ids) if task_ids else None,
                max_results,
                next_token,
            )
        )
        entry = TASK_KINDS[kind]
        if status and entry.status_filter is None:
            raise ValueError("this kind's list has no status filter: list it without one")
        rows = [t for t in self.truth.values() if t.kind == kind]
        if status:
            rows = [t for t in rows if t.task_status in status]
        if task_ids:
            rows = [t for t in rows if t.task_id in task_ids]
        rows.sort(key=lambda t: (t.start_time, t.task_id), reverse=descending)
        offset = int(next_token or 0)
        page = rows[offset : offset + max_results]
        more = offset + max_results < len(rows)
        summary = entry.summary
        fields = set(summary.__struct_fields__)
        items = [
            summary(
                **{f: getattr(t, f) for f in t.__struct_fields__ if f in fields and getattr(t, f) is not None}
            )
            for t in page
        ]
        return entry.list_response(
            task_summaries=items, next_token=str(offset + max_results) if more else None
        )

    def set_bulk(self, job_id: str, **changes: Any) -> None:
        import msgspec

        self.bulk[job_id] = msgspec.structs.replace(self.bulk[job_id], **changes)

    def add_bulk(self, *jobs: BulkJobRecord) -> None:
        for job in jobs:
            self.bulk[job.job_id] = job

    async def get_prospecting_task(self, task_id: str) -> GetProspectingFromEngagementTaskResponse:
        self._record(Call("get_prospecting_task", PROSPECTING, task_ids=(task_id,)))
        if task_id in self.outcomes:
            return self.outcomes[task_id]
        task = self.truth.get(task_id)
        if task is None:
            raise _not_found(f"Task {task_id}")
        return GetProspectingFromEngagementTaskResponse(
            task_id=task_id, task_name=task.task_name, start_time=task.start_time, end_time=task.end_time
        )

    async def list_bulk_jobs(
        self,
        kind: str,
        *,
        status: str | None = None,
        job_id: str | None = None,
        max_results: int = 100,
        next_token: str | None = None,
    ) -> Any:
        """Newest created first, `max_results` a page."""
        self._record(
            Call("list_bulk_jobs", kind, (status,) if status else None, None, max_results, next_token, job_id)
        )
        rows = [j for j in self.bulk.values() if j.kind == kind]
        if status:
            rows = [j for j in rows if j.status == status]
        if job_id:
            rows = [j for j in rows if j.job_id == job_id]
        rows.sort(key=lambda j: (j.created_at, j.job_id), reverse=True)
        offset = int(next_token or 0)
        page = rows[offset : offset + max_results]
        token = str(offset + max_results) if offset + max_results < len(rows) else None
        entry = BULK_KINDS[kind]
        items = [_summary(entry.summary, j) for j in page]
        if entry.list_response is ListOpportunityBulkJobsResponse:
            return entry.list_response(opportunity_bulk_job_summaries=items, next_token=token)
        return entry.list_response(items=items, next_token=token)

    async def get_bulk_job(self, kind: str, job_id: str) -> BulkJobRecord | None:
        self._record(Call("get_bulk_job", kind, job_id=job_id))
        job = self.bulk.get(job_id)
        return job if job is not None and job.kind == kind else None

    async def list_bulk_job_results(
        self,
        kind: str,
        job_id: str,
        *,
        status: str | None = None,
        max_results: int = 100,
        next_token: str | None = None,
    ) -> Any:
        self._record(
            Call(
                "list_bulk_job_results",
                kind,
                (status,) if status else None,
                None,
                max_results,
                next_token,
                job_id,
            )
        )
        if job_id not in self.bulk:
            raise _not_found(f"Bulk job {job_id}")
        rows = [r for r in self.results.get(job_id, []) if status is None or r.status == status]
        offset = int(next_token or 0)
        page = rows[offset : offset + max_results]
        token = str(offset + max_results) if offset + max_results < len(rows) else None
        return BULK_KINDS[kind].results_response(results=page, next_token=token)  # type: ignore[misc]

    async def get_bulk_job_report_url(
        self, kind: str, job_id: str, *, report_type: str = "FAILED_RECORDS"
    ) -> Any:
        self._record(Call("get_bulk_job_report_url", kind, job_id=job_id))
        if job_id not in self.bulk:
            raise _not_found(f"Bulk job {job_id}")
        fields = self.reports.get(job_id, {"ReportStatus": "NOT_STARTED"})
        response = BULK_KINDS[kind].report_response
        assert response is not None
        return response.from_json(json.dumps(fields))

    async def get_resource_snapshot_job(self, job_id: str) -> GetResourceSnapshotJobResponse:
        self._record(Call("get_resource_snapshot_job", job_id=job_id))
        if job_id in self.missing_jobs:
            message = f"Resource snapshot job {job_id} was not found in catalog Sandbox."
            raise ServiceFailure(
                f"ResourceNotFoundException: {message}",
                service_error=ResourceNotFoundException(message=message),
                retryable=False,
            )
        return self.jobs.get(job_id) or GetResourceSnapshotJobResponse(id=job_id, status="Running")

    async def list_engagement_invitations(self, **kwargs: Any) -> ListEngagementInvitationsResponse:
        """Newest first (the order of `invitations`), `max_results` a page."""
        self._record(Call("list_engagement_invitations", next_token=kwargs.get("next_token")))
        size = kwargs.get("max_results", 100)
        offset = int(kwargs.get("next_token") or 0)
        page = self.invitations[offset : offset + size]
        more = offset + size < len(self.invitations)
        return ListEngagementInvitationsResponse(
            engagement_invitation_summaries=list(page), next_token=str(offset + size) if more else None
        )

    async def get_engagement_invitation(self, invitation_id: str) -> GetEngagementInvitationResponse:
        """PENDING while in `invitations`; else what `invitation_status` says, or not found."""
        self._record(Call("get_engagement_invitation", task_ids=(invitation_id,)))
        if any(i.id == invitation_id for i in self.invitations):
            return GetEngagementInvitationResponse(id=invitation_id, status="PENDING", catalog="Sandbox")
        status = self.invitation_status.get(invitation_id)
        if status is None:
            message = f"Engagement invitation {invitation_id} was not found."
            raise ServiceFailure(
                f"ResourceNotFoundException: {message}",
                service_error=ResourceNotFoundException(message=message),
                retryable=False,
            )
        return GetEngagementInvitationResponse(id=invitation_id, status=status, catalog="Sandbox")


def _summary(summary: Any, job: BulkJobRecord) -> Any:
    """A bulk job as its family's list shows it (the customer-account family names its id `Id`)."""
    fields = set(summary.__struct_fields__)
    values = {
        f: getattr(job, f) for f in job.__struct_fields__ if f in fields and getattr(job, f) is not None
    }
    if "id" in fields:
        values["id"] = job.job_id
    else:
        values["job_id"] = job.job_id
    return summary(**values)


def failure(message: str = "boom", **kwargs: Any) -> ApiFailure:
    return ApiFailure(message, **kwargs)

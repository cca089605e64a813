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
    TASK_KINDS,
    GetEngagementInvitationResponse,
    GetResourceSnapshotJobResponse,
    ListEngagementInvitationsResponse,
    ResourceNotFoundException,
    TaskKind,
    TaskRecord,
)
from tui.aws.failures import ApiFailure, ServiceFailure

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)
KINDS = list(TASK_KINDS)
ACCEPT = TaskKind.ACCEPT_INVITATION


def task(
    n: int,
    *,
    kind: str = ACCEPT,
    status: str = "IN_PROGRESS",
    start: datetime | None = None,
    **extra: Any,
) -> TaskRecord:
    return TaskRecord(
        kind=kind,
        task_id=f"task-{kind[:4]}-{n:05d}",
        task_arn=f"arn:aws:partnercentral:us-east-1:123456789012:catalog/Sandbox/task/{n}",
        start_time=start or T0 - timedelta(minutes=n),
        task_status=status,
        **extra,
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
        rows = [t for t in self.truth.values() if t.kind == kind]
        if status:
            rows = [t for t in rows if t.task_status in status]
        if task_ids:
            rows = [t for t in rows if t.task_id in task_ids]
        rows.sort(key=lambda t: (t.start_time, t.task_id), reverse=descending)
        offset = int(next_token or 0)
        page = rows[offset : offset + max_results]
        more = offset + max_results < len(rows)
        entry = TASK_KINDS[kind]
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


def failure(message: str = "boom", **kwargs: Any) -> ApiFailure:
    return ApiFailure(message, **kwargs)

"""The Partner Central Selling client: one async method per API call, returning `schemas` Structs.

Responses are decoded from the raw bytes with msgspec rather than from the dict botocore builds: botocore
turns a truncated or non-JSON 200 body into `{"message": "<body>"}` without complaint, which would read as
"no tasks" and make every active task look finished. msgspec rejects such a body (-> MalformedResponse),
and decoding is ~100x faster than botocore's parser (README, Measured). botocore still signs, retries (as
`tui.aws.retry` says) and parses error responses. No body over 16 MiB or nested deeper than 64
levels is decoded at all (`tui.aws.body_limits`).

Calls run in daemon threads of their own, so they never block an event loop, and a call that hangs
inside botocore never keeps the process alive after its caller gave up or the program ends (the default
executor's threads are joined at exit, however long they take). Every request has the connect and read
timeouts of the settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast
from urllib.parse import urlparse, urlsplit

import msgspec

from schemas import (
    BULK_KINDS,
    TASK_KINDS,
    BulkJobRecord,
    BulkJobsPage,
    BulkReportUrl,
    BulkResultsPage,
    GetEngagementInvitationResponse,
    GetProspectingFromEngagementTaskResponse,
    GetResourceSnapshotJobResponse,
    ListEngagementInvitationsResponse,
    ListTasksPage,
    ResourceNotFoundException,
    StartEngagementByAcceptingInvitationTaskResponse,
    StartEngagementFromOpportunityTaskResponse,
    StartOpportunityBulkJobResponse,
    StartOpportunityFromEngagementTaskResponse,
    TaskKind,
    bulk_job_records,
    decoder_for,
)
from schemas.kinds import Kind
from tui.core import logs
from tui.core.ports import ForeignListener, check_listener
from tui.core.settings import Settings, SettingsError, check_settings, is_loopback
from tui.core.text_safety import one_line

from . import body_limits
from .errors import failure_from_exception, never_connected
from .failures import ApiFailure, MalformedResponse, SdkTooOld
from .retry import SDK_MAX_ATTEMPTS, SDK_RETRY_MODE

SERVICE = "partnercentral-selling"
#: The fixed credentials of the local endpoint (the simulator accepts any SigV4-signed request).
LOCAL_ACCESS_KEY = "pcwatch-local"
LOCAL_SECRET_KEY = "pcwatch-local-secret"
_RAW_KEY = "__pcwatch_raw_body__"
#: The first botocore whose model of the service has every operation pcwatch calls (the bulk jobs came
#: in 1.44.7; pyproject.toml's floor says the same, and a test checks they agree).
BOTOCORE_FLOOR = (1, 44, 7)
#: The report format asked for where the report operation takes one (`GetOpportunityBulkJobReportUrl`).
REPORT_FORMAT = "CSV"

T = TypeVar("T")
log = logging.getLogger(__name__)


class _EmptyResponse(msgspec.Struct):
    """An operation that answers `{}` (RejectEngagementInvitation): still decoded, so a broken body is
    reported as malformed rather than taken for success."""


def _snake(operation: str) -> str:
    out = []
    for i, c in enumerate(operation):
        if c.isupper() and i:
            out.append("_")
        out.append(c.lower())
    return "".join(out)


class PartnerCentralClient:
    """Wraps a botocore client for one catalog. Thread-safe; `attempts` counts HTTP requests that may
    have reached the service, retries included, so the budget can charge what botocore retried on its
    own, and not what never connected (`errors.never_connected`: nothing reached the quota)."""

    def __init__(
        self, boto_client: Any, *, catalog: str, profile: str | None = None, sso: bool = False
    ) -> None:
        self._boto = boto_client
        self.catalog = catalog
        self.profile = profile
        self.sso = sso
        self._lock = threading.Lock()
        self._attempts = 0
        self._members: dict[str, dict[str, Any]] = {}
        events = boto_client.meta.events
        events.register("before-parse", self._keep_raw_body)
        body_limits.install(boto_client)  # bodies over 16 MiB are refused while being read
        events.register("before-send", self._count_attempt)
        events.register("response-received", self._uncount_if_never_connected)

    @property
    def attempts(self) -> int:
        with self._lock:
            return self._attempts

    def _count_attempt(self, **_: Any) -> None:
        # (counted as it leaves: a request still connecting counts until it is known it never did)
        with self._lock:
            self._attempts += 1

    def _uncount_if_never_connected(self, exception: BaseException | None = None, **_: Any) -> None:
        if never_connected(exception):
            with self._lock:
                self._attempts -= 1

    @staticmethod
    def _keep_raw_body(
        operation_model: Any,
        response_dict: dict[str, Any],
        customized_response_dict: dict[str, Any],
        **_: Any,
    ) -> None:
        body = response_dict.get("body")
        if isinstance(body, bytes):  # error bodies too: botocore's parser recurses as deep as the JSON
            body_limits.check_body(operation_model.name, body)
        # Successful bodies are decoded by msgspec; botocore gets an empty body so it does not parse twice.
        if response_dict.get("status_code", 500) < 300 and isinstance(body, bytes):
            customized_response_dict[_RAW_KEY] = response_dict["body"]
            response_dict["body"] = b""

    def _call(self, operation: str, response_type: type[T], params: dict[str, Any]) -> T:
        started = time.perf_counter()
        outcome = "ok"
        try:
            return self._call_once(operation, response_type, params)
        except ApiFailure as failure:
            error = failure.service_error
            outcome = error.type if error is not None else failure.category
            raise
        finally:
            logs.event(
                log,
                "api.call",
                f"{operation} {outcome}",
                operation=operation,
                duration=time.perf_counter() - started,
                outcome=outcome,
                catalog=self.catalog,
            )

    def _call_once(self, operation: str, response_type: type[T], params: dict[str, Any]) -> T:
        method: Callable[..., dict[str, Any]] = getattr(self._boto, _snake(operation))
        try:
            response = method(**params)
        except Exception as exc:
            raise failure_from_exception(exc, profile=self.profile, sso=self.sso) from exc
        raw = response.get(_RAW_KEY)
        try:
            if raw is None:  # a transport that bypassed the hook
                return response_type.from_boto(response)  # type: ignore[attr-defined,no-any-return]
            return decoder_for_cached(response_type).decode(raw)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise MalformedResponse(f"malformed {operation} response: {exc}") from exc

    async def _acall(self, operation: str, response_type: type[T], params: dict[str, Any]) -> T:
        return await in_daemon_thread(lambda: self._call(operation, response_type, params), operation)

    def _input_members(self, operation: str) -> dict[str, Any]:
        """The request members of `operation` in botocore's model (what it accepts)."""
        members = self._members.get(operation)
        if members is None:
            model = self._boto.meta.service_model.operation_model(operation)
            members = self._members[operation] = dict(model.input_shape.members)
        return members

    def _page_size(self, operation: str, asked: int) -> int:
        """`asked`, within the bounds of the operation's `MaxResults` in botocore's model: the prospecting
        list and the customer-account results take 100 at most where the others take 1,000, and a page
        size the model refuses would fail the call (its pages come in smaller steps, the tokens follow)."""
        shape = self._input_members(operation).get("MaxResults")
        if shape is None:
            return asked
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if high is not None:
            asked = min(asked, int(high))
        if low is not None:
            asked = max(asked, int(low))
        return asked

    # --- one method per API call -------------------------------------------------------------------

    def list_tasks_params(
        self,
        *,
        status: Sequence[str] | None = None,
        task_ids: Sequence[str] | None = None,
        max_results: int = 100,
        next_token: str | None = None,
        descending: bool = True,
        status_filter: str | None = "TaskStatus",
    ) -> dict[str, Any]:
        """`status_filter`: the request member that filters by status (the kind's; None: it has none,
        and a `status` is refused with a ValueError)."""
        params: dict[str, Any] = {
            "Catalog": self.catalog,
            "MaxResults": max_results,
            "Sort": {"SortBy": "StartTime", "SortOrder": "DESCENDING" if descending else "ASCENDING"},
        }
        if status:
            if status_filter is None:
                raise ValueError("this kind's list has no status filter: list it without one")
            _put(params, status_filter, list(status))
        if task_ids:
            if len(task_ids) > 10:
                raise ValueError("at most 10 task ids per call")
            params["TaskIdentifier"] = list(task_ids)
        if next_token:
            params["NextToken"] = next_token
        return params

    async def list_tasks(
        self,
        kind: str,
        *,
        status: Sequence[str] | None = None,
        task_ids: Sequence[str] | None = None,
        max_results: int = 100,
        next_token: str | None = None,
        descending: bool = True,
    ) -> ListTasksPage:
        """`List<Kind>Tasks`: one page, newest first unless `descending=False`. A kind whose list has no
        status filter (a prospecting task's) refuses a `status` (ValueError)."""
        entry = TASK_KINDS[kind]
        params = self.list_tasks_params(
            status=status,
            task_ids=task_ids,
            max_results=self._page_size(entry.list_operation, max_results),
            next_token=next_token,
            descending=descending,
            status_filter=entry.status_filter,
        )
        page = cast("ListTasksPage", await self._acall(entry.list_operation, entry.list_response, params))
        if task_ids:  # a server that ignores the filter must not make another task pass for this one
            for summary in page.task_summaries:
                _check_identity(entry.list_operation, task_ids, summary.task_id or "(no id)")
        return page

    async def get_prospecting_task(self, task_id: str) -> GetProspectingFromEngagementTaskResponse:
        """`GetProspectingFromEngagementTask`: the task with each engagement's outcome."""
        entry = _prospecting_kind()
        assert entry.get_operation is not None and entry.id_param is not None
        params = {"Catalog": self.catalog, entry.id_param: task_id}
        task = await self._acall(entry.get_operation, GetProspectingFromEngagementTaskResponse, params)
        if task.task_id is not None:
            _check_identity(entry.get_operation, [task_id], task.task_id)
        return task

    # --- bulk jobs (both families, from the kinds table: their operations, filters and id members) --

    def bulk_jobs_params(
        self,
        kind: str,
        *,
        status: str | None = None,
        job_id: str | None = None,
        max_results: int = 100,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        entry = BULK_KINDS[kind]
        params: dict[str, Any] = {
            "Catalog": self.catalog,
            "MaxResults": self._page_size(entry.list_operation, max_results),
        }
        if status:
            assert entry.status_filter is not None
            _put(params, entry.status_filter, status)
        if job_id:
            _put(params, _id_filter(entry), job_id)
        if next_token:
            params["NextToken"] = next_token
        return params

    async def list_bulk_jobs(
        self,
        kind: str,
        *,
        status: str | None = None,
        job_id: str | None = None,
        max_results: int = 100,
        next_token: str | None = None,
    ) -> BulkJobsPage:
        """`List<Kind>s` of a bulk job kind: one page, in the service's order (newest first);
        `bulk_job_records(page, kind)` makes its records. `job_id`: only that job."""
        entry = BULK_KINDS[kind]
        params = self.bulk_jobs_params(
            kind, status=status, job_id=job_id, max_results=max_results, next_token=next_token
        )
        page = await self._acall(entry.list_operation, entry.list_response, params)
        return cast("BulkJobsPage", page)

    async def get_bulk_job(self, kind: str, job_id: str) -> BulkJobRecord | None:
        """One bulk job as it is now: its kind's Get (`GetCustomerAccountBulkJob`), or its list filtered by
        the job's id where there is no Get (the opportunity family). None if the service does not know it."""
        entry = BULK_KINDS[kind]
        try:
            if entry.get_operation is None or entry.get_response is None or entry.id_param is None:
                page = await self.list_bulk_jobs(kind, job_id=job_id)
                records = bulk_job_records(page, kind)
                for record in records:  # (a server that ignores the JobId filter)
                    _check_identity(entry.list_operation, [job_id], record.job_id or "(no id)")
                return records[0] if records else None
            params = {"Catalog": self.catalog, entry.id_param: job_id}
            job = await self._acall(entry.get_operation, entry.get_response, params)
        except ApiFailure as failure:
            # A list filtered by an id it does not know may say so the same way a Get does.
            if isinstance(failure.service_error, ResourceNotFoundException):
                return None
            raise
        _check_identity(
            entry.get_operation, [job_id], getattr(job, "id", None) or getattr(job, "job_id", None)
        )
        if not (getattr(job, "id", None) or getattr(job, "job_id", None)):  # a partial answer: we asked
            return BulkJobRecord.from_job(msgspec.structs.replace(job, id=job_id), kind)  # type: ignore[arg-type]
        return BulkJobRecord.from_job(job, kind)  # type: ignore[arg-type]

    def bulk_results_params(
        self,
        kind: str,
        job_id: str,
        *,
        status: str | None = None,
        max_results: int = 100,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        entry = BULK_KINDS[kind]
        assert entry.results_operation is not None and entry.id_param is not None
        params: dict[str, Any] = {
            "Catalog": self.catalog,
            entry.id_param: job_id,
            "MaxResults": self._page_size(entry.results_operation, max_results),
        }
        if status:
            params["Status"] = status
        if next_token:
            params["NextToken"] = next_token
        return params

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
        only). A page size over the operation's maximum is lowered to it."""
        entry = BULK_KINDS[kind]
        assert entry.results_operation is not None and entry.results_response is not None
        params = self.bulk_results_params(
            kind, job_id, status=status, max_results=max_results, next_token=next_token
        )
        page = await self._acall(entry.results_operation, entry.results_response, params)
        return cast("BulkResultsPage", page)

    async def get_bulk_job_report_url(
        self, kind: str, job_id: str, *, report_type: str = "FAILED_RECORDS"
    ) -> BulkReportUrl:
        """`Get<Kind>ReportUrl`: the report's status and, once AVAILABLE, its expiring URL (CSV). The URL
        grants access while it lasts: it is redacted from every later log line by value."""
        entry = BULK_KINDS[kind]
        operation, response = entry.report_operation, entry.report_response
        assert operation is not None and response is not None and entry.id_param is not None
        params: dict[str, Any] = {"Catalog": self.catalog, entry.id_param: job_id, "ReportType": report_type}
        if "ReportFormat" in self._input_members(operation):
            params["ReportFormat"] = REPORT_FORMAT
        report = await self._acall(operation, response, params)
        logs.add_secret(getattr(report, "url", None))
        return cast("BulkReportUrl", report)

    async def get_resource_snapshot_job(self, job_id: str) -> GetResourceSnapshotJobResponse:
        params = {"Catalog": self.catalog, "ResourceSnapshotJobIdentifier": job_id}
        job = await self._acall("GetResourceSnapshotJob", GetResourceSnapshotJobResponse, params)
        _check_identity("GetResourceSnapshotJob", [job_id], job.id)
        return job

    async def list_engagement_invitations(
        self,
        *,
        status: Sequence[str] | None = ("PENDING",),
        participant_type: str = "RECEIVER",
        max_results: int = 100,
        next_token: str | None = None,
    ) -> ListEngagementInvitationsResponse:
        """Newest first (by InvitationDate)."""
        params: dict[str, Any] = {
            "Catalog": self.catalog,
            "ParticipantType": participant_type,
            "MaxResults": max_results,
            "Sort": {"SortBy": "InvitationDate", "SortOrder": "DESCENDING"},
        }
        if status:
            params["Status"] = list(status)
        if next_token:
            params["NextToken"] = next_token
        return await self._acall("ListEngagementInvitations", ListEngagementInvitationsResponse, params)

    # --- writes (each Start…Task carries the caller's ClientToken; see tui.writes.ledger) ----------------

    def accept_invitation_params(self, invitation_id: str, client_token: str) -> dict[str, Any]:
        return {"Catalog": self.catalog, "ClientToken": client_token, "Identifier": invitation_id}

    def engagement_from_opportunity_params(
        self, opportunity_id: str, client_token: str, *, involvement_type: str, visibility: str | None = None
    ) -> dict[str, Any]:
        submission: dict[str, Any] = {"InvolvementType": involvement_type}
        if visibility:
            submission["Visibility"] = visibility
        return {
            "Catalog": self.catalog,
            "ClientToken": client_token,
            "Identifier": opportunity_id,
            "AwsSubmission": submission,
        }

    def opportunity_from_engagement_params(
        self, engagement_id: str, client_token: str, *, context_id: str
    ) -> dict[str, Any]:
        return {
            "Catalog": self.catalog,
            "ClientToken": client_token,
            "Identifier": engagement_id,
            "ContextIdentifier": context_id,
        }

    async def start_engagement_by_accepting_invitation_task(
        self, invitation_id: str, *, client_token: str
    ) -> StartEngagementByAcceptingInvitationTaskResponse:
        params = self.accept_invitation_params(invitation_id, client_token)
        return await self._acall(
            "StartEngagementByAcceptingInvitationTask",
            StartEngagementByAcceptingInvitationTaskResponse,
            params,
        )

    async def start_engagement_from_opportunity_task(
        self,
        opportunity_id: str,
        *,
        involvement_type: str,
        visibility: str | None = None,
        client_token: str,
    ) -> StartEngagementFromOpportunityTaskResponse:
        params = self.engagement_from_opportunity_params(
            opportunity_id, client_token, involvement_type=involvement_type, visibility=visibility
        )
        return await self._acall(
            "StartEngagementFromOpportunityTask", StartEngagementFromOpportunityTaskResponse, params
        )

    async def start_opportunity_from_engagement_task(
        self, engagement_id: str, *, context_id: str, client_token: str
    ) -> StartOpportunityFromEngagementTaskResponse:
        params = self.opportunity_from_engagement_params(engagement_id, client_token, context_id=context_id)
        return await self._acall(
            "StartOpportunityFromEngagementTask", StartOpportunityFromEngagementTaskResponse, params
        )

    def opportunity_bulk_job_params(
        self, file_uri: str, client_token: str, *, file_format: str = "CSV"
    ) -> dict[str, Any]:
        return {
            "Catalog": self.catalog,
            "ClientToken": client_token,
            "FileURI": file_uri,
            "FileFormat": file_format,
        }

    async def start_opportunity_bulk_job(
        self, file_uri: str, *, file_format: str = "CSV", client_token: str
    ) -> StartOpportunityBulkJobResponse:
        """`StartOpportunityBulkJob` (a write: the ledger's ClientToken makes a repeat the same job)."""
        params = self.opportunity_bulk_job_params(file_uri, client_token, file_format=file_format)
        return await self._acall("StartOpportunityBulkJob", StartOpportunityBulkJobResponse, params)

    async def reject_engagement_invitation(self, invitation_id: str, *, reason: str | None = None) -> None:
        """`RejectEngagementInvitation` (it takes no ClientToken: a repeat answers ConflictException)."""
        params: dict[str, Any] = {"Catalog": self.catalog, "Identifier": invitation_id}
        if reason:
            params["RejectionReason"] = reason
        await self._acall("RejectEngagementInvitation", _EmptyResponse, params)

    async def get_engagement_invitation(self, invitation_id: str) -> GetEngagementInvitationResponse:
        params = {"Catalog": self.catalog, "Identifier": invitation_id}
        invitation = await self._acall("GetEngagementInvitation", GetEngagementInvitationResponse, params)
        _check_identity("GetEngagementInvitation", [invitation_id], invitation.id)
        return invitation

    def close(self) -> None:
        close = getattr(self._boto, "close", None)
        if close is not None:
            close()


def _check_identity(operation: str, asked: Sequence[str], got: str | None) -> None:
    """A get-by-id's answer must be the record asked for (`got`: its id; None, a partial answer that does
    not say, passes for a Get, as the id asked for is then filled in). Anything else is a protocol
    error, never used as the record: `MalformedResponse`, not retried (exit 3 for the commands; the
    engine's source fails and the store is left as it was)."""
    if got is None or got in asked:
        return
    wanted = ", ".join(one_line(a, 80) for a in asked)
    raise MalformedResponse(
        f"{operation} asked for {wanted} and answered with {one_line(got, 80)}: not the record asked "
        "for; the endpoint does not follow the protocol, nothing of its answer was used",
        retryable=False,
    )


def _put(params: dict[str, Any], member: str, value: Any) -> None:
    """Set a request member named by its path (`Filter.Status`: `Status` inside `Filter`)."""
    *outer, name = member.split(".")
    for part in outer:
        params = params.setdefault(part, {})
    params[name] = value


def _id_filter(entry: Kind) -> str:
    """The list's filter that names one job: the kind's id member beside its status filter (`JobId` beside
    `Status`; `Filter.Identifier` beside `Filter.Status`)."""
    assert entry.id_param is not None and entry.status_filter is not None
    outer, _, _ = entry.status_filter.rpartition(".")
    return f"{outer}.{entry.id_param}" if outer else entry.id_param


def _prospecting_kind() -> Kind:
    return TASK_KINDS[TaskKind.PROSPECTING_FROM_ENGAGEMENT]


async def in_daemon_thread(work: Callable[[], T], name: str) -> T:
    """Run `work()` in a new daemon thread and await its result. Cancelling the await abandons the thread
    (it ends at the request's timeout); nothing waits for it at exit."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(ok: bool, value: Any) -> None:
        if done.done():  # the caller gave up (cancelled)
            return
        if ok:
            done.set_result(value)
        else:
            done.set_exception(value)

    def run() -> None:
        value: Any
        try:
            ok, value = True, work()
        except BaseException as exc:  # handed to the awaiting task, which raises it
            ok, value = False, exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
            loop.call_soon_threadsafe(settle, ok, value)

    threading.Thread(target=run, name=f"pcwatch-call-{name}", daemon=True).start()
    return await done


_decoders: dict[type, msgspec.json.Decoder[Any]] = {}


def decoder_for_cached(cls: type[T]) -> msgspec.json.Decoder[T]:
    decoder = _decoders.get(cls)
    if decoder is None:
        decoder = _decoders[cls] = decoder_for(cls)
    return decoder


def is_local_endpoint(url: str | None) -> bool:
    return url is not None and is_loopback(urlparse(url).hostname or "")


def _profile_uses_sso(session: Any, profile: str | None) -> bool:
    try:
        config = session._session.full_config.get("profiles", {}).get(profile or "default", {})
    except Exception:
        return False
    return any(k in config for k in ("sso_start_url", "sso_session", "sso_account_id"))


def version_tuple(version: str) -> tuple[int, ...]:
    """`1.44.7` -> (1, 44, 7); what follows the numbers (`1.45.0rc1`, `.dev0`) is left out."""
    numbers = []
    for part in version.split(".")[:3]:
        digits = "".join(itertools.takewhile(str.isdigit, part))
        if not digits:
            break
        numbers.append(int(digits))
    return tuple(numbers)


def check_botocore(version: str | None = None) -> None:
    """Raise `SdkTooOld` if botocore (`version`, by default the installed one's) is older than the first
    whose model has every operation pcwatch calls."""
    if version is None:
        import botocore

        version = str(botocore.__version__)
    if version_tuple(version) < BOTOCORE_FLOOR:
        needed = ".".join(map(str, BOTOCORE_FLOOR))
        raise SdkTooOld(
            f"pcwatch needs botocore {needed} or newer (this is {one_line(version, limit=40)}): "
            f"pip install --upgrade 'boto3>={needed}' 'botocore>={needed}'"
        )


def make_client(
    settings: Settings,
    *,
    retry_mode: str = SDK_RETRY_MODE,
    max_attempts: int = SDK_MAX_ATTEMPTS,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    botocore_version: str | None = None,
) -> PartnerCentralClient:
    """A client from the standard credential chain (profile, environment, SSO, instance role).

    In demo mode, or against a local endpoint when the chain finds nothing, the local fixed
    credentials are used. Raises `ApiFailure` (CredentialsFailure) for an unknown profile, and before
    anything is sent for settings `check_settings` refuses (a misspelt catalog, plain http:// to another
    host): every caller, the notebook's included, gets that check. Raises `SdkTooOld` with a botocore
    (`botocore_version`: the installed one's by default) older than `BOTOCORE_FLOOR`. Raises
    `ForeignListener` for a plain http:// loopback endpoint another local user listens on (`listener_guard`).
    """
    check_botocore(botocore_version)
    import boto3
    from botocore.config import Config

    try:
        check_settings(settings)
    except SettingsError as refused:
        raise ApiFailure(str(refused), retryable=False) from None

    config = Config(
        region_name=settings.region,
        retries={"mode": retry_mode, "max_attempts": max_attempts},
        connect_timeout=settings.connect_timeout if connect_timeout is None else connect_timeout,
        read_timeout=settings.read_timeout if read_timeout is None else read_timeout,
        user_agent_extra="pcwatch",
    )
    local = settings.demo or is_local_endpoint(settings.endpoint_url)
    guard = None if settings.demo else listener_guard(settings.endpoint_url)
    try:
        if settings.demo:
            session = boto3.session.Session(
                aws_access_key_id=LOCAL_ACCESS_KEY,
                aws_secret_access_key=LOCAL_SECRET_KEY,
                region_name=settings.region,
            )
        else:
            session = boto3.session.Session(profile_name=settings.profile, region_name=settings.region)
            if local and session.get_credentials() is None:
                session = boto3.session.Session(
                    aws_access_key_id=LOCAL_ACCESS_KEY,
                    aws_secret_access_key=LOCAL_SECRET_KEY,
                    region_name=settings.region,
                )
        _keep_out_of_logs(session)
        boto_client = session.client(SERVICE, endpoint_url=settings.endpoint_url, config=config)
        if guard is not None:
            boto_client.meta.events.register("before-send", guard)
    except ApiFailure:
        raise
    except Exception as exc:
        raise failure_from_exception(exc, profile=settings.profile, sso=False) from exc
    return PartnerCentralClient(
        boto_client,
        catalog=settings.catalog,
        profile=settings.profile,
        sso=not settings.demo and _profile_uses_sso(session, settings.profile),
    )


def listener_guard(url: str | None) -> Callable[..., None] | None:
    """For a plain http:// loopback endpoint (where any local user may listen): raise `ForeignListener`
    now if another user listens on its port, and return a `before-send` hook that checks again before
    every request (signed, not yet sent), as a port may change hands while pcwatch runs. None for any
    other endpoint (https:// proves who answers; the demo signs with fixed dummy credentials)."""
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() != "http" or not is_loopback(parts.hostname or ""):
        return None
    host, port = parts.hostname or "", parts.port or 80
    check_listener(host, port)

    def guard(**_: Any) -> None:
        try:
            check_listener(host, port)
        except ForeignListener as foreign:
            raise ApiFailure(str(foreign), retryable=False) from None

    return guard


def _keep_out_of_logs(session: Any) -> None:
    """The log file redacts the credentials it knows by value: static ones (the environment, a profile's
    keys) are read here. Refreshing ones (SSO, assumed roles) are not touched, so that making a client
    never starts a refresh; the log's patterns cover their shapes."""
    from botocore.credentials import RefreshableCredentials

    credentials = session.get_credentials()
    if credentials is not None and not isinstance(credentials, RefreshableCredentials):
        logs.add_secret(credentials.access_key, credentials.secret_key, credentials.token)

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
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast
from urllib.parse import urlparse

import msgspec

from schemas import (
    TASK_KINDS,
    GetEngagementInvitationResponse,
    GetResourceSnapshotJobResponse,
    ListEngagementInvitationsResponse,
    ListTasksPage,
    StartEngagementByAcceptingInvitationTaskResponse,
    StartEngagementFromOpportunityTaskResponse,
    StartOpportunityFromEngagementTaskResponse,
    decoder_for,
)
from tui.core import logs
from tui.core.settings import Settings, SettingsError, check_settings, is_loopback

from . import body_limits
from .errors import failure_from_exception
from .failures import ApiFailure, MalformedResponse
from .retry import SDK_MAX_ATTEMPTS, SDK_RETRY_MODE

SERVICE = "partnercentral-selling"
#: The fixed credentials of the local endpoint (the simulator accepts any SigV4-signed request).
LOCAL_ACCESS_KEY = "pcwatch-local"
LOCAL_SECRET_KEY = "pcwatch-local-secret"
_RAW_KEY = "__pcwatch_raw_body__"

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
    """Wraps a botocore client for one catalog. Thread-safe; `attempts` counts HTTP requests sent,
    retries included, so the budget can charge what botocore retried on its own."""

    def __init__(
        self, boto_client: Any, *, catalog: str, profile: str | None = None, sso: bool = False
    ) -> None:
        self._boto = boto_client
        self.catalog = catalog
        self.profile = profile
        self.sso = sso
        self._lock = threading.Lock()
        self._attempts = 0
        events = boto_client.meta.events
        events.register("before-parse", self._keep_raw_body)
        body_limits.install(boto_client)  # bodies over 16 MiB are refused while being read
        events.register("before-send", self._count_attempt)

    @property
    def attempts(self) -> int:
        with self._lock:
            return self._attempts

    def _count_attempt(self, **_: Any) -> None:
        with self._lock:
            self._attempts += 1

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

    # --- one method per API call -------------------------------------------------------------------

    def list_tasks_params(
        self,
        *,
        status: Sequence[str] | None = None,
        task_ids: Sequence[str] | None = None,
        max_results: int = 100,
        next_token: str | None = None,
        descending: bool = True,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {
            "Catalog": self.catalog,
            "MaxResults": max_results,
            "Sort": {"SortBy": "StartTime", "SortOrder": "DESCENDING" if descending else "ASCENDING"},
        }
        if status:
            params["TaskStatus"] = list(status)
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
        """`List<Kind>Tasks`: one page, newest first unless `descending=False`."""
        entry = TASK_KINDS[kind]
        params = self.list_tasks_params(
            status=status,
            task_ids=task_ids,
            max_results=max_results,
            next_token=next_token,
            descending=descending,
        )
        page = await self._acall(entry.list_operation, entry.list_response, params)
        return cast("ListTasksPage", page)  # a task kind's list response is one of ListTasksPage

    async def get_resource_snapshot_job(self, job_id: str) -> GetResourceSnapshotJobResponse:
        params = {"Catalog": self.catalog, "ResourceSnapshotJobIdentifier": job_id}
        return await self._acall("GetResourceSnapshotJob", GetResourceSnapshotJobResponse, params)

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

    async def reject_engagement_invitation(self, invitation_id: str, *, reason: str | None = None) -> None:
        """`RejectEngagementInvitation` (it takes no ClientToken: a repeat answers ConflictException)."""
        params: dict[str, Any] = {"Catalog": self.catalog, "Identifier": invitation_id}
        if reason:
            params["RejectionReason"] = reason
        await self._acall("RejectEngagementInvitation", _EmptyResponse, params)

    async def get_engagement_invitation(self, invitation_id: str) -> GetEngagementInvitationResponse:
        params = {"Catalog": self.catalog, "Identifier": invitation_id}
        return await self._acall("GetEngagementInvitation", GetEngagementInvitationResponse, params)

    def close(self) -> None:
        close = getattr(self._boto, "close", None)
        if close is not None:
            close()


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


def make_client(
    settings: Settings,
    *,
    retry_mode: str = SDK_RETRY_MODE,
    max_attempts: int = SDK_MAX_ATTEMPTS,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
) -> PartnerCentralClient:
    """A client from the standard credential chain (profile, environment, SSO, instance role).

    In demo mode, or against a local endpoint when the chain finds nothing, the local fixed
    credentials are used. Raises `ApiFailure` (CredentialsFailure) for an unknown profile, and before
    anything is sent for settings `check_settings` refuses (a misspelt catalog, plain http:// to another
    host): every caller, the notebook's included, gets that check.
    """
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


def _keep_out_of_logs(session: Any) -> None:
    """The log file redacts the credentials it knows by value: static ones (the environment, a profile's
    keys) are read here. Refreshing ones (SSO, assumed roles) are not touched, so that making a client
    never starts a refresh; the log's patterns cover their shapes."""
    from botocore.credentials import RefreshableCredentials

    credentials = session.get_credentials()
    if credentials is not None and not isinstance(credentials, RefreshableCredentials):
        logs.add_secret(credentials.access_key, credentials.secret_key, credentials.token)

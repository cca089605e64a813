"""The write actions the dashboard and the commands share: accept or reject an invitation, start an
engagement from an opportunity, start an opportunity from an engagement, start an opportunity bulk job
from a CSV file. No Textual here.

Each write goes through the write ledger (`tui.writes.ledger`): the ClientToken is committed before the
request is sent, an attempt with no definitive answer is resent with the same token, and the outcome is
recorded. A started task is applied to the store at once (from the start response), so the dashboard
shows it before the next poll, and handed to the engine (`Engine.follow_task`), which follows the tasks
pcwatch started closely (every 2 s) until they end; a started bulk job likewise (`Engine.follow_job`).

Usage from the app (on the event loop that owns the store, i.e. the poller's):

    actions = WriteActions.for_settings(client, WriteLedger.for_settings(settings), settings, store=store)
    outcome = await actions.accept(invitation_id)        # WriteOutcome; raises WriteError (has .lines)
    await actions.reject(invitation_id, "reason text")
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, cast

import msgspec

from schemas import (
    TASK_KINDS,
    WRITE_OPERATIONS,
    BulkJobKind,
    BulkJobRecord,
    ConflictException,
    GetEngagementInvitationResponse,
    InvitationStatus,
    Kind,
    SalesInvolvementType,
    StartOpportunityBulkJobResponse,
    StartTaskResponse,
    TaskKind,
    TaskRecord,
    TaskStatus,
    Visibility,
    WireStruct,
)
from schemas.operations import (
    ACCEPT_INVITATION,
    ENGAGEMENT_FROM_OPPORTUNITY,
    OPPORTUNITY_BULK_JOB,
    OPPORTUNITY_FROM_ENGAGEMENT,
    REJECT_INVITATION,
)
from tui.aws.failures import ApiFailure
from tui.aws.service import PartnerCentralApi
from tui.core import logs
from tui.core.clock import Clock, SystemClock
from tui.core.settings import Settings
from tui.core.timefmt import instant
from tui.engine.api import Engine, StoreWriter

from .api import WriteOutcome
from .errors import (
    WriteError,
    WritesDisabled,
    answer_not_recorded,
    explain,
    is_definitive,
    read_only_message,
)
from .ledger import Reservation, WriteLedger

log = logging.getLogger(__name__)

ACCEPT = ACCEPT_INVITATION
FROM_OPPORTUNITY = ENGAGEMENT_FROM_OPPORTUNITY
FROM_ENGAGEMENT = OPPORTUNITY_FROM_ENGAGEMENT
REJECT = REJECT_INVITATION
BULK_IMPORT = OPPORTUNITY_BULK_JOB

#: AwsSubmission.InvolvementType and .Visibility values in the service model.
INVOLVEMENT_TYPES = SalesInvolvementType.VALUES
VISIBILITIES = Visibility.VALUES
#: RejectionReason: 1–80 printable characters (the model's pattern).
MAX_REJECTION_REASON = 80

#: Start…Task operation -> the kind of task it starts.
_KIND_STARTED_BY: dict[str, Kind] = {k.start_operation: k for k in TASK_KINDS.values() if k.start_operation}


def _start_response(kind: Kind, raw: bytes) -> StartTaskResponse:
    """The recorded answer of a Start…Task of `kind`, decoded into its start response."""
    shape = kind.start_response
    if shape is None:
        raise ValueError(f"{kind.short} tasks are not started by pcwatch")
    return cast("StartTaskResponse", shape.from_json(raw))  # a task kind's start response is one of these


def file_identity(file_uri: str) -> str:
    """What names a bulk job's file in the write ledger, the log and the messages: its URI without the
    query and the fragment. A presigned https:// URI carries a signature (the model marks FileURI
    sensitive), which is sent but never recorded; and the same file signed again is the same import, so
    a run killed after sending and run again with a fresh URL resends the same ClientToken."""
    cut = min((i for i in (file_uri.find("?"), file_uri.find("#")) if i >= 0), default=len(file_uri))
    return file_uri[:cut]


def writes_allowed(settings: Settings) -> bool:
    """False in read-only mode: the dashboard hides its write keys and palette entries then."""
    return not settings.read_only


def is_production(catalog: str) -> bool:
    """The `AWS` catalog acts on real customer opportunities (`Sandbox` is for testing)."""
    return catalog == "AWS"


def build_write_actions(
    client: PartnerCentralApi,
    store: StoreWriter | None,
    settings: Settings,
    clock: Clock | None = None,
    engine: Engine | None = None,
) -> WriteActions:
    """The actions service for the dashboard: the ledger beside the journal (see `tui.writes.ledger`).
    Close `actions.ledger` when the app exits."""
    ledger = WriteLedger.for_settings(settings, clock=clock)
    return WriteActions.for_settings(client, ledger, settings, store=store, clock=clock, engine=engine)


class WriteActions:
    def __init__(
        self,
        client: PartnerCentralApi,
        ledger: WriteLedger,
        *,
        store: StoreWriter | None = None,
        read_only: bool = False,
        read_only_source: str | None = None,
        clock: Clock | None = None,
        engine: Engine | None = None,
    ) -> None:
        self.client = client
        self.ledger = ledger
        self.store = store
        #: Told of each task started here, to follow it closely until it ends.
        self.engine = engine
        self.read_only = read_only
        #: What turned read-only mode on, for the refusal to name (`Settings.read_only_source`).
        self.read_only_source = read_only_source
        self.clock = clock or SystemClock()

    @classmethod
    def for_settings(
        cls,
        client: PartnerCentralApi,
        ledger: WriteLedger,
        settings: Settings,
        *,
        store: StoreWriter | None = None,
        clock: Clock | None = None,
        engine: Engine | None = None,
    ) -> WriteActions:
        """The actions under `settings`' read-only mode, which names what turned it on."""
        return cls(
            client,
            ledger,
            store=store,
            read_only=settings.read_only,
            read_only_source=settings.read_only_source,
            clock=clock,
            engine=engine,
        )

    @property
    def catalog(self) -> str:
        return self.client.catalog

    def _check_allowed(self) -> None:
        if self.read_only:
            raise WritesDisabled([read_only_message(self.read_only_source)])

    # --- the four writes ---------------------------------------------------------------------------

    async def accept(self, invitation_id: str, *, fresh: bool = False) -> WriteOutcome:
        """StartEngagementByAcceptingInvitationTask. The invitation is "accepting" in the store from the
        moment the request is sent; then its task (which names it) says how the accept stands."""
        self._check_allowed()
        params = self.client.accept_invitation_params(invitation_id, "")
        if self.store is not None:
            self.store.accept_sent(invitation_id)
        try:
            return await self._start(
                ACCEPT,
                invitation_id,
                params,
                lambda token: self.client.start_engagement_by_accepting_invitation_task(
                    invitation_id, client_token=token
                ),
                fresh=fresh,
            )
        finally:
            if self.store is not None:
                self.store.accept_answered(invitation_id)

    async def start_engagement(
        self,
        opportunity_id: str,
        involvement_type: str,
        visibility: str | None = None,
        *,
        fresh: bool = False,
    ) -> WriteOutcome:
        """StartEngagementFromOpportunityTask."""
        self._check_allowed()
        params = self.client.engagement_from_opportunity_params(
            opportunity_id, "", involvement_type=involvement_type, visibility=visibility
        )
        return await self._start(
            FROM_OPPORTUNITY,
            opportunity_id,
            params,
            lambda token: self.client.start_engagement_from_opportunity_task(
                opportunity_id, involvement_type=involvement_type, visibility=visibility, client_token=token
            ),
            fresh=fresh,
        )

    async def start_opportunity(
        self, engagement_id: str, context_id: str, *, fresh: bool = False
    ) -> WriteOutcome:
        """StartOpportunityFromEngagementTask."""
        self._check_allowed()
        params = self.client.opportunity_from_engagement_params(engagement_id, "", context_id=context_id)
        return await self._start(
            FROM_ENGAGEMENT,
            engagement_id,
            params,
            lambda token: self.client.start_opportunity_from_engagement_task(
                engagement_id, context_id=context_id, client_token=token
            ),
            fresh=fresh,
        )

    async def start_opportunity_bulk_job(
        self, file_uri: str, *, file_format: str = "CSV", fresh: bool = False
    ) -> WriteOutcome:
        """StartOpportunityBulkJob: create or update the opportunities of a CSV file the service reads
        from `file_uri` (s3:// or https://). The ledger records the file by `file_identity` (no query
        string), so a repeat of the same import sends the same ClientToken, or nothing once it
        succeeded."""
        self._check_allowed()
        target = file_identity(file_uri)
        params = self.client.opportunity_bulk_job_params(file_uri, "", file_format=file_format)
        as_recorded = {**params, "FileURI": target}
        reservation = self.ledger.reserve(BULK_IMPORT, self.catalog, target, as_recorded, fresh=fresh)
        token = reservation.entry.client_token
        if reservation.already_done:
            raw = (reservation.entry.response or "{}").encode()
            response = StartOpportunityBulkJobResponse.from_json(raw)
            return self._outcome(
                BULK_IMPORT, target, reservation, raw, response, job=_started_job(response), replayed=True
            )
        try:
            response = await self.client.start_opportunity_bulk_job(
                file_uri, file_format=file_format, client_token=token
            )
        except ApiFailure as failure:
            raise self._failed(failure, BULK_IMPORT, target, token, None) from failure
        raw = response.to_json()
        recorded = self.ledger.record_success(token, raw)
        job = _started_job(response)
        if self.engine is not None and job is not None:
            self.engine.follow_job(job.job_id, job.kind)
        return self._outcome(BULK_IMPORT, target, reservation, raw, response, job=job, recorded=recorded)

    async def reject(self, invitation_id: str, reason: str) -> WriteOutcome:
        """RejectEngagementInvitation. It takes no ClientToken; the ledger still records the attempt,
        and a repeat that finds the invitation already REJECTED with this reason counts as done."""
        self._check_allowed()
        reason = " ".join(reason.split())
        if not reason:
            raise WriteError(["a rejection reason is required (--reason TEXT)"])
        if len(reason) > MAX_REJECTION_REASON:
            raise WriteError([f"the rejection reason is {len(reason)} characters; at most 80 are allowed"])
        params = {"Catalog": self.catalog, "Identifier": invitation_id, "RejectionReason": reason}
        reservation = self.ledger.reserve(REJECT, self.catalog, invitation_id, params)
        token = reservation.entry.client_token
        if reservation.already_done:
            return self._outcome(REJECT, invitation_id, reservation, b"{}", None, replayed=True)
        try:
            await self.client.reject_engagement_invitation(invitation_id, reason=reason)
        except ApiFailure as failure:
            invitation = await self._invitation_after(failure, invitation_id)
            # The service echoes the RejectionReason; if it does not, an earlier attempt of ours that got
            # no answer (a re-run) is the likely author.
            if (
                isinstance(failure.service_error, ConflictException)
                and invitation is not None
                and invitation.status == InvitationStatus.REJECTED
                and (
                    invitation.rejection_reason == reason
                    or (invitation.rejection_reason is None and reservation.reused)
                )
            ):
                # A retried reject (botocore's, or a re-run) whose first attempt went through.
                recorded = self.ledger.record_success(token, b"{}")
                self._forget_invitation(invitation_id)
                note = "the invitation was already rejected by an earlier attempt whose answer was lost"
                return self._outcome(
                    REJECT, invitation_id, reservation, b"{}", None, note=note, recorded=recorded
                )
            raise self._failed(failure, REJECT, invitation_id, token, invitation) from failure
        recorded = self.ledger.record_success(token, b"{}")
        self._forget_invitation(invitation_id)
        return self._outcome(REJECT, invitation_id, reservation, b"{}", None, recorded=recorded)

    # --- shared -------------------------------------------------------------------------------------

    async def _start(
        self,
        operation: str,
        target_id: str,
        params: dict[str, Any],
        call: Callable[[str], Awaitable[StartTaskResponse]],
        *,
        fresh: bool,
    ) -> WriteOutcome:
        kind = _KIND_STARTED_BY[operation]
        reservation = self.ledger.reserve(operation, self.catalog, target_id, params, fresh=fresh)
        token = reservation.entry.client_token
        if reservation.already_done:
            raw = (reservation.entry.response or "{}").encode()
            response = _start_response(kind, raw)
            task = _started_task(response, kind, target_id)
            # (an answer as old as the entry: a task seen since, e.g. COMPLETE, stays as seen)
            self._apply(task, observed_at=reservation.entry.created, first_state=True)
            return self._outcome(operation, target_id, reservation, raw, response, task=task, replayed=True)
        try:
            response = await call(token)
        except ApiFailure as failure:
            invitation = None
            if operation == ACCEPT:
                invitation = await self._invitation_after(failure, target_id)
            raise self._failed(failure, operation, target_id, token, invitation) from failure
        # Anything else (cancelled, interrupted, killed) leaves the entry pending: the next attempt
        # resends the same token.
        raw = response.to_json()
        # (an answer the ledger cannot record yet is still shown and applied: the task was started)
        recorded = self.ledger.record_success(token, raw)
        task = _started_task(response, kind, target_id)
        self._apply(task)
        return self._outcome(operation, target_id, reservation, raw, response, task=task, recorded=recorded)

    def _outcome(
        self,
        operation: str,
        target_id: str,
        reservation: Reservation,
        raw: bytes,
        response: WireStruct | None,
        *,
        task: TaskRecord | None = None,
        job: BulkJobRecord | None = None,
        replayed: bool = False,
        note: str | None = None,
        recorded: bool = True,
    ) -> WriteOutcome:
        if replayed and note is None:
            when = instant(reservation.entry.created, utc=True)
            note = f"already done at {when} (recorded in the write ledger); nothing was sent now"
        if not recorded:
            unsaid = answer_not_recorded(self.ledger.path, self.ledger.problem or "unknown")
            note = unsaid if note is None else f"{note}; {unsaid}"
        outcome = "replayed" if replayed else "done"
        logs.event(
            log,
            "write",
            f"{operation} {target_id}: {outcome}",
            operation=operation,
            outcome=outcome,
            target=target_id,
            catalog=self.catalog,
            task=task.task_id if task is not None else None,
            job=job.job_id if job is not None else None,
        )
        return WriteOutcome(
            operation=operation,
            catalog=self.catalog,
            target_id=target_id,
            client_token=reservation.entry.client_token,
            response_json=raw,
            response=response,
            task=task,
            replayed=replayed,
            reused_token=reservation.reused,
            note=note,
            job=job,
            recorded=recorded,
        )

    def _failed(
        self,
        failure: ApiFailure,
        operation: str,
        target_id: str,
        token: str,
        invitation: GetEngagementInvitationResponse | None,
    ) -> WriteError:
        definitive = is_definitive(failure)
        error = failure.service_error
        logs.event(
            log,
            "write",
            f"{operation} {target_id}: failed: {failure.message}",
            level=logging.WARNING,
            operation=operation,
            outcome=error.type if error is not None else failure.category,
            target=target_id,
            catalog=self.catalog,
            definitive=definitive,
        )
        recorded = self.ledger.record_failure(
            token,
            error.type if error is not None else failure.category,
            failure.message,
            definitive=definitive,
        )
        lines = explain(
            failure,
            operation=operation,
            target_id=target_id,
            catalog=self.catalog,
            invitation=invitation,
            now=self.clock.now(),
        )
        if operation == REJECT and not definitive:
            lines = [
                lines[0],
                "run the same command again: pcwatch checks whether the invitation was already rejected",
            ]
        if not recorded:
            lines.append(answer_not_recorded(self.ledger.path, self.ledger.problem or "unknown"))
        return WriteError(
            lines, failure=failure, definitive=definitive, throttled=failure.throttled, client_token=token
        )

    async def _invitation_after(
        self, failure: ApiFailure, invitation_id: str
    ) -> GetEngagementInvitationResponse | None:
        """The invitation's current state, to explain a conflict (None if it cannot be read)."""
        if not isinstance(failure.service_error, ConflictException):
            return None
        try:
            return await self.client.get_engagement_invitation(invitation_id)
        except ApiFailure:
            return None

    def _apply(
        self, task: TaskRecord, observed_at: datetime | None = None, *, first_state: bool = False
    ) -> None:
        if self.store is not None and task.task_id:
            self.store.apply_tasks([task], observed_at or self.clock.now(), first_state=first_state)
        if self.engine is not None and task.task_id and task.task_status not in TaskStatus.TERMINAL:
            self.engine.follow_task(task.task_id, task.kind)

    def _forget_invitation(self, invitation_id: str) -> None:
        if self.store is not None:
            self.store.remove_invitations([invitation_id])


def _started_task(response: StartTaskResponse, kind: Kind, target_id: str) -> TaskRecord:
    """The task a start response names, as the store keeps it. An accept's task names the invitation it
    accepts even if the answer left that out: the store links them by it (`Store.acceptance`)."""
    task = TaskRecord.from_task(response, kind.wire)
    if kind.wire == TaskKind.ACCEPT_INVITATION and not task.engagement_invitation_id:
        task = msgspec.structs.replace(task, engagement_invitation_id=target_id)
    return task


def _started_job(response: StartOpportunityBulkJobResponse) -> BulkJobRecord | None:
    """The job a start response names (None: it names none)."""
    if not response.job_id:
        return None
    return BulkJobRecord(kind=BulkJobKind.OPPORTUNITY, job_id=response.job_id)


__all__ = [
    "ACCEPT",
    "BULK_IMPORT",
    "FROM_ENGAGEMENT",
    "FROM_OPPORTUNITY",
    "INVOLVEMENT_TYPES",
    "REJECT",
    "VISIBILITIES",
    "WRITE_OPERATIONS",
    "WriteActions",
    "WriteError",
    "WriteOutcome",
    "WritesDisabled",
    "build_write_actions",
    "file_identity",
    "is_production",
    "writes_allowed",
]

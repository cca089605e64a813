"""The service's operations over one catalog's world, in one table (`OPERATIONS`) whose names come from the
kinds table (`schemas.kinds`): every kind's operations are served by the handlers of its pattern — a task
that does one thing (here), a prospecting task (`prospecting`), a bulk job of either family
(`bulk_operations`) — plus the invitations and the snapshot jobs. Each handler takes the validated request
and its `Context` and returns the response body (bytes), or raises `ServiceFault`. Callers hold
`world.lock`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from schemas import (
    BULK,
    KINDS,
    TASK_KINDS,
    ConflictException,
    EngagementInvitationSummary,
    EngagementMemberSummary,
    GetEngagementInvitationResponse,
    GetResourceSnapshotJobResponse,
    InvitationStatus,
    Kind,
    ResourceNotFoundException,
    ResourceSnapshotJobSummary,
    ServiceQuotaExceededException,
    TaskKind,
    TaskStatus,
    WireStruct,
)

from . import bulk_operations, prospecting
from .handling import Context, Handler, cursor, last_part, list_body, remember_token, replayed_seq
from .handling import descending as _descending
from .protocol import ServiceFault, encode_token, fingerprint
from .records import STATUSES, SimInvitation, SimTask, job_response
from .scenario import fill_task, sample_duration
from .world import page_positions

#: Page sizes when MaxResults is omitted. ListResourceSnapshotJobs documents 50; the task and invitation
#: lists document none, so the simulator uses 100.
DEFAULT_TASK_PAGE = 100
DEFAULT_INVITATION_PAGE = 100
DEFAULT_JOB_PAGE = 50

#: List…Tasks filter member -> the world's identifier index.
_TASK_FILTERS = {
    "OpportunityIdentifier": "opportunity_id",
    "EngagementInvitationIdentifier": "engagement_invitation_id",
    "EngagementIdentifier": "engagement_id",
    "ContextIdentifier": "context_id",
}


# -- tasks -----------------------------------------------------------------------------------------------


def list_tasks(kind: str) -> Callable[[Context, dict[str, Any]], bytes]:
    def handler(ctx: Context, req: dict[str, Any]) -> bytes:
        table = ctx.world.tables[kind]
        limit = req.get("MaxResults", DEFAULT_TASK_PAGE)
        descending = _descending(req.get("Sort"))
        filters = {k: req[k] for k in ("TaskStatus", "TaskIdentifier", *_TASK_FILTERS) if k in req}
        binding = fingerprint(kind, ctx.world.catalog, filters, descending)
        after = cursor(ctx, req, binding)
        statuses = set(req.get("TaskStatus") or STATUSES)
        id_filters = {k: v for k, v in filters.items() if k != "TaskStatus"}
        if id_filters:
            candidates: set[int] | None = None
            for member, values in id_filters.items():
                if member == "TaskIdentifier":
                    found = {table.by_id[t].seq for t in map(last_part, values) if t in table.by_id}
                else:
                    found = table.candidates(_TASK_FILTERS[member], map(last_part, values))
                candidates = found if candidates is None else candidates & found
            matches = sorted(p for p in candidates or () if table.tasks[p].status in statuses)
            positions, more = page_positions([matches], len(table.tasks), after, descending, limit)
        else:
            lists = None if statuses >= set(STATUSES) else [table.by_status[s] for s in statuses]
            positions, more = page_positions(lists, len(table.tasks), after, descending, limit)
        token = encode_token(positions[-1], binding, ctx.epoch) if more else None
        summaries = [table.tasks[p].summary_bytes() for p in positions]
        return list_body(TASK_KINDS[kind].summaries_field, summaries, token)

    return handler


def _start_shape(kind: str) -> type[WireStruct]:
    shape = TASK_KINDS[kind].start_response
    if shape is None:
        raise ValueError(f"{kind} tasks have no Start operation")
    return shape


def start_response(task: SimTask) -> bytes:
    return msgspec.json.encode(_start_shape(task.kind)(**task.fields()))


def start_task(kind: str) -> Callable[[Context, dict[str, Any]], bytes]:
    def handler(ctx: Context, req: dict[str, Any]) -> bytes:
        world = ctx.world
        seq = replayed_seq(world, req, kind)
        if seq is not None:
            return start_response(world.tables[kind].tasks[seq])
        running = sum(len(t.by_status[TaskStatus.IN_PROGRESS]) for t in world.tables.values())
        if running >= ctx.max_in_progress:
            raise ServiceFault(
                ServiceQuotaExceededException(
                    message=f"{running} tasks are in progress in catalog {world.catalog}, the most allowed. "
                    "Wait for some to finish before starting more."
                )
            )
        identifier = last_part(req["Identifier"])
        invitation = None
        if kind == TaskKind.ACCEPT_INVITATION:
            invitation = _pending_invitation(ctx, req, "accepted")
        duration = sample_duration(world.rng) / ctx.speed
        task = world.new_task(kind, world.id_factory.task(), ctx.now, ctx.now + duration)
        if invitation is not None:
            task.invitation_id = invitation.id
            task.engagement_id = invitation.engagement_id
            invitation.accepting_seq = task.seq
        elif kind == TaskKind.ENGAGEMENT_FROM_OPPORTUNITY:
            task.opportunity_id = identifier
        else:
            task.engagement_id = identifier
            task.context_id = req["ContextIdentifier"]
        fill_task(task, world.id_factory, world.rng)
        world.index_inputs(task)
        remember_token(world, req, kind, task.seq)
        return start_response(task)

    return handler


# -- invitations -----------------------------------------------------------------------------------------


def _find_invitation(ctx: Context, req: dict[str, Any]) -> SimInvitation:
    identifier = last_part(req["Identifier"])
    invitation = ctx.world.invitations.get(identifier)
    if invitation is None:
        raise ServiceFault(
            ResourceNotFoundException(
                message=f"Engagement invitation {identifier} was not found in catalog {ctx.world.catalog}."
            )
        )
    return invitation


def _pending_invitation(ctx: Context, req: dict[str, Any], to_be: str) -> SimInvitation:
    """The invitation `req` names, if it is PENDING and not being accepted; else the service's conflict
    (an invitation can be accepted or rejected once)."""
    invitation = _find_invitation(ctx, req)
    status = invitation.status_at(ctx.now)
    if status != InvitationStatus.PENDING or invitation.accepting_seq is not None:
        state = "being accepted" if status == InvitationStatus.PENDING else status
        raise ServiceFault(
            ConflictException(
                message=f"Engagement invitation {invitation.id} is {state}; only a PENDING invitation can be "
                f"{to_be}."
            )
        )
    return invitation


def list_invitations(ctx: Context, req: dict[str, Any]) -> bytes:
    limit = req.get("MaxResults", DEFAULT_INVITATION_PAGE)
    descending = _descending(req.get("Sort"))
    filters = {
        k: req[k]
        for k in ("ParticipantType", "PayloadType", "Status", "EngagementIdentifier", "SenderAwsAccountId")
        if k in req
    }
    binding = fingerprint("invitations", ctx.world.catalog, filters, descending)
    after = cursor(ctx, req, binding)
    if req["ParticipantType"] != "RECEIVER":  # this partner has sent no invitations
        return list_body("EngagementInvitationSummaries", [], None)
    payloads = set(req.get("PayloadType") or ())
    statuses = set(req.get("Status") or ())
    engagements = {last_part(e) for e in req.get("EngagementIdentifier") or ()}
    senders = set(req.get("SenderAwsAccountId") or ())
    order = ctx.world.invitation_order
    if descending:
        positions = range((len(order) if after is None else after) - 1, -1, -1)
    else:
        positions = range(0 if after is None else after + 1, len(order))
    picked: list[int] = []
    for pos in positions:
        inv = order[pos]
        if (
            (not payloads or inv.payload_type in payloads)
            and (not statuses or inv.status_at(ctx.now) in statuses)
            and (not engagements or inv.engagement_id in engagements)
            and (not senders or inv.sender_account in senders)
        ):
            picked.append(pos)
            if len(picked) > limit:
                break
    more = len(picked) > limit
    picked = picked[:limit]
    parts = [msgspec.json.encode(EngagementInvitationSummary(**order[p].summary(ctx.now))) for p in picked]
    token = encode_token(picked[-1], binding, ctx.epoch) if more else None
    return list_body("EngagementInvitationSummaries", parts, token)


def get_invitation(ctx: Context, req: dict[str, Any]) -> bytes:
    inv = _find_invitation(ctx, req)
    fields = inv.summary(ctx.now)
    del fields["participant_type"]
    fields["rejection_reason"] = inv.rejection_reason
    fields["invitation_message"] = f"{inv.sender_company} invites you to co-sell: {inv.title}."
    fields["engagement_description"] = f"Joint engagement for {inv.title.lower()}."
    fields["existing_members"] = [
        EngagementMemberSummary(company_name=inv.sender_company, website_url="https://aws.amazon.com")
    ]
    fields["payload"] = _payload(inv)
    return msgspec.json.encode(GetEngagementInvitationResponse(**fields))


def _payload(inv: SimInvitation) -> dict[str, Any]:
    """A payload that satisfies the model's required members (kept in wire names: schemas keeps it raw)."""
    if inv.payload_type == "LeadInvitation":
        return {
            "LeadInvitation": {
                "Customer": {"CompanyName": "Anycompany Retail", "Industry": "Retail", "CountryCode": "US"},
                "Interaction": {"ContactBusinessTitle": "Head of Platform", "SourceType": "Event"},
            }
        }
    return {
        "OpportunityInvitation": {
            "ReceiverResponsibilities": ["Services Partner"],
            "Customer": {
                "Industry": "Retail",
                "CompanyName": "Anycompany Retail",
                "WebsiteUrl": "https://www.example.com",
                "CountryCode": "US",
            },
            "Project": {
                "BusinessProblem": f"The customer needs help with {inv.title.lower()} within two quarters.",
                "Title": inv.title,
                "TargetCompletionDate": "2027-06-30",
                "ExpectedCustomerSpend": [
                    {"Amount": "25000", "CurrencyCode": "USD", "Frequency": "Monthly", "TargetCompany": "AWS"}
                ],
            },
        }
    }


def reject_invitation(ctx: Context, req: dict[str, Any]) -> bytes:
    inv = _pending_invitation(ctx, req, "rejected")
    inv.status = InvitationStatus.REJECTED
    inv.rejection_reason = req.get("RejectionReason")
    return b"{}"


# -- resource snapshot jobs ------------------------------------------------------------------------------


def get_job(ctx: Context, req: dict[str, Any]) -> bytes:
    job_id = req["ResourceSnapshotJobIdentifier"]
    pos = ctx.world.job_by_id.get(job_id)
    if pos is None:
        raise ServiceFault(
            ResourceNotFoundException(
                message=f"Resource snapshot job {job_id} was not found in catalog {ctx.world.catalog}."
            )
        )
    fields = job_response(ctx.world.jobs[pos], ctx.now)
    return msgspec.json.encode(GetResourceSnapshotJobResponse(**fields))


def list_jobs(ctx: Context, req: dict[str, Any]) -> bytes:
    world = ctx.world
    limit = req.get("MaxResults", DEFAULT_JOB_PAGE)
    descending = _descending(req.get("Sort"))
    filters = {k: req[k] for k in ("Status", "EngagementIdentifier") if k in req}
    binding = fingerprint("jobs", world.catalog, filters, descending)
    after = cursor(ctx, req, binding)
    lists: list[list[int]] | None = None
    if "Status" in req:
        lists = [world.jobs_by_status.get(req["Status"], [])]
    if "EngagementIdentifier" in req:
        by_engagement = world.jobs_by_engagement.get(last_part(req["EngagementIdentifier"]), [])
        lists = [sorted(set(by_engagement) & set(lists[0]))] if lists else [by_engagement]
    positions, more = page_positions(lists, len(world.jobs), after, descending, limit)
    parts = []
    for p in positions:
        task = world.jobs[p]
        summary = job_response(task, ctx.now)
        parts.append(
            msgspec.json.encode(
                ResourceSnapshotJobSummary(
                    id=summary["id"],
                    arn=summary["arn"],
                    engagement_id=summary["engagement_id"],
                    status=summary["status"],
                )
            )
        )
    token = encode_token(positions[-1], binding, ctx.epoch) if more else None
    return list_body("ResourceSnapshotJobSummaries", parts, token)


def _task_operations(kind: Kind) -> dict[str, Handler]:
    """A task kind that does one thing (accept an invitation, launch an engagement, make an opportunity)."""
    out = {kind.list_operation: list_tasks(kind.wire)}
    if kind.start_operation:
        out[kind.start_operation] = start_task(kind.wire)
    return out


#: The task kinds whose one task does many things, each its own pattern (by wire name); a bulk kind is
#: served by `bulk_operations`, every other task kind by `_task_operations`.
_TASK_PATTERNS: dict[str, Callable[[Kind], dict[str, Handler]]] = {
    prospecting.KIND: prospecting.operations,
}


def kind_operations(kind: Kind) -> dict[str, Handler]:
    """The operations of one kinds-table entry, under the names the entry gives them."""
    if kind.family == BULK:
        return bulk_operations.operations(kind)
    return _TASK_PATTERNS.get(kind.wire, _task_operations)(kind)


OPERATIONS: dict[str, Handler] = {
    **{name: handler for kind in KINDS for name, handler in kind_operations(kind).items()},
    "ListEngagementInvitations": list_invitations,
    "GetEngagementInvitation": get_invitation,
    "RejectEngagementInvitation": reject_invitation,
    "GetResourceSnapshotJob": get_job,
    "ListResourceSnapshotJobs": list_jobs,
}

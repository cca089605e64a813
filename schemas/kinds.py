"""The kinds of asynchronous work pcwatch watches, each declared once: the one table every layer reads.

A kind's identity is its wire name (`TaskKind`; what `TaskRecord.kind`, the journal and the store hold).
People see and type one short name (`inv-to-eng`); the wire name stays in `list --json`'s `WireKind`.
Everything else about a kind — its operations, its structs, its ARN, the id it started from, its old
spellings — is a field of its entry, so a new kind is one entry here plus its structs (and its simulator
behaviour): docs/ARCHITECTURE.md, "Adding a kind of asynchronous work". Pure data, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

from . import events as ev
from ._base import WireStruct
from .bulk_jobs import (
    BulkJobRecord,
    CustomerAccountBulkJobSummary,
    GetCustomerAccountBulkJobReportUrlResponse,
    GetCustomerAccountBulkJobResponse,
    GetOpportunityBulkJobReportUrlResponse,
    ListCustomerAccountBulkJobResultsResponse,
    ListCustomerAccountBulkJobsResponse,
    ListOpportunityBulkJobResultsResponse,
    ListOpportunityBulkJobsResponse,
    OpportunityBulkJobSummary,
    StartCustomerAccountBulkJobResponse,
    StartOpportunityBulkJobResponse,
)
from .enums import BulkJobKind, BulkJobStatus, TaskKind, TaskStatus
from .operations import (
    ACCEPT_INVITATION,
    CUSTOMER_ACCOUNT_BULK_JOB,
    ENGAGEMENT_FROM_OPPORTUNITY,
    OPPORTUNITY_BULK_JOB,
    OPPORTUNITY_FROM_ENGAGEMENT,
    PROSPECTING_FROM_ENGAGEMENT,
)
from .prospecting import (
    GetProspectingFromEngagementTaskResponse,
    ListProspectingFromEngagementTasksResponse,
    ProspectingTaskSummary,
    StartProspectingFromEngagementTaskResponse,
)
from .prospecting import record_status as prospecting_record_status
from .tasks import (
    ListEngagementByAcceptingInvitationTasksResponse,
    ListEngagementByAcceptingInvitationTaskSummary,
    ListEngagementFromOpportunityTasksResponse,
    ListEngagementFromOpportunityTaskSummary,
    ListOpportunityFromEngagementTasksResponse,
    ListOpportunityFromEngagementTaskSummary,
    StartEngagementByAcceptingInvitationTaskResponse,
    StartEngagementFromOpportunityTaskResponse,
    StartOpportunityFromEngagementTaskResponse,
    TaskRecord,
)

#: The family of the three Start…Task kinds: their summaries become `TaskRecord`s, the poller lists them
#: and the task table shows them. (Bulk jobs, say, would be another family with records of their own.)
TASK = "task"
#: The bulk jobs' family: their summaries become `BulkJobRecord`s, shown in the jobs view; each record of
#: a job's file has a result, and the failed ones a report at an expiring URL.
BULK = "bulk"


@dataclass(frozen=True, kw_only=True)
class Kind:
    """One kind of asynchronous work: what the service calls it and how it is reached, and what people
    call it."""

    #: The service's name (a `TaskKind`): the identity stored everywhere.
    wire: str
    #: The one name people see (the dashboard's Kind column, `list`'s `Kind`) and type (`--kind`, `kind=`).
    short: str
    #: What it does, in a few words (the help screen, the details pane).
    label: str
    #: What its summaries become: `TASK` (a `TaskRecord`, listed by the poller, shown in the task table).
    family: str
    #: `List…`: one page of its summaries (`list_response`), each a `summary`.
    list_operation: str
    list_response: type[WireStruct]
    summary: type[WireStruct]
    #: Where the page keeps its summaries (the wire name).
    summaries_field: str
    #: `Start…`, when pcwatch can start one (a write), and what it answers.
    start_operation: str | None = None
    start_response: type[WireStruct] | None = None
    #: `Get…`, when the service has one.
    get_operation: str | None = None
    get_response: type[WireStruct] | None = None
    #: The statuses its summaries carry (the service's `TaskStatus` values for the tasks).
    statuses: tuple[str, ...]
    #: The record's field holding the id it started from (an invitation, an opportunity, an engagement).
    source_field: str
    #: Its resource type in an ARN (`arn:aws:partnercentral:…:catalog/AWS/<arn_segment>/<id>`).
    arn_segment: str
    #: The EventBridge detail types the end of one may publish: they wake its listing (docs/events.md).
    ending_events: frozenset[str] = frozenset()
    #: Names it had before the short name (`--kind accept`, the dashboard's `inv→eng`): still accepted,
    #: with a note naming the short one. Its wire name, in any case, is accepted the same way.
    old_spellings: tuple[str, ...] = ()
    #: The request member of `List…` that filters by status: `TaskStatus` (a list, the tasks), `Status`
    #: or `Filter.Status` (one value, the bulk jobs); None: it has none (a prospecting task's list).
    status_filter: str | None = None
    #: The request member of `Get…` (and of the results and the report) that names one.
    id_param: str | None = None
    #: A kind whose summaries carry no status has it derived from the summary (a prospecting task: from
    #: its end and its failed engagements), in the `TaskRecord` statuses.
    record_status: Callable[[Any], str | None] | None = None
    #: A bulk job's per-record results (paged) and the report of its records at an expiring URL.
    results_operation: str | None = None
    results_response: type[WireStruct] | None = None
    report_operation: str | None = None
    report_response: type[WireStruct] | None = None


_TASK_STATUSES = (TaskStatus.IN_PROGRESS, TaskStatus.COMPLETE, TaskStatus.FAILED)
_BULK_STATUSES = (
    BulkJobStatus.SUBMITTED,
    BulkJobStatus.IN_PROGRESS,
    BulkJobStatus.COMPLETED,
    BulkJobStatus.FAILED,
)

#: Every kind, in the order the dashboard's keys (4, 5, 6), the help and the commands list them.
KINDS: tuple[Kind, ...] = (
    Kind(
        wire=TaskKind.ACCEPT_INVITATION,
        short="inv-to-eng",
        label="engagement by accepting an invitation",
        family=TASK,
        list_operation="ListEngagementByAcceptingInvitationTasks",
        list_response=ListEngagementByAcceptingInvitationTasksResponse,
        summary=ListEngagementByAcceptingInvitationTaskSummary,
        summaries_field="TaskSummaries",
        start_operation=ACCEPT_INVITATION,
        start_response=StartEngagementByAcceptingInvitationTaskResponse,
        statuses=_TASK_STATUSES,
        source_field="engagement_invitation_id",
        arn_segment="engagement-by-accepting-invitation-task",
        ending_events=frozenset({ev.OPPORTUNITY_CREATED, ev.INVITATION_ACCEPTED}),
        old_spellings=("accept", "invitation", "inv→eng"),
        status_filter="TaskStatus",
    ),
    Kind(
        wire=TaskKind.ENGAGEMENT_FROM_OPPORTUNITY,
        short="opp-to-eng",
        label="engagement from an opportunity",
        family=TASK,
        list_operation="ListEngagementFromOpportunityTasks",
        list_response=ListEngagementFromOpportunityTasksResponse,
        summary=ListEngagementFromOpportunityTaskSummary,
        summaries_field="TaskSummaries",
        start_operation=ENGAGEMENT_FROM_OPPORTUNITY,
        start_response=StartEngagementFromOpportunityTaskResponse,
        statuses=_TASK_STATUSES,
        source_field="opportunity_id",
        arn_segment="engagement-from-opportunity-task",
        ending_events=frozenset({ev.OPPORTUNITY_UPDATED, ev.MEMBER_JOINED, ev.MEMBER_ADDED}),
        old_spellings=("from-opportunity", "engagement", "opp→eng"),
        status_filter="TaskStatus",
    ),
    Kind(
        wire=TaskKind.OPPORTUNITY_FROM_ENGAGEMENT,
        short="eng-to-opp",
        label="opportunity from an engagement",
        family=TASK,
        list_operation="ListOpportunityFromEngagementTasks",
        list_response=ListOpportunityFromEngagementTasksResponse,
        summary=ListOpportunityFromEngagementTaskSummary,
        summaries_field="TaskSummaries",
        start_operation=OPPORTUNITY_FROM_ENGAGEMENT,
        start_response=StartOpportunityFromEngagementTaskResponse,
        statuses=_TASK_STATUSES,
        source_field="engagement_id",
        arn_segment="opportunity-from-engagement-task",
        ending_events=frozenset({ev.OPPORTUNITY_CREATED}),
        old_spellings=("from-engagement", "opportunity", "eng→opp"),
        status_filter="TaskStatus",
    ),
    Kind(
        wire=TaskKind.PROSPECTING_FROM_ENGAGEMENT,
        short="prospecting",
        label="prospecting from engagements (one task, many engagements)",
        family=TASK,
        list_operation="ListProspectingFromEngagementTasks",
        list_response=ListProspectingFromEngagementTasksResponse,
        summary=ProspectingTaskSummary,
        summaries_field="TaskSummaries",
        start_operation=PROSPECTING_FROM_ENGAGEMENT,
        start_response=StartProspectingFromEngagementTaskResponse,
        get_operation="GetProspectingFromEngagementTask",
        get_response=GetProspectingFromEngagementTaskResponse,
        statuses=_TASK_STATUSES,
        source_field="identifiers",
        arn_segment="prospecting-from-engagement-task",
        id_param="TaskIdentifier",
        record_status=prospecting_record_status,
    ),
    Kind(
        wire=BulkJobKind.OPPORTUNITY,
        short="opp-bulk",
        label="opportunity bulk job (create or update opportunities from a CSV file)",
        family=BULK,
        list_operation="ListOpportunityBulkJobs",
        list_response=ListOpportunityBulkJobsResponse,
        summary=OpportunityBulkJobSummary,
        summaries_field="OpportunityBulkJobSummaries",
        start_operation=OPPORTUNITY_BULK_JOB,
        start_response=StartOpportunityBulkJobResponse,
        statuses=_BULK_STATUSES,
        source_field="file_name",
        arn_segment="opportunity-bulk-job",
        status_filter="Status",
        id_param="JobId",
        results_operation="ListOpportunityBulkJobResults",
        results_response=ListOpportunityBulkJobResultsResponse,
        report_operation="GetOpportunityBulkJobReportUrl",
        report_response=GetOpportunityBulkJobReportUrlResponse,
    ),
    Kind(
        wire=BulkJobKind.CUSTOMER_ACCOUNT,
        short="acct-bulk",
        label="customer-account bulk job (customer accounts from a CSV file)",
        family=BULK,
        list_operation="ListCustomerAccountBulkJobs",
        list_response=ListCustomerAccountBulkJobsResponse,
        summary=CustomerAccountBulkJobSummary,
        summaries_field="items",
        start_operation=CUSTOMER_ACCOUNT_BULK_JOB,
        start_response=StartCustomerAccountBulkJobResponse,
        get_operation="GetCustomerAccountBulkJob",
        get_response=GetCustomerAccountBulkJobResponse,
        statuses=_BULK_STATUSES,
        source_field="file_name",
        arn_segment="customer-account-bulk-job",
        status_filter="Filter.Status",
        id_param="Identifier",
        results_operation="ListCustomerAccountBulkJobResults",
        results_response=ListCustomerAccountBulkJobResultsResponse,
        report_operation="GetCustomerAccountBulkJobReportUrl",
        report_response=GetCustomerAccountBulkJobReportUrlResponse,
    ),
)

#: Resource snapshot jobs are watched by id, as the tasks that start them name them (not a kind of the
#: table: nothing starts one through pcwatch, and no list of them is polled).
SNAPSHOT_JOB_OPERATIONS: tuple[str, ...] = ("GetResourceSnapshotJob",)

#: The service's asynchronous operations that pcwatch does not call, each with why. With the kinds
#: table and SNAPSHOT_JOB_OPERATIONS it accounts for every operation of the model that starts, lists or
#: gets asynchronous work (tests/schemas/test_drift.py fails on one that is in none of them).
NOT_WATCHED: Mapping[str, str] = MappingProxyType(
    {
        "ListResourceSnapshotJobs": "pcwatch fetches the snapshot jobs its tasks name; listing every job of "
        "the account would spend calls on jobs no task it shows has started",
        "CreateResourceSnapshotJob": "sets a snapshot job up (a write pcwatch does not make)",
        "StartResourceSnapshotJob": "restarts a snapshot job (a write pcwatch does not make)",
        "StopResourceSnapshotJob": "stops a snapshot job (a write pcwatch does not make)",
        "DeleteResourceSnapshotJob": "deletes a snapshot job (a write pcwatch does not make)",
    }
)


def accounted_operations() -> frozenset[str]:
    """Every asynchronous operation pcwatch knows of: the kinds' (list, start, get, results, report),
    the snapshot jobs' and those named in NOT_WATCHED."""
    declared = {
        op
        for kind in KINDS
        for op in (
            kind.list_operation,
            kind.start_operation,
            kind.get_operation,
            kind.results_operation,
            kind.report_operation,
        )
        if op
    }
    return frozenset(declared | set(SNAPSHOT_JOB_OPERATIONS) | set(NOT_WATCHED))


#: Kind by wire name.
BY_WIRE: Mapping[str, Kind] = MappingProxyType({k.wire: k for k in KINDS})
#: Kind by short name.
BY_SHORT: Mapping[str, Kind] = MappingProxyType({k.short: k for k in KINDS})
#: The task kinds (family `TASK`) by wire name: what the poller lists and a `TaskRecord` holds.
TASK_KINDS: Mapping[str, Kind] = MappingProxyType({k.wire: k for k in KINDS if k.family == TASK})
#: The bulk job kinds (family `BULK`) by wire name: what a `BulkJobRecord` holds.
BULK_KINDS: Mapping[str, Kind] = MappingProxyType({k.wire: k for k in KINDS if k.family == BULK})
#: The short names, in the table's order (what an unknown `--kind` is told to use).
SHORT_NAMES: tuple[str, ...] = tuple(BY_SHORT)


def _spellings_of_the_past() -> dict[str, Kind]:
    """Every old spelling and wire name, lower case -> its kind. Two kinds claiming one spelling (or one
    kind's old spelling being another's short name) is a mistake in the table: refused at import."""
    old: dict[str, Kind] = {}
    for kind in KINDS:
        for spelling in (*kind.old_spellings, kind.wire):
            key = spelling.lower()
            if old.setdefault(key, kind) is not kind or key in BY_SHORT:
                raise ValueError(f"kind spelling {spelling!r} names two kinds")
    return old


_OLD_SPELLINGS = _spellings_of_the_past()
#: Kind by each of its structs (summary, start and get responses).
_BY_SHAPE: Mapping[type[WireStruct], Kind] = MappingProxyType(
    {shape: k for k in KINDS for shape in (k.summary, k.start_response, k.get_response) if shape is not None}
)


class UnknownKind(ValueError):
    """A kind name that is no kind's short name and no old spelling; its message lists the short names."""

    def __init__(self, text: str) -> None:
        super().__init__(f"unknown kind {text!r}: use one of {', '.join(SHORT_NAMES)}")
        self.text = text


class KindChoice(NamedTuple):
    kind: Kind
    #: The text was an old spelling (or the wire name): say the short name to whoever typed it.
    old_spelling: bool


def resolve_kind(text: str) -> KindChoice:
    """What someone typed (`--kind`, `kind=`): a short name in any case, or an old spelling. Raises
    `UnknownKind`."""
    key = text.strip().lower()
    kind = BY_SHORT.get(key)
    if kind is not None:
        return KindChoice(kind, old_spelling=False)
    kind = _OLD_SPELLINGS.get(key)
    if kind is None:
        raise UnknownKind(text)
    return KindChoice(kind, old_spelling=True)


def short_name(wire: str) -> str | None:
    """The short name of a wire kind, or None for a kind this version does not know."""
    kind = BY_WIRE.get(wire)
    return kind.short if kind is not None else None


def kind_of_shape(shape: type[WireStruct]) -> Kind:
    """The kind whose summary, start or get response `shape` is. Raises KeyError for another struct."""
    return _BY_SHAPE[shape]


def kind_fields(wire: str) -> dict[str, str]:
    """A kind as pcwatch prints it: `Kind` its short name, `WireKind` the service's name (a kind this
    version does not know keeps its name in both)."""
    return {"Kind": short_name(wire) or wire, "WireKind": wire}


def task_document(record: TaskRecord) -> dict[str, Any]:
    """A task as pcwatch prints it (`list --json`/`--csv`, the dashboard's export and record view): the
    service's wire names, with `kind_fields` in place of the wire kind. The journal and
    `TaskRecord.to_json` keep the wire kind as `Kind`: this is the output's edge."""
    out: dict[str, Any] = {}
    for key, value in record.to_dict().items():
        if key == "Kind":
            out.update(kind_fields(value))
        else:
            out[key] = value
    return out


def job_document(record: BulkJobRecord) -> dict[str, Any]:
    """A bulk job as pcwatch prints it (`pcwatch jobs --json`/`--csv`, the jobs view's export): the
    service's wire names (`JobId` for both families), with `kind_fields` in place of the wire kind."""
    out: dict[str, Any] = {}
    for key, value in record.to_dict().items():
        if key == "Kind":
            out.update(kind_fields(value))
        else:
            out[key] = value
    return out

"""The headless commands' reads: every page of a listing, each call spent from the shared budget and
retried as `tui.aws.retry.retrying` says (`list`, `jobs`, `results`); and which kind an id is (`wait`,
`results`), found by asking the kinds whose ids it could be, in the table's order.

The ids' shapes are read from botocore's own model of the service (loaded once, when first asked): each
kind's ids have their own (`task-` and 13 characters, a prospecting task's 14, `bulkjob-` and 13), so
`wait bulkjob-…` spends no call on the task lists. (The client keeps each page within the model's
`MaxResults`: the commands ask for the most any list gives.)"""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from schemas import (
    TASK_KINDS,
    BulkJobRecord,
    BulkJobResult,
    ResourceNotFoundException,
    TaskRecord,
    ValidationException,
    bulk_job_records,
)
from schemas.kinds import BULK_KINDS, KINDS

if TYPE_CHECKING:
    from tui.aws.failures import ApiFailure
    from tui.aws.service import TaskReads
    from tui.core.clock import Clock
    from tui.engine.budget import RequestBudget

T = TypeVar("T")


class Paged(Protocol):
    @property
    def next_token(self) -> str | None: ...


P = TypeVar("P", bound=Paged)
#: What runs one call (budgeted; retried, or bounded by a deadline): `run(make_call)`.
Runner = Callable[[Callable[[], Awaitable[Any]]], Awaitable[Any]]


# --- the service model's limits ----------------------------------------------------------------------


@functools.cache
def _service_model() -> Any:
    import botocore.session

    from tui.aws.client import SERVICE

    return botocore.session.Session().get_service_model(SERVICE)


def input_members(operation: str | None) -> dict[str, Any]:
    """The members of `operation`'s input shape in botocore's model (by wire name; {} for an operation it
    does not have)."""
    if operation is None:
        return {}
    from botocore.model import OperationNotFoundError

    try:
        shape = _service_model().operation_model(operation).input_shape
    except OperationNotFoundError:
        return {}
    return dict(shape.members) if shape is not None else {}


@functools.cache
def id_pattern(wire: str) -> re.Pattern[str] | None:
    """The shape the model gives an id of this kind (None: it says none)."""
    kind = next((k for k in KINDS if k.wire == wire), None)
    if kind is None:
        return None
    name = kind.id_param or "TaskIdentifier"
    for operation in (kind.list_operation, kind.get_operation, kind.results_operation):
        member = input_members(operation).get(name)
        if member is None:
            continue
        if member.type_name == "list":
            member = member.member
        pattern = member.metadata.get("pattern")
        if isinstance(pattern, str):
            return re.compile(pattern)
    return None


def kinds_for_id(identifier: str, kinds: Iterable[str]) -> list[str]:
    """The kinds (in the order given) whose ids `identifier` could be, by the model's id shapes; all of
    them if it fits none (the service then says what is wrong with it)."""
    kinds = list(kinds)
    fitting = [k for k in kinds if (p := id_pattern(k)) is None or p.fullmatch(identifier)]
    return fitting or kinds


# --- budgeted, retried calls -------------------------------------------------------------------------


def retried(
    client: TaskReads,
    budget: RequestBudget,
    *,
    clock: Clock,
    on_retry: Callable[[ApiFailure, float], None] | None = None,
) -> Runner:
    """A runner for the headless commands' calls: each spent from `budget` (by the requests the client
    counted) and retried through bursts of faults for up to `CLI_RETRY_SECONDS`."""
    from tui.aws.retry import retrying

    async def run(make: Callable[[], Awaitable[T]]) -> T:
        return await retrying(
            lambda: budget.spend_on(lambda: client.attempts, make), clock=clock, on_retry=on_retry
        )

    return run


async def every_page(run: Runner, call: Callable[..., Awaitable[P]]) -> AsyncIterator[P]:
    """Each page of a listing, `call(next_token=…)` run by `run`, until the service gives no next token.
    Raises the ApiFailure it gave up on, or `BudgetSpent`."""
    token: str | None = None
    while True:
        page: P = await run(partial(call, next_token=token))
        yield page
        token = page.next_token
        if not token:
            return


# --- what the commands read ----------------------------------------------------------------------------

#: Tasks, bulk jobs and a job's results a page: the most any of their lists takes (the client lowers it
#: to the operation's own most: 100 for the prospecting list, the bulk job lists and the customer-account
#: results).
TASK_PAGE = 1000
JOB_PAGE = 100
RESULT_PAGE = 1000


async def fetch_tasks(
    run: Runner, client: TaskReads, kinds: Sequence[str], statuses: Sequence[str] | None
) -> list[TaskRecord]:
    """Every task of the kinds (filtered by status on the service side where the kind's list can: a
    prospecting task's cannot, so its tasks are filtered here by their derived status), newest first."""
    records: list[TaskRecord] = []
    for kind in kinds:
        entry = TASK_KINDS[kind]
        server_side = statuses if statuses and entry.status_filter is not None else None
        listing = partial(
            client.list_tasks, kind, status=list(server_side) if server_side else None, max_results=TASK_PAGE
        )
        async for page in every_page(run, listing):
            found = [TaskRecord.from_task(s, kind) for s in page.task_summaries]
            if statuses and server_side is None:
                found = [r for r in found if r.task_status in statuses]
            records.extend(found)
    records.sort(key=lambda r: (r.start_time is not None, r.start_time), reverse=True)
    return records


async def fetch_jobs(
    run: Runner, client: TaskReads, kinds: Sequence[str], statuses: Sequence[str] | None
) -> list[BulkJobRecord]:
    """Every bulk job of the kinds (with `statuses`, one listing per status: the lists filter by one),
    the newest created first."""
    seen: dict[tuple[str, str], BulkJobRecord] = {}
    for kind in kinds:
        for status in statuses or (None,):
            listing = partial(client.list_bulk_jobs, kind, status=status, max_results=JOB_PAGE)
            async for page in every_page(run, listing):
                for record in bulk_job_records(page, kind):
                    seen[(kind, record.job_id)] = record
    return sorted(seen.values(), key=lambda r: (r.created_at is not None, r.created_at), reverse=True)


async def fetch_results(
    run: Runner, client: TaskReads, kind: str, job_id: str, *, failed_only: bool
) -> list[BulkJobResult]:
    """Every per-record result of the job (only the failed ones with `failed_only`), in the service's
    order."""
    results: list[BulkJobResult] = []
    listing = partial(
        client.list_bulk_job_results,
        kind,
        job_id,
        status="FAILED" if failed_only else None,
        max_results=RESULT_PAGE,
    )
    async for page in every_page(run, listing):
        results.extend(page.results)
    return results


# --- which kind an id is -------------------------------------------------------------------------------

Found = TaskRecord | BulkJobRecord


async def look_up_once(client: TaskReads, kind: str, identifier: str) -> Found | None:
    """The task or bulk job `identifier` of `kind` as it is now (one call), or None if the service does
    not know it (an empty answer, or ResourceNotFoundException: the opportunity bulk jobs have no Get,
    and their list filtered by an unknown JobId may answer either)."""
    from tui.aws.failures import ApiFailure

    try:
        if kind in BULK_KINDS:
            return await client.get_bulk_job(kind, identifier)
        page = await client.list_tasks(kind, task_ids=[identifier], max_results=10)
    except ApiFailure as failure:
        if isinstance(failure.service_error, ResourceNotFoundException):
            return None
        raise
    return TaskRecord.from_task(page.task_summaries[0], kind) if page.task_summaries else None


def _refused_as_invalid(failure: ApiFailure) -> bool:
    return isinstance(failure.service_error, ValidationException)


async def look_up(run: Runner, client: TaskReads, identifier: str, kinds: Sequence[str]) -> Found | None:
    """The task or bulk job `identifier` is, trying `kinds` (the table's order) whose ids it could be;
    None if none of them has it. A kind whose list refuses the id as invalid is not its kind: the next
    is tried (the service's ValidationException is raised if every kind refused it)."""
    from tui.aws.failures import ApiFailure

    candidates = kinds_for_id(identifier, kinds)
    refusals: list[ApiFailure] = []
    for kind in candidates:
        try:
            found = await run(partial(look_up_once, client, kind, identifier))
        except ApiFailure as failure:
            if not _refused_as_invalid(failure) or len(candidates) == 1:
                raise
            refusals.append(failure)
            continue
        if isinstance(found, (TaskRecord, BulkJobRecord)):
            return found
    if refusals and len(refusals) == len(candidates):
        raise refusals[0]
    return None

"""Prospecting-from-engagement tasks: one task converts many engagements into leads, one after another.

A task is PENDING for a moment (queued), then its engagements settle in turn: each PENDING, IN_PROGRESS for
a few seconds (scaled by the simulator's speed), then COMPLETED (with the prospecting context it made,
`ctx-…`) or FAILED with a reason code and a message. Its summary counts them as they settle
(`CompletedEngagementCount` the COMPLETED ones, `FailedEngagementCount` the FAILED ones) and shows its
`EndTime` once the last has settled. Some tasks half-fail: a share of their engagements fail.

The operations: `ListProspectingFromEngagementTasks` (filters TaskIdentifier, TaskName, StartAfter and
StartBefore, both exclusive; Sort by StartTime, TaskName or FailedEngagementCount, newest first when
unsorted; 20 a page unless MaxResults says), `GetProspectingFromEngagementTask` and
`StartProspectingFromEngagementTask` (ClientToken idempotency as the other starts). Their names come from
the kinds table (`operations.OPERATIONS`).
"""

from __future__ import annotations

import bisect
import random
from datetime import datetime
from typing import Any

import msgspec

from schemas import (
    EngagementProspectingResult,
    GetProspectingFromEngagementTaskResponse,
    Kind,
    ProspectingStatus,
    ResourceNotFoundException,
    StartProspectingFromEngagementTaskResponse,
    TaskKind,
    TaskStatus,
)

from .handling import Context, Handler, cursor, descending, list_body, moment_of, remember_token, replayed_seq
from .protocol import ServiceFault, encode_token, fingerprint, validation_error
from .records import SimEngagement, SimTask, to_datetime
from .texts import ENGAGEMENT_TITLES, PROSPECTING_FAILURE_WEIGHT, PROSPECTING_FAILURES, PROSPECTING_TASK_NAMES
from .world import CatalogWorld, page_positions

KIND = TaskKind.PROSPECTING_FROM_ENGAGEMENT
#: Page size when MaxResults is omitted (the model leaves it to the service; its maximum is 100).
DEFAULT_PAGE = 20
#: Seconds a task waits in the queue before its first engagement starts (at speed 1).
QUEUE_SECONDS = (1.0, 5.0)
_FAILURE_CODES = tuple(PROSPECTING_FAILURES)
_FAILURE_WEIGHTS = tuple(PROSPECTING_FAILURE_WEIGHT.get(code, 1) for code in _FAILURE_CODES)


# -- planning a task -------------------------------------------------------------------------------------


def engagement_seconds(rng: random.Random) -> float:
    """Simulated seconds one engagement takes to convert: a few, sometimes twenty."""
    return min(60.0, 2.0 + rng.lognormvariate(1.2, 0.6))


def failure_share(rng: random.Random) -> float:
    """The share of a task's engagements that fail: none or a few for most tasks, many for some (a batch
    of engagements the account is not a member of: the task half-fails)."""
    draw = rng.random()
    if draw < 0.55:
        return 0.0
    if draw < 0.85:
        return rng.uniform(0.02, 0.12)
    return rng.uniform(0.3, 0.7)


def engagement_count(rng: random.Random) -> int:
    """Engagements in one task: usually a handful to a few dozen, at most the model's 100."""
    return max(1, min(100, int(rng.lognormvariate(2.3, 0.8))))


def task_name(rng: random.Random) -> str:
    template = rng.choice(PROSPECTING_TASK_NAMES)
    return template.format(n=rng.randrange(1, 60), title=rng.choice(ENGAGEMENT_TITLES))[:128]


def plan_engagements(
    engagement_ids: list[str], ids: Any, rng: random.Random, speed: float, share: float
) -> tuple[list[SimEngagement], float]:
    """The engagements of a task starting at time 0, each after the one before, and the task's duration.
    Failed ones get a reason and its message; completed ones the context they made (`ids`: an IdFactory)."""
    clock = rng.uniform(*QUEUE_SECONDS) / speed
    engagements = []
    for engagement_id in engagement_ids:
        seconds = engagement_seconds(rng) / speed
        engagement = SimEngagement(engagement_id, clock, clock + seconds)
        clock += seconds
        if rng.random() < share:
            engagement.outcome = ProspectingStatus.FAILED
            engagement.reason_code = rng.choices(_FAILURE_CODES, _FAILURE_WEIGHTS)[0]
            engagement.message = PROSPECTING_FAILURES[engagement.reason_code]
        else:
            engagement.context_id = ids.prospecting_context()
        engagements.append(engagement)
    return engagements, clock


def attach(task: SimTask, name: str, engagements: list[SimEngagement]) -> None:
    """Give a task created at its start its engagements (shifted to that start) and its outcome."""
    for engagement in engagements:
        engagement.start += task.start
        engagement.end += task.start
    task.task_name = name
    task.engagements = engagements
    failed = any(e.outcome == ProspectingStatus.FAILED for e in engagements)
    task.outcome = TaskStatus.FAILED if failed else TaskStatus.COMPLETE


def new_prospecting_task(
    world: CatalogWorld,
    ids: Any,
    rng: random.Random,
    start: float,
    speed: float,
    *,
    engagement_ids: list[str] | None = None,
    name: str | None = None,
    share: float | None = None,
    track: bool = True,
) -> SimTask:
    """A prospecting task started at `start` (its engagements new ones unless named), in the world."""
    if engagement_ids is None:
        engagement_ids = [ids.engagement() for _ in range(engagement_count(rng))]
    engagements, duration = plan_engagements(
        engagement_ids, ids, rng, speed, failure_share(rng) if share is None else share
    )
    start = max(start, world.last_start)
    task = world.new_task(KIND, ids.prospecting_task(), start, start + duration, track=track)
    attach(task, name if name is not None else task_name(rng), engagements)
    world.index_inputs(task)
    return task


def start_status(task: SimTask, now: float) -> str:
    """The task's `TaskStatus` as its start response says it: PENDING until its first engagement starts,
    IN_PROGRESS until the last settles, then COMPLETED, or FAILED when any engagement failed."""
    engagements = task.engagements or []
    if task.status != TaskStatus.IN_PROGRESS:
        return ProspectingStatus.FAILED if task.status == TaskStatus.FAILED else ProspectingStatus.COMPLETED
    if engagements and now < engagements[0].start:
        return ProspectingStatus.PENDING
    return ProspectingStatus.IN_PROGRESS


# -- the operations --------------------------------------------------------------------------------------


def _find(ctx: Context, identifier: str) -> SimTask:
    task = ctx.world.tables[KIND].by_id.get(identifier)
    if task is None:
        raise ServiceFault(
            ResourceNotFoundException(
                message=f"Prospecting task {identifier} was not found in catalog {ctx.world.catalog}."
            )
        )
    return task


def _shown_start(task: SimTask) -> datetime:
    return to_datetime(task.start)


def _sort_key(sort_by: str, now: float) -> Any:
    if sort_by == "TaskName":
        return lambda t: (t.task_name or "", t.seq)
    return lambda t: (t.settled(now)[1], t.seq)


def list_tasks(kind: Kind) -> Handler:
    def handler(ctx: Context, req: dict[str, Any]) -> bytes:
        table = ctx.world.tables[kind.wire]
        limit = req.get("MaxResults", DEFAULT_PAGE)
        sort = req.get("Sort") or {}
        sort_by = sort.get("SortBy", "StartTime")
        newest_first = descending(sort)
        filters = {k: req[k] for k in ("TaskIdentifier", "TaskName", "StartAfter", "StartBefore") if k in req}
        binding = fingerprint(kind.wire, ctx.world.catalog, filters, sort_by, newest_first)
        after = cursor(ctx, req, binding)
        tasks = table.tasks
        lo, hi = 0, len(tasks)
        if "StartAfter" in req:
            lo = bisect.bisect_right(tasks, moment_of(req["StartAfter"]), key=_shown_start)
        if "StartBefore" in req:
            hi = bisect.bisect_left(tasks, moment_of(req["StartBefore"]), key=_shown_start)
        chosen: list[int] | None = None  # None: every task, in start order
        if "TaskIdentifier" in req:
            chosen = sorted({table.by_id[t].seq for t in req["TaskIdentifier"] if t in table.by_id})
        if "TaskName" in req:
            named = table.candidates("task_name", req["TaskName"])
            chosen = sorted(named if chosen is None else named.intersection(chosen))
        if lo > 0 or hi < len(tasks):
            chosen = list(range(lo, hi)) if chosen is None else [p for p in chosen if lo <= p < hi]
        if sort_by == "StartTime":
            lists = None if chosen is None else [chosen]
            positions, more = page_positions(lists, len(tasks), after, newest_first, limit)
            picked = [tasks[p] for p in positions]
            token = encode_token(positions[-1], binding, ctx.epoch) if more else None
        else:  # a field that is no position: the cursor is the offset in that order
            candidates = tasks if chosen is None else [tasks[p] for p in chosen]
            ordered = sorted(candidates, key=_sort_key(sort_by, ctx.now), reverse=newest_first)
            offset = 0 if after is None else after + 1
            picked = ordered[offset : offset + limit]
            more = offset + limit < len(ordered)
            token = encode_token(offset + len(picked) - 1, binding, ctx.epoch) if more else None
        return list_body(kind.summaries_field, [t.summary_bytes(ctx.now) for t in picked], token)

    return handler


def get_task(kind: Kind) -> Handler:
    def handler(ctx: Context, req: dict[str, Any]) -> bytes:
        task = _find(ctx, req["TaskIdentifier"])
        fields = task.prospecting_fields(ctx.now)
        for count in ("total_engagement_count", "completed_engagement_count", "failed_engagement_count"):
            del fields[count]
        fields["engagements"] = [
            EngagementProspectingResult(**e.result(ctx.now)) for e in task.engagements or ()
        ]
        return msgspec.json.encode(GetProspectingFromEngagementTaskResponse(**fields))

    return handler


def start_response(task: SimTask, now: float) -> bytes:
    status = start_status(task, now)
    fields: dict[str, Any] = {
        "identifiers": [e.engagement_id for e in task.engagements or ()],
        "task_name": task.task_name,
        "start_time": to_datetime(task.start),
        "task_id": task.task_id,
        "task_arn": task.arn,
        "task_status": status,
    }
    if status == ProspectingStatus.FAILED:
        failed = [e for e in task.engagements or () if e.outcome == ProspectingStatus.FAILED]
        fields["reason_code"] = failed[0].reason_code
        fields["message"] = (
            f"{len(failed)} of {len(task.engagements or ())} engagements failed; "
            "GetProspectingFromEngagementTask gives each one's reason."
        )
    return msgspec.json.encode(StartProspectingFromEngagementTaskResponse(**fields))


def start_task(kind: Kind) -> Handler:
    def handler(ctx: Context, req: dict[str, Any]) -> bytes:
        world = ctx.world
        seq = replayed_seq(world, req, kind.wire)
        if seq is not None:
            return start_response(world.tables[kind.wire].tasks[seq], ctx.now)
        identifiers: list[str] = req["Identifiers"]
        if not identifiers:
            raise validation_error(
                "Identifiers",
                "Identifiers must name at least one engagement.",
                "NOT_ENOUGH_VALUES",
                business=True,
            )
        repeated = sorted({i for i in identifiers if identifiers.count(i) > 1})
        if repeated:
            raise validation_error(
                "Identifiers",
                f"Identifiers names {', '.join(repeated)} more than once; name each engagement once.",
                "DUPLICATE_KEY_VALUE",
                business=True,
            )
        task = new_prospecting_task(
            world,
            world.family_ids,
            world.family_rng,
            ctx.now,
            ctx.speed,
            engagement_ids=list(identifiers),
            name=req["TaskName"],
        )
        remember_token(world, req, kind.wire, task.seq)
        return start_response(task, ctx.now)

    return handler


def operations(kind: Kind) -> dict[str, Handler]:
    """The prospecting kind's operations, by the names its kinds-table entry gives."""
    if kind.start_operation is None or kind.get_operation is None:
        raise ValueError(f"{kind.short} has no Start or Get operation")
    return {
        kind.list_operation: list_tasks(kind),
        kind.get_operation: get_task(kind),
        kind.start_operation: start_task(kind),
    }

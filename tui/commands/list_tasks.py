"""`pcwatch list`: the current tasks, as a table, JSON lines or CSV (the service's wire names, with `Kind`
the short name and `WireKind` the service's: `schemas.kinds.task_document`).

Each page is retried through bursts of throttling, faults, resets and truncated bodies for up to
`tui.aws.retry.CLI_RETRY_SECONDS` quietly (the output stays the tasks); then exit 3 with one line naming
the cause and the tries."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from schemas import TASK, task_document
from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings
from tui.core.timefmt import SECOND, instant

from .common import (
    add_choice_option,
    add_kind_option,
    cell,
    connected,
    error,
    kind_cell,
    print_columns,
    print_json_lines,
    shared_budget,
    statuses_of,
    write_csv,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from schemas import TaskRecord
    from tui.aws.failures import ApiFailure
    from tui.aws.service import TaskReads
    from tui.core.clock import Clock
    from tui.engine.budget import RequestBudget

#: CSV columns: the service's wire names plus Kind (the short name) and WireKind.
CSV_FIELDS = [
    "Kind",
    "WireKind",
    "TaskId",
    "TaskStatus",
    "StartTime",
    "ReasonCode",
    "Message",
    "OpportunityId",
    "ResourceSnapshotJobId",
    "EngagementInvitationId",
    "EngagementId",
    "ContextId",
    # A prospecting task's: its name, its end, and its engagements' counts.
    "TaskName",
    "EndTime",
    "TotalEngagementCount",
    "CompletedEngagementCount",
    "FailedEngagementCount",
    "TaskArn",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_kind_option(parser, "only this kind", repeatable=True, family=TASK)
    add_choice_option(
        parser, "--status", statuses_of(TASK), "only this status", noun="status", repeatable=True
    )
    out = parser.add_mutually_exclusive_group()
    out.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per line (wire names; Kind: the short name, WireKind: the service's)",
    )
    out.add_argument("--csv", action="store_true", help="CSV with a header row")


async def fetch_tasks(
    client: TaskReads,
    budget: RequestBudget,
    kinds: Sequence[str],
    statuses: Sequence[str] | None,
    *,
    clock: Clock | None = None,
    on_retry: Callable[[ApiFailure, float], None] | None = None,
) -> list[TaskRecord]:
    """Every task of the kinds (filtered by status), newest first, within the budget; each page retried
    as `tui.aws.retry.retrying` says (`reads.fetch_tasks`). Raises the ApiFailure it gave up on, or
    `BudgetSpent` when the daily allowance runs out (shared with every pcwatch of the same journal)."""
    from tui.core.clock import SystemClock

    from . import reads

    run = reads.retried(client, budget, clock=clock or SystemClock(), on_retry=on_retry)
    return await reads.fetch_tasks(run, client, kinds, statuses)


def _counted(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


def detail(record: TaskRecord) -> str:
    """The table's last column: the Message; for a task that converts many engagements (prospecting),
    its name and how many of its engagements completed and failed. Safe to print."""
    if record.total_engagement_count is None and record.task_name is None:
        return cell(record.message, 60)
    name = f"{cell(record.task_name, 30)}: " if record.task_name else ""
    return (
        f"{name}{_counted(record.total_engagement_count)} engagements, "
        f"{_counted(record.completed_engagement_count)} completed, "
        f"{_counted(record.failed_engagement_count)} failed"
    )


def print_table(records: Sequence[TaskRecord], out: TextIO) -> None:
    rows = [
        (
            kind_cell(r.kind),
            cell(r.task_id),
            cell(r.task_status),
            instant(r.start_time, SECOND),
            cell(r.reason_code),
            detail(r),
        )
        for r in records
    ]
    print_columns(("KIND", "TASK ID", "STATUS", "STARTED (UTC)", "REASON", "MESSAGE"), rows, out)


def print_csv(records: Sequence[TaskRecord], out: TextIO) -> None:
    write_csv(map(task_document, records), CSV_FIELDS, out)


def print_json(records: Sequence[TaskRecord], out: TextIO) -> None:
    print_json_lines(map(task_document, records), out)


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    from schemas import TASK_KINDS
    from tui.aws.failures import ApiFailure
    from tui.core.clock import SystemClock
    from tui.engine.budget import BudgetSpent

    kinds = list(dict.fromkeys(args.kind or TASK_KINDS))
    statuses = list(dict.fromkeys(args.status)) if args.status else None
    try:
        with connected(settings) as (client, settings), shared_budget(settings, SystemClock()) as budget:
            records = asyncio.run(fetch_tasks(client, budget, kinds, statuses))
    except ApiFailure as failure:
        return error("list", failure.message)
    except BudgetSpent as spent:
        return error("list", str(spent))
    out = sys.stdout
    try:
        if args.json:
            print_json(records, out)
        elif args.csv:
            print_csv(records, out)
        else:
            print_table(records, out)
        out.flush()
    except BrokenPipeError:  # `pcwatch list | head`
        return ExitStatus.OK
    return ExitStatus.OK

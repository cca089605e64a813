"""`pcwatch jobs`: the bulk jobs (opportunities and customer accounts imported from CSV files), as a
table, JSON lines or CSV (the service's wire names, `JobId` for both families, with `Kind` the short name
and `WireKind` the service's: `schemas.kinds.job_document`).

Every page of each kind's list is read, each call spent from the shared budget and retried through
bursts of throttling and faults as `pcwatch list` does (`reads.retried`); then exit 3 with one line naming
the cause. The records a minute are `tui.engine.bulk_progress`'s, as the jobs view and `wait` say them."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

import msgspec

from schemas import BULK, BULK_KINDS, BulkJobRecord, job_document
from schemas.kinds import kind_fields
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
    from tui.aws.service import TaskReads
    from tui.core.clock import Clock
    from tui.engine.budget import RequestBudget
    from tui.engine.bulk_progress import BulkProgress

#: CSV columns: `Kind` and `WireKind`, then every wire name of a bulk job record, in its order.
CSV_FIELDS = [
    *kind_fields(""),
    *(f.encode_name for f in msgspec.structs.fields(BulkJobRecord) if f.encode_name != "Kind"),
]
HEADER = ("KIND", "JOB ID", "STATUS", "PROCESSED", "SUCCEEDED", "FAILED", "PER MIN", "CREATED (UTC)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_kind_option(parser, "only this kind", repeatable=True, family=BULK)
    add_choice_option(
        parser, "--status", statuses_of(BULK), "only this status", noun="status", repeatable=True
    )
    out = parser.add_mutually_exclusive_group()
    out.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per line (wire names; Kind: the short name, WireKind: the service's)",
    )
    out.add_argument("--csv", action="store_true", help="CSV with a header row")


async def fetch_jobs(
    client: TaskReads,
    budget: RequestBudget,
    kinds: Sequence[str],
    statuses: Sequence[str] | None,
    *,
    clock: Clock | None = None,
) -> list[BulkJobRecord]:
    """Every bulk job of the kinds (filtered by status on the service side), the newest created first.
    Raises the ApiFailure it gave up on, or `BudgetSpent`."""
    from tui.core.clock import SystemClock

    from . import reads

    run = reads.retried(client, budget, clock=clock or SystemClock())
    return await reads.fetch_jobs(run, client, kinds, statuses)


def _count(n: int | None) -> str:
    return "" if n is None else f"{n:,}"


def processed_cell(progress: BulkProgress) -> str:
    """`2,500/5,000 50%`; without a total yet, the processed count alone."""
    if progress.total is None:
        return f"{progress.processed:,}"
    share = f" {progress.fraction:.0%}" if progress.fraction is not None else ""
    return f"{progress.processed:,}/{progress.total:,}{share}"


def per_minute_cell(progress: BulkProgress) -> str:
    return "" if progress.per_minute is None else f"{progress.per_minute:,.0f}"


def table_row(job: BulkJobRecord, now: datetime) -> tuple[str, ...]:
    from tui.engine.bulk_progress import bulk_progress

    progress = bulk_progress(job, now)
    return (
        kind_cell(job.kind),
        cell(job.job_id),
        cell(job.status),
        processed_cell(progress),
        _count(job.success_count),
        _count(job.failure_count),
        per_minute_cell(progress),
        instant(job.created_at, SECOND),
    )


def print_table(jobs: Sequence[BulkJobRecord], out: TextIO, now: datetime) -> None:
    print_columns(HEADER, [table_row(j, now) for j in jobs], out, right=(3, 4, 5, 6))


def print_csv(jobs: Sequence[BulkJobRecord], out: TextIO) -> None:
    write_csv(map(job_document, jobs), CSV_FIELDS, out)


def print_json(jobs: Sequence[BulkJobRecord], out: TextIO) -> None:
    print_json_lines(map(job_document, jobs), out)


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    from tui.aws.failures import ApiFailure
    from tui.core.clock import SystemClock
    from tui.engine.budget import BudgetSpent

    kinds = list(dict.fromkeys(args.kind or BULK_KINDS))
    statuses = list(dict.fromkeys(args.status)) if args.status else None
    clock = SystemClock()
    try:
        with connected(settings) as (client, settings), shared_budget(settings, clock) as budget:
            jobs = asyncio.run(fetch_jobs(client, budget, kinds, statuses, clock=clock))
    except ApiFailure as failure:
        return error("jobs", failure.message)
    except BudgetSpent as spent:
        return error("jobs", str(spent))
    out = sys.stdout
    try:
        if args.json:
            print_json(jobs, out)
        elif args.csv:
            print_csv(jobs, out)
        else:
            print_table(jobs, out, clock.now())
        out.flush()
    except BrokenPipeError:  # `pcwatch jobs | head`
        return ExitStatus.OK
    return ExitStatus.OK

"""`pcwatch results JOB_ID`: a bulk job's per-record results (`--failed`: only the failed records), as a
table, JSON lines or CSV with the service's wire names (`RequestId`, `Status`, `ResourceIdentifier`,
`ErrorCode`, `ErrorMessage`).

Without `--kind` the job's kind is found from its id: the bulk job kinds whose ids it could be are asked
in the table's order (one call each, within the budget) until one knows it. Every page of its results is
read, each call spent from the shared budget and retried as `pcwatch list`'s are; a job still running
has the results of the records processed so far (stderr says so)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

import msgspec

from schemas import BULK, BulkJobRecord, BulkJobResult
from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings
from tui.core.text_safety import visible

from .common import (
    add_kind_option,
    cell,
    connected,
    error,
    kind_cell,
    print_columns,
    print_json_lines,
    shared_budget,
    write_csv,
)

if TYPE_CHECKING:
    from tui.aws.service import TaskReads
    from tui.core.clock import Clock
    from tui.engine.budget import RequestBudget

#: CSV columns: the wire names of a record's result, in the model's order.
CSV_FIELDS = [f.encode_name for f in msgspec.structs.fields(BulkJobResult)]
HEADER = ("REQUEST ID", "STATUS", "RESOURCE ID", "ERROR CODE", "ERROR MESSAGE")
#: The table's ErrorMessage is cut to this (`--json` and `--csv` have it whole).
MESSAGE_WIDTH = 80


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job_id", metavar="JOB_ID", help="the bulk job's id (bulkjob-…, or its ARN)")
    add_kind_option(parser, "the job's kind, if known (saves calls)", repeatable=False, family=BULK)
    parser.add_argument("--failed", action="store_true", help="only the records that failed")
    out = parser.add_mutually_exclusive_group()
    out.add_argument(
        "--json", action="store_true", help="one JSON object per line (the service's wire names)"
    )
    out.add_argument("--csv", action="store_true", help="CSV with a header row")


class JobNotFound(Exception):
    def __init__(self, job_id: str, kinds: Sequence[str]) -> None:
        super().__init__(job_id)
        self.job_id = job_id
        self.kinds = list(kinds)


@dataclass(frozen=True)
class JobResults:
    kind: str
    #: The job as it was when its results were read (None: `--kind` was given, it was not looked up).
    job: BulkJobRecord | None
    results: list[BulkJobResult]


async def fetch_job_results(
    client: TaskReads,
    budget: RequestBudget,
    job_id: str,
    *,
    kind: str | None,
    failed_only: bool,
    clock: Clock | None = None,
) -> JobResults:
    """The job's kind (found from its id unless given) and every one of its results. Raises
    `JobNotFound`, the ApiFailure it gave up on, or `BudgetSpent`."""
    from schemas import BULK_KINDS
    from tui.core.clock import SystemClock

    from . import reads

    run = reads.retried(client, budget, clock=clock or SystemClock())
    job: BulkJobRecord | None = None
    if kind is None:
        kinds = list(BULK_KINDS)
        found = await reads.look_up(run, client, job_id, kinds)
        if not isinstance(found, BulkJobRecord):
            raise JobNotFound(job_id, kinds)
        job, kind = found, found.kind
    results = await reads.fetch_results(run, client, kind, job_id, failed_only=failed_only)
    return JobResults(kind, job, results)


def print_table(results: Sequence[BulkJobResult], out: TextIO) -> None:
    rows = [
        (
            cell(r.request_id),
            cell(r.status),
            cell(r.resource_identifier),
            cell(r.error_code),
            cell(r.error_message, MESSAGE_WIDTH),
        )
        for r in results
    ]
    print_columns(HEADER, rows, out)


def print_csv(results: Sequence[BulkJobResult], out: TextIO) -> None:
    write_csv((r.to_dict() for r in results), CSV_FIELDS, out)


def print_json(results: Sequence[BulkJobResult], out: TextIO) -> None:
    print_json_lines(results, out)


def _say_still_running(job: BulkJobRecord) -> None:
    if job.is_terminal:
        return
    processed = f"{job.processed_records or 0:,}"
    total = f" of {job.total_records:,}" if job.total_records is not None else ""
    print(
        f"pcwatch results: {kind_cell(job.kind)} job {visible(job.job_id)} is {visible(job.status or 'not started')} "
        f"({processed}{total} records processed): these are the results so far",
        file=sys.stderr,
    )


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    from tui.aws.failures import ApiFailure
    from tui.core.clock import SystemClock
    from tui.engine.budget import BudgetSpent

    clock = SystemClock()
    try:
        with connected(settings) as (client, settings), shared_budget(settings, clock) as budget:
            found = asyncio.run(
                fetch_job_results(
                    client, budget, args.job_id, kind=args.kind, failed_only=args.failed, clock=clock
                )
            )
    except JobNotFound as missing:
        kinds = ", ".join(kind_cell(k) for k in missing.kinds)
        return error(
            "results", f"bulk job {missing.job_id} not found in catalog {settings.catalog} ({kinds})"
        )
    except ApiFailure as failure:
        return error("results", failure.message)
    except BudgetSpent as spent:
        return error("results", str(spent))
    if found.job is not None:
        _say_still_running(found.job)
    out = sys.stdout
    try:
        if args.json:
            print_json(found.results, out)
        elif args.csv:
            print_csv(found.results, out)
        else:
            print_table(found.results, out)
        out.flush()
    except BrokenPipeError:  # `pcwatch results … | head`
        return ExitStatus.OK
    return ExitStatus.OK

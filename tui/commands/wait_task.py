"""`pcwatch wait TASK_ID`: follow one task until it ends.

Exit 0 when it completes, 1 when it fails (ReasonCode and Message on stderr, control characters
escaped), 124 on --timeout, 3 on any other error. Throttling, faults and network errors are retried with
backoff until the timeout; credentials and other client errors end the wait at once. The timeout is a
deadline: a call still hanging when it comes is abandoned (`tui.aws.retry.within`), so the command is
back within moments of it whatever the network does. Its calls are spent from the daily allowance every
pcwatch of the same account and catalog shares (`common.shared_budget`): with it spent, it exits 3 saying
when calls return.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
from functools import partial
from typing import TYPE_CHECKING

from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings

from .common import add_kind_option, connected, error, shared_budget

#: Seconds between checks unless --interval says otherwise (`--wait` after a write: 2 s, the cadence of
#: the tasks pcwatch started).
DEFAULT_INTERVAL = 5.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task_id", metavar="TASK_ID", help="the task's id (or ARN)")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help="give up after this")
    parser.add_argument(
        "--interval",
        type=float,
        default=None,
        metavar="SECONDS",
        help=f"seconds between checks (default {DEFAULT_INTERVAL:g})",
    )
    add_kind_option(parser, "the task's kind, if known (saves calls)", repeatable=False)


if TYPE_CHECKING:
    from collections.abc import Callable

    from schemas import TaskRecord
    from tui.aws.failures import ApiFailure
    from tui.aws.service import TaskReads
    from tui.core.clock import Clock
    from tui.engine.budget import RequestBudget


class TaskNotFound(Exception):
    pass


async def follow(
    client: TaskReads,
    task_id: str,
    *,
    settings: Settings,
    clock: Clock,
    timeout: float | None,
    interval: float,
    kind: str | None = None,
    rng: random.Random | None = None,
    on_retry: Callable[[ApiFailure, float], None] | None = None,
    budget: RequestBudget | None = None,
) -> tuple[ExitStatus, TaskRecord | None]:
    """Poll the task until it ends or the timeout passes. Returns (exit code, last TaskRecord or None).
    Raises ApiFailure for errors not worth retrying, TaskNotFound if no kind has it, BudgetSpent when
    the daily allowance (`budget`; default: this call's alone) runs out."""
    from schemas import TASK_KINDS, TaskRecord, TaskStatus
    from tui.aws.failures import ApiFailure
    from tui.aws.retry import Backoff, DeadlinePassed, may_retry, within
    from tui.engine.budget import RequestBudget

    budget = budget or RequestBudget(settings.budget, clock)
    backoff = Backoff(rng or random.Random())
    deadline = None if timeout is None else clock.monotonic() + timeout
    record = None
    while True:
        try:
            kinds = [kind] if kind else list(TASK_KINDS)
            found = None
            for k in kinds:
                page = await within(
                    budget.spend_on(
                        lambda: client.attempts,
                        partial(client.list_tasks, k, task_ids=[task_id], max_results=10),
                    ),
                    clock,
                    deadline,
                )
                if page.task_summaries:
                    found = TaskRecord.from_task(page.task_summaries[0], k)
                    break
            if found is None:
                raise TaskNotFound(task_id)
            record, kind = found, found.kind
            if record.task_status == TaskStatus.COMPLETE:
                return ExitStatus.OK, record
            if record.task_status == TaskStatus.FAILED:
                return ExitStatus.TASK_FAILED, record
            backoff.reset()
            delay = interval
        except DeadlinePassed:
            return ExitStatus.TIMEOUT, record
        except ApiFailure as failure:
            if not may_retry(failure):
                raise
            delay = backoff.next_delay()
            if on_retry is not None:
                on_retry(failure, delay)
        if deadline is not None:
            left = deadline - clock.monotonic()
            if left <= 0:
                return ExitStatus.TIMEOUT, record
            delay = min(delay, left)
        await clock.sleep(delay)


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    from tui.aws.failures import ApiFailure
    from tui.core.clock import SystemClock
    from tui.core.text_safety import visible
    from tui.engine.budget import BudgetSpent

    interval = args.interval if args.interval is not None else DEFAULT_INTERVAL
    if interval <= 0 or (args.timeout is not None and args.timeout < 0):
        return error("wait", "--interval must be positive and --timeout not negative")

    def on_retry(failure: ApiFailure, delay: float) -> None:
        print(f"pcwatch wait: {failure.message} (retrying in {delay:.0f} s)", file=sys.stderr)

    clock = SystemClock()
    try:
        with connected(settings) as (client, settings), shared_budget(settings, clock) as budget:
            code, record = asyncio.run(
                follow(
                    client,
                    args.task_id,
                    settings=settings,
                    clock=clock,
                    timeout=args.timeout,
                    interval=interval,
                    kind=args.kind,
                    on_retry=on_retry,
                    budget=budget,
                )
            )
    except BudgetSpent as spent:
        return error("wait", str(spent))
    except TaskNotFound:
        return error("wait", f"task {args.task_id} not found in catalog {settings.catalog}")
    except ApiFailure as failure:
        return error("wait", failure.message)
    task = visible(args.task_id)
    if code == ExitStatus.TIMEOUT:
        status = record.task_status if record else "unknown"
        print(
            f"pcwatch wait: timed out after {args.timeout:g} s; {task} is {visible(str(status))}",
            file=sys.stderr,
        )
    elif record is None:  # (follow returns a record with every outcome but the timeout)
        return error("wait", f"task {args.task_id}: no record")
    elif code == ExitStatus.OK:
        extra = f" OpportunityId={visible(record.opportunity_id)}" if record.opportunity_id else ""
        print(f"{task} COMPLETE{extra}")
    else:
        print(f"{task} FAILED", flush=True)
        reason = visible(record.reason_code or "(no ReasonCode)")
        message = visible(record.message or "(no Message)")
        print(f"ReasonCode: {reason}\nMessage: {message}", file=sys.stderr)
    return code

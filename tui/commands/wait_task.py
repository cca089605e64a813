"""`pcwatch wait ID`: follow one task, or one bulk job, until it ends.

A task: exit 0 when it completes (its OpportunityId and ResourceSnapshotJobId on the line that says so),
1 when it fails (ReasonCode and Message on stderr, control characters escaped; a prospecting task's failed
engagements). A bulk job: exit 0 when it COMPLETED with no failed record, 1 when it FAILED or any record
failed (the counts on stderr). Either: 124 on --timeout, 3 on any other error. While it waits, its
progress is on stderr (`WaitProgress`): on a terminal one line rewritten in place, a spinner and the
task's status and age or the job's bar; otherwise a line at the first look and then every 30 s.

Without `--kind` the id's kind is found by asking the kinds whose ids it could be (`reads.look_up`: the
tasks' first, then the bulk jobs', in the table's order). Throttling, faults and network errors are
retried with backoff until the timeout; credentials and other client errors end the wait at once. The
timeout is a deadline: a call still hanging when it comes is abandoned (`tui.aws.retry.within`), so the
command is back within moments of it whatever the network does. Its calls are spent from the daily
allowance every pcwatch of the same account and catalog shares (`common.shared_budget`): with it spent,
it exits 3 saying when calls return.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from schemas import BulkJobRecord, TaskRecord
from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings
from tui.core.text_safety import visible

from .common import add_kind_option, connected, error, kind_cell, shared_budget

T = TypeVar("T")

#: Seconds between checks unless --interval says otherwise (`--wait` after a write: 2 s, the cadence of
#: the tasks pcwatch started).
DEFAULT_INTERVAL = 5.0
#: Off a terminal, a bulk job's progress is a line this often (seconds).
PROGRESS_EVERY = 30.0
#: The progress bar's width in characters (its line fits 80 columns).
BAR_WIDTH = 16
#: The spinner's frames, and how often it turns on a terminal (seconds).
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
SPIN_EVERY = 0.1
#: A failed prospecting task's failed engagements said on stderr, at most.
ENGAGEMENTS_SHOWN = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task_id", metavar="ID", help="the task's id (or ARN), or the bulk job's")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help="give up after this")
    parser.add_argument(
        "--interval",
        type=float,
        default=None,
        metavar="SECONDS",
        help=f"seconds between checks (default {DEFAULT_INTERVAL:g})",
    )
    add_kind_option(parser, "its kind, if known (saves calls)", repeatable=False)


if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime

    from tui.aws.failures import ApiFailure
    from tui.aws.service import TaskReads
    from tui.core.clock import Clock
    from tui.engine.budget import RequestBudget

    from .reads import Found


class TaskNotFound(Exception):
    pass


def outcome_of(record: Found) -> ExitStatus | None:
    """The exit status a record ends the wait with; None while it runs. A bulk job ends well only if it
    COMPLETED with no failed record."""
    from schemas import BulkJobStatus, TaskStatus

    if isinstance(record, BulkJobRecord):
        if not record.is_terminal:
            return None
        if record.status == BulkJobStatus.COMPLETED and not record.has_failed_records:
            return ExitStatus.OK
        return ExitStatus.TASK_FAILED
    if record.task_status == TaskStatus.COMPLETE:
        return ExitStatus.OK
    if record.task_status == TaskStatus.FAILED:
        return ExitStatus.TASK_FAILED
    return None


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
    on_record: Callable[[Found], None] | None = None,
) -> tuple[ExitStatus, Found | None]:
    """Poll the task or bulk job until it ends or the timeout passes (`on_record` hears of each look).
    Returns (exit code, the last record seen or None). Raises ApiFailure for errors not worth retrying,
    TaskNotFound if no kind has it, BudgetSpent when the daily allowance (`budget`; default: this
    call's alone) runs out."""
    from functools import partial

    from schemas import BULK_KINDS, TASK_KINDS
    from tui.aws.failures import ApiFailure
    from tui.aws.retry import Backoff, DeadlinePassed, may_retry, within
    from tui.engine.budget import RequestBudget

    from .reads import look_up, look_up_once

    spend = budget or RequestBudget(settings.budget, clock)
    backoff = Backoff(rng or random.Random())
    deadline = None if timeout is None else clock.monotonic() + timeout
    record: Found | None = None

    async def run(make: Callable[[], Awaitable[Any]]) -> Any:
        return await within(spend.spend_on(lambda: client.attempts, make), clock, deadline)

    while True:
        try:
            if kind is not None:
                found = await run(partial(look_up_once, client, kind, task_id))
            else:
                found = await look_up(run, client, task_id, [*TASK_KINDS, *BULK_KINDS])
            if not isinstance(found, (TaskRecord, BulkJobRecord)):
                raise TaskNotFound(task_id)
            record, kind = found, found.kind
            if on_record is not None:
                on_record(record)
            code = outcome_of(record)
            if code is not None:
                return code, record
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


# --- the progress on stderr -------------------------------------------------------------------------------


class WaitProgress:
    """What `wait` says on stderr while it waits, told of every record `follow` sees. On a terminal one
    line rewritten in place: a bulk job's bar, or for a task (which has no measure of progress) a
    spinner that `tick` turns between looks too, with its status and age; otherwise a line at the first
    look and then every `every` seconds (on the clock) while it runs. `finish()` ends the line before
    anything else is printed: a bulk job's last bar stays, a task's line is wiped (stdout says how it
    ended)."""

    def __init__(
        self,
        out: TextIO,
        clock: Clock,
        *,
        terminal: bool,
        every: float = PROGRESS_EVERY,
        columns: Callable[[], int] | None = None,
        waiting_for: str = "",
    ) -> None:
        self.out = out
        self.clock = clock
        self.terminal = terminal
        self.every = every
        #: The terminal's width now (a bar longer than that would wrap, and `\r` rewrite only its end).
        self.columns = columns or _terminal_columns
        self._last_line: float | None = None
        self._drawn = False
        self._frame = 0
        #: What is being waited for, before the first look finds it.
        self._waiting_for = visible(waiting_for, limit=100)
        self._record: Found | None = None

    def __call__(self, record: Found) -> None:
        self._record = record
        if self.terminal:
            self._draw()
            return
        at = self.clock.monotonic()
        if outcome_of(record) is not None:  # its end: the command's own lines say it
            return
        if self._last_line is None or at - self._last_line >= self.every:
            self._last_line = at
            now = self.clock.now()
            line = (
                plain_line(record, now) if isinstance(record, BulkJobRecord) else task_plain_line(record, now)
            )
            self.out.write(f"pcwatch wait: {line}\n")
            self.out.flush()

    def tick(self) -> None:
        """Turn the spinner (on a terminal, while no bar is shown; the task's age moves on with it)."""
        if not self.terminal or isinstance(self._record, BulkJobRecord):
            return
        if self._record is None and not self._waiting_for:
            return
        self._frame = (self._frame + 1) % len(SPINNER)
        self._draw()

    async def spin(self) -> None:
        """Turn the spinner every `SPIN_EVERY` seconds until cancelled."""
        while True:
            await self.clock.sleep(SPIN_EVERY)
            self.tick()

    def _draw(self) -> None:
        record, now = self._record, self.clock.now()
        if isinstance(record, BulkJobRecord):
            line = bar_line(record, now)
        else:
            state = task_line(record, now) if record is not None else f"looking up {self._waiting_for}"
            line = f"{SPINNER[self._frame]} {state}"
        self.out.write(f"\r{self._fit(line)}\x1b[K")
        self.out.flush()
        self._drawn = True

    def _fit(self, line: str) -> str:
        width = self.columns() - 1
        return line if len(line) <= width else line[: max(0, width - 1)] + "…"

    def finish(self) -> None:
        if self._drawn:
            self.out.write("\n" if isinstance(self._record, BulkJobRecord) else "\r\x1b[K")
            self.out.flush()
            self._drawn = False


def _terminal_columns() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def _figures(record: BulkJobRecord, now: datetime, *, succeeded: bool = True) -> tuple[str, list[str]]:
    """(processed, the rest): `2,500/5,000 (50%)` and `2,480 succeeded`, `20 failed`, `1,200/min`,
    `2m05s left` (those known)."""
    from tui.core.timefmt import duration
    from tui.engine.bulk_progress import bulk_progress

    p = bulk_progress(record, now)
    processed = f"{p.processed:,}" if p.total is None else f"{p.processed:,}/{p.total:,}"
    if p.fraction is not None:
        processed += f" ({p.fraction:.0%})"
    rest = [f"{p.succeeded:,} succeeded"] if succeeded else []
    rest.append(f"{p.failed:,} failed")
    if p.per_minute is not None:
        rest.append(f"{p.per_minute:,.0f}/min")
    if p.seconds_left is not None and not p.finished:
        rest.append(f"{duration(round(p.seconds_left))} left")
    return processed, rest


def _status(record: BulkJobRecord) -> str:

    return visible(record.status or "?", limit=24)


def plain_line(record: BulkJobRecord, now: datetime) -> str:
    """The progress as a line of a log: the job named, every figure."""

    processed, rest = _figures(record, now)
    named = f"{kind_cell(record.kind)} {visible(record.job_id, limit=100)} {_status(record)}"
    return f"{named} {processed} processed, {', '.join(rest)}"


def _task_state(record: TaskRecord, now: datetime) -> str:
    """`IN_PROGRESS (inv-to-eng), started 45s ago`."""
    from tui.core.timefmt import duration

    state = f"{visible(record.task_status or '?', limit=24)} ({kind_cell(record.kind)})"
    if record.start_time is not None:
        state += f", started {duration(max(0.0, (now - record.start_time).total_seconds()))} ago"
    return state


def task_plain_line(record: TaskRecord, now: datetime) -> str:
    """A task as a line of a log: its id, its status, kind and age."""
    return f"{visible(record.task_id or '?', limit=100)} {_task_state(record, now)}"


def task_line(record: TaskRecord, now: datetime) -> str:
    """A task on a terminal, after the spinner (the task is the one on the command line)."""
    return _task_state(record, now)


def bar_line(record: BulkJobRecord, now: datetime) -> str:
    """The progress on a terminal, short enough for 80 columns: the status, a bar and the figures (the
    job is the one on the command line; the successes are the processed less the failed)."""
    from tui.engine.bulk_progress import bulk_progress

    fraction = bulk_progress(record, now).fraction
    if fraction is None:
        bar = "?".center(BAR_WIDTH, "·")
    else:
        filled = round(fraction * BAR_WIDTH)
        bar = "█" * filled + "·" * (BAR_WIDTH - filled)
    processed, rest = _figures(record, now, succeeded=False)
    return " · ".join([f"{_status(record)} [{bar}] {processed}", *rest])


# --- the command -------------------------------------------------------------------------------------------


def _say_job_end(record: BulkJobRecord, code: ExitStatus) -> None:

    job = visible(record.job_id)
    status = visible(record.status or "?")
    total = f"{record.total_records:,}" if record.total_records is not None else "?"
    counts = (
        f"{record.processed_records or 0:,} of {total} records processed: {record.success_count or 0:,} "
        f"succeeded, {record.failure_count or 0:,} failed"
    )
    if code == ExitStatus.OK:
        print(f"{job} {status} {counts}")
        return
    print(f"{job} {status}", flush=True)
    print(f"pcwatch wait: {counts}", file=sys.stderr)
    if record.failure_reason:
        print(f"FailureReason: {visible(record.failure_reason)}", file=sys.stderr)
    if record.failure_count:
        print(f"the failed records: pcwatch results {job} --failed", file=sys.stderr)


#: Seconds the failed engagements of a prospecting task are waited for, at most, after its end.
ENGAGEMENTS_WAIT = 10.0


async def _failed_engagements(client: TaskReads, budget: RequestBudget, task_id: str) -> list[str]:
    """A failed prospecting task's failed engagements, a line each (none if they cannot be read now)."""
    from schemas import ProspectingStatus
    from tui.aws.failures import ApiFailure
    from tui.engine.budget import BudgetSpent

    try:
        task = await asyncio.wait_for(
            budget.spend_on(lambda: client.attempts, lambda: client.get_prospecting_task(task_id)),
            timeout=ENGAGEMENTS_WAIT,
        )
    except (ApiFailure, BudgetSpent, asyncio.TimeoutError):
        return []
    failed = [e for e in task.engagements if e.status == ProspectingStatus.FAILED]
    lines = [
        f"  {visible(e.engagement_identifier or '?', limit=100)}: {visible(e.reason_code or '(no ReasonCode)', limit=80)}"
        f" {visible(e.message or '', limit=300)}".rstrip()
        for e in failed[:ENGAGEMENTS_SHOWN]
    ]
    if len(failed) > ENGAGEMENTS_SHOWN:
        lines.append(f"  … {len(failed) - ENGAGEMENTS_SHOWN:,} more")
    return lines


def _say_task_failed(client: TaskReads, budget: RequestBudget, record: TaskRecord) -> None:
    if record.total_engagement_count is not None:  # prospecting: many engagements, each with its reason
        print(
            f"Engagements: {record.total_engagement_count:,}, {record.completed_engagement_count or 0:,} "
            f"completed, {record.failed_engagement_count or 0:,} failed",
            file=sys.stderr,
        )
        for line in asyncio.run(_failed_engagements(client, budget, record.task_id or "")):
            print(line, file=sys.stderr)
        return
    reason = visible(record.reason_code or "(no ReasonCode)")
    message = visible(record.message or "(no Message)")
    print(f"ReasonCode: {reason}\nMessage: {message}", file=sys.stderr)


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    from tui.aws.failures import ApiFailure
    from tui.core.clock import SystemClock
    from tui.engine.budget import BudgetSpent

    interval = args.interval if args.interval is not None else DEFAULT_INTERVAL
    if interval <= 0 or (args.timeout is not None and args.timeout < 0):
        return error("wait", "--interval must be positive and --timeout not negative")

    clock = SystemClock()
    progress = WaitProgress(sys.stderr, clock, terminal=sys.stderr.isatty(), waiting_for=args.task_id)

    def on_retry(failure: ApiFailure, delay: float) -> None:
        progress.finish()
        print(f"pcwatch wait: {failure.message} (retrying in {delay:.0f} s)", file=sys.stderr)

    try:
        with connected(settings) as (client, settings), shared_budget(settings, clock) as budget:
            try:
                code, record = asyncio.run(
                    spinning(
                        progress,
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
                            on_record=progress,
                        ),
                    )
                )
            finally:
                progress.finish()
            if isinstance(record, TaskRecord) and code == ExitStatus.TASK_FAILED:
                print(f"{visible(args.task_id)} FAILED", flush=True)
                _say_task_failed(client, budget, record)
                return code
    except BudgetSpent as spent:
        return error("wait", str(spent))
    except TaskNotFound:
        what = f"no {kind_cell(args.kind)} has this id" if args.kind else "no task or bulk job has this id"
        return error("wait", f"{args.task_id} not found in catalog {settings.catalog} ({what})")
    except ApiFailure as failure:
        return error("wait", failure.message)
    task = visible(args.task_id)
    if code == ExitStatus.TIMEOUT:
        if isinstance(record, BulkJobRecord):
            state = plain_line(record, clock.now())
        else:
            state = f"{task} is {visible(str(record.task_status if record else 'unknown'))}"
        print(f"pcwatch wait: timed out after {args.timeout:g} s; {state}", file=sys.stderr)
    elif record is None:  # (follow returns a record with every outcome but the timeout)
        return error("wait", f"{args.task_id}: no record")
    elif isinstance(record, BulkJobRecord):
        _say_job_end(record, code)
    else:
        print(" ".join([f"{task} COMPLETE", *completed_ids(record)]))
    return code


#: What a completed task made or named, said after it as `WireName=value` (the service's names).
COMPLETED_IDS = (("OpportunityId", "opportunity_id"), ("ResourceSnapshotJobId", "resource_snapshot_job_id"))


def completed_ids(record: TaskRecord) -> list[str]:
    """`OpportunityId=O123`, `ResourceSnapshotJobId=job-…`: those the task has, made safe."""
    return [
        f"{wire}={visible(value, limit=200)}"
        for wire, field in COMPLETED_IDS
        if (value := getattr(record, field))
    ]


async def spinning(progress: WaitProgress, waiting: Awaitable[T]) -> T:
    """`waiting`, with the progress's spinner turning on a terminal meanwhile."""
    spinner = asyncio.ensure_future(progress.spin()) if progress.terminal else None
    try:
        return await waiting
    finally:
        if spinner is not None:
            spinner.cancel()

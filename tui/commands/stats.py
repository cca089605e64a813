"""`pcwatch stats`: what failed and why, how long tasks take, how many finish an hour, how fast bulk jobs
go and why their records fail, and the budget spent, from the journal alone (no API call). With `--demo`
(and no `--journal`) from the demo's own account, read in-process as a viewer that saw every moment of it
would have journaled it. The numbers are `tui.engine.stats`'s, the same as the dashboard's stats view
(`t`); a journal's are counted by SQLite over the window's rows (`tui.engine.stats_summaries`), so a short
window costs what it holds, not the history. `--json` prints them as one object (docs/stats.md)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings
from tui.core.text_safety import JSON, visible
from tui.core.timefmt import MINUTE, duration, instant

from .common import add_kind_option, column_lines, kind_cell, print_columns, refuse

if TYPE_CHECKING:
    from schemas import BulkJobRecord, BulkJobResult
    from tui.engine.stats import Scope, Stats, TaskTally
    from tui.simulator.demo import Demo

DEFAULT_WINDOW = "7d"
#: Hours listed in the plain table (the most recent with a finished task); `--json` has them all.
HOURS_SHOWN = 48


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since",
        default=DEFAULT_WINDOW,
        metavar="WINDOW",
        help=f"tasks started within this window: 30m, 24h, 7d, 2w, or all (default {DEFAULT_WINDOW})",
    )
    add_kind_option(parser, "only this kind", repeatable=True)
    parser.add_argument("--json", action="store_true", help="one JSON object (docs/stats.md)")


@dataclass
class Readings:
    """What the statistics are computed from, and what the report calls it."""

    source: str
    #: The numbers of the tasks in the scope asked for.
    tally: TaskTally
    bulk_jobs: Sequence[BulkJobRecord] = ()
    #: Job id -> its failed records (of the jobs whose results were fetched).
    bulk_results: Mapping[str, Sequence[BulkJobResult]] = field(default_factory=dict)
    leader_status: str | None = None
    #: What the budget section says when there is no record of the calls per day.
    no_calls: str = "this journal keeps no record of calls per day"


def journal_path_for(settings: Settings) -> tuple[Path | None, str | None]:
    """The journal the settings name, or why there is none."""
    from tui.engine.journal import default_journal_path

    if settings.no_journal:
        return (
            None,
            "--no-journal: there is no journal to read; give --journal PATH, or leave --no-journal out",
        )
    if settings.journal_path is not None:
        return settings.journal_path, None
    if settings.demo:  # a demo endpoint of another process (--endpoint-url): its tasks are there
        return None, (
            "the demo at --endpoint-url keeps its tasks in its own process; run `pcwatch stats --demo` "
            "without --endpoint-url, or give the --journal PATH of a dashboard that watched it"
        )
    return default_journal_path(settings), None


def read_demo(settings: Settings, scope: Scope) -> Readings:
    """The demo's own account (`start_demo`, then closed): `demo_readings`."""
    from tui.simulator.demo import start_demo

    demo = start_demo(settings)
    try:
        return demo_readings(demo, scope)
    finally:
        demo.close()


def demo_readings(demo: Demo, scope: Scope) -> Readings:
    """A running demo's account as a viewer that saw every moment of it would have journaled it: each
    task with its true end (so its duration), and the bulk jobs; no API call, no journal."""
    from tui.engine.stats import tally_rows
    from tui.engine.types import TaskRow

    catalog = demo.settings.catalog
    now = demo.simulator.clock.now().timestamp()
    rows = [
        TaskRow(record, first_seen=now, last_observed=now)
        if end is None or not record.is_terminal
        else TaskRow(record, first_seen=now, last_observed=now, terminal_at=end, terminal_prev=end)
        for record, end in demo.simulator.tasks_with_ends(catalog)
    ]
    return Readings(
        f"the demo's simulated account ({visible(catalog)} catalog), read in-process: no journal",
        tally_rows(rows, scope),
        demo.simulator.bulk_jobs(catalog),
        no_calls="the demo keeps no record of calls per day",
    )


def read_readings(settings: Settings, scope: Scope) -> Readings | str:
    """The tasks of `scope` in the journal the settings name (the demo's own account with `--demo` and no
    `--journal`), or why there is nothing to read."""
    from tui.engine.journal_read import JournalUnreadable, read_journal
    from tui.engine.status import LEADER_KEY
    from tui.simulator.demo import wants_demo

    if wants_demo(settings) and settings.journal_path is None:
        return read_demo(settings, scope)
    path, why_not = journal_path_for(settings)
    if path is None:
        return why_not or "no journal"
    try:
        journal = read_journal(path, scope)
    except JournalUnreadable as unreadable:
        return str(unreadable)
    return Readings(
        str(journal.path),
        journal.tally,
        journal.bulk_jobs,
        journal.bulk_results,
        leader_status=journal.meta.get(LEADER_KEY),
    )


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    from tui.core.clock import SystemClock
    from tui.engine.stats import Scope, WindowError, parse_window, stats_of

    try:
        window = parse_window(args.since)
    except WindowError as refused:
        return refuse("stats", f"--since {refused}")
    now = SystemClock().now()
    scope = Scope.of(now, window, list(dict.fromkeys(args.kind)) if args.kind else None)
    readings = read_readings(settings, scope)
    if isinstance(readings, str):
        return refuse("stats", readings)
    stats = stats_of(
        readings.tally,
        now,
        leader_status=readings.leader_status,
        bulk_jobs=readings.bulk_jobs,
        bulk_results=readings.bulk_results,
    )
    try:
        if args.json:
            sys.stdout.write(visible(stats.to_json().decode(), form=JSON) + "\n")
        else:
            print_stats(stats, readings.source, sys.stdout, no_calls=readings.no_calls)
        sys.stdout.flush()
    except BrokenPipeError:  # `pcwatch stats | head`
        return ExitStatus.OK
    return ExitStatus.OK


def _n(value: int) -> str:
    return f"{value:,}"


def print_stats(
    stats: Stats, source: str, out: TextIO, *, no_calls: str = "this journal keeps no record of calls per day"
) -> None:
    """The plain report of `source` (made safe here): one section per question, tables a terminal shows
    as they are; `no_calls` is said when there is no record of the calls per day."""
    since = instant(stats.since, MINUTE, utc=True) if stats.since else "the beginning"
    out.write(f"pcwatch stats · {visible(source)}\n")
    out.write(
        f"{_n(stats.tasks)} tasks started since {since} (until {instant(stats.generated_at, MINUTE)})\n"
    )

    out.write("\nTasks by status\n")
    statuses = [s for s in _statuses(stats) if s != "total"]
    rows = []
    for kind, counts in stats.by_kind.items():
        failed_share = counts.get("FAILED", 0) / counts["total"] if counts["total"] else 0.0
        rows.append(
            [
                kind_cell(kind),
                *(_n(counts.get(s, 0)) for s in statuses),
                _n(counts["total"]),
                f"{failed_share:.1%}",
            ]
        )
    header = ["KIND", *(visible(s, limit=24) or "(none)" for s in statuses), "TOTAL", "FAILED %"]
    print_columns(header, rows, out, right=range(1, len(header)))

    out.write("\nFailure reasons, most frequent first (each with what it means)\n")
    if stats.failures:
        kinds = list(stats.kinds)
        rows = [
            [
                visible(f.reason_code, limit=48) or "(no reason code)",
                _n(f.count),
                *(_n(f.by_kind.get(k, 0)) for k in kinds),
            ]
            for f in stats.failures
        ]
        lines = column_lines(
            ["REASON", "COUNT", *(kind_cell(k) for k in kinds)], rows, right=range(1, 2 + len(kinds))
        )
        out.write(lines[0] + "\n")
        for line, failure in zip(lines[1:], stats.failures, strict=True):
            out.write(f"{line}\n    {failure.meaning}\n")
    else:
        out.write("  none\n")

    out.write("\nDurations of tasks seen running, then finished (start to observed end)\n")
    rows = [
        [kind_cell(kind), _n(d.observed), duration(d.p50), duration(d.p95), duration(d.max)]
        for kind, d in stats.durations.items()
    ]
    print_columns(["KIND", "OBSERVED", "P50", "P95", "MAX"], rows, out, right=range(1, 5))

    out.write(f"\nTasks finished per hour (UTC; the last {HOURS_SHOWN} hours with any)\n")
    if stats.finished:
        shown = stats.finished[-HOURS_SHOWN:]
        if len(stats.finished) > len(shown):
            out.write(f"  ({len(stats.finished) - len(shown)} earlier hours in --json)\n")
        rows = [[instant(b.start, MINUTE), _n(b.complete), _n(b.failed)] for b in shown]
        print_columns(["HOUR", "COMPLETE", "FAILED"], rows, out, right=(1, 2))
    else:
        out.write("  none\n")

    print_bulk_stats(stats, out)

    out.write("\nBudget spent per day\n")
    budget = stats.budget
    if budget.per_day:
        print_columns(["DAY (UTC)", "CALLS"], [[d.day, _n(d.calls)] for d in budget.per_day], out, right=(1,))
    elif not budget.recorded:
        out.write(f"  {no_calls}\n")
    leader = budget.leader
    if leader is not None:
        at = instant(leader.published_at, MINUTE, utc=True, missing="an unknown time")
        out.write(
            f"  the polling viewer at {at}: {_n(leader.calls_last_hour)} calls in the last hour, "
            f"{_n(leader.calls_left_today)} left of its rolling 24 h allowance\n"
        )


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


def print_bulk_stats(stats: Stats, out: TextIO) -> None:
    """The bulk jobs' sections: jobs by status and their records, records a minute, and the failed
    records' ErrorCodes ranked (of the jobs whose results were fetched)."""
    if not stats.bulk_kinds:  # `--kind` named task kinds only
        return
    since = instant(stats.since, MINUTE, utc=True) if stats.since else "the beginning"
    jobs = sum(k.jobs for k in stats.bulk_jobs.values())
    out.write(f"\nBulk jobs created since {since}: {_n(jobs)}, by status, and their records\n")
    statuses: dict[str, None] = {}
    for numbers in stats.bulk_jobs.values():
        statuses.update(dict.fromkeys(s for s in numbers.by_status if s != "total"))
    rows = [
        [
            kind_cell(kind),
            *(_n(numbers.by_status.get(s, 0)) for s in statuses),
            _n(numbers.jobs),
            _n(numbers.records),
            _n(numbers.succeeded),
            _n(numbers.failed),
            f"{numbers.failed / numbers.records:.1%}" if numbers.records else "",
        ]
        for kind, numbers in stats.bulk_jobs.items()
    ]
    header = [
        "KIND",
        *(visible(s, limit=24) or "(none)" for s in statuses),
        "JOBS",
        "RECORDS",
        "SUCCEEDED",
        "FAILED RECORDS",
        "FAILED %",
    ]
    print_columns(header, rows, out, right=range(1, len(header)))

    out.write(
        "\nRecords a minute of bulk jobs (each job over its own run; overall: all records, all minutes)\n"
    )
    rows = [
        [
            kind_cell(kind),
            _n(n.per_minute.jobs),
            _rate(n.per_minute.p50),
            _rate(n.per_minute.max),
            _rate(n.per_minute.overall),
        ]
        for kind, n in stats.bulk_jobs.items()
    ]
    print_columns(["KIND", "JOBS", "P50", "MAX", "OVERALL"], rows, out, right=range(1, 5))

    known = stats.bulk_results_known
    out.write(
        f"\nFailure codes of bulk jobs' records, most frequent first (the failed records of the {_n(known)} "
        f"job{'' if known == 1 else 's'} whose results were fetched)\n"
    )
    if stats.bulk_failures:
        kinds = list(stats.bulk_kinds)
        rows = [
            [
                visible(f.error_code, limit=48) or "(no error code)",
                _n(f.count),
                *(_n(f.by_kind.get(k, 0)) for k in kinds),
            ]
            for f in stats.bulk_failures
        ]
        header = ["ERROR CODE", "COUNT", *(kind_cell(k) for k in kinds)]
        print_columns(header, rows, out, right=range(1, len(header)))
    elif known:
        out.write("  none: no record of those jobs failed\n")
    else:
        out.write(
            "  none fetched yet: a job's results are fetched when it is opened (the dashboard's jobs view, "
            "watch.results() in a notebook) and then kept in the journal\n"
        )


def _statuses(stats: Stats) -> list[str]:
    """The status columns: the three known ones, then any other a newer service sent."""
    seen: dict[str, None] = {}
    for counts in stats.by_kind.values():
        seen.update(dict.fromkeys(counts))
    return list(seen)

"""`pcwatch journal compact --older-than 365d [--yes] [--vacuum]`: keep the journal small by dropping the
finished tasks that started longer ago than the age, with their transitions, prospecting outcomes and
the snapshot jobs only they name; the statistics keep them as per-hour summaries, so `pcwatch stats` of
any window stays true (`tui.engine.journal_compact`).

The journal is the user's only record of what pcwatch saw, so without `--yes` it only says what it
would drop and drops nothing. The freed pages stay in the file for new rows; `--vacuum` gives them back
to the disk (it rewrites the file while every other pcwatch of the journal waits to write).
`Settings.journal_keep_days` has the leader do the same at its start and daily."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings
from tui.core.text_safety import visible
from tui.core.timefmt import MINUTE, instant

from .common import refuse

COMMAND = "journal compact"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=("compact",),
        help="compact: drop the finished tasks older than --older-than (the statistics keep them summed "
        "by the hour)",
    )
    parser.add_argument(
        "--older-than",
        required=True,
        metavar="AGE",
        help="the finished tasks that started longer ago than this: 365d, 52w, 2160h",
    )
    parser.add_argument("--yes", action="store_true", help="drop them (without it: only say what would go)")
    parser.add_argument(
        "--vacuum",
        action="store_true",
        help="with --yes: then give the freed space back to the disk (rewrites the file; other pcwatch "
        "processes of this journal wait meanwhile)",
    )


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    from tui.core.clock import SystemClock
    from tui.core.sqlite_files import StateFileUnavailable
    from tui.engine.journal import Journal
    from tui.engine.journal_compact import CompactRefused
    from tui.engine.stats import WindowError, parse_window

    from .stats import journal_path_for

    try:
        age = parse_window(args.older_than)
    except WindowError as bad:
        return refuse(COMMAND, str(bad))
    if age is None:
        return refuse(COMMAND, "--older-than all would leave nothing: give an age, e.g. 365d")
    if args.vacuum and not args.yes:
        return refuse(COMMAND, "--vacuum goes with --yes (a dry run changes nothing)")
    path, why_not = journal_path_for(settings)
    if path is None:
        return refuse(COMMAND, why_not or "no journal")
    if not path.is_file():  # (never a new, empty journal made here)
        return refuse(COMMAND, f"no journal at {path}")
    before = SystemClock().now().timestamp() - age
    out = sys.stdout
    try:
        journal = Journal(path)
    except StateFileUnavailable as unavailable:
        return refuse(COMMAND, str(unavailable))
    try:
        try:
            found = journal.compact(before, apply=args.yes)
        except CompactRefused as refused:
            return refuse(COMMAND, str(refused))
        start = instant(datetime.fromtimestamp(before, timezone.utc), MINUTE, utc=True)
        what = (
            f"{found.tasks:,} finished tasks that started before {start} ({visible(args.older_than)} "
            f"ago), with {found.transitions:,} transitions, {found.jobs:,} snapshot jobs and "
            f"{found.prospecting:,} prospecting outcomes"
        )
        out.write(f"pcwatch journal compact · {visible(str(path))}\n")
        if not found.tasks:
            out.write(f"nothing to drop: no finished task started before {start}\n")
        elif not found.applied:
            out.write(f"would drop {what}; the statistics keep them summed by the hour\n")
            out.write("nothing dropped: run again with --yes to drop them\n")
        else:
            out.write(f"dropped {what}; the statistics keep them summed by the hour\n")
        if args.vacuum:
            size = _size(path)
            journal.vacuum()
            out.write(f"vacuumed: {size / 1e6:,.1f} MB -> {_size(path) / 1e6:,.1f} MB on disk\n")
        elif found.applied:
            out.write(
                f"the journal is {_size(path) / 1e6:,.1f} MB on disk: the freed pages are reused by new "
                "rows (--vacuum gives them back to the disk)\n"
            )
    finally:
        journal.close()
    return ExitStatus.OK

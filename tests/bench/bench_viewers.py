"""What a follower costs, and what N viewers cost the account.

1. The follower's tick on a large journal (default 100,000 tasks): `changes_since` when nothing changed
   (every second, most of the time), and with a poll's worth of changes (N running tasks re-observed,
   a few transitions). Targets: well under 1 ms idle, a few ms per poll's changes.
2. Requests at the local endpoint over the same period for 1 viewer and for N viewer processes on one
   journal (each a headless `make_engine` viewer): the same, give or take a tick.

    .venv/bin/python tests/bench/bench_viewers.py [--tasks 100000] [--viewers 3] [--seconds 5]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def tail_costs(tasks: int, running: int, directory: Path) -> list[tuple[str, str]]:
    from schemas import TaskRecord
    from tui.core.clock import MockClock
    from tui.engine.journal import Journal
    from tui.engine.store import Store

    t0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
    clock = MockClock(t0 + timedelta(days=30))
    path = directory / "bench.sqlite3"
    leader = Store(Journal(path), clock)
    records = [
        TaskRecord(
            kind="EngagementByAcceptingInvitation",
            task_id=f"task-{n:013x}",
            task_status="IN_PROGRESS" if n < running else "COMPLETE",
            start_time=t0 + timedelta(seconds=n),
        )
        for n in range(tasks)
    ]
    leader.apply_tasks(records, backfill=True)
    follower = Store(Journal(path), clock)
    started = time.perf_counter()
    follower.load()
    load = time.perf_counter() - started
    journal = follower.journal
    assert journal is not None

    runs = 1000
    started = time.perf_counter()
    for _ in range(runs):
        journal.changes_since(follower.journal_seq)
    idle = (time.perf_counter() - started) / runs

    polls = 50
    total = 0.0
    for i in range(polls):
        clock.advance(5)
        finished = [records[i]] if i < running else []
        leader.apply_tasks(records[i + 1 : running] + [_done(r) for r in finished])
        started = time.perf_counter()
        follower.apply_journal_changes(journal.changes_since(follower.journal_seq))
        total += time.perf_counter() - started
    assert follower.counts() == leader.counts()
    return [
        ("journal tasks", f"{tasks:,}"),
        ("follower load", f"{load * 1000:.0f} ms"),
        ("tick, nothing changed", f"{idle * 1e6:.0f} µs"),
        (f"tick, a poll's changes (~{running} rows)", f"{total / polls * 1000:.2f} ms"),
    ]


def _done(record):  # type: ignore[no-untyped-def]
    import msgspec

    return msgspec.structs.replace(record, task_status="COMPLETE")


def endpoint_requests(viewers: int, seconds: float, directory: Path) -> list[tuple[str, str]]:
    from tests.support.viewer import viewer_command
    from tui.core.clock import SystemClock
    from tui.simulator import Simulator, serve

    sim = Simulator(seed=7, history=500, clock=SystemClock())
    for _ in range(5):
        sim.add_task(duration=3600.0)
    rows = []
    with serve(sim, port=0) as endpoint:
        for n in (1, viewers):
            before = sim.stats.total
            journal = directory / f"viewers-{n}.sqlite3"
            processes = [
                subprocess.Popen(
                    viewer_command(endpoint.url, journal, seconds),
                    stdout=subprocess.PIPE,
                    text=True,
                    cwd=ROOT,
                )
                for _ in range(n)
            ]
            results = [json.loads(p.communicate()[0].splitlines()[-1]) for p in processes]
            leaders = sum(r["role"] == "leader" for r in results)
            rows.append(
                (
                    f"{n} viewer(s), {seconds:g} s",
                    f"{sim.stats.total - before} requests ({leaders} ended leading)",
                )
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--running", type=int, default=50)
    parser.add_argument("--viewers", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = tail_costs(args.tasks, args.running, Path(tmp))
        rows += endpoint_requests(args.viewers, args.seconds, Path(tmp))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()

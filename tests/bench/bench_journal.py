"""The journal at scale: what a long history costs (issue 29), for 100k, 300k and 1M tasks.

    .venv/bin/python tests/bench/bench_journal.py --tasks 100000 --write PATH   # write one journal, exit
    .venv/bin/python tests/bench/bench_journal.py                # the table: 100k, 300k, 1M (temp dir)
    .venv/bin/python tests/bench/bench_journal.py --dir DIR --runs 1 --sizes 100000,1000000

The journals are realistic: every field of each kind filled, a tenth failed with a reason and its
message, one task every 30 s over all four task kinds (2,880 a day: 100k span 35 days, 1M a year), the
newest a minute old and the last few still running; a third seen live (two transitions each, and their
snapshot job fetched); an invitation behind each accept task (a tombstone once no longer pending); a bulk
job every 8 hours. They are written through `Journal.write`, a transaction per 2,000 tasks (as a
backfill writes them), so the rows are exactly what pcwatch writes. `--dir` keeps them and reuses them.

Each figure is the median of `--runs` fresh processes (warm page cache: each journal is opened once
first, which also migrates one written by an older pcwatch):
- store load: `Store(Journal(path)).load()` (keeps every running task and the newest 100,000 finished),
  imports excluded.
- launch to first rows: a fresh `python -c` process that builds the real dashboard as `pcwatch --journal
  J` does (`tui.commands.dashboard.build_app` from the parsed command line) and runs it under Textual's
  Pilot with a driver that renders as to a terminal but writes nowhere, from before the process starts
  until the first frame written while the task table has rows. The endpoint is a closed loopback port
  (dummy credentials): no call reaches anything, and a failed call is not waited for.
- `stats --since 24h --json`: the wall time of `python -m tui stats ...` as a process.
- `stats` peak memory: the child's ru_maxrss (`os.wait4`), for the default window and for `--since all`.
- journal file: the database and its -wal.
- CPU rows: the same as user + system seconds of the process, less blurred by other work on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SIZES = (100_000, 300_000, 1_000_000)
#: One task every 30 s: 2,880 a day, the rate of the issue's measurements (a million in a year).
SPACING_S = 30
#: The newest tasks still running.
RUNNING = 12
PAGE = 2_000

STORE_LOAD = """
import resource, sys, time
sys.path.insert(0, {root!r})
from tui.engine.journal import Journal
from tui.engine.store import Store
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
t, c = time.perf_counter(), cpu()
store = Store(Journal({path!r}))
store.load()
print(time.perf_counter() - t, cpu() - c, len(store))
"""

LAUNCH = """
import asyncio, resource, sys, time
t0 = float(sys.argv[1])
sys.path.insert(0, {root!r})

async def main():
    from tui.__main__ import build_parser, settings_from_args
    from tui.commands.dashboard import build_app
    from tests.support.dashboard import CountingDriver
    settings = settings_from_args(build_parser().parse_args(sys.argv[2:]))
    dashboard = build_app(settings, driver_class=CountingDriver)
    app = dashboard.app
    done = asyncio.Event()
    try:
        async with app.run_test(size=(160, 48), headless=False) as pilot:
            write = app._driver.write
            def first_rows(data):
                if app.table.row_count > 0 and not done.is_set():
                    done.set()
                    usage = resource.getrusage(resource.RUSAGE_SELF)
                    print(time.time() - t0, usage.ru_utime + usage.ru_stime, file=sys.__stderr__, flush=True)
                write(data)
            app._driver.write = first_rows
            if app.table.row_count > 0:
                app.screen.refresh()
            await asyncio.wait_for(done.wait(), 300)
    finally:
        dashboard.close()
asyncio.run(main())
"""


# --- writing a journal ------------------------------------------------------------------------------


def write_journal(path: Path, n: int, now: datetime | None = None, seed: int = 29) -> float:
    """A realistic journal of `n` tasks at `path` (see the module's docstring); returns the seconds."""
    from schemas import EngagementInvitationSummary, GetResourceSnapshotJobResponse, TaskKind, TaskRecord
    from schemas.bulk_jobs import BulkJobRecord
    from tui.engine.journal import Journal
    from tui.engine.types import TaskRow
    from tui.simulator.texts import FAILURE_MESSAGES, PROSPECTING_FAILURES, REASONS_BY_KIND

    if path.exists():
        raise SystemExit(f"{path} exists")
    rng = random.Random(seed)
    now = now or datetime.now(timezone.utc)
    newest = now - timedelta(minutes=1)
    kinds = (
        TaskKind.ACCEPT_INVITATION,
        TaskKind.ENGAGEMENT_FROM_OPPORTUNITY,
        TaskKind.OPPORTUNITY_FROM_ENGAGEMENT,
        TaskKind.PROSPECTING_FROM_ENGAGEMENT,
    )
    arn = "arn:aws:partnercentral:us-east-1:123456789012:catalog/AWS"
    prospecting_reasons = list(PROSPECTING_FAILURES)

    def hexid(prefix: str, width: int = 13) -> str:
        """An id in the model's format (as the simulator's `IdFactory` makes them, without its set of
        every id taken: at 52 bits a clash among a million is a 1 in 10,000 chance)."""
        return f"{prefix}{rng.getrandbits(4 * width):0{width}x}"

    journal = Journal(path)
    started = time.perf_counter()
    for first in range(0, n, PAGE):
        rows: list[TaskRow] = []
        transitions: list[tuple[str, str, str | None, str, float, float | None]] = []
        jobs: list[tuple[GetResourceSnapshotJobResponse, float]] = []
        invitations: list[EngagementInvitationSummary] = []
        bulk: list[tuple[BulkJobRecord, float]] = []
        for i in range(first, min(first + PAGE, n)):
            age = n - 1 - i  # 0: the newest
            start = newest - timedelta(seconds=age * SPACING_S)
            kind = kinds[i % 4]
            running = age < RUNNING
            failed = not running and rng.random() < 0.1
            status = "IN_PROGRESS" if running else "FAILED" if failed else "COMPLETE"
            took = 20 + rng.expovariate(1 / 90)
            end = start + timedelta(seconds=took)
            task_id = hexid("task-", 14 if kind == TaskKind.PROSPECTING_FROM_ENGAGEMENT else 13)
            job_id = hexid("job-")
            fields: dict[str, object] = {
                "kind": kind,
                "task_id": task_id,
                "task_arn": f"{arn}/task/{task_id}",
                "start_time": start,
                "task_status": status,
                "opportunity_id": f"O{rng.getrandbits(33) + 1_000_000}",
                "engagement_id": hexid("eng-", 14),
            }
            if kind == TaskKind.PROSPECTING_FROM_ENGAGEMENT:
                total = rng.randint(1, 40)
                bad = rng.randint(1, total) if failed else 0
                fields.update(
                    task_name=f"Prospecting {i}",
                    end_time=None if running else end,
                    identifiers=[hexid("eng-", 14) for _ in range(min(total, 5))],
                    total_engagement_count=total,
                    completed_engagement_count=total if not running else total // 2,
                    failed_engagement_count=bad,
                )
                if failed:
                    reason = rng.choice(prospecting_reasons)
                    fields.update(reason_code=reason, message=PROSPECTING_FAILURES[reason])
            else:
                fields["resource_snapshot_job_id"] = job_id
                if kind != TaskKind.OPPORTUNITY_FROM_ENGAGEMENT:
                    fields["engagement_invitation_id"] = hexid("engi-")
                else:
                    fields["context_id"] = str(rng.randrange(1, 65))
                if failed:
                    reason = rng.choice(REASONS_BY_KIND[kind])
                    fields.update(reason_code=reason, message=FAILURE_MESSAGES[reason])
            record = TaskRecord(**fields)  # type: ignore[arg-type]
            live = i % 3 == 0 or running
            first_seen = start.timestamp() + (5 if live else took + 60)
            ended = end.timestamp() + 10
            if running:
                rows.append(TaskRow(record, first_seen, now.timestamp()))
            elif live:
                rows.append(TaskRow(record, first_seen, ended, ended, ended - 30))
            else:
                rows.append(TaskRow(record, first_seen, first_seen))
            if live:
                transitions.append((task_id, kind, None, "IN_PROGRESS", first_seen, None))
                if not running:
                    transitions.append((task_id, kind, "IN_PROGRESS", status, ended, ended - 30))
                if "resource_snapshot_job_id" in fields and not running:
                    job = GetResourceSnapshotJobResponse(
                        catalog="AWS",
                        id=job_id,
                        arn=f"{arn}/resource-snapshot-job/{job_id}",
                        engagement_id=str(fields["engagement_id"]),
                        resource_type="Opportunity",
                        resource_id=str(fields["opportunity_id"]),
                        resource_arn=f"{arn}/opportunity/{fields['opportunity_id']}",
                        resource_snapshot_template_name="AWSOpportunitySummaryFullTemplate",
                        created_at=end,
                        status="Stopped",
                        last_successful_execution_date=end,
                        last_failure=None,
                    )
                    jobs.append((job, ended + 20))
            if kind == TaskKind.ACCEPT_INVITATION:
                invitations.append(
                    EngagementInvitationSummary(
                        arn=f"{arn}/engagement-invitation/{fields['engagement_invitation_id']}",
                        payload_type="OpportunityInvitation",
                        id=str(fields["engagement_invitation_id"]),
                        engagement_id=str(fields["engagement_id"]),
                        engagement_title=f"Engagement {i}",
                        status="PENDING",
                        invitation_date=start - timedelta(hours=2),
                        expiration_date=start + timedelta(days=15),
                        sender_aws_account_id="111122223333",
                        sender_company_name="AnyCompany",
                        catalog="AWS",
                        participant_type="RECEIVER",
                    )
                )
            if i % (8 * 3600 // SPACING_S) == 0:
                bulk.append(
                    (
                        BulkJobRecord(
                            kind="OpportunityBulkJob",
                            job_id=hexid("bulkjob-"),
                            status="COMPLETED" if age > 200 else "IN_PROGRESS",
                            created_at=start,
                        ),
                        ended,
                    )
                )
        journal.write(tasks=rows, transitions=transitions, jobs=jobs, invitations=invitations, bulk_jobs=bulk)
        # The sweep drops the invitations no longer pending: a tombstone each (the newest stay pending).
        journal.write(
            removed_invitations=[
                inv.id
                for inv in invitations
                if inv.invitation_date and inv.invitation_date < now - timedelta(days=1)
            ]
        )
    elapsed = time.perf_counter() - started
    journal.close()
    return elapsed


# --- measuring --------------------------------------------------------------------------------------


def _env(home: Path) -> dict[str, str]:
    """A child's environment: its own state and config directories, dummy credentials (nothing is sent)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PCWATCH_"))}
    env.update(
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        HOME=str(home),
        AWS_ACCESS_KEY_ID="AKIDBENCHBENCHBENCH0",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
        COLORTERM="truecolor",
        TERM="xterm-256color",
    )
    return env


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_child(argv: list[str], env: dict[str, str]) -> tuple[str, str, float, float, float]:
    """Run a child, reaping it with `os.wait4` so that its rusage is its own: its stdout, stderr, wall
    seconds, peak resident memory (MB, ru_maxrss) and CPU seconds."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err, text=True, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:6])}… exited {proc.returncode}:\n{stderr[-3000:]}")
    return stdout, stderr, wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def measure(path: Path, home: Path) -> dict[str, float]:
    env = _env(home)
    py = sys.executable
    journal = ["--journal", str(path)]
    load = _run_child([py, "-c", STORE_LOAD.format(root=str(ROOT), path=str(path))], env)[0].split()
    endpoint = ["--endpoint-url", f"http://127.0.0.1:{_closed_port()}", "--catalog", "AWS"]
    launch_argv = [py, "-c", LAUNCH.format(root=str(ROOT)), repr(time.time()), *journal, *endpoint]
    # (the child's stderr may hold log lines after its figures: the line that starts with a number)
    said = _run_child(launch_argv, env)[1].splitlines()
    launch = next(line.split() for line in said if line[:1].isdigit())
    stats_24h = _run_child([py, "-m", "tui", "stats", *journal, "--since", "24h", "--json"], env)
    stats_mb = _run_child([py, "-m", "tui", "stats", *journal], env)[3]
    stats_all_mb = _run_child([py, "-m", "tui", "stats", *journal, "--since", "all"], env)[3]
    return {
        "load": float(load[0]),
        "load_cpu": float(load[1]),
        "launch": float(launch[0]),
        "launch_cpu": float(launch[1]),
        "stats_24h": stats_24h[2],
        "stats_24h_cpu": stats_24h[4],
        "stats_mb": stats_mb,
        "stats_all_mb": stats_all_mb,
    }


ROWS = (
    ("store load (keeps the newest 100,000 finished)", "load", "{:.2f} s"),
    ("launch to first rows (Pilot, real app)", "launch", "{:.2f} s"),
    ("`pcwatch stats --since 24h --json`", "stats_24h", "{:.2f} s"),
    ("`pcwatch stats` peak memory", "stats_mb", "{:,.0f} MB"),
    ("`pcwatch stats --since all` peak memory", "stats_all_mb", "{:,.0f} MB"),
    ("journal file", "size_mb", "{:,.0f} MB"),
    # The same in CPU seconds (user + system) of the process: what a machine shared with other work
    # does not blur as much as the wall time.
    ("store load, CPU", "load_cpu", "{:.2f} s"),
    ("launch to first rows, CPU of the process", "launch_cpu", "{:.2f} s"),
    ("`stats --since 24h --json`, CPU", "stats_24h_cpu", "{:.2f} s"),
)


def table(sizes: list[int], figures: dict[int, dict[str, float]]) -> str:
    head = ["tasks in the journal", *(f"{n // 1000}k" if n < 1_000_000 else f"{n / 1e6:g}M" for n in sizes)]
    head.append(f"growth {head[1]} → {head[-1]}")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, key, form in ROWS:
        cells = [form.format(figures[n][key]) for n in sizes]
        growth = figures[sizes[-1]][key] / figures[sizes[0]][key]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | ×{growth:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, help="with --write: how many tasks")
    parser.add_argument(
        "--write", type=Path, metavar="PATH", help="write one journal of --tasks tasks at PATH and exit"
    )
    parser.add_argument(
        "--sizes", default=",".join(map(str, SIZES)), help="the journals' sizes (comma-separated)"
    )
    parser.add_argument(
        "--dir", type=Path, help="where the journals are written (and reused); default a temp dir"
    )
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per figure (the median)")
    args = parser.parse_args()
    if args.write is not None:
        if not args.tasks:
            parser.error("--write needs --tasks N")
        seconds = write_journal(args.write, args.tasks)
        print(f"{args.write}: {args.tasks:,} tasks written in {seconds:.1f} s")
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        where = args.dir or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        home = Path(tmp) / "home"
        home.mkdir()
        figures: dict[int, dict[str, float]] = {}
        for n in sizes:
            path = where / f"journal-{n}.sqlite3"
            if not path.exists():
                seconds = write_journal(path, n)
                print(f"wrote {path} ({n:,} tasks) in {seconds:.1f} s", file=sys.stderr)
            from tui.engine.journal import Journal

            Journal(path).close()  # migrated (a journal of an older pcwatch) and in the page cache
            runs = [measure(path, home) for _ in range(args.runs)]
            figures[n] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            figures[n]["size_mb"] = (
                sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists()) / 1e6
            )
            print(json.dumps({"tasks": n, "runs": runs}), file=sys.stderr)
    print(table(sizes, figures))
    print(f"\nmedians of {args.runs} fresh process(es) per figure; {sys.platform}, {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

"""Dashboard benchmarks, each beside a plain Textual `DataTable` baseline measured in the same run.

    .venv/bin/python tests/bench/bench_dashboard.py            # everything (~3 min on 2 cores)
    .venv/bin/python tests/bench/bench_dashboard.py --quick    # 1k/10k only, no 100k baselines
    .venv/bin/python tests/bench/bench_dashboard.py --only bytes-colours --runs 1   # bytes per change only
    .venv/bin/python tests/bench/bench_dashboard.py --only jobs --runs 3            # the jobs view's bytes

How bytes are counted: the app runs with a driver that tells Textual it is *not* headless (so the
compositor renders and writes exactly the escape sequences it would send to a terminal) but whose
`write` counts the UTF-8 bytes instead of writing them to a file descriptor. What is counted is what a
terminal (and an SSH link) would receive. Colours: truecolor (`COLORTERM=truecolor`), as on most
terminals today, and bytes per change also in 256 and 16 colours (`TEXTUAL_COLOR_SYSTEM`, in a child
process); both sides of a comparison use the same settings.

Rows:
- bytes per changed task: one task changes status (COMPLETE -> FAILED with a reason) on a visible row,
  20 times; mean bytes written per change. "table only" is the table widget alone in an app (the
  comparison with DataTable); "dashboard" is the whole app (header counts, activity pane, details).
- idle: bytes per second with nothing changing (5 s), and per poll that changed nothing; then with the
  app's clock ticking every second (120 clock seconds): with no running task on screen, and with 40
  running rows and one selected (its "Took … so far" changes every second, each row's age every minute).
- CPU per refresh with 10 changed tasks, at 1,000 / 10,000 / 100,000 tasks: process CPU time from the
  store change to the repaint written.
- bytes per bulk job update: the jobs view (`b`) open, a running job advancing 37 records a poll; mean
  bytes per poll with the job's row only changing, and with it selected (its details change too); and
  bytes per clock second with nothing changing (nothing there moves with the clock alone).
- launch: a fresh process, 100,000 tasks in a SQLite journal, until the first rows are written.
- keypress -> repaint p99 while history loads: pages of 1,000 tasks arrive every 100 ms while the
  cursor moves every 20 ms.
"""

from __future__ import annotations

import os

os.environ.setdefault("COLORTERM", "truecolor")
os.environ.setdefault("TERM", "xterm-256color")

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


from tests.bench.dashboard_measures import (  # noqa: E402
    LATENCY_DETAIL,
    bytes_per_change,
    bytes_per_job_update,
    cpu_per_refresh,
    idle_bytes,
    jobs_view_idle_bytes,
    keypress_latency,
    records,
    ticking_bytes,
)
from tests.support.dashboard import T0  # noqa: E402
from tui.core.clock import MockClock  # noqa: E402
from tui.engine.store import Store  # noqa: E402

LAUNCH_CHILD = """
import os, sys, time
t0 = float(sys.argv[1]); kind = sys.argv[2]; journal_path = sys.argv[3]
sys.path.insert(0, {root!r})
import asyncio
from tui.engine.journal import Journal
from tui.engine.store import Store

async def main():
    if kind == "dashboard":  # only what `pcwatch` itself imports (plus the counting driver)
        from tests.support.dashboard import CountingDriver, FakePoller, T0
        from tui.dashboard.app import PcwatchApp
        from tui.core.clock import MockClock
        from tui.core.settings import Settings
        store = Store(journal=Journal(journal_path), clock=MockClock(T0))
        app = PcwatchApp(store, FakePoller(), Settings(), MockClock(T0), load=store.load, driver_class=CountingDriver)
    else:
        from tests.bench.dashboard_measures import DataTableApp
        store = Store(journal=Journal(journal_path)); store.load(); app = DataTableApp(store)
    done = asyncio.Event()
    async with app.run_test(size=(160, 48), headless=False) as pilot:
        rows = (lambda: app.table.row_count) if kind == "dashboard" else (lambda: app.query_one("#tasks").row_count)
        write = app._driver.write
        def counting_write(data):
            if rows() > 0:
                done.set()
            write(data)
        app._driver.write = counting_write
        if rows() > 0:
            app.screen.refresh()
        await asyncio.wait_for(done.wait(), 120)
        print(time.time() - t0, file=sys.__stderr__)
asyncio.run(main())
"""


def make_journal(n: int, directory: str) -> str:
    from tui.engine.journal import Journal

    path = str(Path(directory) / "bench.sqlite3")
    journal = Journal(path)
    store = Store(journal=journal, clock=MockClock(T0))
    with store.batch():
        store.apply_tasks(records(n), T0, backfill=True)
    journal.close()
    return path


def launch_seconds(kind: str, journal_path: str) -> float:
    code = LAUNCH_CHILD.format(root=str(ROOT))
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, repr(started), kind, journal_path],
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [line for line in out.stderr.strip().splitlines() if line.strip()]
    try:
        return float(lines[-1])
    except (IndexError, ValueError):
        raise SystemExit(f"launch child failed:\n{out.stderr[-2000:]}") from None


def bytes_in_colour_system(system: str) -> tuple[float, float]:
    """Bytes per changed task (table only, and DataTable) in a child process with Textual's colour
    system forced (`TEXTUAL_COLOR_SYSTEM`: "256", "standard" for 16 colours)."""
    env = {**os.environ, "TEXTUAL_COLOR_SYSTEM": system}
    child = subprocess.run(
        [sys.executable, __file__, "--bytes-only"], env=env, capture_output=True, text=True, timeout=600
    )
    ours, base = (float(v) for v in child.stdout.split()[-2:])
    return ours, base


def row(name: str, ours: float, baseline: float, unit: str, target: str) -> str:
    ratio = baseline / ours if ours and ours == ours and baseline == baseline else float("nan")
    return f"{name:<52} {ours:>12,.1f} {baseline:>12,.1f} {unit:<6} {ratio:>7.1f}x  {target}"


#: --only NAME: one measure of pcwatch alone (no DataTable baseline), for profiling and before/after runs.
ONLY: dict[str, Any] = {
    "launch": None,  # runs share one journal, see run_only
    "keys": lambda: asyncio.run(keypress_latency("dashboard")),
    "cpu": None,
    "bytes": lambda: asyncio.run(bytes_per_change("table")),
    "bytes-colours": None,  # truecolour, 256 and 16 colours, see run_only
    "ticking": None,  # bytes per clock second, see run_only
    "jobs": None,  # the jobs view: bytes per job update and per idle second, see run_only
}


def run_only(name: str, runs: int) -> int:
    results: dict[str, list[float]] = {}
    if name == "launch":
        with tempfile.TemporaryDirectory() as directory:
            journal = make_journal(100_000, directory)
            results["launch 100k (s)"] = [launch_seconds("dashboard", journal) for _ in range(runs)]
    elif name == "bytes-colours":
        for _ in range(runs):
            results.setdefault("bytes per changed task, truecolour", []).append(
                asyncio.run(bytes_per_change("table"))
            )
            for system, label in (("256", "256 colours"), ("standard", "16 colours")):
                results.setdefault(f"bytes per changed task, {label}", []).append(
                    bytes_in_colour_system(system)[0]
                )
    elif name == "ticking":
        for _ in range(runs):
            results.setdefault("B/s ticking, no running task shown", []).append(
                asyncio.run(ticking_bytes(running_shown=False))
            )
            results.setdefault("B/s ticking, running rows shown", []).append(
                asyncio.run(ticking_bytes(running_shown=True))
            )
    elif name == "jobs":
        for _ in range(runs):
            results.setdefault("B per job update, row only", []).append(
                asyncio.run(bytes_per_job_update(selected=False))
            )
            results.setdefault("B per job update, selected", []).append(
                asyncio.run(bytes_per_job_update(selected=True))
            )
            results.setdefault("B/s jobs view, nothing changing", []).append(
                asyncio.run(jobs_view_idle_bytes())
            )
    elif name == "cpu":
        for n in (1_000, 10_000, 100_000):
            results[f"CPU per refresh {n:,} (ms)"] = [
                asyncio.run(cpu_per_refresh("dashboard", n)) for _ in range(runs)
            ]
    else:
        for _ in range(runs):
            results.setdefault(name, []).append(ONLY[name]())
            if name == "keys":
                print(f"  {LATENCY_DETAIL['dashboard']}")
    for label, values in results.items():
        each = " ".join(f"{v:.3f}" for v in values)
        print(f"{label:<32} median {statistics.median(values):8.3f}   runs: {each}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-task runs")
    parser.add_argument("--bytes-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--only",
        choices=sorted(ONLY),
        help="run one measure only (pcwatch side, no baseline), --runs times, and print each run and the median",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs for --only (default 3)")
    args = parser.parse_args()
    if args.only:
        return run_only(args.only, args.runs)
    if args.bytes_only:  # a child run under another colour system
        print(asyncio.run(bytes_per_change("table")), asyncio.run(bytes_per_change("datatable")))
        return 0
    sizes = (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000)
    lines = [f"{'measure':<52} {'pcwatch':>12} {'DataTable':>12} {'unit':<6} {'ratio':>8}  target"]
    run = asyncio.run
    table_b = run(bytes_per_change("table"))
    base_b = run(bytes_per_change("datatable"))
    lines.append(row("bytes per changed task (table only, 10k tasks)", table_b, base_b, "B", "<= 100 B"))
    for system, label in (("256", "256-colour"), ("standard", "16-colour")):
        ours_other, base_other = bytes_in_colour_system(system)
        lines.append(row(f"  same, {label} terminal", ours_other, base_other, "B", "<= 100 B"))
    dash_b = run(bytes_per_change("dashboard"))
    lines.append(
        row("bytes per changed task (whole dashboard)", dash_b, base_b, "B", "(incl. header, activity)")
    )
    idle, per_poll = run(idle_bytes("dashboard"))
    base_idle, _ = run(idle_bytes("datatable"))
    lines.append(row("bytes per idle second (clock stopped)", idle, base_idle, "B/s", "<= 20 B/s"))
    quiet = run(ticking_bytes(running_shown=False))
    lines.append(row("  clock ticking, no running task shown", quiet, float("nan"), "B/s", "<= 20 B/s"))
    busy = run(ticking_bytes(running_shown=True))
    lines.append(
        row("  clock ticking, 40 running rows, one selected", busy, float("nan"), "B/s", "(ages tick)")
    )
    lines.append(
        row("bytes per poll that changed nothing (dashboard)", per_poll, float("nan"), "B", "/5 s poll")
    )
    job_row = run(bytes_per_job_update(selected=False))
    lines.append(
        row("bytes per bulk job update (jobs view, its row)", job_row, float("nan"), "B", "<= 250 B")
    )
    job_selected = run(bytes_per_job_update(selected=True))
    lines.append(
        row("  same, the job selected (its details too)", job_selected, float("nan"), "B", "<= 500 B")
    )
    jobs_idle = run(jobs_view_idle_bytes())
    lines.append(row("  jobs view, clock ticking, nothing changing", jobs_idle, float("nan"), "B/s", "0 B/s"))
    cpu: dict[int, float] = {}
    for n in sizes:
        cpu[n] = run(cpu_per_refresh("dashboard", n))
        base = run(cpu_per_refresh("datatable", n)) if n <= 10_000 or not args.quick else float("nan")
        lines.append(row(f"CPU per refresh, 10 changed tasks, {n:,} tasks", cpu[n], base, "ms", ""))
    if 100_000 in cpu:
        growth = cpu[100_000] / cpu[1_000]
        lines.append(
            f"{'  growth 1k -> 100k (pcwatch)':<52} {growth:>12.2f}x {'':>12} {'':<6} {'':>8}  <= 2x"
        )
    if not args.quick:
        with tempfile.TemporaryDirectory() as directory:
            journal = make_journal(100_000, directory)
            ours = launch_seconds("dashboard", journal)
            base = launch_seconds("datatable", journal)
        lines.append(row("launch to first rows, 100k-task journal", ours, base, "s", "<= 1 s"))
    p99 = run(keypress_latency("dashboard", pages=30 if args.quick else 100))
    base_p99 = run(keypress_latency("datatable", pages=30 if args.quick else 100))
    lines.append(row("keypress -> repaint p99 while history loads", p99, base_p99, "ms", "<= 50 ms"))
    for kind, detail in LATENCY_DETAIL.items():
        lines.append(f"  {kind}: {detail}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

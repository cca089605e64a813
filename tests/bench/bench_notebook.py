"""The notebook's first look at a large account: how long `watch.tasks()` blocks on the first run
against the demo endpoint (15,000 tasks of history, the default budget of 1 call/s with a burst of 10),
how many tasks it returns with, and how long the whole history takes (`watch.wait_loaded()`).

The baseline is the same first `watch.tasks()` run by an older pcwatch tree (`--baseline-tree`, e.g. an
export of main before issue 17: `git archive ff66d61 | tar -x -C /tmp/pcwatch-old`), whose first
`tasks()` returned only once the whole history was in.

    .venv/bin/python tests/bench/bench_notebook.py [--history 15000] [--runs 3] [--baseline-tree DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tui.notebook import Watch
from tui.simulator.demo import DemoWorld

#: The first `tasks()` of a fresh watch, timed in another process (run with an older tree's `tui`).
FIRST_TASKS = """
import sys, tempfile, time
from pathlib import Path
from tui.notebook import Watch
from tui.simulator.demo import DemoWorld
journal = Path(tempfile.mkdtemp(prefix="pcwatch-bench-")) / "nb.sqlite3"
started = time.perf_counter()
with Watch(demo=DemoWorld(history=int(sys.argv[1]), activity_per_minute=0), journal=journal) as watch:
    n = len(watch.tasks(wait=300))
    print(time.perf_counter() - started, n)
"""


def one_run(history: int) -> tuple[float, int, float, int]:
    journal = Path(tempfile.mkdtemp(prefix="pcwatch-bench-")) / "nb.sqlite3"
    started = time.perf_counter()
    with Watch(demo=DemoWorld(history=history, activity_per_minute=0), journal=journal) as watch:
        first = watch.tasks(wait=120)
        first_s = time.perf_counter() - started
        assert watch.wait_loaded(timeout=300)
        loaded_s = time.perf_counter() - started
        return first_s, len(first), loaded_s, len(watch.tasks())


def baseline_run(tree: Path, history: int) -> tuple[float, int]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", FIRST_TASKS, str(history)],
        env=env,
        cwd=tree,  # (`-c` puts the working directory first on the path: the tree's `tui`, not this one)
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0]), int(out[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--history", type=int, default=15_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--baseline-tree", type=Path, help="an older pcwatch tree to time the same first tasks() with"
    )
    args = parser.parse_args()
    runs = [one_run(args.history) for _ in range(args.runs)]
    first = statistics.median(r[0] for r in runs)
    loaded = statistics.median(r[2] for r in runs)
    print(
        f"demo endpoint, {args.history:,}-task history, default budget (1 call/s, burst 10), {args.runs} runs"
    )
    print(f"{'what':<44} {'median':>10}  runs")
    print(
        f"{'first watch.tasks() returns after':<44} {first:>9.2f}s  " + ", ".join(f"{r[0]:.2f}" for r in runs)
    )
    print(
        f"{'  ...with tasks':<44} {statistics.median(r[1] for r in runs):>10,.0f}  "
        + ", ".join(f"{r[1]:,}" for r in runs)
    )
    print(
        f"{'whole history in (wait_loaded) after':<44} {loaded:>9.2f}s  "
        + ", ".join(f"{r[2]:.2f}" for r in runs)
    )
    print(f"{'  ...tasks':<44} {statistics.median(r[3] for r in runs):>10,.0f}")
    if args.baseline_tree is not None:
        old = [baseline_run(args.baseline_tree, args.history) for _ in range(args.runs)]
        print(
            f"{'baseline tree: first watch.tasks() after':<44} {statistics.median(r[0] for r in old):>9.2f}s  "
            + ", ".join(f"{r[0]:.2f} ({r[1]:,} tasks)" for r in old)
        )


if __name__ == "__main__":
    main()

"""Journal load time and process memory for a large history (default 100,000 tasks).

Writes a journal of realistic tasks (every field filled, a tenth failed with a message, a few
transitions each for the live ones), then loads it into a Store in a fresh process and reports the time
and the resident memory. Targets: under 1 s and under 150 MB.

    .venv/bin/python tests/bench/bench_journal.py [--tasks 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

LOADER = """
import gc, json, resource, sys, time
sys.path.insert(0, {root!r})
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
before = rss()
t0 = time.perf_counter()
from tui.engine.journal import Journal
from tui.engine.store import Store
t1 = time.perf_counter()
store = Store(Journal({path!r}))
store.load()
t2 = time.perf_counter()
counts = store.counts()
t3 = time.perf_counter()
print(json.dumps({{"tasks": len(store), "import_s": t1 - t0, "load_s": t2 - t1, "counts_s": t3 - t2,
                  "rss_before_mb": before, "rss_after_mb": rss(),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def write_journal(path: Path, n: int, seed: int = 1) -> float:
    from schemas import TASK_KINDS, TaskRecord
    from tui.engine.journal import Journal
    from tui.engine.types import TaskRow

    rng = random.Random(seed)
    kinds = list(TASK_KINDS)
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    rows, transitions = [], []
    for i in range(n):
        kind = kinds[i % 3]
        start = t0 + timedelta(seconds=i * 30)
        failed = rng.random() < 0.1
        task_id = f"task-{i:013x}"
        record = TaskRecord(
            kind=kind,
            task_id=task_id,
            task_arn=f"arn:aws:partnercentral:us-east-1:123456789012:catalog/AWS/task/{task_id}",
            start_time=start,
            task_status="FAILED" if failed else "COMPLETE",
            reason_code="OpportunityValidationFailed" if failed else None,
            message="The opportunity failed validation: check the required fields and start again."
            if failed
            else None,
            opportunity_id=f"O{rng.randrange(10**10):010d}",
            resource_snapshot_job_id=f"job-{rng.randrange(16**13):013x}",
            engagement_invitation_id=f"engi-{rng.randrange(16**13):013x}",
            engagement_id=f"eng-{rng.randrange(16**13):013x}",
        )
        observed = start.timestamp() + 60
        live = i % 10 == 0
        rows.append(
            TaskRow(
                record,
                observed - 55 if live else observed,
                observed,
                observed,
                observed - 5 if live else None,
            )
        )
        if live:
            transitions.append((task_id, kind, None, "IN_PROGRESS", observed - 55, None))
            transitions.append((task_id, kind, "IN_PROGRESS", record.task_status, observed, observed - 5))
    journal = Journal(path)
    t = time.perf_counter()
    for i in range(0, n, 1000):  # as the backfill would: a transaction per page
        journal.write(tasks=rows[i : i + 1000], transitions=[x for x in transitions if False])
    journal.write(transitions=transitions)
    elapsed = time.perf_counter() - t
    journal.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        write_s = write_journal(path, args.tasks)
        size_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 2**20
        results = []
        for _ in range(args.runs):
            out = subprocess.run(
                [sys.executable, "-c", LOADER.format(root=str(ROOT), path=str(path))],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            results.append(json.loads(out))
    print(
        f"journal: {args.tasks} tasks, {size_mb:.1f} MB on disk, written in {write_s:.2f} s "
        f"({args.tasks // 1000} transactions of 1000)"
    )
    print()
    header = f"{'run':>4}{'tasks loaded':>14}{'load s':>9}{'counts s':>10}{'RSS before MB':>15}{'RSS after MB':>14}{'peak MB':>9}"
    print(header)
    print("-" * len(header))
    for i, r in enumerate(results, 1):
        print(
            f"{i:>4}{r['tasks']:>14}{r['load_s']:>9.3f}{r['counts_s']:>10.4f}{r['rss_before_mb']:>15.1f}"
            f"{r['rss_after_mb']:>14.1f}{r['peak_mb']:>9.1f}"
        )
    best = min(r["load_s"] for r in results)
    peak = max(r["peak_mb"] for r in results)
    print()
    print(
        f"target: load < 1 s ({'met' if best < 1 else 'MISSED'}: best {best:.3f} s), "
        f"memory < 150 MB ({'met' if peak < 150 else 'MISSED'}: peak {peak:.1f} MB, whole process)"
    )


if __name__ == "__main__":
    main()

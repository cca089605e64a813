"""The long differential walk: tens of thousands of random steps through the dashboard, the terminal
compared with a fresh full render after every one (see `tests/differential.py`).

    .venv/bin/python tests/bench/bench_differential.py                  # 20,000 steps, patch on and off
    .venv/bin/python tests/bench/bench_differential.py --steps 2000 --mode patched

Walks of `--walk` steps run in `--jobs` processes, each from its own seed, size and history length; a
walk that diverges is shrunk to the shortest step list that still diverges, which is printed (replay it
with `run_walk(steps, size)`). Prints steps run and divergences found per mode; exits 1 on any.
"""

from __future__ import annotations

import os

os.environ.setdefault("COLORTERM", "truecolor")

import argparse
import asyncio
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.differential import SIZES, random_steps, run_walk, shrink  # noqa: E402

#: Task history at the start of a walk, by walk number (history steps add more as it goes).
HISTORY = (300, 1200, 40)


def one_walk(seed: int, steps: int, patched: bool) -> dict[str, Any]:
    size = SIZES[seed % len(SIZES)]
    tasks = HISTORY[seed % len(HISTORY)]
    walk = random_steps(seed, steps)
    started = time.perf_counter()
    found = asyncio.run(run_walk(walk, size, tasks, patched=patched))
    result: dict[str, Any] = {
        "seed": seed,
        "size": size,
        "tasks": tasks,
        "steps": steps if found is None else found.step + 1,
        "seconds": time.perf_counter() - started,
        "divergence": None,
    }
    if found is not None:
        shortest = asyncio.run(shrink(walk, size, tasks, patched=patched, budget=300))
        again = asyncio.run(run_walk(shortest, size, tasks, patched=patched))
        result["divergence"] = (again or found).report()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000, help="steps per mode (default 20,000)")
    parser.add_argument("--walk", type=int, default=500, help="steps per walk (default 500)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=1, help="seed of the first walk")
    parser.add_argument("--mode", choices=("both", "patched", "stock"), default="both")
    args = parser.parse_args()
    modes = {"both": (True, False), "patched": (True,), "stock": (False,)}[args.mode]
    walks = max(1, -(-args.steps // args.walk))
    rows = []
    failed = False
    for patched in modes:
        name = "partial-update patch" if patched else "stock Textual"
        started = time.perf_counter()
        results = []
        with ProcessPoolExecutor(args.jobs) as pool:
            futures = [pool.submit(one_walk, args.seed + i, args.walk, patched) for i in range(walks)]
            for future in as_completed(futures):
                r = future.result()
                results.append(r)
                state = "DIVERGED" if r["divergence"] else "ok"
                print(
                    f"{name}: walk {len(results)}/{walks} seed {r['seed']} {r['size'][0]}x{r['size'][1]} "
                    f"{r['tasks']} tasks: {r['steps']} steps {state} ({r['seconds']:.0f} s)",
                    flush=True,
                )
        elapsed = time.perf_counter() - started
        divergences = [r for r in results if r["divergence"]]
        steps_run = sum(r["steps"] for r in results)
        rows.append((name, len(results), steps_run, len(divergences), elapsed))
        for r in divergences:
            failed = True
            print(f"\n{name}: walk seed {r['seed']} at {r['size']} with {r['tasks']} tasks")
            print(r["divergence"])
    print(f"\n{'mode':<22} {'walks':>6} {'steps run':>10} {'divergences':>12} {'seconds':>8} {'steps/s':>8}")
    for name, count, steps_run, diverged, elapsed in rows:
        print(
            f"{name:<22} {count:>6} {steps_run:>10,} {diverged:>12} {elapsed:>8.0f} {steps_run / elapsed:>8.1f}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

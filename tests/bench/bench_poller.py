"""Calls per hour and detection latency of the poller, beside a naive poller, on the local endpoint.

A 10,000-task history and about 20 running tasks (topped up as they end), served over HTTP by the
simulator with its quotas on; the poller talks to it through boto3. Time is a MockClock shared by the
simulator and the poller, so a simulated hour takes seconds. Hour 1 is warm-up (history backfill, the
pacing burst); hour 2 is the measured steady state. Then, with no new tasks, an hour to settle
and a measured idle hour.

    .venv/bin/python tests/bench/bench_poller.py [--hours 1] [--history 10000] [--active 20]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from schemas import TASK_KINDS, TaskStatus
from tui.aws.client import make_client
from tui.core.clock import MockClock
from tui.core.settings import Budget, Settings
from tui.engine.budget import RequestBudget
from tui.engine.poller import Poller, PollPlan
from tui.engine.store import Store, StoreChange
from tui.simulator import Simulator, serve

STEP = 0.25  # seconds of simulated time per driver step: the latency figures' resolution


async def advance(clock: MockClock, seconds: float, on_step=None) -> None:
    """Move simulated time forward, letting the poller finish each HTTP call (real threads) first."""
    end = clock.monotonic() + seconds
    while clock.monotonic() < end:
        for _ in range(3):
            await asyncio.sleep(0)
        while clock.sleepers == 0:  # the poller is in a call (a worker thread): wait for it
            await asyncio.sleep(0.0005)
        clock.advance(STEP)
        if on_step:
            on_step()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, math.ceil(q * len(values)) - 1)]


async def scenario(budget: Budget, hours: float, history: int, active: int, seed: int = 11) -> dict:
    clock = MockClock()
    sim = Simulator(seed=seed, history=history, clock=clock)
    rng = random.Random(seed)
    with serve(sim) as endpoint:
        client = make_client(Settings(endpoint_url=endpoint.url, demo=True), read_timeout=10)
        store = Store(clock=clock)
        settings = Settings(budget=budget)
        poller = Poller(
            client,
            store,
            settings,
            clock,
            rng=random.Random(seed),
            budget=RequestBudget(budget, clock),
            plan=PollPlan.from_settings(settings),
        )
        planned_end: dict[str, float] = {}
        detected: dict[str, float] = {}

        def on_change(change: StoreChange) -> None:
            for t in change.transitions:
                if (
                    t.to_status in TaskStatus.TERMINAL
                    and t.task_id in planned_end
                    and t.task_id not in detected
                ):
                    detected[t.task_id] = t.observed_at.timestamp()

        store.subscribe(on_change)
        keep_active = [active]

        def top_up() -> None:
            if int(clock.monotonic() / STEP) % 40:  # every 10 simulated seconds
                return
            now = clock.now().timestamp()
            running = sum(1 for end in planned_end.values() if end > now)
            for _ in range(max(0, keep_active[0] - running)):
                duration = rng.uniform(30, 900)
                kind = rng.choice(list(TASK_KINDS))
                task_id = sim.add_task(
                    kind=kind, duration=duration, outcome=rng.choice(["COMPLETE", "FAILED"])
                )
                planned_end[task_id] = now + duration

        runner = asyncio.create_task(poller.run())
        await advance(clock, 3600, top_up)  # warm-up
        calls0, t0, ops0 = sim.stats.total, clock.now().timestamp(), dict(sim.stats.calls)
        await advance(clock, 3600 * hours, top_up)
        busy_ops = {k: v - ops0.get(k, 0) for k, v in sim.stats.calls.items() if v - ops0.get(k, 0)}
        busy_calls, t1 = sim.stats.total - calls0, clock.now().timestamp()
        latencies = [detected[i] - end for i, end in planned_end.items() if t0 <= end < t1 and i in detected]
        missed = sum(1 for i, end in planned_end.items() if t0 <= end < t1 - 600 and i not in detected)
        keep_active[0] = 0  # idle: let everything end, then measure an hour with nothing running
        await advance(clock, 3600, top_up)  # running tasks end, the job backlog drains
        calls1, ops1 = sim.stats.total, dict(sim.stats.calls)
        await advance(clock, 3600, top_up)
        idle_calls = sim.stats.total - calls1
        idle_ops = {k: v - ops1.get(k, 0) for k, v in sim.stats.calls.items() if v - ops1.get(k, 0)}
        runner.cancel()
        throttled = sum(n for outcome, n in sim.stats.outcomes.items() if "Throttling" in str(outcome))
        sizes = {k: sum(1 for t in sim.tasks("Sandbox") if t.kind == k) for k in TASK_KINDS}
        client.close()
    return {
        "busy_per_hour": busy_calls / hours,
        "idle_per_hour": idle_calls,
        "p50": pct(latencies, 0.5),
        "p95": pct(latencies, 0.95),
        "max": max(latencies) if latencies else float("nan"),
        "n": len(latencies),
        "missed": missed,
        "throttled": throttled,
        "sizes": sizes,
        "status": poller.status,
        "idle_ops": idle_ops,
        "busy_ops": busy_ops,
        "still_running": len(store.active_ids()),
    }


def naive_per_hour(sizes: dict[str, int], page: int, interval: float = 5.0) -> int:
    """A poller that lists every task of every kind each tick: its calls per hour."""
    return int(3600 / interval) * sum(max(1, math.ceil(n / page)) for n in sizes.values())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--history", type=int, default=10_000)
    parser.add_argument("--active", type=int, default=20)
    args = parser.parse_args()
    budgets = [
        ("default (1/s, 10,000/day)", Budget()),
        ("--daily-calls 50000", Budget(daily_calls=50_000)),
    ]
    results = [(name, asyncio.run(scenario(b, args.hours, args.history, args.active))) for name, b in budgets]
    sizes = results[0][1]["sizes"]
    n100, n1000 = naive_per_hour(sizes, 100), naive_per_hour(sizes, 1000)
    print(
        f"history {sum(sizes.values())} tasks, ~{args.active} running; simulated steady state "
        f"{args.hours:g} h after a 1 h warm-up; naive = list everything every 5 s"
    )
    print()
    header = (
        f"{'poller':<28}{'calls/h busy':>14}{'calls/h idle':>14}{'vs naive@100':>14}{'vs naive@1000':>15}"
        f"{'p50 s':>8}{'p95 s':>8}{'max s':>8}{'ends':>6}{'missed':>8}{'throttled':>11}"
    )
    print(header)
    print("-" * len(header))
    for name, r in results:
        print(
            f"{name:<28}{r['busy_per_hour']:>14.0f}{r['idle_per_hour']:>14.0f}"
            f"{'1/' + format(n100 / r['busy_per_hour'], '.0f'):>14}{'1/' + format(n1000 / r['busy_per_hour'], '.0f'):>15}"
            f"{r['p50']:>8.1f}{r['p95']:>8.1f}{r['max']:>8.1f}{r['n']:>6}{r['missed']:>8}{r['throttled']:>11}"
        )
    for name, calls in (("naive, MaxResults 100", n100), ("naive, MaxResults 1000", n1000)):
        print(
            f"{name:<28}{calls:>14}{calls:>14}{'':>14}{'':>15}{2.5:>8.1f}{4.8:>8.1f}{5.0:>8.1f}"
            f"{'':>6}{'':>8}{'(over 10/s)' if calls > 36_000 else '':>11}"
        )
    for name, r in results:
        print(f"busy hours, {name}: {r['busy_ops']}")
        print(f"idle hour, {name}: {r['idle_ops']}; tasks still running: {r['still_running']}")
    print()
    print("p50/p95/max: seconds from a task's planned end to the poll that saw it (resolution 0.25 s);")
    print("naive latency is its 5 s interval's (uniform). Daily budget share: 10,000/day = 417 calls/h.")


if __name__ == "__main__":
    main()

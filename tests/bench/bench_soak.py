"""Soak: 30 minutes (of a mock clock shared by the local endpoint and pcwatch; the HTTP calls are real)
of busy traffic with faults mixed in, watched by viewers sharing one journal whose leader exits every few
minutes (another takes over). Prints a table: RSS at start and end, CPU %, transitions lost (must be 0:
every task's status and every transition of a task started during the soak, journal vs the endpoint's
own record), leader takeovers (and the longest), and the longest time the header lied (said "live"
while every call failed or hung, judged from the endpoint's side: a spoilt request more than
HUNG_AFTER + 1 s old).

    .venv/bin/python tests/bench/bench_soak.py [--minutes 30] [--seed 15] [--activity 30]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.dashboard import T0  # noqa: E402
from tests.support.endpoint_process import EndpointProcess, process_rss_mb  # noqa: E402
from tests.support.fault_matrix import (  # noqa: E402
    FAULTS,
    REAL_PAUSE,
    STEP,
    matrix_settings,
    missing_transitions,
)

#: Every FAULT_EVERY mock seconds a fault (drawn at random) lasts FAULT_FOR seconds.
FAULT_EVERY = 120.0
FAULT_FOR = 30.0
#: The leading viewer exits every LEADER_EXITS seconds; a new viewer joins in its place.
LEADER_EXITS = 360.0


#: The memory is bounded when the last third of the soak adds at most this share of the RSS, or this many MB.
PLATEAU_SHARE = 0.05
PLATEAU_MB = 2.0
#: Finished tasks each viewer keeps in memory (pcwatch's default is 100,000, reached after days): a soak
#: of 90 minutes starts ~2,700 tasks, so the plateau shows once ~1,000 have finished.
KEEP_ENDED = 1_000
#: New pending invitations per task started besides the one each accept task answers. 0 by default: a
#: steady account, so that what grows is pcwatch's and not the account's data. The demo's 0.3 adds ~9 a
#: minute, none expiring within the soak, and every viewer holds and shows them all (`--new-invitations
#: 0.3` to run it so: memory then grows with them).
NEW_INVITATIONS = 0.0


class Viewer:
    def __init__(self, settings: Any, clock: Any) -> None:
        from tui.engine.sharing import make_engine

        self.store, self.engine = make_engine(settings, clock)
        self.store.load()
        self.run = asyncio.ensure_future(self.engine.run())

    async def close(self) -> None:
        self.run.cancel()
        await asyncio.gather(self.run, return_exceptions=True)
        self.engine.close()


async def soak(
    minutes: float,
    seed: int,
    activity: float,
    directory: Path,
    leader_exits: float = LEADER_EXITS,
    trace: int = 0,
    keep_ended: int = KEEP_ENDED,
    new_invitations: float = NEW_INVITATIONS,
) -> list[tuple[str, str]]:
    from tui.core.clock import MockClock
    from tui.dashboard.header import HUNG_AFTER, header_state
    from tui.engine.journal import Journal

    rng = random.Random(seed)
    clock = MockClock(T0)
    names = sorted(name for name, fault in FAULTS.items() if not fault.of_host)
    with EndpointProcess(
        seed=seed, history=300, activity=activity, new_invitations=new_invitations
    ) as endpoint:
        initial = endpoint.initial
        if trace:
            tracemalloc.start(12)
        gc.collect()
        rss_start = process_rss_mb()
        cpu_start, wall_start = time.process_time(), time.monotonic()
        settings = dataclasses.replace(
            matrix_settings(endpoint.url, directory / "soak.sqlite3"), keep_ended_tasks=keep_ended
        )
        viewers = [Viewer(settings, clock), Viewer(settings, clock)]
        takeovers, longest_takeover, leader_gone_at = 0, 0.0, None
        lie, longest_lie, faults_run = 0.0, 0.0, 0
        fault, fault_started, spoilt_before, first_spoilt = None, 0.0, 0, None
        end = minutes * 60
        rss_marks: list[float] = []
        endpoint_marks: list[float] = []
        held_marks: list[tuple[int, int]] = []
        block_marks: list[int] = []
        snapshot = None
        while clock.monotonic() < end:
            if clock.monotonic() % (end / 3) < STEP and clock.monotonic() > 0:
                rss_marks.append(process_rss_mb())
                endpoint_marks.append(endpoint.rss_mb())
                held_marks.append(held(viewers))
                gc.collect()
                block_marks.append(sys.getallocatedblocks())
                if trace and snapshot is None:
                    snapshot = tracemalloc.take_snapshot()
            clock.advance(STEP)
            endpoint.advance(STEP)
            await asyncio.sleep(REAL_PAUSE)
            now = clock.monotonic()
            for v in viewers:
                assert not v.run.done(), f"a viewer stopped: {v.run.exception()}"
            # Faults: one at a time, FAULT_FOR seconds every FAULT_EVERY.
            if fault is None and now % FAULT_EVERY < STEP and now < end - FAULT_EVERY:
                fault = FAULTS[rng.choice(names)]
                endpoint.fault(fault.name, True)
                fault_started, spoilt_before, first_spoilt = now, endpoint.faulted(), None
                faults_run += 1
            elif fault is not None and now - fault_started >= FAULT_FOR:
                endpoint.fault(fault.name, False)
                fault = None
            if fault is not None and first_spoilt is None and endpoint.faulted() > spoilt_before:
                first_spoilt = now
            # The leader exits now and then; a new viewer joins.
            leaders = [v for v in viewers if v.engine.role == "leader"]
            if leader_gone_at is not None and leaders:
                takeovers += 1
                longest_takeover = max(longest_takeover, now - leader_gone_at)
                leader_gone_at = None
            if leaders and now % leader_exits < STEP and now > STEP:
                gone = leaders[0]
                viewers.remove(gone)
                await gone.close()
                viewers.append(Viewer(settings, clock))
                leader_gone_at = now
                leaders = []
            # The header lies when it says live while the fault spoils every call (from the endpoint's side).
            if leaders:
                state = header_state(settings, leaders[0].engine.status, None, clock.now()).state
                failing = (
                    fault is not None
                    and not fault.data_only
                    and first_spoilt is not None
                    and now - first_spoilt > HUNG_AFTER + 1
                )
                lie = lie + STEP if failing and state == "live" else 0.0
                longest_lie = max(longest_lie, lie)
        # pcwatch's memory at the end of the busy part (before this script reads the journal to check it).
        gc.collect()
        rss_marks.append(process_rss_mb())
        endpoint_marks.append(endpoint.rss_mb())
        held_marks.append(held(viewers))
        block_marks.append(sys.getallocatedblocks())
        growth = trace_growth(snapshot, trace) if snapshot is not None else []
        cpu, wall = time.process_time() - cpu_start, time.monotonic() - wall_start
        # Quiet end: every viewer catches up; the journal must hold every transition the endpoint made.
        if fault is not None:
            endpoint.fault(fault.name, False)
        for v in viewers:
            v.engine.refresh_now()
        journal = Journal(settings.journal_path)
        lost: list[str] = []
        try:
            for _ in range(int(600 / STEP)):
                clock.advance(STEP)
                endpoint.advance(STEP)
                await asyncio.sleep(REAL_PAUSE)
                contents = journal.load()
                tasks = {r.record.task_id: str(r.record.task_status) for r in contents.tasks}
                transitions = [(t[0], t[2], t[3]) for t in contents.transitions]
                truth = endpoint.truth()
                lost = missing_transitions(truth, tasks, transitions, set(truth) - initial)
                if not lost:
                    break
        finally:
            journal.close()
            for v in viewers:
                await v.close()
        started_during = len(set(endpoint.truth()) - initial)
        requests = endpoint.requests()
    last_third = rss_marks[-1] - rss_marks[-2]
    bounded = last_third <= max(PLATEAU_SHARE * rss_marks[-1], PLATEAU_MB)
    return [
        ("mock minutes", f"{minutes:g}"),
        ("real seconds (busy part)", f"{wall:.1f}"),
        ("tasks started during the soak", f"{started_during:,}"),
        ("requests at the endpoint", f"{requests:,}"),
        ("faults run (30 s each)", str(faults_run)),
        ("finished tasks each viewer keeps (--keep-ended)", f"{keep_ended:,}"),
        ("new pending invitations per task (--new-invitations)", f"{new_invitations:g}"),
        ("pcwatch RSS start / end (MB)", f"{rss_start:.1f} / {rss_marks[-1]:.1f}"),
        ("pcwatch RSS after each third (MB)", " / ".join(f"{m:.1f}" for m in rss_marks)),
        (
            f"bounded (last third grows <= {PLATEAU_SHARE:.0%} or {PLATEAU_MB:g} MB)",
            f"{'yes' if bounded else 'NO'} ({last_third:+.1f} MB)",
        ),
        (
            # Python's live objects (after a collection), whatever the allocator keeps of freed memory
            "live Python memory blocks, each third (thousands)",
            " / ".join(f"{b / 1000:,.0f}" for b in block_marks)
            + f"  (last third {100 * (block_marks[-1] / block_marks[-2] - 1):+.1f}%)",
        ),
        (
            # (what the account holds, not what pcwatch keeps: the soak's account gets ~9 new pending
            # invitations a minute and none expire in its hours; each viewer holds them all)
            "tasks / pending invitations one viewer holds, each third",
            " / ".join(f"{t:,} & {i:,}" for t, i in held_marks),
        ),
        (
            "endpoint RSS after each third (MB; another process)",
            " / ".join(f"{m:.1f}" for m in endpoint_marks),
        ),
        ("CPU % (of one core, real time; pcwatch's process)", f"{100 * cpu / wall:.0f}"),
        ("transitions lost", str(len(lost)) + (f"  e.g. {lost[0]}" if lost else "")),
        ("leader takeovers (longest, mock s)", f"{takeovers} ({longest_takeover:.1f})"),
        ("longest time the header lied (mock s)", f"{longest_lie:.1f}"),
        *growth,
    ]


def trace_growth(snapshot: tracemalloc.Snapshot, top: int) -> list[tuple[str, str]]:
    """The `top` allocation sites (pcwatch's code, by traceback) that grew most since `snapshot`."""
    gc.collect()
    now = tracemalloc.take_snapshot()
    tracemalloc.stop()
    rows = []
    for stat in now.compare_to(snapshot, "lineno")[:top]:
        frame = stat.traceback[0]
        where = f"{frame.filename.replace(str(ROOT) + '/', '').split('site-packages/')[-1]}:{frame.lineno}"
        growth = f"{stat.size_diff / 1e6:+.2f} MB ({stat.count_diff:+,} blocks)"
        rows.append((f"  grew since the first third: {where}", growth))
    return rows


def held(viewers: list[Any]) -> tuple[int, int]:
    """The tasks and pending invitations in the first viewer's store."""
    store = viewers[0].store
    return len(store), len(store.invitations())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--activity", type=float, default=30.0, help="tasks started per minute")
    parser.add_argument(
        "--leader-exits", type=float, default=LEADER_EXITS, help="seconds between the leader's exits"
    )
    parser.add_argument(
        "--trace",
        type=int,
        default=0,
        metavar="N",
        help="also list the N allocation sites that grew most after the first third (tracemalloc: slower)",
    )
    parser.add_argument(
        "--new-invitations",
        type=float,
        default=NEW_INVITATIONS,
        help="new pending invitations per task started, besides the one each accept task answers",
    )
    parser.add_argument(
        "--keep-ended", type=int, default=KEEP_ENDED, help="finished tasks each viewer keeps in memory"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pcwatch-soak-") as directory:
        rows = asyncio.run(
            soak(
                args.minutes,
                args.seed,
                args.activity,
                Path(directory),
                args.leader_exits,
                args.trace,
                args.keep_ended,
                args.new_invitations,
            )
        )
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()

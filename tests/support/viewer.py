"""The shared-viewer tests' settings, and a headless viewer to run in a subprocess.

`python -m tests.support.viewer --endpoint-url URL --journal PATH --seconds S` builds a store and an
engine with `tui.engine.sharing.make_engine` (as the dashboard does), runs it for S seconds (or, with
`--until-leader`, until it leads) and prints one JSON line: its role, the calls its client made, and the tasks its store holds (`viewer_command` builds that
command line). The simulator they watch is the `served_simulator` fixture (tests/conftest.py).

With `--events` it also prints a line as soon as its role changes or its leader goes silent or beats
again (`{"role": …, "silent": …, "at": <time.monotonic()>}`), for a test that stops and resumes the
process (tests/faults/test_stopped_leader.py); `--watched` makes it a watcher (a dashboard: fast polls);
`--heartbeat`, `--silent-after`, `--takeover-after` shorten the leader's times (`LeaderTimes`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from tui.core.clock import SystemClock
from tui.core.settings import Settings
from tui.engine.sharing import LEADER_HEARTBEAT, LEADER_SILENT_AFTER, LEADER_TAKEOVER_AFTER

#: Fast enough for a test of a few seconds, slow enough to stay far below the simulator's 10 calls/s.
FAST_INTERVAL = 0.3
SLOW_INTERVAL = 1.0
TAIL_INTERVAL = 0.1


def viewer_settings(endpoint_url: str, journal: Path | None) -> Settings:
    return Settings(
        endpoint_url=endpoint_url,
        demo=True,  # the local endpoint's fixed credentials
        journal_path=journal,
        no_journal=journal is None,
        max_rate=5.0,
        daily_calls=100_000,
        fast_interval=FAST_INTERVAL,
        slow_interval=SLOW_INTERVAL,
    )


def viewer_command(endpoint_url: str, journal: Path | None, seconds: float, *extra: str) -> list[str]:
    command = [sys.executable, "-m", "tests.support.viewer", "--endpoint-url", endpoint_url]
    command += ["--seconds", str(seconds), *extra]
    command += ["--journal", str(journal)] if journal else ["--no-journal"]
    return command


async def _run_viewer(args: argparse.Namespace) -> dict[str, Any]:
    from tui.engine.sharing import LeaderTimes, make_engine

    settings = viewer_settings(args.endpoint_url, None if args.no_journal else Path(args.journal))
    times = LeaderTimes(args.heartbeat, args.silent_after, args.takeover_after)
    store, engine = make_engine(settings, SystemClock(), tail_interval=args.tail, times=times)
    store.load()
    if args.watched:
        engine.watching()
    roles: list[str] = []
    said: tuple[str, bool] | None = None
    task = asyncio.ensure_future(engine.run())
    try:
        deadline = asyncio.get_running_loop().time() + args.seconds
        while asyncio.get_running_loop().time() < deadline:
            if not roles or roles[-1] != engine.role:
                roles.append(engine.role)
            now = (engine.role, engine.status.leader_silent_since is not None)
            if args.events and now != said:
                said = now
                print(json.dumps({"role": now[0], "silent": now[1], "at": time.monotonic()}), flush=True)
            if args.until_leader and engine.role == "leader":
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    result = {
        "roles": roles,
        "role": engine.role,
        "calls": engine.client.attempts if engine.client is not None else 0,
        "tasks": len(store),
        "task_ids": sorted(t.task_id for t in store.tasks()),
        "state": engine.status.state,
    }
    engine.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--journal")
    parser.add_argument("--no-journal", action="store_true")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--tail", type=float, default=TAIL_INTERVAL, help="seconds between follower ticks")
    parser.add_argument("--until-leader", action="store_true", help="stop as soon as this viewer leads")
    parser.add_argument("--events", action="store_true", help="a line at each change of role or silence")
    parser.add_argument("--watched", action="store_true", help="someone watches it (a dashboard)")
    parser.add_argument("--heartbeat", type=float, default=LEADER_HEARTBEAT)
    parser.add_argument("--silent-after", type=float, default=LEADER_SILENT_AFTER)
    parser.add_argument("--takeover-after", type=float, default=LEADER_TAKEOVER_AFTER)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(_run_viewer(args))), flush=True)


if __name__ == "__main__":
    main()

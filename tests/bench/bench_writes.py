"""What never-twice costs: the write ledger's reserve (committed with synchronous=FULL before the call)
and record, and a whole accept through the actions service against the local endpoint, in process.

The ledger runs on the dashboard's event loop, so its per-write cost must stay far below a frame.

    .venv/bin/python tests/bench/bench_writes.py [--writes 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"{statistics.median(samples) * 1000:8.3f} {p95 * 1000:8.3f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=200)
    args = parser.parse_args()

    from tui.aws.client import make_client
    from tui.core.clock import MockClock
    from tui.core.settings import Settings
    from tui.simulator import Simulator, serve
    from tui.simulator.records import SimInvitation
    from tui.writes.actions import WriteActions
    from tui.writes.ledger import WriteLedger

    with tempfile.TemporaryDirectory() as tmp:
        ledger = WriteLedger(Path(tmp) / "ledger.sqlite3")
        reserve: list[float] = []
        record: list[float] = []
        for n in range(args.writes):
            params = {"Catalog": "Sandbox", "Identifier": f"engi-{n:013d}"}
            t0 = time.perf_counter()
            r = ledger.reserve(
                "StartEngagementByAcceptingInvitationTask", "Sandbox", params["Identifier"], params
            )
            t1 = time.perf_counter()
            ledger.record_success(r.entry.client_token, b'{"TaskId":"task-0000000000000"}')
            t2 = time.perf_counter()
            reserve.append(t1 - t0)
            record.append(t2 - t1)
        ledger.close()

        sim = Simulator(seed=1, history=100, clock=MockClock(), enforce_quotas=False)
        world = sim.world("Sandbox")
        ids = []
        with world.lock:
            for _ in range(args.writes):
                inv = SimInvitation(
                    "Sandbox", world.id_factory.invitation(), world.id_factory.engagement(), 0.0
                )
                inv.expiration = 1e12
                world.add_invitation(inv)
                ids.append(inv.id)
        accept: list[float] = []
        raw_call: list[float] = []
        with serve(sim) as endpoint:
            settings = Settings(endpoint_url=endpoint.url, journal_path=Path(tmp) / "j.sqlite3")
            client = make_client(settings)
            actions = WriteActions(client, WriteLedger.for_settings(settings))

            async def run() -> None:
                for i, invitation_id in enumerate(ids):
                    t0 = time.perf_counter()
                    if i % 2:
                        await actions.accept(invitation_id)
                        accept.append(time.perf_counter() - t0)
                    else:
                        await client.start_engagement_by_accepting_invitation_task(
                            invitation_id, client_token=f"bench-{i}"
                        )
                        raw_call.append(time.perf_counter() - t0)

            asyncio.run(run())
            client.close()
            actions.ledger.close()

    print(f"{'step':<44} {'median ms':>8} {'p95 ms':>8}")
    print(f"{'ledger reserve (new token, FULL sync)':<44} {_ms(reserve)}")
    print(f"{'ledger record success':<44} {_ms(record)}")
    print(f"{'accept, client only (HTTP, local endpoint)':<44} {_ms(raw_call)}")
    print(f"{'accept via the ledger (reserve+call+record)':<44} {_ms(accept)}")


if __name__ == "__main__":
    main()

"""Hostile-body benchmark: what a 50 MB response and a 200,000-deep one cost a client, pcwatch's (16 MiB
cap while reading, 64-level depth check) against a plain boto3 client (botocore reads and parses all of
it), each in its own process (its peak RSS is the figure); and what the depth check adds to a normal page.

    .venv/bin/python tests/bench/bench_limits.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "bench"))

from bench_decode import best_of, make_page  # noqa: E402

from tui.aws.body_limits import nested_deeper_than  # noqa: E402
from tui.simulator import Faults, Simulator, serve  # noqa: E402

CLIENT = r"""
import json, sys, time
url, which = sys.argv[1], sys.argv[2]
started = time.perf_counter()
try:
    if which == "pcwatch":
        import asyncio
        from tui.aws.client import make_client
        from tui.core.settings import Settings
        client = make_client(Settings(endpoint_url=url, demo=True), max_attempts=1)
        asyncio.run(client.list_tasks("EngagementByAcceptingInvitation"))
    else:
        import boto3
        from botocore.config import Config
        client = boto3.client("partnercentral-selling", endpoint_url=url, region_name="us-east-1",
            aws_access_key_id="pcwatch-local", aws_secret_access_key="pcwatch-local-secret",
            config=Config(retries={"total_max_attempts": 1}))
        client.list_engagement_by_accepting_invitation_tasks(Catalog="Sandbox", MaxResults=100)
    outcome = "accepted"
except BaseException as exc:
    outcome = type(exc).__name__
# VmHWM: this process's own peak (ru_maxrss would include the parent's at fork time).
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"outcome": outcome, "seconds": time.perf_counter() - started,
                  "rss_mb": int(hwm.split()[1]) / 1024}))
"""


def measure(url: str, which: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", CLIENT, url, which], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    cases = [
        ("no fault (a 100-task page)", Faults()),
        ("50 MB body, Content-Length", Faults(huge_body=1.0)),
        ("50 MB body, no Content-Length", Faults(huge_unsized_body=1.0)),
        ("200,000-deep JSON, HTTP 200", Faults(deep_body=1.0)),
        ("200,000-deep JSON, HTTP 400", Faults(deep_error_body=1.0)),
    ]
    sim = Simulator(seed=1, history=300, enforce_quotas=False)
    print(f"{'response':<32} {'client':<8} {'outcome':<22} {'time':>8} {'peak RSS':>9}")
    with serve(sim) as endpoint:
        for name, faults in cases:
            sim.faults = faults
            for which in ("pcwatch", "boto3"):
                r = measure(endpoint.url, which)
                print(
                    f"{name:<32} {which:<8} {r['outcome']:<22} {r['seconds'] * 1000:>6.0f} ms"
                    f" {r['rss_mb']:>6.0f} MB"
                )
    for n in (100, 1000):
        page = make_page(n)
        cost = best_of(lambda page=page: nested_deeper_than(page), repeat=7, number=200)
        print(f"depth check of a {n:,}-task page ({len(page):,} bytes): {cost * 1e6:.0f} µs")
    deep = b"[" * 8_000_000 + b"]" * 8_000_000
    t0 = time.perf_counter()
    nested_deeper_than(deep)
    print(f"depth check of 16 MiB of brackets: {(time.perf_counter() - t0) * 1000:.0f} ms")


if __name__ == "__main__":
    main()

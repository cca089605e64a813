"""Endpoint benchmark: throughput of List…Tasks pages of 100 and 1,000 tasks against a 10,000-task history
(and 100,000, to show a page costs the same whatever the history's size), and how long histories take to
generate. Three paths: the simulator in process (`Simulator.handle`, no socket), raw HTTP with keep-alive
(the server's own throughput) and a real boto3 client (what pcwatch sees, botocore's parsing included).

    .venv/bin/python tests/bench/bench_endpoint.py [--seconds 1.5]
"""

from __future__ import annotations

import argparse
import http.client
import json
import time

import boto3
from botocore.config import Config

from tui.core.clock import MockClock
from tui.simulator import LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY, Simulator, serve

OPERATION = "ListEngagementByAcceptingInvitationTasks"
TARGET = f"AWSPartnerCentralSelling.{OPERATION}"
AUTH = "AWS4-HMAC-SHA256 Credential=bench/20261128/us-east-1/partnercentral-selling/aws4_request, Signature=0"
HEADERS = {"X-Amz-Target": TARGET, "Content-Type": "application/x-amz-json-1.0", "Authorization": AUTH}


def rate(call, seconds: float) -> tuple[float, int]:
    """Calls per second over about `seconds`, and the size of the last response."""
    size = len(call())  # warm up (and fill the encoded-summary cache)
    count, began = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds:
        size = len(call())
        count += 1
    return count / elapsed, size


def bench(history: int, seconds: float, rows: list[tuple]) -> None:
    began = time.perf_counter()
    sim = Simulator(seed=1, history=history, clock=MockClock(), enforce_quotas=False)
    world = sim.world("Sandbox")
    generated = time.perf_counter() - began
    kind_tasks = len(world.tables["EngagementByAcceptingInvitation"].tasks)
    rows.append((history, "-", "generate history", f"{generated * 1000:.0f} ms", "", ""))
    with serve(sim) as endpoint:
        conn = http.client.HTTPConnection(endpoint.host, endpoint.port)
        client = boto3.client(
            "partnercentral-selling",
            endpoint_url=endpoint.url,
            region_name="us-east-1",
            aws_access_key_id=LOCAL_ACCESS_KEY_ID,
            aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
            config=Config(retries={"total_max_attempts": 1}),
        )
        for page in (100, 1000):
            body = json.dumps({"Catalog": "Sandbox", "MaxResults": page}).encode()
            token, seen = None, 0
            while seen < kind_tasks // 2:  # walk to the middle of the history for a deep token
                request = {
                    "Catalog": "Sandbox",
                    "MaxResults": 1000,
                    **({"NextToken": token} if token else {}),
                }
                reply = json.loads(sim.handle("POST", "/", HEADERS, json.dumps(request).encode()).body)
                token, seen = reply["NextToken"], seen + len(reply["TaskSummaries"])
            deep = json.dumps({"Catalog": "Sandbox", "MaxResults": page, "NextToken": token}).encode()
            failed = json.dumps({"Catalog": "Sandbox", "MaxResults": page, "TaskStatus": ["FAILED"]}).encode()

            def in_process(payload: bytes = body) -> bytes:
                return sim.handle("POST", "/", HEADERS, payload).body

            def over_http(payload: bytes = body) -> bytes:
                conn.request("POST", "/", body=payload, headers=HEADERS)
                return conn.getresponse().read()

            def with_boto3(size: int = page) -> bytes:
                return b"x" * len(
                    client.list_engagement_by_accepting_invitation_tasks(Catalog="Sandbox", MaxResults=size)[
                        "TaskSummaries"
                    ]
                )

            for label, call in (
                ("in process, first page", in_process),
                ("in process, mid-history token", lambda p=deep: in_process(p)),
                ("in process, TaskStatus FAILED", lambda p=failed: in_process(p)),
                ("HTTP keep-alive, first page", over_http),
                ("boto3 client, first page", with_boto3),
            ):
                per_second, size = rate(call, seconds)
                shown = f"{size / 1024:.0f} KB" if not label.startswith("boto3") else f"{size} tasks"
                rows.append((history, page, label, f"{per_second:,.0f}", f"{1000 / per_second:.2f}", shown))
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.5, help="time spent on each figure")
    args = parser.parse_args()
    rows: list[tuple] = []
    for history in (10_000, 100_000):
        bench(history, args.seconds, rows)
    header = ("history", "MaxResults", "path", "requests/s", "ms/request", "response")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(
            "  ".join(
                str(c).rjust(w) if i in (3, 4) else str(c).ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )


if __name__ == "__main__":
    main()

"""Decode benchmark: a List…Tasks page of 100 and 1,000 tasks, decoded by pcwatch's path (msgspec into
Structs) and by botocore's own JSON response parser on the same bytes. Prints a table and the ratio.

    .venv/bin/python tests/bench/bench_decode.py
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import datetime, timedelta, timezone

import botocore.parsers
import botocore.session
import msgspec

import schemas

REASONS = sorted(schemas.ReasonCode.KNOWN)


def make_page(n: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    tasks = []
    for i in range(n):
        status = rng.choices(["COMPLETE", "FAILED", "IN_PROGRESS"], [85, 10, 5])[0]
        task = {
            "TaskId": f"task-{i:013d}",
            "TaskArn": f"arn:aws:partnercentral:us-east-1:aws:catalog/AWS/engagement-from-opportunity-task/task-{i:013d}",
            "StartTime": (start + timedelta(seconds=37 * i, microseconds=rng.randrange(10**6))).isoformat(),
            "TaskStatus": status,
            "OpportunityId": f"O{rng.randrange(10**9)}",
            "EngagementId": f"eng-{rng.randrange(16**14):014x}",
        }
        if status == "COMPLETE":
            task["ResourceSnapshotJobId"] = f"job-{rng.randrange(36**13):013x}"[:17]
        if status == "FAILED":
            task["ReasonCode"] = rng.choice(REASONS)
            task["Message"] = (
                "The opportunity could not be submitted. Check the required fields and try again. " * 2
            )
        tasks.append(task)
    return msgspec.json.encode({"TaskSummaries": tasks, "NextToken": "token"})


def best_of(fn, repeat: int, number: int) -> float:
    """Median seconds per call over `repeat` rounds of `number` calls."""
    rounds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - t0) / number)
    return statistics.median(rounds)


def main() -> None:
    model = botocore.session.get_session().get_service_model("partnercentral-selling")
    output_shape = model.operation_model("ListEngagementFromOpportunityTasks").output_shape
    parser = botocore.parsers.create_parser("json")
    decoder = schemas.decoder_for(schemas.ListEngagementFromOpportunityTasksResponse)

    print(
        f"{'page':>10} {'botocore parser':>16} {'msgspec decode':>15} {'ratio':>8} {'boto dict -> convert':>21}"
    )
    for n in (100, 1000):
        body = make_page(n)
        response = {"body": body, "headers": {}, "status_code": 200}
        parsed = parser.parse(response, output_shape)
        assert len(decoder.decode(body).task_summaries) == n == len(parsed["TaskSummaries"])
        number = 200 if n == 100 else 20
        t_boto = best_of(lambda r=response: parser.parse(r, output_shape), 5, max(2, number // 20))
        t_ours = best_of(lambda b=body: decoder.decode(b), 7, number)
        t_conv = best_of(
            lambda p=parsed: schemas.ListEngagementFromOpportunityTasksResponse.from_boto(p), 7, number
        )
        print(
            f"{n:>6} tasks {t_boto * 1e3:>13.2f} ms {t_ours * 1e6:>12.1f} µs {t_boto / t_ours:>7.0f}× "
            f"{t_conv * 1e6:>18.1f} µs"
        )
    print("target: ratio >= 50× for the 100-task page")


if __name__ == "__main__":
    main()

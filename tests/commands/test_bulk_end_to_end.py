"""`pcwatch list`, `jobs`, `results` and `wait` against the local endpoint, in real processes, compared
with boto3 itself calling the same endpoint: the same task ids (every kind, prospecting too), the same
bulk job ids (both families), the same results of a job; and `wait` on a running bulk job exits 0 or 1
as its records end."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from schemas import BULK_KINDS, TASK_KINDS, BulkJobKind
from tests.support.writes import ROOT, cli_env
from tui.aws.client import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY
from tui.core.clock import SystemClock
from tui.simulator import Simulator, serve

OPP, ACCT = BulkJobKind.OPPORTUNITY, BulkJobKind.CUSTOMER_ACCOUNT


def pcwatch(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=ROOT,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def endpoint() -> Iterator[tuple[Simulator, str]]:
    simulator = Simulator(seed=24, history=300)
    with serve(simulator) as served:
        yield simulator, served.url


def boto3_client(url: str) -> Any:
    return boto3.client(
        "partnercentral-selling",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=LOCAL_ACCESS_KEY,
        aws_secret_access_key=LOCAL_SECRET_KEY,
    )


def every_page(call: Callable[..., dict[str, Any]], items: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a boto3 listing, following NextToken by hand (as a script would)."""
    out: list[dict[str, Any]] = []
    while True:
        page = call(**params)
        out.extend(page[items])
        if not page.get("NextToken"):
            return out
        params["NextToken"] = page["NextToken"]


def lines(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_list_json_returns_the_ids_boto3_lists_for_every_task_kind(endpoint) -> None:
    _, url = endpoint
    client = boto3_client(url)
    truth: dict[str, str] = {}
    for kind in TASK_KINDS.values():
        call = getattr(client, _snake(kind.list_operation))
        for task in every_page(call, "TaskSummaries", Catalog="Sandbox", MaxResults=50):
            truth[task["TaskId"]] = kind.wire
    listed = lines(pcwatch("list", "--endpoint-url", url, "--json"))
    assert {r["TaskId"]: r["WireKind"] for r in listed} == truth and len(listed) == len(truth)
    assert {r["Kind"] for r in listed} == {k.short for k in TASK_KINDS.values()}
    prospecting = [r for r in listed if r["Kind"] == "prospecting"]
    assert prospecting and all("TotalEngagementCount" in r and "TaskName" in r for r in prospecting)


def test_jobs_json_returns_the_ids_boto3_lists_for_both_bulk_job_kinds(endpoint) -> None:
    simulator, url = endpoint
    client = boto3_client(url)
    opportunity = every_page(
        client.list_opportunity_bulk_jobs, "OpportunityBulkJobSummaries", Catalog="Sandbox", MaxResults=20
    )
    accounts = every_page(client.list_customer_account_bulk_jobs, "items", Catalog="Sandbox", MaxResults=20)
    truth = {j["JobId"]: OPP for j in opportunity} | {j["Id"]: ACCT for j in accounts}
    listed = lines(pcwatch("jobs", "--endpoint-url", url, "--json"))
    assert {r["JobId"]: r["WireKind"] for r in listed} == truth and len(listed) == len(truth)
    assert {r["Kind"] for r in listed} == {k.short for k in BULK_KINDS.values()}
    assert {j.job_id for j in simulator.bulk_jobs("Sandbox")} == set(truth)
    # One status, filtered by the service: the same ids as boto3's filtered listing.
    done = every_page(
        client.list_opportunity_bulk_jobs,
        "OpportunityBulkJobSummaries",
        Catalog="Sandbox",
        Status="COMPLETED",
    )
    completed = lines(
        pcwatch("jobs", "--endpoint-url", url, "--kind", "opp-bulk", "--status", "completed", "--json")
    )
    assert {r["JobId"] for r in completed} == {j["JobId"] for j in done} and done


def test_results_returns_what_boto3_lists_of_a_job_in_its_order(endpoint) -> None:
    simulator, url = endpoint
    client = boto3_client(url)
    finished = [j for j in simulator.bulk_jobs("Sandbox") if j.status == "COMPLETED" and j.failure_count]
    job = max((j for j in finished if j.kind == ACCT), key=lambda j: j.processed_records or 0)
    results = every_page(
        client.list_customer_account_bulk_job_results, "Results", Catalog="Sandbox", Identifier=job.job_id
    )
    listed = lines(pcwatch("results", job.job_id, "--endpoint-url", url, "--json"))
    assert [r["RequestId"] for r in listed] == [r["RequestId"] for r in results]
    assert len(listed) == job.processed_records and len(listed) > 100  # more than one page
    failed = lines(
        pcwatch("results", job.job_id, "--failed", "--kind", "acct-bulk", "--endpoint-url", url, "--json")
    )
    assert len(failed) == job.failure_count and {r["Status"] for r in failed} == {"FAILED"}
    assert all(r["ErrorCode"] and r["ErrorMessage"] for r in failed)
    table = pcwatch("results", job.job_id, "--failed", "--endpoint-url", url)
    assert table.returncode == 0 and table.stdout.splitlines()[0].split()[:2] == ["REQUEST", "ID"]
    assert len(table.stdout.splitlines()) == job.failure_count + 1
    missing = pcwatch("results", "bulkjob-0000000000000", "--endpoint-url", url)
    assert missing.returncode == 3 and "not found in catalog Sandbox (opp-bulk, acct-bulk)" in missing.stderr


@pytest.fixture
def live() -> Iterator[tuple[Simulator, str]]:
    # Six times the service's pace: an opportunity job waits 1-8 s before it runs, not 5-45 s.
    simulator = Simulator(seed=5, history=20, clock=SystemClock(), speed=6.0)
    with serve(simulator) as served:
        yield simulator, served.url


@pytest.mark.parametrize(("share", "code"), [(0.0, 0), (0.25, 1)], ids=["no-failed-record", "failed-records"])
def test_wait_on_a_running_bulk_job_exits_as_its_records_end(live, share: float, code: int) -> None:
    simulator, url = live
    job = simulator.add_bulk_job(records=40, rate_per_minute=120.0, failure_share=share)  # 12 a second
    result = pcwatch("wait", job, "--endpoint-url", url, "--interval", "0.5", "--timeout", "60")
    assert result.returncode == code, result.stderr
    (truth,) = [j for j in simulator.bulk_jobs("Sandbox") if j.job_id == job]
    assert truth.status == "COMPLETED" and truth.processed_records == 40
    assert result.stderr.startswith(f"pcwatch wait: opp-bulk {job} ")  # its progress, off a terminal
    counts = f"40 of 40 records processed: {truth.success_count} succeeded, {truth.failure_count} failed"
    if code == 0:
        assert result.stdout == f"{job} COMPLETED {counts}\n"
    else:
        assert truth.failure_count and result.stdout == f"{job} COMPLETED\n"
        assert f"pcwatch wait: {counts}" in result.stderr
        assert f"the failed records: pcwatch results {job} --failed" in result.stderr


def test_wait_on_a_bulk_job_that_fails_whole_exits_1_with_its_reason(live) -> None:
    simulator, url = live
    job = simulator.add_bulk_job(kind=ACCT, records=30, fails=True)
    result = pcwatch(
        "wait", job, "--kind", "acct-bulk", "--endpoint-url", url, "--interval", "0.5", "--timeout", "60"
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == f"{job} FAILED\n" and "FailureReason: " in result.stderr


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(operation))

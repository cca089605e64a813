"""Deadlines and retries of the headless commands under network faults (issue 15, Build 4 and 5), in
real `pcwatch` processes against the local endpoint."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest

from schemas import TASK_KINDS
from tests.support.writes import cli_env, pcwatch_command
from tui.aws.retry import SDK_MAX_ATTEMPTS
from tui.core.clock import SystemClock
from tui.simulator import Endpoint, Faults, Simulator, serve

#: `wait --timeout S` must be back within S plus this, whatever the network does (the issue's promise).
WAIT_GRACE = 5.0


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    sim = Simulator(seed=11, history=40, clock=SystemClock())
    with serve(sim) as served:
        yield served


def run_pcwatch(*args: str, timeout: float = 90) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = subprocess.run(
        pcwatch_command(*args), capture_output=True, text=True, env=cli_env(), timeout=timeout
    )
    return result, time.monotonic() - started


def test_wait_returns_by_its_deadline_while_every_call_hangs(endpoint: Endpoint) -> None:
    task = endpoint.simulator.add_task(duration=3600.0)
    endpoint.simulator.faults = Faults(hang=1.0, hang_seconds=120.0)
    result, took = run_pcwatch(
        "wait", task, "--kind", "inv-to-eng", "--timeout", "2", "--endpoint-url", endpoint.url
    )
    assert result.returncode == 124, result.stderr
    assert took < 2 + WAIT_GRACE, f"wait --timeout 2 took {took:.1f} s"
    assert "timed out after 2 s" in result.stderr
    assert endpoint.simulator.stats.outcomes["hang"] >= 1  # the calls really hung


@pytest.mark.parametrize("kind", [[], ["--kind", "opp-bulk"]], ids=["found-from-its-id", "kind-given"])
def test_wait_on_a_bulk_job_returns_by_its_deadline_while_every_call_hangs(
    endpoint: Endpoint, kind: list[str]
) -> None:
    """The same deadline while the bulk job's kind is being found from its id, and once it is known."""
    sim = endpoint.simulator
    sim.faults = Faults(hang=1.0, hang_seconds=120.0)
    result, took = run_pcwatch(
        "wait", "bulkjob-0123456789abc", *kind, "--timeout", "2", "--endpoint-url", endpoint.url
    )
    assert result.returncode == 124, result.stderr
    assert took < 2 + WAIT_GRACE, f"wait --timeout 2 took {took:.1f} s"
    assert "timed out after 2 s" in result.stderr
    assert sim.stats.outcomes["hang"] >= 1 and sim.stats.calls["ListOpportunityBulkJobs"] >= 1
    assert not any(sim.stats.calls[f"List{k}Tasks"] for k in TASK_KINDS)  # not a task id: never asked


@pytest.mark.parametrize("fault", ["throttle", "truncated_body"])  # the drill's two; the rest: the matrix
def test_list_retries_bursts_of_faults_within_its_budget(endpoint: Endpoint, fault: str) -> None:
    """A burst of faults longer than botocore's own attempts: `pcwatch list` keeps trying (with backoff)
    and prints every task once the burst is over."""
    sim = endpoint.simulator
    sim.faults = Faults(**{fault: 1.0})
    proc = subprocess.Popen(
        pcwatch_command("list", "--json", "--kind", "inv-to-eng", "--endpoint-url", endpoint.url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    try:
        deadline = time.monotonic() + 20
        while sim.stats.outcomes[_outcome(fault)] <= SDK_MAX_ATTEMPTS and time.monotonic() < deadline:
            time.sleep(0.05)
        failed = sim.stats.outcomes[_outcome(fault)]
        sim.faults = Faults()
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert failed > SDK_MAX_ATTEMPTS, "the burst outlasted botocore's attempts"
    assert proc.returncode == 0, err
    expected = {t.task_id for t in sim.tasks("Sandbox") if t.kind == "EngagementByAcceptingInvitation"}
    assert len(out.splitlines()) == len(expected)


def test_list_gives_up_after_its_retry_budget_naming_the_cause(endpoint: Endpoint) -> None:
    endpoint.simulator.faults = Faults(internal_error=1.0)
    result, took = run_pcwatch("list", "--kind", "inv-to-eng", "--endpoint-url", endpoint.url)
    assert result.returncode == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "InternalServer" in lines[0] and "gave up after" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert took < 30


def _outcome(fault: str) -> str:
    return {
        "throttle": "ThrottlingException",
        "internal_error": "InternalServerException",
        "truncated_body": "truncate",
        "connection_reset": "reset",
    }[fault]

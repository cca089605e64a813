"""`pcwatch list` and `pcwatch wait` end to end, in subprocesses, against the local endpoint."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from schemas import TASK_KINDS, TaskKind
from tests.support.writes import cli_env
from tui.simulator import Simulator, serve

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "boom\x1b[2J\x1b]0;owned\x07\u202eevil\x9b31m\nline two"


def pcwatch(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=ROOT,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def sim() -> Iterator[tuple[Simulator, str]]:
    simulator = Simulator(seed=7, history=300)
    with serve(simulator) as endpoint:
        yield simulator, endpoint.url


def test_list_json_prints_wire_names_plus_kind_for_every_task(sim) -> None:
    # Kind is the short name; WireKind the service's name (the table's pair, for each task's own kind).
    simulator, url = sim
    result = pcwatch("list", "--endpoint-url", url, "--json")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    truth = {t.task_id: t for t in simulator.tasks("Sandbox")}
    assert {r["TaskId"] for r in rows} <= set(truth) and len(rows) >= 300
    assert {r["WireKind"] for r in rows} == set(TASK_KINDS)
    assert all(r["WireKind"] == truth[r["TaskId"]].kind for r in rows)
    assert all(r["Kind"] == TASK_KINDS[r["WireKind"]].short for r in rows)
    assert {r["Kind"] for r in rows} == {"inv-to-eng", "opp-to-eng", "eng-to-opp", "prospecting"}
    assert all({"TaskId", "TaskStatus", "StartTime", "Kind", "WireKind"} <= set(r) for r in rows)
    starts = [r["StartTime"] for r in rows]
    assert starts == sorted(starts, reverse=True)


def test_list_filters_by_kind_and_status_and_prints_csv(sim) -> None:
    simulator, url = sim
    result = pcwatch("list", "--endpoint-url", url, "--kind", "inv-to-eng", "--status", "FAILED", "--csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    expected = [
        t
        for t in simulator.tasks("Sandbox")
        if t.kind == TaskKind.ACCEPT_INVITATION and t.task_status == "FAILED"
    ]
    assert len(rows) == len(expected) > 0
    assert {r["Kind"] for r in rows} == {"inv-to-eng"}
    assert {r["WireKind"] for r in rows} == {TaskKind.ACCEPT_INVITATION}
    assert all(r["TaskStatus"] == "FAILED" and r["ReasonCode"] for r in rows)


def test_list_never_prints_raw_control_characters(sim) -> None:
    simulator, url = sim
    simulator.add_task(status="FAILED", reason_code="InternalError", message=HOSTILE)
    for fmt in ([], ["--csv"], ["--json"]):
        result = pcwatch("list", "--endpoint-url", url, "--status", "FAILED", *fmt)
        assert result.returncode == 0, result.stderr
        body = result.stdout
        assert "\x1b" not in body and "\x9b" not in body and "\u202e" not in body and "\x07" not in body
        assert "boom" in body
    # JSON stays lossless: the escapes decode back to the exact Message.
    lines = pcwatch("list", "--endpoint-url", url, "--status", "FAILED", "--json").stdout.splitlines()
    assert any(json.loads(line).get("Message") == HOSTILE for line in lines)


def test_wait_failed_exits_1_with_reason_and_escaped_message(sim) -> None:
    simulator, url = sim
    task_id = simulator.add_task(
        duration=1.0, outcome="FAILED", reason_code="OpportunityConflict", message=HOSTILE
    )
    result = pcwatch("wait", task_id, "--endpoint-url", url, "--interval", "0.3", "--timeout", "30")
    assert result.returncode == 1, result.stderr
    assert f"{task_id} FAILED" in result.stdout
    assert "ReasonCode: OpportunityConflict" in result.stderr
    assert "boom␛[2J␛]0;owned␇\\u202eevil\\x9b31m␊line two" in result.stderr
    assert "\x1b" not in result.stderr and "\x9b" not in result.stderr


def test_wait_complete_exits_0(sim) -> None:
    simulator, url = sim
    task_id = simulator.add_task(kind=TaskKind.OPPORTUNITY_FROM_ENGAGEMENT, duration=0.5, outcome="COMPLETE")
    result = pcwatch("wait", task_id, "--endpoint-url", url, "--interval", "0.3", "--timeout", "30")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{task_id} COMPLETE")


def test_wait_timeout_exits_124(sim) -> None:
    simulator, url = sim
    task_id = simulator.add_task(duration=3600.0)
    result = pcwatch("wait", task_id, "--endpoint-url", url, "--interval", "0.2", "--timeout", "1")
    assert result.returncode == 124
    assert "timed out" in result.stderr and "IN_PROGRESS" in result.stderr


def test_wait_unknown_task_and_unreachable_endpoint_exit_3(sim) -> None:
    _, url = sim
    result = pcwatch("wait", "task-0000000000000", "--endpoint-url", url, "--timeout", "5")
    assert result.returncode == 3 and "not found" in result.stderr
    invalid = pcwatch("wait", "not-a-task-id", "--endpoint-url", url, "--timeout", "5")
    assert invalid.returncode == 3 and "ValidationException" in invalid.stderr
    closed = pcwatch("list", "--endpoint-url", "http://127.0.0.1:9", "--max-rate", "100")
    assert closed.returncode == 3 and "network error" in closed.stderr
    assert len(closed.stderr.strip().splitlines()) == 1


def test_demo_mode_list_and_wait() -> None:
    listed = pcwatch("list", "--demo", "--status", "COMPLETE", "--json", "--kind", "eng-to-opp")
    assert listed.returncode == 0, listed.stderr
    first = json.loads(listed.stdout.splitlines()[0])
    assert first["TaskStatus"] == "COMPLETE" and first["Kind"] == "eng-to-opp"
    assert first["WireKind"] == TaskKind.OPPORTUNITY_FROM_ENGAGEMENT
    # The demo history is seeded: the same task exists in the next process's demo endpoint.
    waited = pcwatch("wait", "--demo", first["TaskId"], "--timeout", "10")
    assert waited.returncode == 0, waited.stderr


def test_repeated_list_runs_never_spend_more_than_daily_calls_together() -> None:
    """Each run is a new process (three in a row, then two at once); the allowance is the journal's, so
    restarts do not start a fresh day.
    Counted at the endpoint (its own record of requests), not by pcwatch."""
    simulator = Simulator(seed=3, history=300)
    limit = 10
    codes, errors = [], []
    with serve(simulator) as endpoint:
        for _ in range(3):
            result = pcwatch("list", "--endpoint-url", endpoint.url, "--daily-calls", str(limit), "--json")
            codes.append(result.returncode)
            errors.append(result.stderr)
        # Two at once: the journal's transaction decides which of them gets the calls that are left.
        both = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tui",
                    "list",
                    "--endpoint-url",
                    endpoint.url,
                    "--daily-calls",
                    str(limit),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                env=cli_env(),
                cwd=ROOT,
            )
            for _ in range(2)
        ]
        for proc in both:
            _, err = proc.communicate(timeout=60)
            codes.append(proc.returncode)
            errors.append(err)
    assert simulator.stats.total <= limit
    assert codes[:2] == [0, 0]  # 4 kinds, one page each: 4 calls a run
    assert codes[-3:] == [3, 3, 3]  # spent: exit 3 ...
    assert all("the daily budget is spent" in e and "calls return from" in e for e in errors[-3:])
    assert all("Traceback" not in e for e in errors)

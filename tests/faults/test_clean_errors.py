"""Clean errors everywhere (issue 15, Build 6): a busy port, a missing profile, a bad region — one line
that says what to do, no traceback, the right exit code. Real `pcwatch` processes."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator

import pytest

from tests.support.writes import cli_env, pcwatch_command


def run_pcwatch(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        pcwatch_command(*args), capture_output=True, text=True, env=cli_env(), timeout=timeout
    )


def assert_one_clean_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Error:" not in lines[0].split(":", 1)[0]
    for word in words:
        assert word in lines[0], lines[0]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def test_simulate_on_a_busy_port_says_so_in_one_line(busy_port: int) -> None:
    result = run_pcwatch("simulate", "--port", str(busy_port), timeout=30)
    assert result.returncode == 2
    assert_one_clean_line(result, f"port {busy_port}", "in use", "--port 0")


def test_serve_on_a_busy_port_says_so_in_one_line(busy_port: int) -> None:
    result = run_pcwatch("serve", "--demo", "--port", str(busy_port), timeout=30)
    assert result.returncode == 2
    assert_one_clean_line(result, f"port {busy_port}", "in use")


def test_a_bad_region_is_refused_before_any_call() -> None:
    result = run_pcwatch("list", "--region", "us east 1!", "--demo")
    assert result.returncode == 2
    assert_one_clean_line(result, "--region", "us-east-1")


def test_a_missing_profile_names_it_and_the_fix() -> None:
    result = run_pcwatch("list", "--profile", "no-such-profile", "--endpoint-url", "http://127.0.0.1:9")
    assert result.returncode == 3
    assert_one_clean_line(result, "no-such-profile", "--profile")

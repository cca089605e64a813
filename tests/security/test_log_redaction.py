"""A log file from real runs holds no credential: distinctive fake AWS keys and a session token in the
environment (which botocore signs every request with and, at debug level, logs the headers of), and the
token of `pcwatch serve` (in the URL, a header and a cookie). The file is 0600 and has the run's events."""

from __future__ import annotations

import json
import stat
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.support.serve import serving
from tests.support.writes import run_pcwatch
from tui.simulator import Simulator, serve

ACCESS_KEY = "AKIAPCWATCHFAKEKEY42"
SECRET_KEY = "pcwatchFAKEsecretKEY/do+not+log/0123456789ab"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEPCWATCHfakeSESSIONtoken/0123456789+abcdefghijklmnopqrstuvwxyz=="
SERVE_TOKEN = "pcwatch-fake-serve-token-0123456789abcdef"


def _pieces(secret: str) -> list[str]:
    """The secret, and every 12-character piece of it: a half-redacted value is still a leak."""
    return [secret] + [secret[i : i + 12] for i in range(0, len(secret) - 11, 6)]


def assert_no_secret(text: str) -> None:
    for secret in (ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, SERVE_TOKEN):
        for piece in _pieces(secret):
            assert piece not in text, f"{piece!r} of a secret is in the log"


@pytest.fixture
def endpoint() -> Iterator[str]:
    with serve(Simulator(seed=9, history=50)) as served:
        yield served.url


def test_a_debug_log_of_signed_requests_holds_no_credential(endpoint, tmp_path) -> None:
    log = tmp_path / "logs" / "pcwatch.log"
    env = {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_SESSION_TOKEN": SESSION_TOKEN,
    }
    args = ("--endpoint-url", endpoint, "--no-journal", "--log-file", str(log), "--log-level", "debug")
    result = run_pcwatch(*args, "list", "--json", **env)
    assert result.returncode == 0, result.stderr
    text = log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    lines = [json.loads(line) for line in text.splitlines()]
    events = [line["event"] for line in lines]
    assert events[0] == "start" and events[-1] == "exit" and "api.call" in events
    calls = [line for line in lines if line["event"] == "api.call"]
    assert all({"time", "level", "operation", "duration", "outcome"} <= set(c) for c in calls)
    # botocore's debug lines were there: the signed request's headers, with their values redacted.
    assert "X-Amz-Security-Token" in text and "Authorization" in text and "[redacted]" in text
    assert_no_secret(text)
    assert_no_secret(result.stderr + result.stdout)


def test_a_serve_log_holds_no_token(tmp_path, monkeypatch) -> None:
    log = tmp_path / "serve.log"
    monkeypatch.setenv("PCWATCH_SERVE_TOKEN", SERVE_TOKEN)
    with serving("--demo", "--log-file", str(log), "--log-level", "debug") as served:
        assert served.token == SERVE_TOKEN
        with urllib.request.urlopen(served.url, timeout=10) as page:  # the token in the URL
            assert page.status == 200
        request = urllib.request.Request(served.base, headers={"Authorization": f"token {SERVE_TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as page:
            assert page.status == 200
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(served.base + "?token=wrong-guess-0123456789abc", timeout=10)
    text = log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert '"event": "start"' in text and '"operation": "serve"' in text
    assert_no_secret(text)

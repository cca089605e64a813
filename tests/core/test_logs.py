"""`tui.core.logs`: redaction (by value and by shape), the JSON line format, the private rotating file, and
nothing on the terminal while the dashboard runs. Loggers here are the test's own (the root logger of the
test process is left alone; `configure` is run in subprocesses)."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.full_disk import Disk, LogOnDisk
from tests.support.writes import ROOT
from tui.core.logs import (
    REDACTED,
    RETRY_AFTER,
    JsonLines,
    LogFileError,
    PrivateRotatingFile,
    add_secret,
    event,
    redact,
)
from tui.core.private_files import PathRefused

SESSION_TOKEN = "IQoJb3JpZ2luX2VjEFAKEpcwatchSessionToken0123456789+/abcdefABCDEF=="


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("key AKIAPCWATCHFAKE0001 in use", "AKIAPCWATCHFAKE0001"),
        ("temporary ASIAPCWATCHFAKE0002", "ASIAPCWATCHFAKE0002"),
        (
            "Credential=AKIAPCWATCHFAKE0003/20261128/us-east-1/partnercentral-selling/aws4_request",
            "20261128/",
        ),
        (
            "'Authorization': b'AWS4-HMAC-SHA256 Credential=x/y, SignedHeaders=host, Signature=abc123'",
            "abc123",
        ),
        (f"'X-Amz-Security-Token': b'{SESSION_TOKEN}'", "IQoJb3JpZ2lu"),
        (f"token {SESSION_TOKEN} seen", "IQoJb3JpZ2lu"),
        ("GET /?token=Zm9vYmFyYmF6cXV4MTIzNDU2 HTTP/1.1", "Zm9vYmFyYmF6"),
        ("Authorization: token Zm9vYmFyYmF6cXV4MTIzNDU2", "Zm9vYmFyYmF6"),
        ("Cookie: pcwatch-token-8000=Zm9vYmFyYmF6cXV4; theme=dark", "Zm9vYmFyYmF6"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"),
        ('{"NextToken": "opaque-page-token-1", "session_id": "s3ss10n"}', "opaque-page"),
        ('{"session_id": "s3ss10n-4bcd"}', "s3ss10n"),
        ("password=hunter2hunter2", "hunter2"),
    ],
)
def test_credentials_and_tokens_are_redacted_by_shape(text, secret) -> None:
    out = redact(text)
    assert secret not in out and REDACTED in out


def test_known_values_are_redacted_wherever_they_appear() -> None:
    add_secret("distinctive-value-of-a-secret", None, "short")
    assert redact("a b distinctive-value-of-a-secret c") == f"a b {REDACTED} c"
    assert redact("short words stay") == "short words stay"  # too short to replace by value


@pytest.mark.parametrize(
    "text",
    [
        "ListEngagementByAcceptingInvitationTasks ok",
        "ExpiredTokenException: The security token included in the request is expired",
        "arn:aws:partnercentral:us-east-1::catalog/Sandbox/task/task-0000000000001",
        "journal /home/u/.local/state/pcwatch/journals/aws-us-east-1--partner--AWS.sqlite3 moved aside",
        "Found credentials in environment variables.",
    ],
)
def test_ordinary_text_is_kept(text) -> None:
    assert redact(text) == text


def _logger(tmp_path: Path, name: str, **handler_options: int) -> tuple[logging.Logger, PrivateRotatingFile]:
    handler = PrivateRotatingFile(tmp_path / "logs" / "pcwatch.log", **handler_options)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger(f"tests.logs.{name}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, handler


def test_lines_are_json_with_the_event_fields_ascii_and_redacted(tmp_path) -> None:
    logger, handler = _logger(tmp_path, "format")
    event(logger, "api.call", "ListX ok", operation="ListX", duration=0.123456, outcome="ok", catalog="AWS")
    logger.warning("hostile \x1b[2J\u202e %s", "AKIAPCWATCHFAKE0009")
    try:
        raise RuntimeError(f"failed with {SESSION_TOKEN}")
    except RuntimeError:
        logger.exception("boom")
    handler.close()
    raw = (tmp_path / "logs" / "pcwatch.log").read_bytes()
    assert raw.isascii() and b"\x1b" not in raw
    first, second, third = (json.loads(line) for line in raw.splitlines())
    assert first["event"] == "api.call" and first["operation"] == "ListX" and first["outcome"] == "ok"
    assert first["duration"] == 0.1235 and first["catalog"] == "AWS" and first["level"] == "info"
    assert first["time"].endswith("+00:00")
    assert second["event"] == "tests.logs.format" and second["level"] == "warning"
    assert second["message"] == f"hostile \x1b[2J\u202e {REDACTED}"
    assert "RuntimeError" in third["exception"] and "IQoJb3JpZ2lu" not in third["exception"]


def test_the_file_is_private_and_rotates_by_size(tmp_path) -> None:
    logger, handler = _logger(tmp_path, "rotate", max_bytes=2000, backups=2)
    for n in range(100):
        logger.info("line %d %s", n, "x" * 100)
    handler.close()
    directory = tmp_path / "logs"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    files = sorted(p.name for p in directory.iterdir())
    assert files == ["pcwatch.log", "pcwatch.log.1", "pcwatch.log.2"]
    for path in directory.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.stat().st_size <= 2000
    assert "line 99" in (directory / "pcwatch.log").read_text()


def test_a_planted_symlink_is_not_followed(tmp_path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "pcwatch.log").symlink_to(target)
    with pytest.raises(PathRefused, match="symbolic link"):
        PrivateRotatingFile(tmp_path / "logs" / "pcwatch.log")
    assert target.read_text() == ""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env=dict(os.environ),
    )


def test_nothing_reaches_the_terminal_while_the_dashboard_runs(tmp_path) -> None:
    say = (
        "import logging, warnings; logging.getLogger('tui.engine.journal').warning('journal moved aside'); "
        "logging.getLogger('botocore').error('an error'); warnings.warn('a warning')"
    )
    headless = _run(f"from tui.core import logs; logs.configure(None); {say}")
    assert "journal moved aside" in headless.stderr  # what would reach the screen without the setup
    dashboard = _run(f"from tui.core import logs; logs.configure(None, interactive=True); {say}")
    assert dashboard.returncode == 0 and dashboard.stdout == "" and dashboard.stderr == ""
    path = tmp_path / "d.log"
    logged = _run(
        f"from pathlib import Path; from tui.core import logs; logs.configure(Path({str(path)!r}), interactive=True); {say}"
    )
    assert logged.stderr == "" and "journal moved aside" in path.read_text()


def test_an_unwritable_log_file_is_a_clear_error(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = _run(
        "from pathlib import Path; from tui.core import logs\n"
        f"try:\n    logs.configure(Path({str(blocker / 'x.log')!r}))\n"
        "except logs.LogFileError as e:\n    print(e)"
    )
    assert "cannot be written" in result.stdout and "x.log" in result.stdout
    assert LogFileError.__mro__[1] is ValueError


def test_a_full_disk_under_the_log_is_said_once_and_the_file_is_tried_again(tmp_path) -> None:
    disk = Disk(full=True)
    now = [0.0]
    said: list[str | None] = []
    # (`on_trouble`: what `configure` gives it, the header's part or one line on stderr)
    handler = LogOnDisk(tmp_path / "full.log", disk, on_trouble=said.append, clock=lambda: now[0])
    logger = logging.getLogger("test.full_disk_log")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        for n in range(196):
            logger.warning("line %d", n)
        assert said == ["disk full"] and handler.lines_lost == 196
        disk.full = False
        logger.warning("too soon")  # (not tried again before RETRY_AFTER)
        now[0] = RETRY_AFTER
        logger.warning("written")
        assert said == ["disk full", None] and handler.failing_since is None
        assert "written" in handler.stream.getvalue() and "too soon" not in handler.stream.getvalue()
    finally:
        logger.removeHandler(handler)
        handler.close()


def test_a_command_says_a_full_log_disk_in_one_line_not_a_logging_error_a_line(tmp_path) -> None:
    path = tmp_path / "cmd.log"
    result = _run(
        "import logging; from pathlib import Path; from tui.core import logs\n"
        "from tests.support.full_disk import Disk, FullStream\n"
        f"logs.configure(Path({str(path)!r}))\n"
        "logs._installed[0].stream = FullStream(Disk(full=True))\n"
        "for n in range(196): logging.getLogger('tui.engine.poller').info('poll %d', n)\n"
        "print(logs.file_trouble())"
    )
    assert "Logging error" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert (
        result.stderr.count("\n") == 1
        and f"the log file {path} cannot be written (disk full)" in result.stderr
    )
    assert result.stdout.strip() == repr(("disk full", str(path)))

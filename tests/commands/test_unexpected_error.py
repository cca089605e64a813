"""Whenever pcwatch ends on an unexpected error its exit status is not 0 (issue 27, item 2): one line on
the terminal, the traceback in the log file; the dashboard's too, which Textual catches itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Static

from tests.support.crashing_command import MESSAGE
from tests.support.writes import ROOT, cli_env
from tui.core import logs
from tui.core.exit_status import ExitStatus
from tui.dashboard import fatal

#: `pcwatch boom`: the command line with one more command, the crashing one.
WITH_A_CRASHING_COMMAND = (
    "import sys, tui.__main__ as m; "
    "m.COMMANDS['boom'] = ('tests.support.crashing_command', 'ends on an unexpected error'); "
    "sys.exit(m.main(sys.argv[1:]))"
)


def run_boom(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITH_A_CRASHING_COMMAND, "boom", *args],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=ROOT,
        timeout=60,
    )


def test_a_command_ending_on_an_unexpected_error_says_one_line_and_logs_the_traceback(tmp_path: Path) -> None:
    log_file = tmp_path / "pcwatch.log"
    result = run_boom("--log-file", str(log_file))
    assert result.returncode == ExitStatus.ERROR, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert f"unexpected error: RuntimeError: {MESSAGE}" in line and str(log_file) in line
    logged = [json.loads(row) for row in log_file.read_text().splitlines()]
    (crash,) = [row for row in logged if "exception" in row]
    assert "Traceback" in crash["exception"] and "crashing_command.py" in crash["exception"]


def test_without_a_log_file_the_line_says_how_to_keep_the_traceback() -> None:
    result = run_boom()
    assert result.returncode == ExitStatus.ERROR
    (line,) = result.stderr.strip().splitlines()
    assert MESSAGE in line and "--log-file" in line


class Crashing(App[int]):
    def compose(self) -> ComposeResult:
        yield Static("about to fail")

    def on_mount(self) -> None:
        raise OSError(28, "No space left on device")


def test_the_dashboard_ending_on_an_unexpected_error_is_said_not_printed_by_textual(capfd, tmp_path) -> None:
    app = Crashing()
    fatal.keep_off_the_terminal(app)
    assert app.run(headless=True) is None  # (what `run` returns after a crash: nothing says so)
    error = fatal.stopped_on(app)
    assert isinstance(error, OSError) and error.errno == 28
    assert "Traceback" not in capfd.readouterr().err  # Textual's own went nowhere
    logs.configure(tmp_path / "pcwatch.log")
    try:
        line = logs.unexpected("pcwatch", error)
    finally:
        logs.configure(None)
    assert "OSError" in line and str(tmp_path / "pcwatch.log") in line
    assert "No space left on device" in (tmp_path / "pcwatch.log").read_text()


def test_a_dashboard_that_ended_normally_stopped_on_nothing() -> None:
    class Quits(App[int]):
        def on_mount(self) -> None:
            self.exit(0)

    app = Quits()
    app.run(headless=True)
    assert fatal.stopped_on(app) is None

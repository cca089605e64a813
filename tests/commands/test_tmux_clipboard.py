"""In tmux, `c` puts the id where tmux keeps it: a real tmux server (its own socket, its own config)
answers `set-clipboard`, and `show-buffer` says what arrived."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from tui.commands.dashboard import session_clipboard
from tui.dashboard.clipboard import TMUX_LOAD, TMUX_TAKES_OSC52

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


@pytest.fixture
def tmux() -> Iterator[tuple[list[str], dict[str, str]]]:
    """A detached tmux server of this test's own, and the environment of a program running in it."""
    command = ["tmux", "-L", f"pcwatch-test-{os.getpid()}", "-f", os.devnull]
    subprocess.run([*command, "new-session", "-d", "-x", "80", "-y", "24"], check=True)
    try:
        socket = subprocess.run(
            [*command, "display-message", "-p", "#{socket_path},#{pid},0"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        yield command, {"PATH": os.environ.get("PATH", ""), "TMUX": socket, "TERM": "tmux-256color"}
    finally:
        subprocess.run([*command, "kill-server"], check=False)


def test_in_tmux_that_drops_osc_52_the_id_goes_into_its_buffer(
    tmux: tuple[list[str], dict[str, str]],
) -> None:
    command, environ = tmux
    subprocess.run([*command, "set-option", "-g", "set-clipboard", "external"], check=True)
    clipboard = session_clipboard(environ)
    assert clipboard.reach == TMUX_LOAD and clipboard.load_tmux_buffer is not None
    assert clipboard.load_tmux_buffer("task-0123456789abc")
    shown = subprocess.run([*command, "show-buffer"], check=True, capture_output=True, text=True).stdout
    assert shown == "task-0123456789abc"


def test_in_tmux_that_takes_osc_52_nothing_more_is_done(tmux: tuple[list[str], dict[str, str]]) -> None:
    command, environ = tmux
    subprocess.run([*command, "set-option", "-g", "set-clipboard", "on"], check=True)
    clipboard = session_clipboard(environ)
    assert clipboard.reach == TMUX_TAKES_OSC52 and clipboard.load_tmux_buffer is None

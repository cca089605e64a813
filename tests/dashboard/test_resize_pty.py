"""Resizing a real terminal repaints everything: `pcwatch --demo` in a pseudo-terminal, its output in a
`pyte` terminal, the terminal resized smaller, across the 120-column layout switch and back.

As in JupyterLab's terminal (terminado exports COLUMNS and LINES, and bash passes on the values from
when the command started), the environment holds a stale size; pcwatch must take the size from the
terminal. After each resize the emulated terminal is filled with a mark (what a terminal shows after a
resize is undefined: xterm.js reflows, tmux redraws from its copy), so anything not repainted shows."""

from __future__ import annotations

import fcntl
import os
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pyte
import pytest
from textual.geometry import Size

from tests.support.fresh_screen import RESIZE_FILL, fill
from tui.dashboard.screens.tasks import activity_by_default

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="a Linux pseudo-terminal")


class PtyTerminal:
    """A pseudo-terminal running a command, its output fed to a `pyte` screen."""

    def __init__(self, argv: list[str], width: int, height: int, env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        self._set_size(slave, width, height)
        self.screen = pyte.Screen(width, height)
        self.stream = pyte.ByteStream(self.screen)
        self.lock = threading.Lock()
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True
        )
        os.close(slave)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    @staticmethod
    def _set_size(fd: int, width: int, height: int) -> None:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.stream.feed(data)

    def lines(self) -> list[str]:
        with self.lock:
            return list(self.screen.display)

    def resize(self, width: int, height: int) -> None:
        """The terminal takes a new size (its contents undefined) and tells the program (SIGWINCH)."""
        with self.lock:
            self.screen.resize(height, width)
            fill(self.screen, RESIZE_FILL)
        self._set_size(self.master, width, height)
        os.kill(self.process.pid, signal.SIGWINCH)

    def wait_for(self, condition, timeout: float = 30.0) -> list[str]:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.lines()
            if condition(lines):
                return lines
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("the terminal never showed it:\n" + "\n".join(self.lines()))

    def close(self) -> None:
        if self.process.poll() is None:
            os.write(self.master, b"q")
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        os.close(self.master)


def _repainted(width: int, height: int):  # type: ignore[no-untyped-def]
    """The whole screen is the dashboard at this size: nothing left of the fill, the header on top, the
    footer (its keys) at the bottom, and the layout of this size (the Activity pane at 120 columns and
    wider, or 40 rows and taller). Waited for, not checked once: bytes the dashboard wrote for the old size before it heard
    of the resize may still land after the fill (a real terminal gets them too), and the repaint for the
    new size that follows must put everything right."""

    def condition(lines: list[str]) -> bool:
        return (
            len(lines) == height
            and all(len(line) == width for line in lines)
            and not any(RESIZE_FILL in line for line in lines)
            and "tasks" in lines[0]
            and "Quit" in lines[-1] + lines[-2]
            and ("Activity" in "".join(lines)) == activity_by_default(Size(width, height))
        )

    return condition


def test_every_resize_repaints_the_whole_screen_even_with_a_stale_size_in_the_environment() -> None:
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "COLUMNS": "120",  # as terminado exports them; stale after the first resize
        "LINES": "40",
    }
    argv = [sys.executable, "-m", "tui", "--demo", "--no-journal"]
    terminal = PtyTerminal(argv, 120, 40, env)
    try:
        terminal.wait_for(lambda lines: "tasks ·" in lines[0] and "Status" in "".join(lines[:5]))
        for width, height in ((100, 30), (119, 40), (160, 48), (80, 24), (120, 40)):
            terminal.resize(width, height)
            terminal.wait_for(_repainted(width, height))
    finally:
        terminal.close()

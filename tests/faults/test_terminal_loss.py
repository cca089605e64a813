"""Never outlive the terminal (issue 15, Build 2): a dashboard whose terminal is closed, that gets SIGHUP
or whose parent dies ends within 5 s and releases the leader lock — even while every call hangs inside
botocore — and a lock whose holder died is taken over by another viewer within 10 s. Real processes in
real pseudo-terminals against the local endpoint."""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.writes import cli_env, pcwatch_command
from tui.core.clock import SystemClock
from tui.engine.sharing import TAIL_INTERVAL
from tui.engine.viewer_lock import JournalLock
from tui.simulator import Endpoint, Faults, Simulator, serve

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Linux pseudo-terminals and flock")

#: The issue's promises.
EXIT_WITHIN = 5.0
TAKEOVER_WITHIN = 10.0


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    sim = Simulator(seed=5, history=30, clock=SystemClock())
    with serve(sim) as served:
        yield served


class Terminal:
    """A pseudo-terminal with `argv` running in it as the session leader's child (as in a tmux pane:
    the pty is the program's stdin, stdout and stderr). Output is drained and kept."""

    def __init__(self, argv: list[str]) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        env = cli_env(TERM="xterm-256color")
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.output = bytearray()
        self.closed = False
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.output += data

    def close_terminal(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.master)

    def end(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.close_terminal()


def dashboard_argv(url: str, journal: Path) -> list[str]:
    return pcwatch_command("--endpoint-url", url, "--journal", str(journal), "--max-rate", "5")


def lock_is_free(journal: Path) -> bool:
    fd = os.open(f"{journal}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def wait_until(condition, timeout: float) -> float:  # type: ignore[no-untyped-def]
    """Seconds until `condition()` held; fails after `timeout`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "not within the time allowed"
        time.sleep(0.05)
    return time.monotonic() - started


def leading_while_calls_hang(endpoint: Endpoint, journal: Path, terminal: Terminal) -> None:
    """The dashboard polls (holds the lock), then every call hangs and one is outstanding."""
    wait_until(lambda: endpoint.simulator.stats.total >= 3, 30)
    assert not lock_is_free(journal)
    endpoint.simulator.faults = Faults(hang=1.0, hang_seconds=120.0)
    hung = endpoint.simulator.stats.outcomes["hang"]
    wait_until(lambda: endpoint.simulator.stats.outcomes["hang"] > hung, 30)
    assert terminal.process.poll() is None


@pytest.mark.parametrize("loss", ["closed-terminal", "sighup"])
def test_a_dashboard_ends_within_5_s_of_losing_its_terminal_while_a_call_hangs(
    endpoint: Endpoint, tmp_path: Path, loss: str
) -> None:
    journal = tmp_path / "j.sqlite3"
    terminal = Terminal(dashboard_argv(endpoint.url, journal))
    try:
        leading_while_calls_hang(endpoint, journal, terminal)
        if loss == "sighup":
            terminal.process.send_signal(signal.SIGHUP)
        else:
            terminal.close_terminal()
        took = wait_until(lambda: terminal.process.poll() is not None, 60)
        assert took <= EXIT_WITHIN, f"{loss}: ended after {took:.1f} s"
        assert lock_is_free(journal)
    finally:
        terminal.end()


def test_a_dashboard_ends_within_5_s_when_its_parent_dies(endpoint: Endpoint, tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite3"
    argv = " ".join(dashboard_argv(endpoint.url, journal))
    # A shell in the terminal starts pcwatch and waits for it, as an interactive one does.
    terminal = Terminal(["/bin/sh", "-c", f"{argv} & echo $! > {tmp_path}/pid; wait"])
    try:
        wait_until(lambda: (tmp_path / "pid").exists() and (tmp_path / "pid").read_text().strip(), 10)
        pid = int((tmp_path / "pid").read_text())
        leading_while_calls_hang(endpoint, journal, terminal)
        terminal.process.kill()  # the shell dies; pcwatch is an orphan with its terminal still open
        terminal.process.wait(10)

        def gone() -> bool:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
            return False

        took = wait_until(gone, 60)
        assert took <= EXIT_WITHIN, f"ended after {took:.1f} s"
        assert lock_is_free(journal)
    finally:
        terminal.end()


def test_another_viewer_takes_over_within_10_s_a_lock_whose_holder_died(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    journal = tmp_path / "j.sqlite3"
    leader = Terminal(dashboard_argv(endpoint.url, journal))
    follower = None
    try:
        wait_until(lambda: not lock_is_free(journal), 30)
        follower = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.viewer",
                "--endpoint-url",
                endpoint.url,
                "--journal",
                str(journal),
                "--seconds",
                "30",
                "--until-leader",
                "--tail",
                str(TAIL_INTERVAL),
            ],
            stdout=subprocess.PIPE,
            text=True,
            env=cli_env(),
        )
        time.sleep(1.0)
        leader.process.kill()  # kill -9: nothing of pcwatch runs to release anything
        leader.process.wait(10)
        started = time.monotonic()
        out, _ = follower.communicate(timeout=40)
        took = time.monotonic() - started
        assert '"role": "leader"' in out.splitlines()[-1], out
        assert took <= TAKEOVER_WITHIN, f"took over after {took:.1f} s"
        holder = JournalLock(Path(f"{journal}.lock")).holder()
        assert holder is not None and holder.split()[0] == str(follower.pid)  # the file says who leads
    finally:
        leader.end()
        if follower is not None and follower.poll() is None:
            follower.kill()


async def test_a_closed_browser_tab_ends_its_dashboard_within_5_s_while_a_call_hangs(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    import aiohttp

    from tests.support.serve import serving

    args = ("--endpoint-url", endpoint.url, "--demo", "--journal", str(tmp_path / "j.sqlite3"))
    with serving(*args) as served:
        origin = served.base.rstrip("/")
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(served.ws_url + "&token=" + served.token, origin=origin)
            await ws.receive(timeout=30)  # the dashboard's first output
            children = served.children()
            assert len(children) == 1
            hung = endpoint.simulator.stats.outcomes["hang"]
            await asyncio.to_thread(wait_until, lambda: endpoint.simulator.stats.total >= 3, 30)
            endpoint.simulator.faults = Faults(hang=1.0, hang_seconds=120.0)
            await asyncio.to_thread(wait_until, lambda: endpoint.simulator.stats.outcomes["hang"] > hung, 30)
            await ws.close()  # the tab is closed
            took = await asyncio.to_thread(wait_until, lambda: served.children() == [], 60)
        assert took <= EXIT_WITHIN, f"the dashboard ended {took:.1f} s after its tab closed"
        assert lock_is_free(tmp_path / "j.sqlite3")

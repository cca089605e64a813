"""`watch.dashboard()`: the full dashboard in a cell. The kernel starts `pcwatch serve` for the watch's
account on loopback (its own process, with the watch's global options, so its tabs share the watch's
journal and poller) with a random token, and the cell shows it in an IFrame with that token.

The server lets pages of the same host name (any port: Jupyter's) frame it, and no other. It stops with
the watch (`close()`, a newer `Watch` of the account, the kernel's end); on Linux also if the kernel is
killed, so no server outlives it with its token. The token is in the cell's output (and so in the saved
notebook) only while that server runs: a new one is made at each start.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field

from tui.core.config import child_options
from tui.core.settings import Settings, is_loopback

from . import html

#: Seconds for the server to say where it listens.
START_TIMEOUT = 30.0
PR_SET_PDEATHSIG = 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:  # in the child, before exec (Linux): SIGTERM when the kernel goes
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def serve_argv(settings: Settings, host: str, port: int) -> list[str]:
    """The `pcwatch serve` the kernel starts for `settings`: on loopback `port`, framed by pages of `host`
    (the name the browser uses for this machine), its tabs resolving to the same settings."""
    url_host = f"[{host}]" if ":" in host else host
    argv = [sys.executable, "-m", "tui", *child_options(settings), "serve", "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--public-url", f"http://{url_host}:{port}"]
    argv += ["--frame-ancestors", f"http://{url_host}:*", "--frame-ancestors", f"https://{url_host}:*"]
    return argv


@dataclass
class DashboardServer:
    """A `pcwatch serve` the kernel started; shows itself as an IFrame (`_repr_html_`)."""

    process: subprocess.Popen[str]
    port: int
    #: The URL to open, with the token.
    url: str
    height: int = 600
    #: The server's last lines of output (for errors).
    output: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=50))

    @classmethod
    def start(
        cls, settings: Settings, *, host: str = "127.0.0.1", port: int | None = None
    ) -> DashboardServer:
        if not is_loopback(host):
            raise ValueError(
                f"host {host!r}: the dashboard listens on this machine's loopback only; give the name your "
                "browser uses for it (127.0.0.1 or localhost), and forward the port over SSH from elsewhere"
            )
        port = port or _free_port()
        argv = serve_argv(settings, host, port)
        token = secrets.token_urlsafe(32)
        env = {**os.environ, "PCWATCH_SERVE_TOKEN": token}  # not on the command line (ps shows that)
        started: dict[str, object] = {}
        ready = threading.Event()
        lines: collections.deque[str] = collections.deque(maxlen=50)

        def keep() -> None:
            # This thread starts the server and lives as long as it does: on Linux the server gets
            # SIGTERM when the thread that started it ends, which is then only when the kernel dies.
            try:
                process = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    env=env,
                    preexec_fn=_die_with_parent if sys.platform == "linux" else None,
                )
            except OSError as exc:
                started["error"] = exc
                ready.set()
                return
            started["process"] = process
            assert process.stdout is not None
            for line in process.stdout:  # read to the end: a full pipe would stall the server
                lines.append(line.rstrip("\n"))
                if line.startswith("pcwatch serve: open "):
                    started["url"] = line.split("open ", 1)[1].strip()
                    ready.set()
            process.wait()
            ready.set()

        threading.Thread(target=keep, name=f"pcwatch-serve-{port}", daemon=True).start()
        ready.wait(START_TIMEOUT)
        process = started.get("process")
        url = started.get("url")
        if not isinstance(process, subprocess.Popen) or not isinstance(url, str):
            if isinstance(process, subprocess.Popen):
                process.kill()
            said = "\n".join(lines) or str(started.get("error", "no output"))
            raise RuntimeError(f"pcwatch serve did not start:\n{said}")
        return cls(process, port, url, output=lines)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def __repr__(self) -> str:
        state = "running" if self.alive else "stopped"
        return f"<pcwatch serve on 127.0.0.1:{self.port}, {state}; .url has the URL with its token>"

    def _repr_html_(self) -> str:
        if not self.alive:
            return html.muted(f"pcwatch serve on port {self.port} has stopped; call watch.dashboard() again.")
        url = html.text(self.url, limit=None)
        return (
            f'<div class="pcwatch-dashboard"><iframe src="{url}" width="100%" height="{int(self.height)}" '
            'style="border:1px solid rgba(128,128,128,0.5)"></iframe>'
            f'<div style="font-size:12px">{html.muted("pcwatch serve for this kernel on port " + str(self.port))}'
            f' · <a href="{url}" target="_blank" rel="noopener noreferrer">open in a new tab</a> · '
            + html.muted(
                f"from another machine, forward the port too: ssh -N -L {self.port}:127.0.0.1:{self.port} "
                "&lt;this host&gt;"
            )
            + "</div></div>"
        )

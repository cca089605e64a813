"""Running `pcwatch serve` for the tests: start it on a free port against a local endpoint, read the URL it
prints (with its token), and see which dashboard processes it has started (its children in /proc)."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    process: subprocess.Popen[str]
    port: int
    #: The URL `serve` printed, token included.
    url: str
    output: list[str] = field(default_factory=list)
    #: The options it was started with (besides the port).
    args: tuple[str, ...] = ()

    @property
    def token(self) -> str:
        return parse_qs(urlsplit(self.url).query)["token"][0]

    @property
    def base(self) -> str:
        """The server's root without the token: what another local user can reach."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws?width=80&height=24"

    def children(self) -> list[int]:
        """The processes `serve` has started (each dashboard is one, through a shell)."""
        pids: list[int] = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            text = (task / "children").read_text().split()
            pids += [int(p) for p in text]
        return pids


@contextmanager
def serving(
    *args: str, timeout: float = 30.0, port: int | None = None, token: str | None = None
) -> Iterator[Served]:
    """`pcwatch serve ARGS --port <free>` (or `port`; with `token` as $PCWATCH_SERVE_TOKEN), until it has
    printed its URL and listens."""
    port = port or free_port()
    command = [sys.executable, "-m", "tui", "serve", "--port", str(port), *args]
    env = {**os.environ, "PCWATCH_SERVE_TOKEN": token} if token else None
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT, env=env
    )
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    try:
        url = ""
        deadline = time.monotonic() + timeout
        while not url:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"pcwatch serve printed no URL: {''.join(output)}")
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            output.append(line)
            if line.startswith("pcwatch serve: open "):
                url = line.split("open ", 1)[1].strip()
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("pcwatch serve never listened") from None
                time.sleep(0.05)
        yield Served(process, port, url, output, args)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

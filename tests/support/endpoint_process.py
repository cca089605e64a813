"""The fault matrix's endpoint in a process of its own, for benchmarks that measure pcwatch's memory:
in the same process the endpoint's own growth (every task it ever made) would be counted as pcwatch's.

The child serves a `FaultyEndpoint` on a free port, on a `MockClock` of its own that the parent advances
in lock-step with its clock (`advance` returns once the child's clock has moved). Everything the parent
asks about the endpoint (its record of the tasks, its request counts, its RSS) goes over a pipe.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any


def process_rss_mb(pid: int | str = "self") -> float:
    """Resident set size of a process (this one by default), in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _serve_endpoint(
    conn: Connection, seed: int, history: int, activity: float, new_invitations: float
) -> None:
    from tests.support.dashboard import T0
    from tests.support.fault_matrix import FAULTS, FaultyEndpoint, endpoint_truth, faulted
    from tui.core.clock import MockClock
    from tui.simulator import serve

    clock = MockClock(T0)
    endpoint = FaultyEndpoint(seed=seed, history=history, clock=clock, enforce_quotas=False)
    endpoint.world("Sandbox")
    initial = set(endpoint_truth(endpoint))
    endpoint.demo_activity(activity, new_invitations)
    answers: dict[str, Callable[..., Any]] = {
        "advance": clock.advance,
        "fault": lambda name, on: FAULTS[name].apply(endpoint, on),
        "faulted": lambda: faulted(endpoint),
        "truth": lambda: endpoint_truth(endpoint),
        "requests": lambda: endpoint.stats.total,
    }
    with serve(endpoint) as served:
        conn.send((served.url, initial))
        while True:
            request = conn.recv()
            if request is None:
                break
            name, args = request
            conn.send(answers[name](*args))


class EndpointProcess:
    """A `FaultyEndpoint` served by a child process; use as a context manager."""

    def __init__(self, *, seed: int, history: int, activity: float, new_invitations: float = 0.3) -> None:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing of the parent's heap
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve_endpoint,
            args=(child, seed, history, activity, new_invitations),
            name="soak-endpoint",
            daemon=True,
        )
        self._process.start()
        child.close()
        self.url: str
        #: The ids of the tasks the endpoint had before the activity started.
        self.initial: set[str]
        self.url, self.initial = self._conn.recv()

    def _ask(self, name: str, *args: Any) -> Any:
        self._conn.send((name, args))
        return self._conn.recv()

    def advance(self, seconds: float) -> None:
        self._ask("advance", seconds)

    def fault(self, name: str, on: bool) -> None:
        self._ask("fault", name, on)

    def faulted(self) -> int:
        """Requests the endpoint answered with anything but a plain success."""
        return int(self._ask("faulted"))

    def truth(self) -> dict[str, Any]:
        """The endpoint's own record: task id -> TaskRecord."""
        return dict(self._ask("truth"))

    def requests(self) -> int:
        return int(self._ask("requests"))

    def rss_mb(self) -> float:
        return process_rss_mb(self._process.pid or 0)

    def close(self) -> None:
        if self._process.is_alive():
            with contextlib.suppress(OSError):  # the child is gone already
                self._conn.send(None)
            self._process.join(5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._conn.close()

    def __enter__(self) -> EndpointProcess:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

"""A leader that stops (issue 27, item 4), on real processes: a viewer leading against the local endpoint
is stopped with SIGSTOP (a suspended SSH session) while tasks start at the endpoint; its follower says the
leader is silent, then takes over; SIGCONT, and the old leader follows without a call of its own. Every
task started during the stop is in the journal (the endpoint's own record is the truth), and the
endpoint never hears two pollers: each viewer's requests carry its name (botocore's app id).

(Not a case of the fault matrix: that one faults an endpoint under one engine; this fault is a viewer's
process, with two of them.)"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.support.viewer import viewer_command
from tui.core.clock import SystemClock
from tui.engine.journal import Journal
from tui.simulator import Simulator, serve
from tui.simulator.protocol import Reply

#: The leader's times, shortened (`LeaderTimes`): beats every 0.25 s, silent after 1.5 s, replaced after 3.
TIMES = ("--heartbeat", "0.25", "--silent-after", "1.5", "--takeover-after", "3.0")
TAKEOVER_AFTER = 3.0
HEARTBEAT = 0.25
#: Generous: waits end as soon as what they wait for happens.
WAIT = 60.0


class RecordingSimulator(Simulator):
    """The local endpoint, noting who sent each request and when (`time.monotonic()`, the machine's)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.heard: list[tuple[float, str]] = []
        self._heard_lock = threading.Lock()

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        agent = {k.lower(): v for k, v in headers.items()}.get("user-agent", "")
        who = next((w[len("app/") :] for w in agent.split() if w.startswith("app/")), "?")
        with self._heard_lock:
            self.heard.append((time.monotonic(), who))
        return super().handle(method, path, headers, body)

    def requests_of(self, who: str, after: float = float("-inf")) -> int:
        with self._heard_lock:
            return sum(1 for at, w in self.heard if w == who and at > after)


class Viewer:
    """A viewer process (tests/support/viewer.py) and the lines it says as its role changes."""

    def __init__(self, name: str, url: str, journal: Path) -> None:
        env = {**os.environ, "AWS_SDK_UA_APP_ID": name}
        command = viewer_command(url, journal, 600.0, "--events", "--watched", "--tail", "0.1", *TIMES)
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
        self.said: list[dict[str, Any]] = []
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)

    def wait_for(self, what: str, **fields: Any) -> dict[str, Any]:
        """The first line (already said or to come) with these fields."""
        deadline = time.monotonic() + WAIT
        while True:
            found = next((x for x in self.said if all(x.get(k) == v for k, v in fields.items())), None)
            if found is not None:
                return found
            assert self.process.poll() is None, f"the viewer ended while waiting for {what}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}: {self.said}"
            self.pump(0.5)

    def pump(self, seconds: float) -> None:
        """Read what it says for up to `seconds`, until its next line (into `said`)."""
        try:
            line = self._lines.get(timeout=seconds)
        except queue.Empty:
            return
        if line.startswith("{") and '"at"' in line:
            self.said.append(json.loads(line))

    def end(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # (a stopped process would not die of SIGKILL at once)
            self.process.kill()
        self.process.wait(timeout=30)


@pytest.fixture
def endpoint() -> Iterator[tuple[RecordingSimulator, str]]:
    sim = RecordingSimulator(seed=27, history=40, clock=SystemClock())
    for _ in range(3):
        sim.add_task(duration=3600.0)
    with serve(sim, port=0) as served:
        yield sim, served.url


def test_a_stopped_leader_is_replaced_and_follows_on_resuming(
    endpoint: tuple[RecordingSimulator, str], tmp_path: Path
) -> None:
    sim, url = endpoint
    journal = tmp_path / "shared.sqlite3"
    old = Viewer("viewer-a", url, journal)
    new: Viewer | None = None
    try:
        old.wait_for("the first viewer to lead", role="leader")
        new = Viewer("viewer-b", url, journal)
        new.wait_for("the second viewer to follow", role="follower", silent=False)
        _wait(lambda: sim.requests_of("viewer-a") > 0, "the leader's first calls")
        assert sim.requests_of("viewer-b") == 0

        before = {t.task_id for t in sim.tasks("Sandbox")}
        old.process.send_signal(signal.SIGSTOP)
        stopped_at = time.monotonic()
        # Tasks start at the service while the leader is stopped, before and after the takeover.
        started: list[str] = []
        while not any(line["role"] == "leader" for line in new.said) or len(started) < 4:
            started.append(sim.add_task(duration=3600.0))
            new.pump(0.25)
            assert time.monotonic() - stopped_at < WAIT, new.said
        silent = new.wait_for("the follower to say its leader is silent", role="follower", silent=True)
        took_over = new.wait_for("the follower to take over", role="leader")
        assert stopped_at < silent["at"] < took_over["at"]  # said silent before it took over
        # Not before the takeover time (counted from the last beat it heard, a beat before the stop at most).
        assert took_over["at"] - stopped_at >= TAKEOVER_AFTER - 2 * HEARTBEAT

        resumed_at = time.monotonic()
        old.process.send_signal(signal.SIGCONT)
        old.wait_for("the resumed leader to follow", role="follower")
        started.append(sim.add_task(duration=3600.0))  # (one more, after it resumed)

        truth = {t.task_id for t in sim.tasks("Sandbox")} - before
        assert set(started) <= truth
        _wait(lambda: truth <= _journaled(journal), "every task started during the stop in the journal")
        # Never two pollers: the old leader sent nothing once it ran again (the call under way when it
        # was stopped, if any, aside), and the follower nothing before it led.
        assert sim.requests_of("viewer-a", after=resumed_at) <= 1
        assert sim.requests_of("viewer-b", after=took_over["at"]) == sim.requests_of("viewer-b") > 0
        # A while of both running (the new leader's next calls): the old one still only follows.
        calls = sim.requests_of("viewer-b")
        _wait(lambda: sim.requests_of("viewer-b") >= calls + 3, "the new leader's next calls")
        assert sim.requests_of("viewer-a", after=resumed_at) <= 1
        assert old.said[-1]["role"] == "follower" and new.said[-1]["role"] == "leader"
    finally:
        old.end()
        if new is not None:
            new.end()


def _journaled(path: Path) -> set[str]:
    reader = Journal(path)
    try:
        return {row.record.task_id for row in reader.load().tasks}
    finally:
        reader.close()


def _wait(condition: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)

"""Header truth (issue 15, Build 1): one state, always current. The real poller and store around a
client whose calls can be made to hang, in the dashboard (Pilot) on a mock clock; what the header says
is compared with what the test knows the client is doing.

The drill's findings: through a hang of every call the header said "live"; the "stale for N s" age did
not tick; an error line stayed long after the next success."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from tests.support.dashboard import T0
from tests.support.engine import FakeClient, task
from tui.aws.failures import NetworkFailure, ServiceFailure
from tui.core.clock import MockClock
from tui.core.settings import Settings
from tui.dashboard.app import PcwatchApp
from tui.dashboard.header import HUNG_AFTER
from tui.engine.poller import Poller
from tui.engine.store import Store

ACCEPT = "EngagementByAcceptingInvitation"
KINDS = (ACCEPT, "EngagementFromOpportunity", "OpportunityFromEngagement")


class GatedClient(FakeClient):
    """A FakeClient whose calls of the chosen operations wait at a gate: they hang until the test opens
    it, then fail as botocore's read timeout would (or answer, if the test says so)."""

    def __init__(self, tasks: Any) -> None:
        super().__init__(tasks)
        self.hang: set[str] = set()
        #: Operations that fail at once (as a call that timed out, or as `failure` makes them fail).
        self.failing: set[str] = set()
        self.failure: Callable[[], Exception] = lambda: NetworkFailure(
            "timed out: Read timeout on endpoint URL"
        )
        self.gate = asyncio.Event()
        self.outstanding = 0
        self.failed_ops: list[str] = []

    async def _maybe_hang(self, op: str) -> None:
        if op in self.hang:
            self.outstanding += 1
            try:
                await self.gate.wait()
            finally:
                self.outstanding -= 1
            raise NetworkFailure("timed out: Read timeout on endpoint URL")
        if op in self.failing:
            self.failed_ops.append(op)
            raise self.failure()

    async def list_tasks(self, kind: str, **kwargs: Any) -> Any:
        await self._maybe_hang(f"list_tasks:{kind}")
        return await super().list_tasks(kind, **kwargs)

    async def list_engagement_invitations(self, **kwargs: Any) -> Any:
        await self._maybe_hang("invitations")
        return await super().list_engagement_invitations(**kwargs)


def header(app: PcwatchApp) -> str:
    return app.query_one("#header").plain_lines[1]


def age_in(text: str, word: str) -> int:
    """Seconds in "<word> for 1m 05s" / "<word> for 12s"."""
    match = re.search(rf"{word} for (?:(\d+)m ?)?(\d+)s", text)
    assert match, text
    return int(match.group(1) or 0) * 60 + int(match.group(2))


async def step(pilot: Any, clock: MockClock, seconds: float) -> None:
    for _ in range(int(seconds)):
        clock.advance(1.0)
        await pilot.pause(0.01)


async def test_the_header_tells_hung_then_stale_with_ticking_ages_and_clears_on_the_next_success() -> None:
    clock = MockClock(T0)
    client = GatedClient([task(n) for n in range(3)] + [task(50, status="COMPLETE")])
    accept = f"list_tasks:{ACCEPT}"
    settings = Settings(max_rate=5.0, daily_calls=100_000, fast_interval=5.0)
    store = Store(clock=clock)
    poller = Poller(client, store, settings, clock)
    app = PcwatchApp(store, poller, settings, clock, toasts=False)
    async with app.run_test(size=(160, 40)) as pilot:
        for _ in range(60):
            await step(pilot, clock, 1)
            if "● live" in header(app) and len(store) == 4:
                break
        assert "● live" in header(app), header(app)

        # Every list of the kind hangs from now on: within HUNG_AFTER + 1 s of the call's start the
        # header says so, with the call's age, and the age moves every second.
        client.hang = {accept}
        for _ in range(30):
            await step(pilot, clock, 1)
            if client.outstanding:
                break
        assert client.outstanding == 1
        started = clock.monotonic()
        await step(pilot, clock, HUNG_AFTER - 2)
        assert "● live" in header(app)  # a call a few seconds long is no trouble yet
        await step(pilot, clock, 3)
        shown = header(app)
        assert "● hung" in shown, shown
        first_age = age_in(shown, "hung")
        assert abs(first_age - (clock.monotonic() - started)) <= 1
        await step(pilot, clock, 5)
        assert age_in(header(app), "hung") == first_age + 5

        # The call times out, and so do the retries: stale (since the first failure), with its age
        # ticking, and the error on the line.
        client.hang, client.failing = set(), {accept}
        client.gate.set()
        await pilot.pause(0.05)
        client.gate = asyncio.Event()
        await step(pilot, clock, 1)
        shown = header(app)
        assert "● stale" in shown and "timed out" in shown, shown
        stale_age = age_in(shown, "stale")
        await step(pilot, clock, 2)
        assert age_in(header(app), "stale") == stale_age + 2

        # The kind answers again while another source (invitations) now hangs: its error clears at once,
        # without waiting for the rest of the poll.
        client.hang, client.failing = {"invitations"}, set()
        poller.refresh_now()
        for _ in range(60):
            await step(pilot, clock, 1)
            if client.outstanding:
                break
        assert client.outstanding == 1  # the invitations call hangs, after the kind's lists answered
        shown = header(app)
        assert "timed out" not in shown and "stale" not in shown, shown
        client.gate.set()


async def test_a_failure_is_said_at_once_while_the_same_polls_next_call_hangs() -> None:
    """The fault matrix's finding (non-JSON bodies, 1 run in 2): one kind's call failed, the poll went on
    to the next kind's call, which hung; the header said "live" until that call had hung for HUNG_AFTER,
    because a failure was published only at the poll's end."""
    from tui.dashboard.header import header_state

    clock = MockClock(T0)
    client = GatedClient([task(n) for n in range(3)] + [task(9, kind="EngagementFromOpportunity")])
    # (a burst for the whole first poll, every family's first listing and history: the clock stands still)
    settings = Settings(max_rate=50.0, daily_calls=100_000, fast_interval=5.0, burst=50)
    store = Store(clock=clock)
    poller = Poller(client, store, settings, clock)
    poller.watching()
    assert await poller.poll_once() is not None
    assert header_state(settings, poller.status, None, clock.now()).state == "live"

    # (a failure of the kind's own, not the network's: the poll goes on to the other sources)
    client.failure = lambda: ServiceFailure("InternalServerException: the body was not JSON", retryable=True)
    client.failing = {f"list_tasks:{ACCEPT}"}
    client.hang = {f"list_tasks:{kind}" for kind in KINDS if kind != ACCEPT} | {"invitations"}
    poller.refresh_now()
    tick = asyncio.ensure_future(poller.poll_once())
    try:
        for _ in range(50):
            await asyncio.sleep(0)
            if client.outstanding:
                break
        assert client.outstanding == 1, "the poll did not go on to a call that hangs"
        assert client.failed_ops == [f"list_tasks:{ACCEPT}"], "the failing call did not come first"
        shown = header_state(settings, poller.status, None, clock.now())
        assert shown.state == "stale", shown
        assert "not JSON" in (shown.trouble() or ""), shown
    finally:
        client.hang = set()
        client.gate.set()
        await asyncio.gather(tick, return_exceptions=True)


async def test_a_follower_says_hung_while_the_leaders_call_hangs_and_not_after(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tui.dashboard.header import header_state
    from tui.engine.sharing import make_engine

    clock = MockClock(T0)
    client = GatedClient([task(n) for n in range(3)])
    settings = Settings(
        max_rate=5.0,
        daily_calls=100_000,
        journal_path=tmp_path / "j.sqlite3",
        fast_interval=5.0,
    )
    viewers = [make_engine(settings, clock, client_factory=lambda _s: client) for _ in range(2)]
    for store, _ in viewers:
        store.load()
    runs = [asyncio.ensure_future(engine.run()) for _, engine in viewers]
    try:

        async def advance(seconds: float) -> None:
            for _ in range(int(seconds * 2)):
                clock.advance(0.5)
                for _ in range(5):
                    await asyncio.sleep(0)

        def states() -> dict[str, str]:
            return {
                engine.role: header_state(settings, engine.status, None, clock.now()).state
                for _, engine in viewers
            }

        for _ in range(120):
            await advance(1)
            if states() == {"leader": "live", "follower": "following"}:
                break
        assert states() == {"leader": "live", "follower": "following"}, states()
        client.hang = {f"list_tasks:{ACCEPT}"}
        for _ in range(60):
            await advance(1)
            if client.outstanding:
                break
        await advance(HUNG_AFTER + 2)
        assert states() == {"leader": "hung", "follower": "hung"}, states()
        client.hang = set()
        client.gate.set()  # the call ends (timed out); the next ones answer
        for _ in range(60):
            await advance(1)
            if states() == {"leader": "live", "follower": "following"}:
                break
        assert states() == {"leader": "live", "follower": "following"}, states()
        await advance(HUNG_AFTER + 5)  # and no hang is made up afterwards
        assert states() == {"leader": "live", "follower": "following"}, states()
    finally:
        for run in runs:
            run.cancel()
        await asyncio.gather(*runs, return_exceptions=True)
        for _, engine in viewers:
            engine.close()


def test_one_state_in_order_of_precedence() -> None:
    from datetime import timedelta

    from tui.dashboard.header import polling_state
    from tui.engine.api import PollerStatus

    now = T0 + timedelta(minutes=5)
    long_ago = now - timedelta(seconds=HUNG_AFTER + 3)
    just_now = now - timedelta(seconds=2)
    cases = [
        (PollerStatus(state="live", calls_left_today=10), ("live", None)),
        (PollerStatus(state="paused", call_started_at=long_ago, calls_left_today=0), ("paused", None)),
        (PollerStatus(state="live", call_started_at=long_ago, calls_left_today=10), ("hung", long_ago)),
        (PollerStatus(state="live", call_started_at=just_now, calls_left_today=10), ("live", None)),
        (PollerStatus(state="live", calls_left_today=0), ("over budget", None)),
        (PollerStatus(state="stale", stale_since=long_ago, calls_left_today=5), ("stale", long_ago)),
        (PollerStatus(state="backoff", stale_since=just_now, calls_left_today=5), ("backoff", just_now)),
        (PollerStatus(state="following", calls_left_today=0), ("following", None)),
        (PollerStatus(state="following", call_started_at=long_ago), ("hung", long_ago)),
    ]
    for status, expected in cases:
        assert polling_state(status, now) == expected, status

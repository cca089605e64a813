"""A leader that stops without ending (issue 27, item 4): its followers say it is silent, one of them
takes the lead (the journal's lease), and the stopped one follows once it runs again, without a call.

Engine-level, on one fake clock: "stopping" the leader is cancelling its loop without closing it (it
keeps its lock and its lease, and writes nothing, as a SIGSTOPped process); "resuming" it is running its
loop again. tests/faults/test_stopped_leader.py does the same to a real process with SIGSTOP/SIGCONT.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from tests.support.engine import T0, FakeClient, task
from tui.core.clock import MockClock
from tui.core.settings import Settings
from tui.engine.journal import Journal
from tui.engine.sharing import (
    LEADER_HEARTBEAT,
    LEADER_SILENT_AFTER,
    LEADER_TAKEOVER_AFTER,
    SharedEngine,
    make_engine,
)
from tui.engine.store import Store
from tui.engine.viewer_lock import LEASE_KEY, read_lease


class SteppingClock(MockClock):
    """A fake clock whose wall time can be stepped alone (NTP, a VM resume); monotonic time cannot."""

    def step(self, seconds: float) -> None:
        self._start += timedelta(seconds=seconds)


class Viewers:
    """Viewers of one journal on one clock, each with its own fake client over one truth."""

    def __init__(self, path: Path, clock: MockClock) -> None:
        self.settings = Settings(journal_path=path, endpoint_url="http://127.0.0.1:9")
        self.clock = clock
        self.truth = FakeClient([task(1, status="IN_PROGRESS")]).truth
        self.clients: dict[int, FakeClient] = {}
        self.runs: dict[int, asyncio.Future[None]] = {}
        self.engines: list[SharedEngine] = []

    def add(self) -> tuple[Store, SharedEngine]:
        client = FakeClient()
        client.truth = self.truth
        store, engine = make_engine(self.settings, self.clock, client_factory=lambda _s: client)
        store.load()
        self.clients[id(engine)] = client
        self.engines.append(engine)
        engine.watching()  # (a dashboard: the leader polls at its fast cadence)
        self.start(engine)
        return store, engine

    def start(self, engine: SharedEngine) -> None:
        self.runs[id(engine)] = asyncio.ensure_future(engine.run())

    async def stop(self, engine: SharedEngine) -> None:
        """Its loop no longer runs; nothing is let go (a stopped process)."""
        run = self.runs.pop(id(engine))
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)

    def calls(self, engine: SharedEngine) -> int:
        return self.clients[id(engine)].attempts

    async def seconds(self, n: float, step: float = 1.0) -> None:
        """`n` seconds of the clock, a step at a time, every loop given its turn after each."""
        for _ in range(round(n / step)):
            self.clock.advance(step)
            await settle()

    async def close(self) -> None:
        for engine in self.engines:
            if id(engine) in self.runs:
                await self.stop(engine)
            engine.close()


async def settle() -> None:
    for _ in range(40):
        await asyncio.sleep(0)


def silent(engine: SharedEngine) -> bool:
    return engine.status.leader_silent_since is not None


async def test_a_stopped_leader_is_said_silent_then_one_follower_leads_and_it_follows_on_resuming(
    tmp_path: Path,
) -> None:
    path = tmp_path / "j.sqlite3"
    viewers = Viewers(path, MockClock(T0))
    try:
        _, old = viewers.add()
        await settle()
        assert old.role == "leader" and old.still_leading()
        followers = [viewers.add()[1] for _ in range(2)]
        await viewers.seconds(3)
        assert [f.role for f in followers] == ["follower", "follower"]
        assert not any(silent(f) for f in followers)
        # Waiting long between polls, the leader still beats: nobody says it is silent, nobody takes over.
        await viewers.seconds(2 * LEADER_TAKEOVER_AFTER)
        assert [f.role for f in followers] == ["follower", "follower"] and not any(map(silent, followers))

        await viewers.stop(old)  # SIGSTOP: its lock and its lease stay, its heartbeat stops
        said_silent_at = took_over_at = None
        for second in range(1, int(2 * LEADER_TAKEOVER_AFTER)):
            await viewers.seconds(1)
            if said_silent_at is None and all(silent(f) for f in followers):
                said_silent_at = second
                assert "a follower takes over after 30s of silence" in (followers[0].status.last_error or "")
            if any(f.role == "leader" for f in followers):
                took_over_at = second
                break
        assert said_silent_at is not None and took_over_at is not None
        # (counted from the last beat the followers saw, up to a heartbeat before the stop; a follower
        # looks once a second)
        assert LEADER_SILENT_AFTER - LEADER_HEARTBEAT <= said_silent_at < took_over_at
        assert LEADER_TAKEOVER_AFTER - LEADER_HEARTBEAT <= took_over_at <= LEADER_TAKEOVER_AFTER + 2
        new = next(f for f in followers if f.role == "leader")
        other = next(f for f in followers if f is not new)
        assert other.role == "follower"
        await viewers.seconds(2)
        assert other.role == "follower" and not silent(other)  # the new leader beats
        assert other.status.leader_pid is not None

        # What starts at the service now is polled by the new leader and journaled.
        started = task(2, status="IN_PROGRESS")
        viewers.truth[started.task_id] = started
        new.refresh_now()
        await viewers.seconds(2)
        assert any(r.record.task_id == started.task_id for r in Journal(path).load().tasks)

        # SIGCONT: the old leader runs again. It finds the lead taken before any call and follows.
        calls = viewers.calls(old)
        viewers.start(old)
        await viewers.seconds(3)
        assert old.role == "follower" and old.client is None and not old.still_leading()
        assert viewers.calls(old) == calls  # not one call after it resumed
        assert old.status.state == "following" and not silent(old)
        assert new.role == "leader" and new.still_leading()
        lease = read_lease(Journal(path).read_meta(LEASE_KEY))
        assert lease is not None and lease.epoch == 2 and lease.locked  # the new leader has the lock now

        # The old one ends later: its end disturbs nobody.
        await viewers.stop(old)
        old.close()
        await viewers.seconds(3)
        assert [new.role, other.role] == ["leader", "follower"]
    finally:
        await viewers.close()


async def test_a_wall_clock_step_makes_no_leader_silent(tmp_path: Path) -> None:
    clock = SteppingClock(T0)
    viewers = Viewers(tmp_path / "j.sqlite3", clock)
    try:
        _, leader = viewers.add()
        await settle()
        _, follower = viewers.add()
        await viewers.seconds(3)
        for step in (2 * 3600, -2 * 3600, -2 * 3600):  # forward, back, and back past where it began
            clock.step(step)
            await viewers.seconds(LEADER_TAKEOVER_AFTER + 5)
            assert (leader.role, follower.role) == ("leader", "follower")
            assert follower.status.state == "following" and not silent(follower)
    finally:
        await viewers.close()


async def test_a_leader_that_ends_is_followed_by_a_new_one_at_the_next_look(tmp_path: Path) -> None:
    viewers = Viewers(tmp_path / "j.sqlite3", MockClock(T0))
    try:
        _, first = viewers.add()
        await settle()
        _, second = viewers.add()
        await viewers.seconds(2)
        await viewers.stop(first)
        first.close()  # it exits: the lease says so, the lock goes
        await viewers.seconds(1)
        assert second.role == "leader"
        _, third = viewers.add()
        await viewers.seconds(2)
        await viewers.stop(second)
        second._lease.lock.release()  # type: ignore[union-attr]  # (killed: only the kernel lets go)
        await viewers.seconds(1)
        assert third.role == "leader"
    finally:
        await viewers.close()


def test_a_deposed_leaders_store_change_is_dropped_not_raised_into_its_caller(tmp_path: Path) -> None:
    # A write's answer applied by the dashboard while this viewer, just resumed, no longer leads: the
    # store must not raise the fence's Deposed into the app (it would end the dashboard), and must not
    # write what the new leader writes.
    from tests.support.engine import T0, task
    from tui.core.clock import MockClock
    from tui.engine.journal import Deposed, Journal
    from tui.engine.store import Store

    def fenced(read: object) -> None:
        raise Deposed

    journal = Journal(tmp_path / "j.sqlite3")
    journal.fence = fenced
    store = Store(journal, clock=MockClock(T0))
    store.apply_tasks([task(1, status="IN_PROGRESS")])  # (outside a batch: flushed at once)
    assert store.task(task(1).task_id) is not None  # the viewer still shows it
    journal.fence = None
    assert journal.load().tasks == []
    journal.close()

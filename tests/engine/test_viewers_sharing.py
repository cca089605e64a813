"""One poller, many viewers: counted at the local endpoint, with viewers in separate processes."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
from pathlib import Path

from tests.support.viewer import TAIL_INTERVAL, viewer_command, viewer_settings
from tui.core.clock import SystemClock
from tui.engine.sharing import LEADER_KEY, REFRESH_KEY, make_engine

LEADER_SECONDS = 7.0
#: The followers start once the first viewer has polled, and end before it.
FOLLOWER_SECONDS = 2.5


def _wait_until_leading(journal: Path, process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    """Until the viewer process has polled once (its status is in the journal)."""
    from tui.engine.journal import Journal

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the viewer process ended early"
        if journal.exists():
            reader = Journal(journal)
            try:
                if reader.read_meta(LEADER_KEY) is not None:
                    return
            finally:
                reader.close()
        time.sleep(0.05)
    raise AssertionError("the first viewer never polled")


def _result(process: subprocess.Popen[str]) -> dict:
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0, out
    return json.loads(out.strip().splitlines()[-1])


def test_three_viewers_make_the_calls_of_one_poller(served_simulator, tmp_path: Path) -> None:
    sim, endpoint = served_simulator

    # One viewer alone, for the same period.
    solo = subprocess.Popen(
        viewer_command(endpoint.url, tmp_path / "solo.sqlite3", LEADER_SECONDS),
        stdout=subprocess.PIPE,
        text=True,
    )
    alone = _result(solo)
    solo_calls = sim.stats.total
    assert alone["role"] == "leader" and alone["calls"] == solo_calls > 0

    # Three viewers on one journal: one leads, two follow (started while it leads, ending before it).
    journal = tmp_path / "shared.sqlite3"
    first = subprocess.Popen(
        viewer_command(endpoint.url, journal, LEADER_SECONDS), stdout=subprocess.PIPE, text=True
    )
    _wait_until_leading(journal, first)
    others = [
        subprocess.Popen(
            viewer_command(endpoint.url, journal, FOLLOWER_SECONDS), stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    leader = _result(first)
    followers = [_result(p) for p in others]
    shared_calls = sim.stats.total - solo_calls

    assert leader["roles"] == ["starting", "leader"]
    for follower in followers:
        assert follower["roles"] == ["starting", "follower"]
        assert follower["calls"] == 0  # not one request: a follower never even builds a client
        assert follower["state"] == "following"
        assert follower["task_ids"] == leader["task_ids"]  # and still sees every task
    assert leader["calls"] == shared_calls  # every request at the endpoint is the leader's
    # The same as one viewer alone (within a tick or two of timing), far from three pollers' worth.
    assert shared_calls <= solo_calls * 1.25 + 3, (shared_calls, solo_calls)
    assert len(leader["task_ids"]) == len(sim.tasks("Sandbox"))


async def _wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_follower_takes_over_when_the_leader_process_dies(served_simulator, tmp_path: Path) -> None:
    sim, endpoint = served_simulator
    journal = tmp_path / "handover.sqlite3"
    leader = subprocess.Popen(viewer_command(endpoint.url, journal, 60.0), stdout=subprocess.PIPE, text=True)
    try:
        store, engine = make_engine(
            viewer_settings(endpoint.url, journal), SystemClock(), tail_interval=TAIL_INTERVAL
        )
        # Wait until the other process has polled (its status is in the journal), then follow it.
        deadline = time.monotonic() + 20
        while not Path(f"{journal}.lock").exists() or engine.store.journal.read_meta(LEADER_KEY) is None:
            assert time.monotonic() < deadline, "the leader process never published its status"
            await asyncio.sleep(0.1)
        store.load()
        run = asyncio.ensure_future(engine.run())
        await _wait_for(lambda: engine.role == "follower" and len(store) == len(sim.tasks("Sandbox")))
        assert engine.client is None
        # The leader's calls are in its status from its next publication after its first poll.
        await _wait_for(lambda: engine.status.state == "following" and engine.status.calls_last_hour > 0)

        # The leader dies without a word (the OS drops its lock); this viewer polls from then on.
        leader.send_signal(signal.SIGKILL)
        leader.wait(timeout=10)
        await _wait_for(lambda: engine.role == "leader")
        new_task = sim.add_task(duration=3600.0)
        engine.refresh_now()
        await _wait_for(lambda: store.task(new_task) is not None)
        assert engine.client.attempts > 0
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)
        engine.close()
    finally:
        if leader.poll() is None:
            leader.kill()
            leader.wait()


async def test_in_process_viewers_share_one_poller_and_forward_refreshes(
    served_simulator, tmp_path: Path
) -> None:
    sim, endpoint = served_simulator
    journal = tmp_path / "pair.sqlite3"
    settings = viewer_settings(endpoint.url, journal)
    lead_store, lead = make_engine(settings, SystemClock(), tail_interval=TAIL_INTERVAL)
    follow_store, follow = make_engine(settings, SystemClock(), tail_interval=TAIL_INTERVAL)
    lead_store.load()
    runs = [asyncio.ensure_future(lead.run())]
    await _wait_for(lambda: lead.role == "leader" and lead.status.state == "live")
    follow_store.load()
    seen = []
    follow_store.subscribe(seen.append)
    runs.append(asyncio.ensure_future(follow.run()))
    await _wait_for(lambda: follow.role == "follower")

    # A follower's store notifies its subscribers like a poll, transitions included.
    new_task = sim.add_task(duration=3600.0)
    follow.refresh_now()  # asks the leader through the journal
    assert lead_store.journal.read_meta(REFRESH_KEY) is not None
    await _wait_for(lambda: follow_store.task(new_task) is not None)
    assert any(new_task in change.task_ids for change in seen)
    assert any(t.task_id == new_task and t.from_status is None for c in seen for t in c.transitions)
    assert follow.client is None

    # Pausing a follower freezes that view only.
    follow.pause()
    assert follow.status.state == "paused"
    another = sim.add_task(duration=3600.0)
    lead.refresh_now()
    await _wait_for(lambda: lead_store.task(another) is not None)
    await asyncio.sleep(5 * TAIL_INTERVAL)
    assert follow_store.task(another) is None
    follow.resume()
    await _wait_for(lambda: follow_store.task(another) is not None)
    assert follow.status.state == "following"

    # The leader stops (its app closed): the follower leads.
    runs[0].cancel()
    await asyncio.gather(runs[0], return_exceptions=True)
    lead.close()
    await _wait_for(lambda: follow.role == "leader")
    runs[1].cancel()
    await asyncio.gather(runs[1], return_exceptions=True)
    follow.close()


def test_viewer_process_entry_point_runs(served_simulator, tmp_path: Path) -> None:
    _, endpoint = served_simulator
    out = subprocess.run(
        viewer_command(endpoint.url, None, 3.0), capture_output=True, text=True, timeout=60, check=True
    ).stdout
    result = json.loads(out.splitlines()[-1])
    assert result["role"] == "leader"  # no journal: nothing to share, it polls alone
    assert result["calls"] > 0 and result["tasks"] > 0


async def test_a_viewer_that_cannot_build_a_client_says_why_and_lets_another_lead(tmp_path: Path) -> None:
    from tests.support.engine import FakeClient, failure, task

    journal = tmp_path / "creds.sqlite3"
    settings = viewer_settings("http://127.0.0.1:9", journal)

    def no_credentials(_settings):
        raise failure("profile 'nope' not found — run: aws configure sso --profile nope")

    store, broken = make_engine(
        settings, SystemClock(), client_factory=no_credentials, tail_interval=TAIL_INTERVAL
    )
    store.load()
    run = asyncio.ensure_future(broken.run())
    await _wait_for(lambda: broken.status.state == "stale")
    assert "aws configure sso" in (broken.status.last_error or "")
    assert broken.role != "leader"

    # The lock was let go: a viewer with working credentials leads, and the first one follows it.
    other_store, working = make_engine(
        settings, SystemClock(), client_factory=lambda _s: FakeClient([task(1)]), tail_interval=TAIL_INTERVAL
    )
    other_store.load()
    other = asyncio.ensure_future(working.run())
    await _wait_for(lambda: working.role == "leader" and other_store.task(task(1).task_id) is not None)
    await _wait_for(lambda: broken.status.state == "following" and store.task(task(1).task_id) is not None)
    assert broken.client is None
    for r in (run, other):
        r.cancel()
    await asyncio.gather(run, other, return_exceptions=True)
    broken.close()
    working.close()


async def test_a_followers_wanted_snapshot_job_is_fetched_by_the_leader(tmp_path: Path) -> None:
    from tests.support.engine import FakeClient, task

    journal = tmp_path / "jobs.sqlite3"
    settings = viewer_settings("http://127.0.0.1:9", journal)
    client = FakeClient([task(1)])
    lead_store, lead = make_engine(
        settings, SystemClock(), client_factory=lambda _s: client, tail_interval=TAIL_INTERVAL
    )
    follow_store, follow = make_engine(
        settings, SystemClock(), client_factory=lambda _s: FakeClient(), tail_interval=TAIL_INTERVAL
    )
    lead_store.load()
    runs = [asyncio.ensure_future(lead.run())]
    await _wait_for(lambda: lead.status.state == "live")
    follow_store.load()
    runs.append(asyncio.ensure_future(follow.run()))
    await _wait_for(lambda: follow.role == "follower")

    follow.want_job("job-wanted")  # the follower's user opened a task with this job
    await _wait_for(lambda: follow_store.job("job-wanted") is not None)
    assert [c.job_id for c in client.calls if c.op == "get_resource_snapshot_job"] == ["job-wanted"]
    assert follow.client is None
    for r in runs:
        r.cancel()
    await asyncio.gather(*runs, return_exceptions=True)
    lead.close()
    follow.close()

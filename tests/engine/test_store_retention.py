"""What a long-running viewer keeps in memory: every running task and the newest `keep_ended` finished ones
(by start), with their transitions and snapshot jobs; the journal keeps everything. And a closed engine
lets its client go."""

from __future__ import annotations

import asyncio
import gc
import weakref
from datetime import timedelta
from pathlib import Path
from typing import Any

from schemas import GetResourceSnapshotJobResponse
from tests.support.engine import T0, task
from tui.core.clock import MockClock
from tui.core.settings import Settings
from tui.engine.journal import Journal
from tui.engine.sharing import make_engine
from tui.engine.store import Store, StoreChange
from tui.engine.types import PollerStatus

KEEP = 10


def _history(clock: MockClock, store: Store, ended: int, running: int) -> list[str]:
    """`ended` tasks seen running then finished (each with a snapshot job), then `running` still running,
    starting a minute apart in random-ish order; the ids, oldest start first."""
    order = [(n * 7) % ended for n in range(ended)]  # every n once, not in start order
    for n in order:
        start = T0 - timedelta(minutes=1000 - n)
        store.apply_tasks([task(n, start=start, resource_snapshot_job_id=f"job-{n}")])
        store.apply_jobs([GetResourceSnapshotJobResponse(id=f"job-{n}", status="Running")])
        clock.advance(1)
        store.apply_tasks([task(n, status="COMPLETE", start=start, resource_snapshot_job_id=f"job-{n}")])
    for n in range(ended, ended + running):
        store.apply_tasks([task(n, start=T0 - timedelta(minutes=2000 + n))])  # older than every ended one
    return [task(n).task_id for n in range(ended)]  # type: ignore[misc]


def test_the_store_keeps_running_tasks_and_the_newest_finished_ones(tmp_path: Path) -> None:
    clock = MockClock(T0)
    journal = Journal(tmp_path / "j.sqlite3")
    store = Store(journal, clock, keep_ended=KEEP)
    changes: list[StoreChange] = []
    store.subscribe(changes.append)
    ended_ids = _history(clock, store, ended=30, running=5)

    newest = set(ended_ids[-KEEP:])
    running = store.active_ids()
    assert len(running) == 5  # running tasks are never forgotten, however old
    assert {t.task_id for t in store.tasks()} == newest | running
    assert store.counts() == {"EngagementByAcceptingInvitation": {"COMPLETE": KEEP, "IN_PROGRESS": 5}}
    forgotten = set(ended_ids) - newest
    for task_id in forgotten:
        assert store.task(task_id) is None and store.transitions_of(task_id) == []
    assert {j.id for j in store.jobs()} == {f"job-{int(t[-5:])}" for t in newest}
    # Viewers learn which tasks went (the table drops their rows): each forgotten id in a change.
    assert forgotten <= set().union(*(c.task_ids for c in changes))

    # The journal keeps them all, each with both of its transitions.
    journal.close()
    contents = Journal(tmp_path / "j.sqlite3").load()
    assert len(contents.tasks) == 35
    assert sorted(t[0] for t in contents.transitions if t[3] == "COMPLETE") == sorted(ended_ids)


def test_a_forgotten_task_seen_again_is_no_news(tmp_path: Path) -> None:
    clock = MockClock(T0)
    journal = Journal(tmp_path / "j.sqlite3")
    store = Store(journal, clock, keep_ended=KEEP)
    ended_ids = _history(clock, store, ended=KEEP + 1, running=0)
    oldest = ended_ids[0]
    assert store.task(oldest) is None
    record = task(0, status="COMPLETE", start=T0 - timedelta(minutes=1000), resource_snapshot_job_id="job-0")

    change = store.apply_tasks([record])  # e.g. a listing that reaches back that far

    assert change.transitions == ()
    assert store.task(oldest) is None  # still the oldest: forgotten again
    journal.close()
    transitions = [t for t in Journal(tmp_path / "j.sqlite3").load().transitions if t[0] == oldest]
    assert [t[3] for t in transitions] == ["IN_PROGRESS", "COMPLETE"]  # no second "first seen"


def test_loading_and_following_a_journal_keep_the_same_bound(tmp_path: Path) -> None:
    clock = MockClock(T0)
    path = tmp_path / "j.sqlite3"
    leader = Store(Journal(path), clock)  # the default bound: keeps all 30
    follower = Store(Journal(path), clock, keep_ended=KEEP)
    follower.load()
    ended_ids = _history(clock, leader, ended=30, running=2)
    assert len(leader) == 32

    follower.apply_journal_changes(follower.journal.changes_since(follower.journal_seq))  # type: ignore[union-attr]
    loaded = Store(Journal(path), clock, keep_ended=KEEP)
    loaded.load()

    expected = set(ended_ids[-KEEP:]) | leader.active_ids()
    for store in (follower, loaded):
        assert {t.task_id for t in store.tasks()} == expected
        assert sum(len(store.transitions_of(t)) for t in expected) == 2 * KEEP + 2
        assert store.counts() == {"EngagementByAcceptingInvitation": {"COMPLETE": KEEP, "IN_PROGRESS": 2}}

    # The load reads only what it keeps (its cost is the bound's, however long the journal's history).
    contents = Journal(path).load(keep_ended=KEEP)
    assert {row.record.task_id for row in contents.tasks} == expected
    assert {t[0] for t in contents.transitions} == expected and len(contents.transitions) == 2 * KEEP + 2
    assert {job.id for job, _ in contents.jobs} == {f"job-{int(t[-5:])}" for t in ended_ids[-KEEP:]}
    assert {j.id for j in loaded.jobs()} == {job.id for job, _ in contents.jobs}


class _Client:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


class _IdlePoller:
    """The part of a poller `SharedEngine` drives: it leads, then waits."""

    status = PollerStatus(state="live")

    def subscribe_status(self, callback: object) -> object:
        return lambda: None

    async def run(self) -> None:
        await asyncio.Event().wait()


async def _leading(engine: Any) -> asyncio.Future[None]:
    """Run `engine` until it takes the lead (a first viewer does at once); the running task."""
    running = asyncio.ensure_future(engine.run())
    for _ in range(100):
        if engine.role == "leader":
            break
        await asyncio.sleep(0)
    return running


async def test_a_closed_engine_lets_its_client_go(tmp_path: Path) -> None:
    clients = [_Client()]
    gone = weakref.ref(clients[0])
    store, engine = make_engine(
        Settings(demo=True, journal_path=tmp_path / "j.sqlite3"),
        MockClock(T0),
        client_factory=lambda settings: clients[0],  # type: ignore[arg-type,return-value]
        poller_factory=lambda *args: _IdlePoller(),  # type: ignore[arg-type]
    )
    store.load()
    running = await _leading(engine)
    leading: object = engine.client
    assert engine.role == "leader" and leading is clients[0]
    del leading
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)

    engine.close()

    assert clients.pop().closed
    gc.collect()
    assert gone() is None  # the engine object (kept, as a notebook keeps it) holds no client


class _ClosableQueue:
    """An events queue that answers nothing and says whether it was closed."""

    calls = 0
    closed = False

    def receive(self) -> list:
        return []

    def delete(self, messages: object) -> list[str]:
        return []

    def close(self) -> None:
        self.closed = True


async def test_a_closed_engine_closes_its_events_queue_client(tmp_path: Path) -> None:
    from tests.support.engine import FakeClient
    from tui.engine.poller import Poller

    queue = _ClosableQueue()
    settings = Settings(demo=True, journal_path=tmp_path / "j.sqlite3")
    clock = MockClock(T0)
    store, engine = make_engine(
        settings,
        clock,
        client_factory=lambda settings: FakeClient(),  # type: ignore[arg-type,return-value]
        poller_factory=lambda client, store, settings, clock, watchers: Poller(
            client, store, settings, clock, watchers=watchers, events=queue
        ),
    )
    store.load()
    running = await _leading(engine)
    assert engine.role == "leader"
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    assert not queue.closed
    engine.close()
    assert queue.closed  # (a leader that left kept its SQS client, connection pool and models)


def test_the_job_queue_remembers_no_job_once_fetched() -> None:
    from tui.engine.job_queue import SnapshotJobQueue
    from tui.engine.poll_plan import PollPlan

    clock = MockClock(T0)
    store = Store(clock=clock)
    queue = SnapshotJobQueue(store, clock, PollPlan())
    store.subscribe(lambda change: queue.on_task_change(change, backfill=False))
    for n in range(50):
        store.apply_tasks([task(n, resource_snapshot_job_id=f"job-{n}")])
        job_id = queue.next_job()
        assert job_id == f"job-{n}"
        queue.fetched(job_id)
        store.apply_jobs([GetResourceSnapshotJobResponse(id=job_id, status="Running")])

    assert len(store.jobs()) == 50
    assert queue._known == set()  # (it grew by one id per job ever seen)

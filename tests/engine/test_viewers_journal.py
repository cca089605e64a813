"""The journal's change sequence (schema v2): what followers tail, and the v1 -> v2 migration."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from schemas import EngagementInvitationSummary, GetResourceSnapshotJobResponse
from tests.support.engine import T0, task
from tui.core.clock import MockClock
from tui.core.settings import Settings
from tui.engine.journal import SCHEMA_VERSION, Journal
from tui.engine.sharing import SharedEngine
from tui.engine.store import Store

# The v1 schema as the first pcwatch release wrote it.
V1_SCHEMA = """
CREATE TABLE tasks (task_id TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT, start_time REAL,
    row BLOB NOT NULL);
CREATE TABLE transitions (seq INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL, kind TEXT NOT NULL,
    from_status TEXT, to_status TEXT NOT NULL, observed_at REAL NOT NULL, previous_observed_at REAL);
CREATE INDEX transitions_by_task ON transitions (task_id);
CREATE TABLE jobs (job_id TEXT PRIMARY KEY, fetched_at REAL NOT NULL, row BLOB NOT NULL);
CREATE TABLE invitations (invitation_id TEXT PRIMARY KEY, row BLOB NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _pair(path: Path) -> tuple[Store, Store, MockClock]:
    """A writing store (the leader's) and a following one, on separate connections to one file."""
    clock = MockClock(T0)
    leader = Store(Journal(path), clock)
    follower = Store(Journal(path), clock)
    follower.load()
    return leader, follower, clock


def test_a_v1_journal_is_migrated_in_place_and_keeps_its_rows(tmp_path: Path) -> None:
    from tui.engine.journal import _encoder
    from tui.engine.types import TaskRow

    path = tmp_path / "v1.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    row = TaskRow(task(1), T0.timestamp(), T0.timestamp())
    conn.execute(
        "INSERT INTO tasks VALUES (?, ?, ?, ?, ?)",
        ("task-x", row.record.kind, "IN_PROGRESS", 0.0, _encoder.encode(row)),
    )
    conn.execute(
        "INSERT INTO invitations VALUES (?, ?)",
        ("inv-1", _encoder.encode(EngagementInvitationSummary(id="inv-1", catalog="Sandbox"))),
    )
    conn.execute("INSERT INTO meta VALUES ('history_complete:x', '1')")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()

    journal = Journal(path)
    assert journal.warnings == []  # migrated, not moved aside
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
    assert journal.call_ledger().used(T0.timestamp()) == 0  # (v3: the calls spent, none yet)
    contents = journal.load()
    assert contents.bulk_jobs == [] and contents.prospecting == []  # (v4: the new families, none yet)
    assert [t.record.task_id for t in contents.tasks] == [task(1).task_id]
    assert [i.id for i in contents.invitations] == ["inv-1"]
    assert contents.meta == {"history_complete:x": "1"}
    assert contents.change_seq == 0
    # Existing rows are not "changes" for a follower; new writes are.
    assert not journal.changes_since(0)
    journal.write(tasks=[TaskRow(task(2), 1.0, 1.0)])
    changes = journal.changes_since(0)
    assert changes.change_seq == 1 and [t.record.task_id for t in changes.tasks] == [task(2).task_id]


def test_a_follower_reads_only_what_changed_since_its_last_look(tmp_path: Path) -> None:
    leader, follower, clock = _pair(tmp_path / "j.sqlite3")
    journal = follower.journal
    assert journal is not None
    with leader.batch():
        leader.apply_tasks([task(n) for n in range(5)])
        leader.apply_jobs([GetResourceSnapshotJobResponse(id="job-1", status="Running")])
        leader.apply_invitations(
            [
                EngagementInvitationSummary(id="inv-1", catalog="Sandbox"),
                EngagementInvitationSummary(id="inv-2", catalog="Sandbox"),
            ]
        )
        leader.set_meta("history_complete:x", "1")
    first = journal.changes_since(follower.journal_seq)
    assert first.change_seq == 1
    assert len(first.tasks) == 5 and len(first.transitions) == 5
    assert [j.id for j, _ in first.jobs] == ["job-1"]
    assert sorted(i.id for i in first.invitations) == ["inv-1", "inv-2"]
    assert first.meta == {"history_complete:x": "1"}

    seen = []
    follower.subscribe(seen.append)
    change = follower.apply_journal_changes(first)
    assert len(follower) == 5 and follower.job("job-1") is not None and len(follower.invitations()) == 2
    assert change.task_ids == {task(n).task_id for n in range(5)} and seen == [change]
    assert follower.meta("history_complete:x") == "1"
    assert not journal.changes_since(follower.journal_seq)  # nothing new: nothing read

    # One task finishes, one invitation goes away: only those come through.
    clock.advance(30)
    leader.apply_tasks([task(2, status="COMPLETE")])
    leader.remove_invitations(["inv-1"])
    second = journal.changes_since(follower.journal_seq)
    assert [t.record.task_id for t in second.tasks] == [task(2).task_id]
    assert second.removed_invitations == ["inv-1"] and second.invitations == []
    change = follower.apply_journal_changes(second)
    assert change.task_ids == {task(2).task_id}
    assert [(t.from_status, t.to_status) for t in change.transitions] == [("IN_PROGRESS", "COMPLETE")]
    assert [i.id for i in follower.invitations()] == ["inv-2"]
    assert follower.counts() == leader.counts()
    completion = follower.completion(task(2).task_id)
    assert completion is not None and completion.uncertainty == 30.0
    assert follower.recent_transitions()[-1].to_status == "COMPLETE"

    # A fresh load skips the tombstone and agrees with the follower.
    again = Store(Journal(tmp_path / "j.sqlite3"), clock)
    again.load()
    assert [i.id for i in again.invitations()] == ["inv-2"]
    assert again.journal_seq == follower.journal_seq


def test_an_older_row_never_replaces_a_newer_one(tmp_path: Path) -> None:
    leader, follower, _clock = _pair(tmp_path / "j.sqlite3")
    leader.apply_tasks([task(1)], T0)
    stale = leader.journal.changes_since(0)  # type: ignore[union-attr]
    follower.apply_tasks([task(1, status="COMPLETE")], T0 + timedelta(seconds=5))
    follower.apply_journal_changes(stale)
    assert follower.task(task(1).task_id).task_status == "COMPLETE"  # type: ignore[union-attr]


def test_a_follower_loads_neither_textual_nor_boto3() -> None:
    """A follower never builds a client: `tui.engine.sharing` imports boto3 only once it leads."""
    import json
    import subprocess
    import sys

    code = "import sys, json, tui.engine.sharing; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    loaded = set(json.loads(out))
    assert "tui" in loaded and not loaded & {"textual", "rich", "boto3", "botocore"}


async def _leading(path: Path, clock: MockClock) -> tuple[Settings, SharedEngine, asyncio.Future[None]]:
    """A viewer of the journal at `path` that leads (its poller over a fake client), running."""
    from tests.support.engine import FakeClient
    from tui.engine.sharing import make_engine

    settings = Settings(journal_path=path, endpoint_url="http://127.0.0.1:9")
    store, leader = make_engine(settings, clock, client_factory=lambda _s: FakeClient([task(1)]))
    store.load()
    run = asyncio.ensure_future(leader.run())
    for _ in range(50):
        await asyncio.sleep(0)
    assert leader.role == "leader"
    return settings, leader, run


async def test_followers_notice_a_leader_that_holds_the_lock_but_went_silent(tmp_path: Path) -> None:
    from tui.engine.sharing import LEADER_HEARTBEAT, LEADER_KEY, LEADER_SILENT_AFTER, make_engine

    path = tmp_path / "j.sqlite3"
    clock = MockClock(T0)
    settings, leader, run = await _leading(path, clock)
    # Waiting a long time between polls (slow interval, backoff, a spent budget): the heartbeat goes on.
    for _ in range(int(LEADER_HEARTBEAT) + 2):
        clock.advance(1)
        for _ in range(20):
            await asyncio.sleep(0)
    published = json.loads(Journal(path).read_meta(LEADER_KEY) or "{}")["published_at"]
    assert datetime.fromisoformat(published) >= T0 + timedelta(seconds=LEADER_HEARTBEAT)

    follower_clock = MockClock(T0 + timedelta(seconds=LEADER_HEARTBEAT + 5))
    follower_store, follower = make_engine(settings, follower_clock)
    follower_store.load()
    follower.follow_once()
    assert follower.status.state == "following" and follower.status.last_error is None
    # The leader's process is suspended (lock held, nothing written): after a while, the follower says so.
    follower_clock.advance(LEADER_SILENT_AFTER + 60)
    follower.follow_once()
    assert follower.status.state == "stale"
    assert "silent since" in (follower.status.last_error or "")
    run.cancel()
    await asyncio.gather(run, return_exceptions=True)
    leader.close()
    follower.close()


async def test_where_an_asked_for_job_stands_reaches_the_followers_at_once(tmp_path: Path) -> None:
    """A follower's snapshot jobs pane says what a job it asked for waits for: a change of that is
    published at once, not with the next change of state (up to 5 s later)."""
    import msgspec

    from tui.engine.api import AskedJob
    from tui.engine.sharing import LEADER_KEY

    path = tmp_path / "j.sqlite3"
    clock = MockClock(T0)
    _, leader, run = await _leading(path, clock)
    leader._publish(leader.status)  # what is published now (nothing asked for)
    asked = msgspec.structs.replace(leader.status, asked_jobs=(AskedJob("job-0123456789abc", "rate"),))
    leader._publish(asked)  # the same second: only what the job waits for changed
    assert "job-0123456789abc" in (Journal(path).read_meta(LEADER_KEY) or "")
    run.cancel()
    await asyncio.gather(run, return_exceptions=True)
    leader.close()

"""The outbox (issue 28): which outcomes the leader's store writes as events to publish, written in the
same journal transaction as the transitions they come from, with ids that a repeat keeps."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from schemas import EngagementInvitationSummary
from schemas.notify import DetailType, decode_event
from tests.support.engine import OPP_BULK, T0, bulk_job, task
from tui.core.clock import MockClock
from tui.engine.journal import Journal
from tui.engine.outbox import OutboxRules, outcome_id
from tui.engine.store import Store

SINCE = (T0 - timedelta(hours=1)).timestamp()


def leader_store(path: Path, clock: MockClock, **rules: object) -> Store:
    store = Store(Journal(path), clock)
    store.load()
    store.outbox = OutboxRules(catalog="Sandbox", profile="ops", since=SINCE, **rules)  # type: ignore[arg-type]
    return store


def pending(path: Path) -> list[tuple[str, str, str]]:
    journal = Journal(path)
    try:
        return [(e.detail_type, e.subject_id, e.id) for e in journal.outbox_pending(1000)]
    finally:
        journal.close()


@pytest.fixture
def clock() -> MockClock:
    return MockClock(T0)


def test_a_failure_seen_live_is_one_entry_with_the_records_wire_names(
    tmp_path: Path, clock: MockClock
) -> None:
    path = tmp_path / "j.sqlite3"
    store = leader_store(path, clock)
    with store.batch():
        store.apply_tasks([task(1)])
    clock.advance(5)
    with store.batch():
        store.apply_tasks([task(1, status="FAILED", reason_code="EngagementConflict", message="x")])
    entries = Journal(path).outbox_pending(10)
    assert [(e.detail_type, e.subject_id) for e in entries] == [(DetailType.TASK_FAILED, task(1).task_id)]
    event = decode_event(entries[0].body)
    assert event.id == event.detail.id == outcome_id(task(1).task_id or "", "FAILED")
    assert event.source == "pcwatch.partnercentral"
    assert event.detail.kind == "inv-to-eng"
    assert event.detail.catalog == "Sandbox" and event.detail.profile == "ops"
    assert event.detail.record["TaskId"] == task(1).task_id
    assert event.detail.record["ReasonCode"] == "EngagementConflict"
    assert event.detail.reason_meaning and event.detail.what_to_do


def test_the_entry_is_in_the_transaction_of_its_transition(tmp_path: Path, clock: MockClock) -> None:
    path = tmp_path / "j.sqlite3"
    store = leader_store(path, clock)
    store.apply_tasks([task(1)])
    with store.batch():
        store.apply_tasks([task(1, status="FAILED")])
        assert pending(path) == []  # (not before the batch's transaction)
        journal = Journal(path)
        assert [t[0] for t in journal.load().transitions if t[3] == "FAILED"] == []
        journal.close()
    assert len(pending(path)) == 1
    journal = Journal(path)
    assert [t[0] for t in journal.load().transitions if t[3] == "FAILED"] == [task(1).task_id]


def test_completions_only_with_notify_on_all(tmp_path: Path, clock: MockClock) -> None:
    failed_only = leader_store(tmp_path / "a.sqlite3", clock)
    every = leader_store(tmp_path / "b.sqlite3", clock, notify_on="all")
    for store in (failed_only, every):
        store.apply_tasks([task(1), task(2)])
        store.apply_tasks([task(1, status="COMPLETE"), task(2, status="FAILED")])
    assert [e[0] for e in pending(tmp_path / "a.sqlite3")] == [DetailType.TASK_FAILED]
    assert sorted(e[0] for e in pending(tmp_path / "b.sqlite3")) == [
        DetailType.TASK_COMPLETED,
        DetailType.TASK_FAILED,
    ]


def test_history_and_tasks_older_than_publishing_make_no_entries(tmp_path: Path, clock: MockClock) -> None:
    path = tmp_path / "j.sqlite3"
    store = leader_store(path, clock)
    store.apply_tasks([task(1, status="FAILED", start=T0 - timedelta(days=2))], backfill=True)
    store.apply_tasks([task(2, status="FAILED", start=T0 - timedelta(days=2))])  # first seen, old
    store.apply_tasks([task(3, status="FAILED", start=T0 - timedelta(minutes=5))])  # first seen, new
    assert [e[1] for e in pending(path)] == [task(3).task_id]


def test_a_store_that_does_not_publish_writes_no_entries(tmp_path: Path, clock: MockClock) -> None:
    path = tmp_path / "j.sqlite3"
    store = Store(Journal(path), clock)
    store.apply_tasks([task(1)])
    store.apply_tasks([task(1, status="FAILED")])
    assert pending(path) == []


def test_the_kind_filter(tmp_path: Path, clock: MockClock) -> None:
    path = tmp_path / "j.sqlite3"
    store = leader_store(path, clock, kinds=frozenset({"OpportunityFromEngagement"}))
    store.apply_tasks([task(1), task(2, kind="OpportunityFromEngagement")])
    store.apply_tasks([task(1, status="FAILED"), task(2, kind="OpportunityFromEngagement", status="FAILED")])
    assert [e[1] for e in pending(path)] == [task(2, kind="OpportunityFromEngagement").task_id]


def test_a_repeat_after_a_restart_is_the_same_row(tmp_path: Path, clock: MockClock) -> None:
    """The leader killed after journaling, its successor seeing the same end again (its journal a step
    behind, say): the same id, one row."""
    path = tmp_path / "j.sqlite3"
    first = leader_store(path, clock)
    first.apply_tasks([task(1)])
    first.apply_tasks([task(1, status="FAILED")])
    first.journal.close()  # type: ignore[union-attr]
    again = Store(Journal(path), clock)  # (not loaded: it sees the end again)
    again.outbox = OutboxRules(catalog="Sandbox", profile="ops", since=SINCE)
    again.apply_tasks([task(1)])
    again.apply_tasks([task(1, status="FAILED")])
    assert len(pending(path)) == 1


def test_bulk_job_ends_and_progress_at_most_once_a_minute(tmp_path: Path, clock: MockClock) -> None:
    path = tmp_path / "j.sqlite3"
    store = leader_store(path, clock, notify_on="all")
    store.apply_bulk_jobs([bulk_job(1, processed=10)])
    for processed in (20, 30, 40):
        clock.advance(20)
        store.apply_bulk_jobs([bulk_job(1, processed=processed)])
    clock.advance(50)
    store.apply_bulk_jobs([bulk_job(1, processed=50)])
    store.apply_bulk_jobs([bulk_job(1, processed=5000, status="FAILED", failure_reason="bad file")])
    store.apply_bulk_jobs([bulk_job(1, processed=5000, status="FAILED", failure_reason="bad file")])
    kinds = [e[0] for e in pending(path)]
    assert kinds == [DetailType.BULK_JOB_PROGRESS, DetailType.BULK_JOB_PROGRESS, DetailType.BULK_JOB_FAILED]
    event = decode_event(Journal(path).outbox_pending(10)[-1].body)
    assert event.detail.kind == "opp-bulk" and event.detail.record["FailureReason"] == "bad file"
    assert OPP_BULK == event.detail.record["Kind"]


def test_an_invitation_expiring_within_a_day_once(tmp_path: Path, clock: MockClock) -> None:
    path = tmp_path / "j.sqlite3"
    store = leader_store(path, clock, notify_on="all")

    def invitation(left: timedelta) -> EngagementInvitationSummary:
        return EngagementInvitationSummary(
            id="engi-1", status="PENDING", catalog="Sandbox", expiration_date=clock.now() + left
        )

    store.apply_invitations([invitation(timedelta(days=3))])
    assert pending(path) == []
    clock.advance(2.5 * 86400)
    store.apply_invitations([invitation(timedelta(hours=12))])
    clock.advance(3600)
    store.apply_invitations([invitation(timedelta(hours=11))])
    assert [e[:2] for e in pending(path)] == [(DetailType.INVITATION_EXPIRING, "engi-1")]


def test_the_publisher_is_told_once_the_entries_are_journaled_not_when_applied(
    tmp_path: Path, clock: MockClock
) -> None:
    path = tmp_path / "j.sqlite3"
    store = leader_store(path, clock)
    told: list[int] = []
    store.outbox_written = lambda: told.append(len(pending(path)))
    with store.batch():
        store.apply_tasks([task(1)])
    assert told == []  # (a running task is no outcome: nothing journaled for the publisher)
    clock.advance(5)
    with store.batch():
        store.apply_tasks([task(1, status="FAILED", reason_code="EngagementConflict")])
        assert told == []  # applied, not yet in the journal
    assert told == [1]  # told after the commit: the entry is there to read

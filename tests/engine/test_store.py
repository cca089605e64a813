"""The store: upserts, transitions with observed times, completions, counts, notifications, journal."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from schemas import EngagementInvitationSummary, GetResourceSnapshotJobResponse, TaskKind
from tests.support.engine import T0, task
from tui.core.clock import MockClock
from tui.engine.journal import Journal
from tui.engine.store import Store, StoreChange


def test_transitions_record_observed_times_and_completion_uncertainty() -> None:
    clock = MockClock(T0)
    store = Store(clock=clock)
    changes: list[StoreChange] = []
    store.subscribe(changes.append)

    store.apply_tasks([task(1, start=T0 - timedelta(seconds=30))])
    clock.advance(5)
    store.apply_tasks([task(1, start=T0 - timedelta(seconds=30))])  # seen again, unchanged
    clock.advance(5)
    store.apply_tasks(
        [task(1, status="FAILED", start=T0 - timedelta(seconds=30), reason_code="InternalError")]
    )
    clock.advance(5)
    store.apply_tasks(
        [task(1, status="FAILED", start=T0 - timedelta(seconds=30), reason_code="InternalError")]
    )

    first, finish = store.transitions_of("task-Enga-00001")
    assert (first.from_status, first.to_status, first.observed_at) == (None, "IN_PROGRESS", T0)
    assert (finish.from_status, finish.to_status) == ("IN_PROGRESS", "FAILED")
    assert finish.observed_at == T0 + timedelta(seconds=10)
    assert finish.previous_observed_at == T0 + timedelta(seconds=5)

    done = store.completion("task-Enga-00001")
    assert done is not None and done.observed_live
    assert done.observed_end == T0 + timedelta(seconds=10)  # first terminal observation, not the last
    assert done.uncertainty == pytest.approx(5.0)
    assert done.duration == pytest.approx(40.0)
    # Unchanged observations notify nobody.
    assert [sorted(c.task_ids) for c in changes] == [["task-Enga-00001"], ["task-Enga-00001"]]
    assert store.active_ids() == set()


def test_backfill_records_no_first_seen_transitions_and_counts_are_indexed() -> None:
    store = Store(clock=MockClock(T0))
    kinds = [TaskKind.ACCEPT_INVITATION, TaskKind.ENGAGEMENT_FROM_OPPORTUNITY]
    history = [task(n, kind=kinds[n % 2], status="COMPLETE") for n in range(10)]
    history.append(task(99, status="FAILED", reason_code="SomethingBrandNew"))
    history.append(task(100, status="IN_PROGRESS"))
    change = store.apply_tasks(history, backfill=True)
    assert len(change.task_ids) == 12 and change.transitions == ()
    assert store.counts() == {
        TaskKind.ACCEPT_INVITATION: {"COMPLETE": 5, "FAILED": 1, "IN_PROGRESS": 1},
        TaskKind.ENGAGEMENT_FROM_OPPORTUNITY: {"COMPLETE": 5},
    }
    assert store.reason_counts() == {TaskKind.ACCEPT_INVITATION: {"SomethingBrandNew": 1}}
    assert store.active_ids(TaskKind.ACCEPT_INVITATION) == {"task-Enga-00100"}
    assert store.newest_start(TaskKind.ACCEPT_INVITATION) == T0
    # First seen finished: the end is only bounded (somewhere between the start and the first look), so
    # the duration is unknown, never the 99 minutes from its start to that look.
    done = store.completion("task-Enga-00099")
    assert done is not None and not done.observed_live
    assert done.uncertainty == pytest.approx(99 * 60.0)
    assert math.isnan(done.duration)


def test_partial_response_never_erases_known_fields() -> None:
    store = Store(clock=MockClock(T0))
    store.apply_tasks([task(1, opportunity_id="O1", resource_snapshot_job_id="J1")])
    store.apply_tasks([task(1, status="COMPLETE")])  # a response missing the optional fields
    record = store.task("task-Enga-00001")
    assert record is not None
    assert (record.task_status, record.opportunity_id, record.resource_snapshot_job_id) == (
        "COMPLETE",
        "O1",
        "J1",
    )


def test_journal_round_trip_restores_everything(tmp_path) -> None:
    clock = MockClock(T0)
    path = tmp_path / "j.sqlite3"
    store = Store(Journal(path), clock)
    with store.batch():
        store.apply_tasks([task(1), task(2, status="COMPLETE")])
        clock.advance(7)
        store.apply_tasks([task(1, status="COMPLETE", opportunity_id="O-1")])
        store.apply_jobs([GetResourceSnapshotJobResponse(id="job-1", status="Running")])
        store.apply_invitations(
            [
                EngagementInvitationSummary(id="inv-1", catalog="Sandbox", status="PENDING"),
                EngagementInvitationSummary(id="inv-2", catalog="Sandbox", status="PENDING"),
            ]
        )
        store.remove_invitations(["inv-2"])
        store.set_meta("history_complete:x", "1")
    store.journal.close()

    again = Store(Journal(path), clock)
    again.load()
    assert len(again) == 2
    assert again.task("task-Enga-00001").opportunity_id == "O-1"
    assert [t.to_status for t in again.transitions_of("task-Enga-00001")] == ["IN_PROGRESS", "COMPLETE"]
    done = again.completion("task-Enga-00001")
    assert done is not None and done.uncertainty == pytest.approx(7.0)
    assert again.job("job-1").status == "Running"
    assert again.job_fetched_at("job-1") == T0 + timedelta(seconds=7)
    assert [i.id for i in again.invitations()] == ["inv-1"]
    assert again.meta("history_complete:x") == "1"
    assert again.counts() == store.counts()
    assert again.recent_transitions(limit=10) == store.recent_transitions(limit=10)


def test_a_broken_subscriber_does_not_stop_updates() -> None:
    store = Store(clock=MockClock(T0))
    seen: list[StoreChange] = []

    def broken(change: StoreChange) -> None:
        raise RuntimeError("view bug")

    store.subscribe(broken)
    unsubscribe = store.subscribe(seen.append)
    store.apply_tasks([task(1)])
    unsubscribe()
    store.apply_tasks([task(2)])
    assert len(seen) == 1 and len(store) == 2


def test_a_megabyte_message_is_kept_cut_with_its_length_in_memory_and_in_the_journal(tmp_path) -> None:
    from tui.engine.kept_text import MAX_KEPT_CHARS

    clock = MockClock(T0)
    path = tmp_path / "j.sqlite3"
    store = Store(Journal(path), clock)
    huge = "M" * 1_000_000
    short = task(2, status="FAILED", message="Opportunity not found.")
    store.apply_tasks([task(1, status="FAILED", message=huge), short])
    store.apply_jobs(
        [GetResourceSnapshotJobResponse(id="job-1", status="Stopped", last_failure="L" * 300_000)]
    )
    store.journal.close()

    kept = store.task("task-Enga-00001").message
    assert kept.startswith("M" * MAX_KEPT_CHARS) and not kept.startswith("M" * (MAX_KEPT_CHARS + 1))
    assert kept.endswith(f"[pcwatch kept the first {MAX_KEPT_CHARS:,} of 1,000,000 characters]")
    assert store.task("task-Enga-00002") is short  # a normal message is not touched
    job_failure = store.job("job-1").last_failure
    assert len(job_failure) < MAX_KEPT_CHARS + 100 and "of 300,000 characters" in job_failure

    again = Store(Journal(path), clock)
    again.load()
    assert again.task("task-Enga-00001").message == kept
    assert again.job("job-1").last_failure == job_failure

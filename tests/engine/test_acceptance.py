"""An invitation's acceptance as the store keeps it (issue 25, item 3): "accepting" from the moment an accept
is sent, through its task; gone from the pending invitations (here, in the journal and at a follower) when
that task is COMPLETE, whatever a listing a moment behind says; pending again, with the task's reason,
when it FAILED."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from schemas import EngagementInvitationSummary, TaskKind, TaskRecord
from tests.support.engine import T0, task
from tui.core.clock import MockClock
from tui.engine.journal import Journal
from tui.engine.store import Store

ACCEPT = TaskKind.ACCEPT_INVITATION


def invitation(n: int) -> EngagementInvitationSummary:
    return EngagementInvitationSummary(id=f"engi-{n:013d}", catalog="Sandbox", status="PENDING")


def accept_of(n: int, invitation_id: str, **fields: Any) -> TaskRecord:
    return task(n, kind=ACCEPT, engagement_invitation_id=invitation_id, **fields)


def test_an_accept_is_accepting_from_the_send_through_its_task_then_accepted_and_gone() -> None:
    store = Store(clock=MockClock(T0))
    store.apply_invitations([invitation(1), invitation(2)])
    inv = invitation(1).id
    changes = []
    store.subscribe(changes.append)

    assert store.acceptance(inv) is None
    store.accept_sent(inv)  # the request is on its way
    sent = store.acceptance(inv)
    assert sent is not None and sent.state == "accepting" and sent.task is None
    assert changes[-1].invitation_ids == {inv}

    store.apply_tasks([accept_of(1, inv)])  # the answer: its task, IN_PROGRESS
    store.accept_answered(inv)
    running = store.acceptance(inv)
    assert running is not None and running.state == "accepting"
    assert running.task is not None and running.task.task_id == accept_of(1, inv).task_id

    # The service lists it PENDING while the task runs (the sweep stores what it says): "accepting" stays.
    listed = EngagementInvitationSummary(id=inv, catalog="Sandbox", status="PENDING", engagement_title="t")
    store.apply_invitations([listed])
    assert store.acceptance(inv).state == "accepting" and listed in store.invitations()

    change = store.apply_tasks([accept_of(1, inv, status="COMPLETE")])
    assert inv in change.invitation_ids
    assert store.acceptance(inv).state == "accepted"
    assert [i.id for i in store.invitations()] == [invitation(2).id]
    # A listing a moment behind the task's end does not bring it back.
    store.apply_invitations([invitation(1)])
    assert [i.id for i in store.invitations()] == [invitation(2).id]


def test_a_failed_accept_is_pending_again_with_the_tasks_reason_and_a_new_one_takes_over() -> None:
    store = Store(clock=MockClock(T0))
    inv = invitation(1).id
    store.apply_invitations([invitation(1)])
    store.apply_tasks([accept_of(3, inv)])
    change = store.apply_tasks(
        [accept_of(3, inv, status="FAILED", reason_code="InternalError", message="Try again later.")]
    )
    assert change.invitation_ids == {inv}
    failed = store.acceptance(inv)
    assert failed is not None and failed.state == "failed"
    assert failed.reason == "InternalError: Try again later."
    assert inv in {i.id for i in store.invitations()}
    # Accepted again: the newer task is the one that counts, whatever the older one does.
    store.apply_tasks([accept_of(0, inv, start=T0 + timedelta(minutes=1))])
    assert store.acceptance(inv).task.task_id == accept_of(0, inv).task_id
    assert store.acceptance(inv).state == "accepting"


def test_a_follower_sees_the_accepting_and_the_end_and_a_fresh_load_agrees(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    clock = MockClock(T0)
    leader, follower = Store(Journal(path), clock), Store(Journal(path), clock)
    follower.load()
    inv = invitation(1).id
    leader.apply_invitations([invitation(1), invitation(2)])
    leader.apply_tasks([accept_of(1, inv)])  # (the write applies its task: journaled)
    change = follower.apply_journal_changes(follower.journal.changes_since(follower.journal_seq))
    assert inv in change.invitation_ids
    assert follower.acceptance(inv).state == "accepting"

    clock.advance(30)
    with leader.batch():  # a poll sees the task COMPLETE
        leader.apply_tasks([accept_of(1, inv, status="COMPLETE")])
    change = follower.apply_journal_changes(follower.journal.changes_since(follower.journal_seq))
    assert inv in change.invitation_ids
    assert [i.id for i in follower.invitations()] == [invitation(2).id]
    assert follower.acceptance(inv).state == "accepted"

    again = Store(Journal(path), clock)
    again.load()
    assert [i.id for i in again.invitations()] == [invitation(2).id]
    assert again.acceptance(inv).state == "accepted"


def test_an_invitation_journaled_pending_whose_accept_completed_loads_as_accepted(tmp_path: Path) -> None:
    """(a journal written before the store dropped them: the sweep would take up to an hour)"""
    path = tmp_path / "j.sqlite3"
    journal = Journal(path)
    inv = invitation(1).id
    Store(journal, MockClock(T0)).apply_tasks([accept_of(1, inv, status="COMPLETE")])
    journal.write(invitations=[invitation(1)])  # (as an older pcwatch would have left it)
    again = Store(Journal(path), MockClock(T0))
    again.load()
    assert again.invitations() == [] and again.acceptance(inv).state == "accepted"

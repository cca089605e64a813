"""Never twice: a write whose answer is lost after the endpoint carried it out starts exactly one task,
whether botocore retries at once or the user runs it again later."""

from __future__ import annotations

import asyncio

import pytest

from schemas import InvitationStatus
from tests.support.writes import accept_tasks_for, add_invitation, tasks_for_opportunity
from tui.aws.client import make_client
from tui.engine.store import Store
from tui.simulator import Faults
from tui.writes.actions import ACCEPT, FROM_OPPORTUNITY, REJECT, WriteActions
from tui.writes.errors import WriteError
from tui.writes.ledger import SUCCEEDED, UNKNOWN

RESET_AFTER = Faults(reset_after_processing=1.0)


def test_reset_after_processing_carries_the_request_out_then_drops_the_connection(
    write_sim, write_client
) -> None:
    inv = add_invitation(write_sim)
    write_sim.faults = RESET_AFTER  # every attempt, botocore's retries included
    with pytest.raises(Exception) as excinfo:
        asyncio.run(write_client.start_engagement_by_accepting_invitation_task(inv, client_token="tok-1"))
    assert "network" in str(excinfo.value).lower() or "connection" in str(excinfo.value).lower()
    assert write_sim.stats.outcomes["reset"] == write_sim.stats.calls[ACCEPT] >= 2
    # Three attempts with one token: the endpoint started one task.
    assert len(accept_tasks_for(write_sim, inv)) == 1


def test_accept_after_a_reset_and_a_botocore_retry_starts_exactly_one_task(
    write_sim, actions, ledger
) -> None:
    inv = add_invitation(write_sim)
    store = Store()
    actions.store = store
    write_sim.strike_once(RESET_AFTER)
    outcome = asyncio.run(actions.accept(inv))
    assert write_sim.stats.calls[ACCEPT] == 2 and write_sim.stats.outcomes["reset"] == 1
    tasks = accept_tasks_for(write_sim, inv)
    assert len(tasks) == 1 and outcome.task.task_id == tasks[0].task_id
    assert ledger.get(outcome.client_token).state == SUCCEEDED
    # The task is in the store at once, from the start response.
    assert store.task(outcome.task.task_id).task_status == "IN_PROGRESS"


def test_start_engagement_after_a_reset_and_a_retry_starts_exactly_one_task(write_sim, actions) -> None:
    write_sim.strike_once(RESET_AFTER)
    outcome = asyncio.run(actions.start_engagement("O4242", "Co-Sell", "Full"))
    tasks = tasks_for_opportunity(write_sim, "O4242")
    assert len(tasks) == 1 and outcome.task.task_id == tasks[0].task_id
    assert write_sim.stats.calls[FROM_OPPORTUNITY] == 2


def test_when_every_retry_is_cut_the_next_run_resends_the_token_and_gets_the_same_task(
    write_sim, write_settings, actions, ledger
) -> None:
    write_sim.faults = RESET_AFTER
    with pytest.raises(WriteError) as excinfo:
        asyncio.run(actions.start_engagement("O777", "For Visibility Only"))
    error = excinfo.value
    assert not error.definitive and "may or may not" in error.lines[0]
    assert ledger.get(error.client_token).state == UNKNOWN
    assert len(tasks_for_opportunity(write_sim, "O777")) == 1
    # The user runs it again later, with a new client (a new process).
    write_sim.faults = Faults()
    client = make_client(write_settings)
    try:
        again = asyncio.run(WriteActions(client, ledger).start_engagement("O777", "For Visibility Only"))
    finally:
        client.close()
    assert again.reused_token and again.client_token == error.client_token
    tasks = tasks_for_opportunity(write_sim, "O777")
    assert len(tasks) == 1 and again.task.task_id == tasks[0].task_id


def test_running_a_succeeded_write_again_shows_the_recorded_answer_and_sends_nothing(
    write_sim, actions
) -> None:
    first = asyncio.run(actions.start_opportunity("eng-0123456789abcd", "7"))
    calls = write_sim.stats.total
    again = asyncio.run(actions.start_opportunity("eng-0123456789abcd", "7"))
    assert again.replayed and "already done" in again.note
    assert again.response_json == first.response_json and write_sim.stats.total == calls
    # --again sends a deliberate new request (a new token): a second task.
    fresh = asyncio.run(actions.start_opportunity("eng-0123456789abcd", "7", fresh=True))
    assert fresh.client_token != first.client_token and fresh.task.task_id != first.task.task_id


def test_a_reject_whose_answer_was_lost_counts_as_done_on_the_retry(write_sim, actions, ledger) -> None:
    inv = add_invitation(write_sim)
    write_sim.strike_once(RESET_AFTER)
    outcome = asyncio.run(actions.reject(inv, "No capacity this quarter"))
    # botocore's retry met ConflictException (already rejected): pcwatch checked and found its reason.
    assert write_sim.stats.calls[REJECT] == 2
    assert "already rejected by an earlier attempt" in outcome.note
    assert ledger.get(outcome.client_token).state == SUCCEEDED
    world = write_sim.world("Sandbox")
    assert world.invitations[inv].status == InvitationStatus.REJECTED
    assert world.invitations[inv].rejection_reason == "No capacity this quarter"


def test_accepting_an_invitation_that_is_already_being_accepted_is_explained(write_sim, actions) -> None:
    inv = add_invitation(write_sim)
    asyncio.run(actions.accept(inv))
    other = WriteActions(actions.client, actions.ledger, clock=actions.clock)
    with pytest.raises(WriteError) as excinfo:
        asyncio.run(other.accept(inv, fresh=True))  # a deliberately new request
    assert excinfo.value.definitive
    assert "already being accepted" in excinfo.value.lines[0]
    assert len(accept_tasks_for(write_sim, inv)) == 1


def test_the_fault_parses_from_the_command_line() -> None:
    assert Faults.parse("reset_after_processing=0.25").reset_after_processing == 0.25
    assert Faults.parse("reset-after-processing=1").active()


def test_accepting_an_expired_invitation_says_so(write_sim, actions) -> None:
    inv = add_invitation(write_sim, age=16 * 86400.0)
    with pytest.raises(WriteError) as excinfo:
        asyncio.run(actions.accept(inv))
    assert excinfo.value.definitive
    assert "is no longer pending: it is EXPIRED (on " in excinfo.value.lines[0]
    assert accept_tasks_for(write_sim, inv) == []

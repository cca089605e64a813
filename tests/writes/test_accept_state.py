"""An accept's effect in the store at once (issue 25, item 3), against the local endpoint: "accepting"
while the request is out, then its task (which names the invitation) says how it stands; a refused accept
leaves the invitation as it was."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from schemas import EngagementInvitationSummary
from tests.support.writes import T0, accept_tasks_for, add_invitation, age_expired
from tui.core.clock import MockClock
from tui.engine.store import Store
from tui.writes.actions import WriteActions
from tui.writes.errors import WriteError


class Watching:
    """Wraps a client: records the store's acceptance of the invitation while its accept is out."""

    def __init__(self, client: Any, store: Store) -> None:
        self._client = client
        self._store = store
        self.seen_while_sent: list[Any] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    async def start_engagement_by_accepting_invitation_task(self, invitation_id: str, *, client_token: str):  # type: ignore[no-untyped-def]
        self.seen_while_sent.append(self._store.acceptance(invitation_id))
        return await self._client.start_engagement_by_accepting_invitation_task(
            invitation_id, client_token=client_token
        )


def _store_with(invitation_id: str) -> Store:
    store = Store(clock=MockClock(T0))
    store.apply_invitations(
        [EngagementInvitationSummary(id=invitation_id, catalog="Sandbox", status="PENDING")]
    )
    return store


def test_an_accept_is_accepting_while_sent_then_its_task_is_linked(write_sim, write_client, ledger) -> None:  # type: ignore[no-untyped-def]
    invitation_id = add_invitation(write_sim)
    store = _store_with(invitation_id)
    client = Watching(write_client, store)
    actions = WriteActions(client, ledger, store=store, clock=MockClock(T0))  # type: ignore[arg-type]

    outcome = asyncio.run(actions.accept(invitation_id))

    (sent,) = client.seen_while_sent
    assert sent is not None and sent.state == "accepting" and sent.task is None
    (task,) = accept_tasks_for(write_sim, invitation_id)  # the endpoint's own record
    acceptance = store.acceptance(invitation_id)
    assert acceptance is not None and acceptance.state == "accepting"
    assert acceptance.task is not None and acceptance.task.task_id == task.task_id == outcome.task.task_id
    assert write_sim.world("Sandbox").invitations[invitation_id].status == "PENDING"  # until it ends


def test_a_refused_accept_leaves_the_invitation_as_it_was(write_sim, write_client, ledger) -> None:  # type: ignore[no-untyped-def]
    expired = add_invitation(write_sim, age=age_expired())
    store = _store_with(expired)
    actions = WriteActions(write_client, ledger, store=store, clock=MockClock(T0))
    with pytest.raises(WriteError):
        asyncio.run(actions.accept(expired))
    assert store.acceptance(expired) is None
    assert accept_tasks_for(write_sim, expired) == []

"""The invitation calls a poll tick carries out: the look for new pending invitations (newest first, until
a known one), and the sweep through every pending one, which drops those accepted, rejected or expired
elsewhere. `InvitationListings` keeps where the sweep stands (`SweepPass`); the poller gives it the
client, the store, the clock, the sources and the budgeted call.

The sweep goes one page a turn (its own cadence; the first pass of a process takes every page at once, so
the pane is complete at start), so a long list of invitations costs its pages spread
over the pass instead of all at once (at 100 a page, 900 pending invitations are 9 calls: in one burst,
they alone would push an idle hour over its allowance of calls). Because the list can move while the pass
goes on (an invitation accepted elsewhere shifts the later ones up a page), an invitation the pass did not
see is not dropped on that evidence: it is looked up by id, 10 a turn, and dropped only if the service
says it is no longer PENDING (or gone). Expired ones, and those whose accepting task the store has seen
complete, are dropped without a call.

An invitation being accepted stays PENDING on the service until its task ends: what the listings store
of it changes nothing of its acceptance, which the store derives from the accepting task
(`Store.acceptance`); and once that task is COMPLETE the store takes no listing's word that it is pending.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from schemas import InvitationStatus, ResourceNotFoundException
from tui.aws.failures import ApiFailure
from tui.aws.retry import may_retry
from tui.aws.service import TaskReads
from tui.core.clock import Clock, steady_wall

from .budget import BudgetedCall
from .poll_plan import INVITATIONS_SOURCE, PlannedCall
from .sources import Sources
from .store import Store

#: Invitations the pass did not see, looked up by id per turn of the sweep.
CHECKS_PER_TURN = 10


@dataclass
class SweepPass:
    """Where the pass through every pending invitation stands."""

    #: The next page's token; None: the next turn starts a pass (or checks what the last one missed).
    token: str | None = None
    running: bool = False
    #: Invitations known when the pass began, and those it has seen since.
    known_at_start: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)
    #: Known at the start, not seen by the pass: looked up by id before anything is dropped.
    unseen: list[str] = field(default_factory=list)
    #: Passes completed: the first (at start) goes through every page at once, as the history does.
    passes: int = 0

    @property
    def starts_next(self) -> bool:
        """The next turn fetches the newest page (a pass begins)."""
        return not self.running and not self.unseen


class InvitationListings:
    def __init__(
        self, client: TaskReads, store: Store, clock: Clock, sources: Sources, call: BudgetedCall
    ) -> None:
        self._client = client
        self._store = store
        self._clock = clock
        self._sources = sources
        self._call = call
        self._sweep = SweepPass()

    @property
    def sweep_starts_next(self) -> bool:
        """The sweep's next turn fetches the newest page (a pass begins): it is the look for new ones."""
        return self._sweep.starts_next

    def _page_of_pending(self, source: str, token: str | None) -> Awaitable[Any]:
        return self._call(
            source,
            partial(
                self._client.list_engagement_invitations,
                status=[InvitationStatus.PENDING],
                participant_type="RECEIVER",
                next_token=token,
            ),
        )

    async def list_new(self, call: PlannedCall) -> None:
        """New pending invitations: newest first, until a known one."""
        known = {i.id for i in self._store.invitations()}
        found = []
        token: str | None = None
        while True:
            page = await self._page_of_pending(call.source, token)
            found.extend(page.engagement_invitation_summaries)
            token = page.next_token
            if not token or any(i.id in known for i in page.engagement_invitation_summaries):
                break
        self._store.apply_invitations(found)

    async def sweep(self, call: PlannedCall) -> None:
        """One turn of the sweep: check what the last pass did not see, or else its next page."""
        sweep = self._sweep
        if sweep.unseen:
            await self._check_unseen(call.source)
            return
        if not sweep.running:
            sweep.running, sweep.seen = True, set()
            sweep.known_at_start = {i.id for i in self._store.invitations()}
        while True:
            first = sweep.token is None
            if first:  # the newest page: the look for new invitations is made by it (whatever comes)
                self._sources.called(INVITATIONS_SOURCE, self._clock.monotonic())
            try:
                page = await self._page_of_pending(call.source, sweep.token)
            except ApiFailure as failure:
                if not may_retry(failure):  # (e.g. a token the service no longer takes): start over
                    self._sweep = SweepPass(passes=sweep.passes)
                raise
            found = page.engagement_invitation_summaries
            self._store.apply_invitations(found)
            sweep.seen |= {i.id for i in found}
            if first:
                self._sources.succeeded(INVITATIONS_SOURCE, steady_wall(self._clock).now())
            sweep.token = page.next_token
            if not sweep.token:
                break
            if sweep.passes > 0:  # (the first pass: every page now, the pane fills at start)
                return
        sweep.running = False
        sweep.passes += 1
        now = self._clock.now()
        current = {i.id: i for i in self._store.invitations()}
        missed = [i for i in sorted(sweep.known_at_start - sweep.seen) if i in current]
        expired = {i for i in missed if (e := current[i].expiration_date) is not None and e <= now}
        accepted = self._accepted(set(missed) - expired)
        self._store.remove_invitations(expired | accepted)
        sweep.unseen = [i for i in missed if i not in expired and i not in accepted]

    def _accepted(self, invitation_ids: set[str]) -> set[str]:
        """Those of `invitation_ids` whose accepting task the store has seen COMPLETE (no call needed)."""
        return {
            i
            for i in invitation_ids
            if (a := self._store.acceptance(i)) is not None and a.state == "accepted"
        }

    async def _check_unseen(self, source: str) -> None:
        """Up to CHECKS_PER_TURN of the invitations the pass did not see, by id: dropped if no longer
        pending, kept (and refreshed) if they are."""
        sweep = self._sweep
        gone: list[str] = []
        try:
            for invitation_id in list(sweep.unseen[:CHECKS_PER_TURN]):
                try:
                    found = await self._call(
                        source, partial(self._client.get_engagement_invitation, invitation_id)
                    )
                    if found.status != InvitationStatus.PENDING:
                        gone.append(invitation_id)
                except ApiFailure as failure:
                    if not isinstance(failure.service_error, ResourceNotFoundException):
                        raise
                    gone.append(invitation_id)
                sweep.unseen.remove(invitation_id)
        finally:
            self._store.remove_invitations(gone)

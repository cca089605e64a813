"""`accept --all-pending`: accept every pending invitation that matches, paced to the write quota, and
resumable: invitations the write ledger shows as accepted are skipped, and one whose answer was lost is
resent with its recorded ClientToken. No Textual here; the clock is injected.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from schemas import EngagementInvitationSummary, InvitationStatus
from tui.aws.failures import CredentialsFailure
from tui.aws.retry import Backoff, extra_attempts
from tui.aws.service import TaskReads
from tui.core.clock import Clock
from tui.core.settings import Budget
from tui.engine.budget import RequestBudget

from .actions import ACCEPT, WriteActions, WriteOutcome
from .errors import LedgerNotWritten, WriteError

#: The account's write quota: 1 request per second, 10,000 per rolling 24 hours.
WRITE_QUOTA = Budget(rate_per_second=1.0, daily_calls=10_000, burst=1)
#: Attempts per invitation while the answer stays uncertain (network errors, throttling) before stopping.
MAX_TRIES = 5


@dataclass(frozen=True)
class InvitationFilter:
    #: Sender company names or AWS account ids (case-insensitive, exact); empty: any sender.
    senders: tuple[str, ...] = ()
    #: PayloadType values (OpportunityInvitation, LeadInvitation…); empty: any.
    payload_types: tuple[str, ...] = ()

    def matches(self, invitation: EngagementInvitationSummary) -> bool:
        if self.senders:
            wanted = {s.casefold() for s in self.senders}
            names = {
                (invitation.sender_company_name or "").casefold(),
                (invitation.sender_aws_account_id or ""),
            }
            if not wanted & names:
                return False
        if self.payload_types:
            wanted_types = {p.casefold() for p in self.payload_types}
            if (invitation.payload_type or "").casefold() not in wanted_types:
                return False
        return True


async def pending_invitations(
    client: TaskReads, clock: Clock, matching: InvitationFilter, *, read_budget: RequestBudget | None = None
) -> list[EngagementInvitationSummary]:
    """Every PENDING, unexpired invitation received that matches, the soonest to expire first. Pages are
    read within `read_budget` (the account's read quota is shared) if one is given; a spent allowance
    raises `BudgetSpent`."""
    now = clock.now()
    found: list[EngagementInvitationSummary] = []
    token: str | None = None
    while True:
        fetch = partial(
            client.list_engagement_invitations,
            status=[InvitationStatus.PENDING],
            max_results=100,
            next_token=token,
        )
        if read_budget is not None:
            page = await read_budget.spend_on(lambda: client.attempts, fetch)
        else:
            page = await fetch()
        for inv in page.engagement_invitation_summaries:
            if inv.status != InvitationStatus.PENDING:
                continue
            if inv.expiration_date is not None and inv.expiration_date <= now:
                continue
            if matching.matches(inv):
                found.append(inv)
        token = page.next_token
        if not token:
            break
    found.sort(key=lambda i: (i.expiration_date is None, i.expiration_date or now, i.id))
    return found


@dataclass
class BulkResult:
    accepted: list[WriteOutcome] = field(default_factory=list)
    #: Invitations the ledger shows accepted by an earlier run (not sent again).
    skipped: list[EngagementInvitationSummary] = field(default_factory=list)
    #: Invitations the service refused (no longer pending, not found, denied…), with why.
    refused: list[tuple[EngagementInvitationSummary, WriteError]] = field(default_factory=list)
    #: Set when the run stopped early (credentials, or an answer still uncertain after MAX_TRIES).
    stopped: WriteError | None = None


async def accept_all(
    actions: WriteActions,
    invitations: Sequence[EngagementInvitationSummary],
    *,
    clock: Clock,
    on_outcome: Callable[[EngagementInvitationSummary, WriteOutcome], None] | None = None,
    on_error: Callable[[EngagementInvitationSummary, WriteError, bool], None] | None = None,
    max_tries: int = MAX_TRIES,
    rng: random.Random | None = None,
) -> BulkResult:
    """Accept each invitation once, at most one request per second. `on_error(invitation, error,
    retrying)` hears of every failure as it happens."""
    result = BulkResult()
    budget = RequestBudget(WRITE_QUOTA, clock)
    backoff = Backoff(rng or random.Random())
    done = actions.ledger.succeeded_targets(ACCEPT, actions.catalog)
    for inv in invitations:
        if inv.id in done:
            result.skipped.append(inv)
            continue
        tries = 0
        backoff.reset()
        while True:
            await budget.acquire()
            before = actions.client.attempts
            try:
                outcome = await actions.accept(inv.id)
            except WriteError as error:
                _charge_retries(budget, before, actions.client.attempts)
                if isinstance(error, LedgerNotWritten):  # every next one would be refused the same way
                    result.stopped = error
                    if on_error:
                        on_error(inv, error, False)
                    return result
                if error.definitive and not isinstance(error.failure, CredentialsFailure):
                    result.refused.append((inv, error))
                    if on_error:
                        on_error(inv, error, False)
                    break
                tries += 1
                if isinstance(error.failure, CredentialsFailure) or tries >= max_tries:
                    result.stopped = error
                    if on_error:
                        on_error(inv, error, False)
                    return result
                if on_error:
                    on_error(inv, error, True)
                await clock.sleep(backoff.next_delay())
                continue
            _charge_retries(budget, before, actions.client.attempts)
            result.accepted.append(outcome)
            if on_outcome:
                on_outcome(inv, outcome)
            break
    return result


def _charge_retries(budget: RequestBudget, before: int, after: int) -> None:
    """botocore's own retries spent write quota too."""
    extra = extra_attempts(before, after)
    if extra:
        budget.spend(extra)

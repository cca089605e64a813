"""`pcwatch accept INVITATION_ID [--wait]` and `pcwatch accept --all-pending [--sender …]
[--payload-type …] [--yes]`: StartEngagementByAcceptingInvitationTask.

`--all-pending` lists what it would accept and acts only with `--yes`, one request a second (the write
quota); run again after an interruption, it skips what the write ledger shows accepted and resends the
ClientToken of an attempt whose answer was lost.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from schemas import PayloadType
from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings
from tui.core.timefmt import MINUTE, instant

from .common import add_choice_option, error, refuse, shared_budget
from .writes import (
    add_again_argument,
    add_wait_arguments,
    announce_catalog,
    print_outcome,
    refuse_if_read_only,
    run_single,
    write_session,
)

if TYPE_CHECKING:
    from schemas import EngagementInvitationSummary
    from tui.writes.api import WriteOutcome, WriteService
    from tui.writes.errors import WriteError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "invitation_id", metavar="INVITATION_ID", nargs="?", help="the invitation's id (engi-…) or ARN"
    )
    parser.add_argument(
        "--all-pending", action="store_true", help="every pending invitation (that matches the filters)"
    )
    parser.add_argument(
        "--sender",
        action="append",
        default=[],
        metavar="NAME_OR_ACCOUNT",
        help="with --all-pending: only this sender (repeatable)",
    )
    add_choice_option(
        parser,
        "--payload-type",
        PayloadType.VALUES,
        "with --all-pending: only this PayloadType",
        noun="payload type",
        repeatable=True,
        default=[],
        metavar="TYPE",
    )
    parser.add_argument(
        "--yes",
        action="store_true",
        help="with --all-pending: do it (otherwise only list); in the AWS (production) catalog: go ahead "
        "without asking",
    )
    add_wait_arguments(parser)
    add_again_argument(parser)


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    if args.all_pending:
        if args.invitation_id or args.wait:
            return refuse("accept", "--all-pending takes no INVITATION_ID and no --wait")
        return run_all_pending(args, settings)
    if not args.invitation_id:
        return refuse("accept", "give an INVITATION_ID, or --all-pending")
    if args.sender or args.payload_type:
        return refuse("accept", "--sender and --payload-type go with --all-pending")

    async def act(actions: WriteService) -> WriteOutcome:
        return await actions.accept(args.invitation_id, fresh=args.again)

    return run_single("accept", settings, args, "accepting invitation", act, ids=[args.invitation_id])


def _describe(inv: EngagementInvitationSummary) -> str:
    from tui.core.text_safety import one_line

    expires = instant(inv.expiration_date, MINUTE, missing="?")
    return (
        f"{one_line(inv.id, 64)}  {one_line(inv.payload_type or '?', 30)}  expires {expires}  "
        f"from {one_line(inv.sender_company_name or inv.sender_aws_account_id or '?', 60)}  "
        f"{one_line(inv.engagement_title or '', 80)}"
    )


def run_all_pending(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    from tui.aws.failures import ApiFailure
    from tui.core.clock import SystemClock
    from tui.engine.budget import BudgetSpent
    from tui.writes.bulk_accept import InvitationFilter, accept_all, pending_invitations

    if args.yes:
        refused = refuse_if_read_only("accept", settings)
        if refused is not None:
            return refused
    matching = InvitationFilter(tuple(args.sender), tuple(args.payload_type))
    clock = SystemClock()
    out = sys.stdout
    try:
        with write_session(settings) as session, shared_budget(session.settings, clock) as reads:
            invitations = asyncio.run(pending_invitations(session.client, clock, matching, read_budget=reads))
            done = session.ledger.succeeded_targets(
                "StartEngagementByAcceptingInvitationTask", session.client.catalog
            )
            todo = [i for i in invitations if i.id not in done]
            if not args.yes:
                for inv in todo:
                    out.write(_describe(inv) + "\n")
                print(
                    f"pcwatch accept: {len(todo)} pending invitation(s) would be accepted in catalog "
                    f"{settings.catalog}"
                    + (
                        f" ({len(invitations) - len(todo)} already accepted earlier)"
                        if len(todo) < len(invitations)
                        else ""
                    )
                    + "; add --yes to accept them",
                    file=sys.stderr,
                )
                return ExitStatus.OK
            announce_catalog("accept", settings, f"accepting {len(todo)} invitation(s)")

            def on_outcome(inv: EngagementInvitationSummary, outcome: WriteOutcome) -> None:
                print_outcome("accept", outcome)

            def on_error(inv: EngagementInvitationSummary, err: WriteError, retrying: bool) -> None:
                from tui.core.text_safety import one_line

                tail = " (retrying)" if retrying else ""
                for line in err.lines:
                    print(f"pcwatch accept: {one_line(inv.id, 64)}: {line}{tail}", file=sys.stderr)

            result = asyncio.run(
                accept_all(session.actions, todo, clock=clock, on_outcome=on_outcome, on_error=on_error)
            )
    except ApiFailure as failure:
        return error("accept", failure.message)
    except BudgetSpent as spent:
        return error("accept", str(spent))
    print(
        f"pcwatch accept: accepted {len(result.accepted)}, refused {len(result.refused)}, "
        f"skipped {len(invitations) - len(todo) + len(result.skipped)} (already accepted)",
        file=sys.stderr,
    )
    if result.stopped is not None:
        print("pcwatch accept: stopped early; run the same command again to resume", file=sys.stderr)
        return ExitStatus.ERROR
    unrecorded = any(not outcome.recorded for outcome in result.accepted)  # (each said on stderr)
    return ExitStatus.ERROR if result.refused or unrecorded else ExitStatus.OK

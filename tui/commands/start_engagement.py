"""`pcwatch start-engagement OPPORTUNITY_ID --involvement TYPE [--visibility …] [--wait]`:
StartEngagementFromOpportunityTask (submit an opportunity to AWS for co-sell)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from schemas import SalesInvolvementType, Visibility
from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings

from .common import add_choice_option
from .writes import add_again_argument, add_wait_arguments, add_yes_argument, run_single

if TYPE_CHECKING:
    from tui.writes.api import WriteOutcome, WriteService


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("opportunity_id", metavar="OPPORTUNITY_ID", help="the opportunity's id (O…)")
    add_choice_option(
        parser,
        "--involvement",
        SalesInvolvementType.VALUES,
        "AwsSubmission.InvolvementType",
        noun="involvement type",
        required=True,
        metavar="TYPE",
    )
    add_choice_option(
        parser, "--visibility", Visibility.VALUES, "AwsSubmission.Visibility", noun="visibility", default=None
    )
    add_wait_arguments(parser)
    add_again_argument(parser)
    add_yes_argument(parser)


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    async def act(actions: WriteService) -> WriteOutcome:
        return await actions.start_engagement(
            args.opportunity_id, args.involvement, args.visibility, fresh=args.again
        )

    return run_single(
        "start-engagement", settings, args, "submitting opportunity", act, ids=[args.opportunity_id]
    )

"""`pcwatch start-opportunity ENGAGEMENT_ID --context CONTEXT_ID [--wait]`:
StartOpportunityFromEngagementTask (create an opportunity from an engagement's context)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings

from .writes import add_again_argument, add_wait_arguments, add_yes_argument, run_single

if TYPE_CHECKING:
    from tui.writes.api import WriteOutcome, WriteService


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("engagement_id", metavar="ENGAGEMENT_ID", help="the engagement's id (eng-…) or ARN")
    parser.add_argument("--context", required=True, metavar="CONTEXT_ID", help="the engagement context's id")
    add_wait_arguments(parser)
    add_again_argument(parser)
    add_yes_argument(parser)


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    async def act(actions: WriteService) -> WriteOutcome:
        return await actions.start_opportunity(args.engagement_id, args.context, fresh=args.again)

    return run_single(
        "start-opportunity",
        settings,
        args,
        "starting an opportunity from engagement",
        act,
        ids=[args.engagement_id, f"context {args.context}"],
    )

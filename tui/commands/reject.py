"""`pcwatch reject INVITATION_ID --reason TEXT`: reject an engagement invitation."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings

from .writes import add_yes_argument, run_single

if TYPE_CHECKING:
    from tui.writes.api import WriteOutcome, WriteService


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("invitation_id", metavar="INVITATION_ID", help="the invitation's id (engi-…) or ARN")
    parser.add_argument(
        "--reason", required=True, metavar="TEXT", help="why (1–80 characters, sent to the sender)"
    )
    add_yes_argument(parser)


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    async def act(actions: WriteService) -> WriteOutcome:
        return await actions.reject(args.invitation_id, args.reason)

    return run_single("reject", settings, args, "rejecting invitation", act, ids=[args.invitation_id])

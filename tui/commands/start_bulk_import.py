"""`pcwatch start-bulk-import FILE_URI [--format CSV] [--wait] [--yes]`: StartOpportunityBulkJob (create or
update the opportunities of a CSV file the service reads from an s3:// or https:// URI).

Through the write ledger like every write (docs/writes.md): the ClientToken is recorded before the request
leaves, so a run killed after sending and run again starts exactly one job; a repeat of an import that
succeeded prints the recorded answer and sends nothing (`--again` sends a new one). Refused in read-only
mode; in the `AWS` catalog it asks on a terminal or needs `--yes`. Prints the start response
(`{"JobId": "bulkjob-…"}`); `--wait` then follows the job as `pcwatch wait` does."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from schemas import BulkFileFormat
from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings

from .common import add_choice_option, refuse
from .writes import add_again_argument, add_wait_arguments, add_yes_argument, run_single

if TYPE_CHECKING:
    from tui.writes.api import WriteOutcome, WriteService

OPERATION = "StartOpportunityBulkJob"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file_uri",
        metavar="FILE_URI",
        help="where the service reads the CSV file: s3://bucket/key or an https:// URL (not a local path)",
    )
    add_choice_option(
        parser,
        "--format",
        BulkFileFormat.VALUES,
        f"the file's format (FileFormat; default {BulkFileFormat.CSV})",
        noun="file format",
        dest="file_format",
        default=BulkFileFormat.CSV,
        metavar="FORMAT",
    )
    add_wait_arguments(parser, "bulk job")
    add_again_argument(parser)
    add_yes_argument(parser)


def check_file_uri(file_uri: str) -> str | None:
    """Why the service would refuse `file_uri` (its model's FileURI: 1–2,000 characters, s3:// or
    https://), in words; None if it would not."""
    import re

    from .reads import input_members

    member = input_members(OPERATION).get("FileURI")
    rules = member.metadata if member is not None else {}
    if len(file_uri) < rules.get("min", 1) or len(file_uri) > rules.get("max", len(file_uri)):
        return f"FILE_URI must be {rules.get('min', 1)} to {rules.get('max')} characters; nothing was sent"
    pattern = rules.get("pattern")
    if isinstance(pattern, str) and not re.fullmatch(pattern, file_uri):
        return (
            "FILE_URI is where the service reads the file: an s3:// URI or an https:// URL it can fetch "
            "(a local file must be uploaded first); nothing was sent"
        )
    return None


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    from tui.writes.actions import file_identity

    why_not = check_file_uri(args.file_uri)
    if why_not is not None:
        return refuse("start-bulk-import", why_not)

    async def act(actions: WriteService) -> WriteOutcome:
        return await actions.start_opportunity_bulk_job(
            args.file_uri, file_format=args.file_format, fresh=args.again
        )

    return run_single(
        "start-bulk-import",
        settings,
        args,
        "importing opportunities from",
        act,
        ids=[file_identity(args.file_uri)],
    )

"""What the write commands share: the read-only refusal, the production confirmation, a session (client,
ledger, actions), printing a start response, explaining a failure, and `--wait`.

A write to the production `AWS` catalog acts on a real customer opportunity: on a terminal the command
asks first (naming the catalog and the ids; only `yes` goes ahead); in a script it needs `--yes`, and
without it exits 2 having sent nothing."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings
from tui.core.text_safety import JSON, visible

from .common import connected, refuse

if TYPE_CHECKING:
    from tui.aws.client import PartnerCentralClient
    from tui.writes.actions import WriteActions
    from tui.writes.api import WriteOutcome, WriteService
    from tui.writes.errors import WriteError
    from tui.writes.ledger import WriteLedger


def add_wait_arguments(parser: argparse.ArgumentParser, what: str = "task") -> None:
    parser.add_argument(
        "--wait",
        action="store_true",
        help=f"then follow the {what} to its end (exit codes of `pcwatch wait`)",
    )
    parser.add_argument(
        "--timeout", type=float, default=None, metavar="SECONDS", help="with --wait: give up after this"
    )


def add_yes_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--yes", action="store_true", help="in the AWS (production) catalog: go ahead without asking"
    )


def add_again_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--again",
        action="store_true",
        help="send a new request even if the same one already succeeded (the write ledger otherwise "
        "shows the earlier answer and sends nothing)",
    )


def refuse_if_read_only(command: str, settings: Settings) -> ExitStatus | None:
    from tui.writes.errors import read_only_message

    if settings.read_only:
        return refuse(command, read_only_message(settings.read_only_source))
    return None


def confirm_production(
    command: str, settings: Settings, what: str, ids: list[str], *, assume_yes: bool
) -> ExitStatus | None:
    """None to go ahead; ExitStatus.USAGE (nothing sent) for a write to the `AWS` catalog that was
    neither confirmed on the terminal nor given `--yes`. Other catalogs go ahead."""
    from tui.writes.actions import is_production

    if not is_production(settings.catalog):
        return None
    named = ", ".join(visible(i, limit=200) for i in ids)
    banner = f"pcwatch {command}: PRODUCTION catalog AWS — {what}: {named}"
    if assume_yes:
        print(f"{banner} (--yes)", file=sys.stderr)
        return None
    if not sys.stdin.isatty():
        print(banner, file=sys.stderr)
        return refuse(
            command,
            "not confirmed (no terminal to ask on): add --yes to act on the production catalog; nothing "
            "was sent",
        )
    print(f"{banner}\nType yes to go ahead: ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline()
    if answer.strip().lower() != "yes":
        return refuse(command, "not confirmed; nothing was sent")
    return None


def announce_catalog(command: str, settings: Settings, what: str) -> None:
    """On the production catalog, say so plainly before acting."""
    from tui.writes.actions import is_production

    if is_production(settings.catalog):
        print(
            f"pcwatch {command}: PRODUCTION catalog AWS — {what} acts on real customer opportunities",
            file=sys.stderr,
        )


@dataclass
class WriteSession:
    client: PartnerCentralClient
    settings: Settings
    actions: WriteActions
    ledger: WriteLedger


@contextmanager
def write_session(settings: Settings) -> Iterator[WriteSession]:
    """A connected client (the demo endpoint with --demo), the write ledger and the actions service.
    Raises ApiFailure if the client cannot be made."""
    from tui.core.sqlite_files import StateFileUnavailable
    from tui.writes.actions import WriteActions
    from tui.writes.ledger import WriteLedger

    # Without the ledger a lost answer could make the next run act twice: a ledger that cannot be opened
    # refuses the write (StateFileUnavailable: exit 2, naming the file and the fix; nothing was sent).
    try:
        ledger = WriteLedger.for_settings(settings)
    except StateFileUnavailable as problem:
        raise StateFileUnavailable(f"{problem}; nothing was sent", problem.path) from None
    try:
        with connected(settings) as (client, live_settings):
            actions = WriteActions.for_settings(client, ledger, settings)
            yield WriteSession(client, live_settings, actions, ledger)
    finally:
        ledger.close()


def print_outcome(command: str, outcome: WriteOutcome) -> None:
    """The service's answer as JSON (wire names) on stdout; remarks on stderr."""
    if outcome.reused_token:
        print(
            f"pcwatch {command}: resent the ClientToken of an earlier attempt that got no answer",
            file=sys.stderr,
        )
    if outcome.note:
        print(f"pcwatch {command}: {outcome.note}", file=sys.stderr)
    sys.stdout.write(visible(outcome.response_json.decode(), form=JSON) + "\n")
    sys.stdout.flush()


def report(command: str, error: WriteError) -> ExitStatus:
    """A WriteError on stderr, one line per fact (already escaped)."""
    for line in error.lines:
        print(f"pcwatch {command}: {line}", file=sys.stderr)
    return ExitStatus.ERROR


def wait_for(outcome: WriteOutcome, settings: Settings, timeout: float | None) -> ExitStatus:
    """`--wait`: follow the started task or bulk job with `pcwatch wait`'s behaviour and exit codes, at
    the cadence of the tasks pcwatch started (`PollPlan.own_interval`, 2 s)."""
    from tui.engine.poll_plan import PollPlan

    from . import wait_task

    if outcome.job is not None:
        followed, kind = outcome.job.job_id, outcome.job.kind
    elif outcome.task is not None and outcome.task.task_id:
        followed, kind = outcome.task.task_id, outcome.task.kind
    else:
        print("pcwatch: the start response has no TaskId or JobId to follow", file=sys.stderr)
        return ExitStatus.ERROR
    args = argparse.Namespace(task_id=followed, timeout=timeout, interval=PollPlan.own_interval, kind=kind)
    return wait_task.run(args, settings)


def run_single(
    command: str,
    settings: Settings,
    args: argparse.Namespace,
    what: str,
    act: Callable[[WriteService], Coroutine[object, object, WriteOutcome]],
    *,
    ids: list[str],
) -> ExitStatus:
    """Refuse in read-only mode, confirm on production (naming `ids`), run `act(actions)` (a coroutine),
    print, --wait. `args`: the command's `--yes`, and its `--wait` and `--timeout` if it has them."""
    assume_yes: bool = args.yes
    wait: bool = getattr(args, "wait", False)
    timeout: float | None = getattr(args, "timeout", None)
    import asyncio

    from tui.aws.failures import ApiFailure
    from tui.writes.errors import WriteError

    from .common import error

    refused = refuse_if_read_only(command, settings)
    if refused is None:
        refused = confirm_production(command, settings, what, ids, assume_yes=assume_yes)
    if refused is not None:
        return refused
    try:
        with write_session(settings) as session:
            try:
                outcome = asyncio.run(act(session.actions))
            except WriteError as exc:
                return report(command, exc)
            except KeyboardInterrupt:
                print(
                    f"pcwatch {command}: interrupted before the answer arrived; the request may have been "
                    "carried out. Run the same command again: it resends the same ClientToken.",
                    file=sys.stderr,
                )
                return ExitStatus.INTERRUPTED
            print_outcome(command, outcome)
            if not outcome.recorded:  # done, but the ledger does not know it yet: say so in the status
                if wait:
                    print(f"pcwatch {command}: not waited for; `pcwatch wait` follows it", file=sys.stderr)
                return ExitStatus.ERROR
            if wait:
                return wait_for(outcome, session.settings, timeout)
    except ApiFailure as failure:
        return error(command, failure.message)
    return ExitStatus.OK

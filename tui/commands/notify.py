"""`pcwatch notify`: publish task and job outcomes headless, for a service manager (docs/notify.md has a
systemd unit), and `pcwatch notify status`: how publishing is going, from the journal.

`pcwatch notify` is a viewer of the journal like a dashboard: it leads (polls, and publishes the outbox to
`--notify-event-bus`, `--notify-sns-topic` or `--notify-exec`) when no other viewer does, and follows
otherwise, ready to take over. It needs no terminal, logs to `--log-file`, counts as someone watching (so
the polling stays fast enough for outcomes to go out within seconds) and ends cleanly on SIGTERM or
SIGINT (exit 0): the lock released, the journal closed; an event sent but not yet marked is sent again
by the next leader, with the same id.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import sys
from datetime import datetime, timezone

from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings
from tui.core.text_safety import visible

from .common import add_kind_option, error, refuse

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="notify_command", metavar="ACTION")
    status = sub.add_parser("status", help="the last event sent, the backlog, the last error")
    status.add_argument("--json", action="store_true", help="one JSON object")
    add_kind_option(parser, "publish only this kind's outcomes (as --notify-kind)", repeatable=True)


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    if getattr(args, "notify_command", None) == "status":
        return _status(args, settings)
    return _publish(args, settings)


def _publish(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    from schemas.kinds import short_name
    from tui.aws.client import make_client
    from tui.core.clock import SystemClock
    from tui.core.sqlite_files import StateFileUnavailable
    from tui.engine.notify_publisher import wants_publishing
    from tui.engine.sharing import make_engine
    from tui.simulator.demo import start_demo, wants_demo

    if args.kind:
        settings = dataclasses.replace(settings, notify_kind=",".join(short_name(k) or k for k in args.kind))
    if not wants_publishing(settings) and not (settings.demo and settings.demo_notify):
        return refuse(
            "notify",
            "nowhere to publish: give --notify-event-bus NAME_OR_ARN, --notify-sns-topic ARN or "
            "--notify-exec CMD (or --demo --notify)",
        )
    if settings.no_journal:
        return refuse("notify", "publishing needs the journal (its outbox): not with --no-journal")
    demo = start_demo(settings) if wants_demo(settings) else None
    try:
        if demo is not None:
            settings = demo.settings
            for note in demo.notes:
                print(f"pcwatch notify: {note}", flush=True)
        if settings.demo and settings.journal_path is None:
            return refuse("notify", "with --demo, publishing needs --journal PATH or --notify (its own)")
        clock = SystemClock()
        try:
            store, engine = make_engine(settings, clock, client_factory=make_client)
        except StateFileUnavailable as problem:
            return refuse("notify", str(problem))
        try:
            store.load()
            asyncio.run(_run_until_signalled(engine))
        finally:
            engine.close()
        log.info("notify: stopped")
        return ExitStatus.OK
    except Exception as exc:  # (credentials, a client that cannot be made: one line)
        return error("notify", getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}")
    finally:
        if demo is not None:
            demo.close()


async def _run_until_signalled(engine: object) -> None:
    """Run the viewer (leading or following) until SIGTERM or SIGINT."""
    from tui.engine.sharing import SharedEngine

    assert isinstance(engine, SharedEngine)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    release = engine.watching()  # (outcomes are wanted within seconds: poll as if someone looked)
    running = asyncio.ensure_future(engine.run())
    log.info("notify: started (process %d)", os.getpid())
    try:
        done, _ = await asyncio.wait(
            {running, asyncio.ensure_future(stop.wait())}, return_when=asyncio.FIRST_COMPLETED
        )
        if running in done:
            running.result()  # (its exception, if it ended by one)
    finally:
        release()
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)


def _status(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    import msgspec

    from tui.core.sqlite_files import StateFileUnavailable
    from tui.engine.journal import Journal, default_journal_path

    path = settings.journal_path or default_journal_path(settings)
    if settings.no_journal or not path.exists():
        return refuse("notify status", "no journal to read (nothing published from it yet)")
    try:
        journal = Journal(path)
    except StateFileUnavailable as problem:
        return refuse("notify status", str(problem))
    try:
        summary = journal.outbox_summary()
        leader = journal.read_meta("viewer:leader")
    finally:
        journal.close()
    calls = None
    target = None
    if leader:
        with contextlib.suppress(Exception):
            from tui.engine.status import status_from_json

            report = status_from_json(leader, "following").notify
            if report is not None:
                calls, target = report.calls, report.target
    if args.json:
        out = {**msgspec.to_builtins(summary), "target": target, "calls": calls}
        sys.stdout.write(msgspec.json.encode(out).decode() + "\n")
        return ExitStatus.OK
    last = "none yet"
    if summary.last_sent_at is not None:
        when = datetime.fromtimestamp(summary.last_sent_at, timezone.utc).isoformat(timespec="seconds")
        last = f"{visible(summary.last_detail_type)} of {visible(summary.last_subject)} at {when}"
    print(f"target:     {visible(target) if target else '(not publishing now)'}")
    print(f"last event: {last}")
    print(
        f"backlog:    {summary.backlog} waiting"
        + (f", {summary.dropped} dropped (too old)" if summary.dropped else "")
    )
    print(
        f"sent:       {summary.sent}"
        + (f" ({calls} calls by the current leader)" if calls is not None else "")
    )
    print(f"last error: {visible(summary.last_error, limit=300) if summary.last_error else 'none'}")
    return ExitStatus.OK

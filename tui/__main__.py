"""The `pcwatch` command line. Subcommands import what they need lazily, so the headless commands never
load Textual and `--help` stays fast."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from . import __version__
from .core import logs
from .core.config import CONFIG_VARIABLE, LOG_LEVELS, PROFILE_VARIABLE, ConfigError, config_path, resolve_args
from .core.exit_status import ExitStatus
from .core.settings import DEFAULT_REGION, Settings, SettingsError, check_settings
from .core.text_safety import visible

log = logging.getLogger("tui")

# name -> (module, help). Each module has `add_arguments(parser)` and `run(args, settings) -> ExitStatus`.
COMMANDS: dict[str, tuple[str, str]] = {
    "simulate": ("tui.commands.simulate", "serve the local Partner Central endpoint on 127.0.0.1"),
    "list": ("tui.commands.list_tasks", "print the current tasks (table, --json or --csv)"),
    "wait": ("tui.commands.wait_task", "follow one task until it completes or fails"),
    "accept": ("tui.commands.accept", "accept an engagement invitation (or --all-pending)"),
    "reject": ("tui.commands.reject", "reject an engagement invitation"),
    "start-engagement": ("tui.commands.start_engagement", "start an engagement from an opportunity"),
    "start-opportunity": ("tui.commands.start_opportunity", "start an opportunity from an engagement"),
    "serve": ("tui.commands.serve", "serve the dashboard to browsers (textual-serve) on 127.0.0.1"),
    "events": ("tui.commands.events", "set up or check the EventBridge rule and SQS queue of --events-queue"),
    "stats": ("tui.commands.stats", "what failed and why, durations, tasks per hour, from the journal"),
    "config": ("tui.commands.config", "the effective settings and where each came from; `config path`"),
}


def _at_least_one(text: str) -> int:
    """A count of 1 or more (argparse says what is wrong in one line otherwise)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {value}")
    return value


def _add_global_options(parser: argparse.ArgumentParser) -> None:
    """Global options, accepted before and after the command. None has a default here: an option not
    given is absent from the namespace, and `tui.core.config.resolve` takes it from the environment, the
    config file or pcwatch's default, in that order (and can say which)."""
    S = argparse.SUPPRESS
    g = parser.add_argument_group("account")
    g.add_argument("--profile", default=S, help="AWS profile (default: $AWS_PROFILE)")
    g.add_argument("--region", default=S, help=f"AWS region (default: $AWS_REGION or {DEFAULT_REGION})")
    g.add_argument(
        "--catalog",
        default=S,
        help="AWS (production) or Sandbox, exactly (default: $PCWATCH_CATALOG or Sandbox)",
    )
    g.add_argument("--endpoint-url", default=S, help="another endpoint: https://, or http:// on this machine")
    g.add_argument(
        "--allow-insecure-endpoint",
        action="store_true",
        default=S,
        help="allow an http:// endpoint on another host (requests and data travel unencrypted)",
    )
    g.add_argument("--demo", action="store_true", default=S, help="use the embedded local endpoint (demo)")
    g.add_argument(
        "--read-only",
        action="store_true",
        default=S,
        help="turn every write off (accept, reject, start-…); also $PCWATCH_READ_ONLY set to anything but "
        "0, false, no or off, or read_only = true in the config file",
    )
    g.add_argument(
        "--events-queue",
        metavar="QUEUE_URL",
        default=S,
        help="an SQS queue of Partner Central's EventBridge events (pcwatch events setup): events wake the "
        "polling up, which then relaxes (docs/events.md); also $PCWATCH_EVENTS_QUEUE or events_queue in "
        "the config file",
    )
    g.add_argument(
        "--events",
        action="store_true",
        default=S,
        help="with --demo: the demo endpoint publishes its events to a local queue pcwatch reads",
    )
    j = parser.add_argument_group("journal")
    j.add_argument("--journal", type=Path, default=S, help="SQLite journal path")
    j.add_argument("--no-journal", action="store_true", default=S, help="keep nothing on disk")
    b = parser.add_argument_group("budget")
    b.add_argument("--max-rate", type=float, default=S, help="calls per second at most (default 1)")
    b.add_argument("--daily-calls", type=int, default=S, help="calls per 24 h at most (default 10000)")
    b.add_argument(
        "--keep-ended",
        type=_at_least_one,
        default=S,
        metavar="N",
        help="finished tasks each viewer keeps in memory, the newest by start (default 100000; running "
        "tasks always; the journal keeps all)",
    )
    c = parser.add_argument_group("configuration and log")
    c.add_argument(
        "--config",
        type=Path,
        default=S,
        metavar="PATH",
        help=f"the config file (default: ${CONFIG_VARIABLE}, "
        "else config.toml in your config directory; `pcwatch config path`)",
    )
    c.add_argument(
        "--config-profile",
        default=S,
        metavar="NAME",
        help=f"the config file's section to use over [default] (default: ${PROFILE_VARIABLE})",
    )
    c.add_argument(
        "--log-file", type=Path, default=S, metavar="PATH", help="write a log here (0600, rotated)"
    )
    c.add_argument("--log-level", choices=LOG_LEVELS, default=S, help="the log file's level (default info)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pcwatch",
        description="A live view of Partner Central Selling API asynchronous tasks.",
    )
    parser.add_argument("--version", action="version", version=f"pcwatch {__version__}")
    _add_global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        _add_global_options(p)
        importlib.import_module(module).add_arguments(p)
    return parser


def settings_from_args(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Settings:
    """The settings: flag > environment > config file > default. Raises ConfigError."""
    return resolve_args(args, environ)[0]


def main(argv: Sequence[str] | None = None) -> ExitStatus:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "config" and args.action == "path":  # even when the file is malformed
        print(config_path(getattr(args, "config", None)))
        return ExitStatus.OK
    try:
        settings = settings_from_args(args)
        check_settings(settings)  # before any request, and before the dashboard or a server starts
        # The dashboard owns the terminal: nothing may be logged to it.
        logs.configure(settings.log_file, settings.log_level, interactive=args.command is None)
    except (ConfigError, SettingsError, logs.LogFileError) as refused:
        parser.exit(ExitStatus.USAGE, f"pcwatch: {refused}\n")
    command = args.command or "dashboard"
    module = importlib.import_module(COMMANDS[args.command][0] if args.command else "tui.commands.dashboard")
    logs.event(
        log,
        "start",
        f"pcwatch {command}",
        operation=command,
        catalog=settings.catalog,
        endpoint=settings.endpoint_url or f"aws {settings.region}",
        demo=settings.demo or None,
    )
    # A command that raises is logged as TASK_FAILED: Python then exits 1 with the traceback.
    started, code = time.perf_counter(), ExitStatus.TASK_FAILED
    from .core.sqlite_files import StateFileUnavailable

    try:
        code = ExitStatus(module.run(args, settings))
    except StateFileUnavailable as problem:  # a journal or ledger it may not write: say so, touch nothing
        print(f"pcwatch: {visible(str(problem), limit=2000)}", file=sys.stderr)
        code = ExitStatus.USAGE
    except KeyboardInterrupt:
        code = ExitStatus.INTERRUPTED
    except Exception:
        log.exception("pcwatch %s failed", command)
        raise
    finally:
        logs.event(
            log, "exit", operation=command, duration=time.perf_counter() - started, outcome=str(int(code))
        )
    return code


if __name__ == "__main__":
    sys.exit(main())

"""The `pcwatch` command line. Subcommands import what they need lazily, so the headless commands never
load Textual and `--help` stays fast."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .core.settings import (
    DEFAULT_REGION,
    Budget,
    Settings,
    SettingsError,
    check_settings,
    env_default,
    read_only_from_env,
)
from .core.text_safety import visible

# name -> (module, help). Each module has `add_arguments(parser)` and `run(args, settings) -> int`.
COMMANDS: dict[str, tuple[str, str]] = {
    "simulate": ("tui.commands.simulate", "serve the local Partner Central endpoint on 127.0.0.1"),
    "list": ("tui.commands.list_tasks", "print the current tasks (table, --json or --csv)"),
    "wait": ("tui.commands.wait_task", "follow one task until it completes or fails"),
    "accept": ("tui.commands.accept", "accept an engagement invitation (or --all-pending)"),
    "reject": ("tui.commands.reject", "reject an engagement invitation"),
    "start-engagement": ("tui.commands.start_engagement", "start an engagement from an opportunity"),
    "start-opportunity": ("tui.commands.start_opportunity", "start an opportunity from an engagement"),
    "serve": ("tui.commands.serve", "serve the dashboard to browsers (textual-serve) on 127.0.0.1"),
}


def _add_global_options(parser: argparse.ArgumentParser, *, repeated: bool = False) -> None:
    """Global options are accepted before and after the command. After it they default to SUPPRESS,
    or argparse would let the subcommand's defaults overwrite what was given before it."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if repeated else value

    g = parser.add_argument_group("account")
    g.add_argument("--profile", default=default(env_default("AWS_PROFILE")), help="AWS profile")
    g.add_argument(
        "--region",
        default=default(env_default("AWS_REGION", env_default("AWS_DEFAULT_REGION", DEFAULT_REGION))),
        help=f"AWS region (default: $AWS_REGION or {DEFAULT_REGION})",
    )
    g.add_argument(
        "--catalog",
        default=default(env_default("PCWATCH_CATALOG", "Sandbox")),
        help="AWS (production) or Sandbox, exactly (default: $PCWATCH_CATALOG or Sandbox)",
    )
    g.add_argument(
        "--endpoint-url",
        default=default(env_default("PCWATCH_ENDPOINT_URL")),
        help="another endpoint: https://, or http:// on this machine",
    )
    g.add_argument(
        "--allow-insecure-endpoint",
        action="store_true",
        default=default(False),
        help="allow an http:// endpoint on another host (requests and data travel unencrypted)",
    )
    g.add_argument(
        "--demo", action="store_true", default=default(False), help="use the embedded local endpoint (demo)"
    )
    g.add_argument(
        "--read-only",
        action="store_true",
        default=default(read_only_from_env(env_default("PCWATCH_READ_ONLY"))),
        help="turn every write off (accept, reject, start-…); also $PCWATCH_READ_ONLY set to anything but "
        "0, false, no or off",
    )
    j = parser.add_argument_group("journal")
    j.add_argument("--journal", type=Path, default=default(None), help="SQLite journal path")
    j.add_argument("--no-journal", action="store_true", default=default(False), help="keep nothing on disk")
    b = parser.add_argument_group("budget")
    b.add_argument(
        "--max-rate", type=float, default=default(1.0), help="calls per second at most (default 1)"
    )
    b.add_argument(
        "--daily-calls", type=int, default=default(10_000), help="calls per 24 h at most (default 10000)"
    )


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
        _add_global_options(p, repeated=True)
        importlib.import_module(module).add_arguments(p)
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings(
        catalog=args.catalog,
        profile=args.profile,
        region=args.region,
        endpoint_url=args.endpoint_url,
        demo=args.demo,
        journal_path=args.journal,
        no_journal=args.no_journal,
        read_only=args.read_only,
        allow_insecure_endpoint=args.allow_insecure_endpoint,
        budget=Budget(rate_per_second=args.max_rate, daily_calls=args.daily_calls),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = settings_from_args(args)
    try:
        check_settings(settings)  # before any request, and before the dashboard or a server starts
    except SettingsError as refused:
        parser.exit(2, f"pcwatch: {refused}\n")
    if args.command is None:
        module = importlib.import_module("tui.commands.dashboard")
    else:
        module = importlib.import_module(COMMANDS[args.command][0])
    from .core.sqlite_files import StateFileUnavailable

    try:
        return int(module.run(args, settings) or 0)
    except StateFileUnavailable as problem:  # a journal or ledger it may not write: say so, touch nothing
        print(f"pcwatch: {visible(str(problem), limit=2000)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

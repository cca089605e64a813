"""The `pcwatch` command line. Subcommands import what they need lazily, so the headless commands never
load Textual and `--help` stays fast."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import __version__
from .core import logs
from .core.config import (
    CONFIG_FLAG,
    CONFIG_VARIABLE,
    PROFILE_FLAG,
    PROFILE_VARIABLE,
    ConfigError,
    config_path,
    resolve_args,
)
from .core.exit_status import ExitStatus
from .core.ports import ForeignListener
from .core.private_files import PathRefused, refusal_of
from .core.settings import GROUPS, SETTINGS, Settings, SettingsError, SettingSpec, check_settings
from .core.sqlite_files import StateFileUnwritable
from .core.text_safety import visible

log = logging.getLogger("tui")

# name -> (module, help). Each module has `add_arguments(parser)` and `run(args, settings) -> ExitStatus`.
COMMANDS: dict[str, tuple[str, str]] = {
    "simulate": ("tui.commands.simulate", "serve the local Partner Central endpoint on 127.0.0.1"),
    "list": ("tui.commands.list_tasks", "print the current tasks (table, --json or --csv)"),
    "jobs": ("tui.commands.jobs", "print the bulk jobs, with their progress (table, --json or --csv)"),
    "results": ("tui.commands.results", "print a bulk job's per-record results (--failed: the failed ones)"),
    "wait": ("tui.commands.wait_task", "follow one task or bulk job until it ends"),
    "accept": ("tui.commands.accept", "accept an engagement invitation (or --all-pending)"),
    "reject": ("tui.commands.reject", "reject an engagement invitation"),
    "start-engagement": ("tui.commands.start_engagement", "start an engagement from an opportunity"),
    "start-opportunity": ("tui.commands.start_opportunity", "start an opportunity from an engagement"),
    "start-bulk-import": (
        "tui.commands.start_bulk_import",
        "start an opportunity bulk job from a CSV file (StartOpportunityBulkJob)",
    ),
    "serve": ("tui.commands.serve", "serve the dashboard to browsers (textual-serve) on 127.0.0.1"),
    "events": ("tui.commands.events", "set up or check the EventBridge rule and SQS queue of --events-queue"),
    "notify": (
        "tui.commands.notify",
        "publish task and job outcomes (EventBridge, SNS, a command); `notify status`",
    ),
    "stats": ("tui.commands.stats", "what failed and why, durations, tasks per hour, from the journal"),
    "journal": (
        "tui.commands.journal",
        "journal compact --older-than 365d [--yes]: drop old finished tasks (stats keeps their sums)",
    ),
    "config": ("tui.commands.config", "the effective settings and where each came from; `config path`"),
}


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """The global options, generated from the settings table (accepted before and after the command).
    None has a default here: an option not given is absent from the namespace, and
    `tui.core.config.resolve` takes it from the environment, the config file or pcwatch's default, in
    that order (and can say which). `--config` and `--config-profile` choose the file."""
    S = argparse.SUPPRESS
    groups = {name: parser.add_argument_group(name) for name in GROUPS}
    meta = groups["configuration and log"]
    meta.add_argument(
        CONFIG_FLAG,
        type=Path,
        default=S,
        metavar="PATH",
        help=f"the config file (default: ${CONFIG_VARIABLE}, "
        "else config.toml in your config directory; `pcwatch config path`)",
    )
    meta.add_argument(
        PROFILE_FLAG,
        default=S,
        metavar="NAME",
        help=f"the config file's section to use over [default] (default: ${PROFILE_VARIABLE})",
    )
    for spec in SETTINGS:
        group = groups[spec.declaration.group]
        if spec.is_switch:
            group.add_argument(
                spec.flag, dest=spec.key, action="store_true", default=S, help=spec.help_text()
            )
            continue
        group.add_argument(
            spec.flag,
            dest=spec.key,
            type=_parser_of(spec),
            default=S,
            metavar=spec.declaration.metavar or ("PATH" if spec.kind is Path else None),
            choices=spec.checked_choices or None,
            help=spec.help_text(),
        )


def _parser_of(spec: SettingSpec) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return spec.parse(text)
        except ValueError as refused:  # argparse says it in one line: "argument --keep-ended: must be…"
            raise argparse.ArgumentTypeError(str(refused)) from None

    parse.__name__ = spec.key
    return parse


class Parser(argparse.ArgumentParser):
    """argparse, saying a usage error as the one useful line first (`pcwatch list: error: argument
    --status: …`), then where the usage is (`see pcwatch list --help`), instead of the usage block
    before it; exit 2. An argument no parser took is said by the command's own parser."""

    #: The commands' parsers by name (the top-level parser's), to say an unknown argument in its own.
    commands: dict[str, argparse.ArgumentParser]

    def error(self, message: str) -> NoReturn:
        from .core.text_safety import one_line

        self.exit(
            ExitStatus.USAGE, f"{self.prog}: error: {one_line(message, limit=2000)}\nsee {self.prog} --help\n"
        )

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        # argparse hands the arguments a command's parser did not take back to the top level, which
        # would name `pcwatch` and its usage; the command's own parser says them.
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            commands = getattr(self, "commands", {})
            said_by = commands.get(getattr(parsed, "command", None) or "", self)
            said_by.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed


def build_parser() -> Parser:
    parser = Parser(
        prog="pcwatch",
        description="A live view of Partner Central Selling API asynchronous tasks.",
    )
    parser.add_argument("--version", action="version", version=f"pcwatch {__version__}")
    add_global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parser.commands = {}
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        add_global_options(p)
        importlib.import_module(module).add_arguments(p)
        parser.commands[name] = p
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
    except (ConfigError, SettingsError, logs.LogFileError, PathRefused) as refused:
        parser.exit(ExitStatus.USAGE, f"pcwatch: {visible(str(refused), limit=2000)}\n")
    except PermissionError as denied:
        parser.exit(ExitStatus.USAGE, f"pcwatch: {visible(str(refusal_of(denied)), limit=2000)}\n")
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
    # (what the exit line says of a command that ends on a BaseException none of these catch)
    started, code = time.perf_counter(), ExitStatus.ERROR
    from .aws.failures import SdkTooOld

    try:
        code = ExitStatus(module.run(args, settings))
    except StateFileUnwritable as full:  # a full disk under the journal: failed, not refused
        print(f"pcwatch: {visible(str(full), limit=2000)}", file=sys.stderr)
        code = ExitStatus.ERROR
    except (PathRefused, ForeignListener, ConfigError) as problem:
        # A journal or ledger it may not write, another user's file or port: say so, touch nothing.
        print(f"pcwatch: {visible(str(problem), limit=2000)}", file=sys.stderr)
        code = ExitStatus.USAGE
    except PermissionError as denied:  # wherever it came from: one line, never a traceback
        print(f"pcwatch: {visible(str(refusal_of(denied)), limit=2000)}", file=sys.stderr)
        code = ExitStatus.USAGE
    except SdkTooOld as too_old:  # botocore older than the operations pcwatch calls: which one it needs
        print(f"pcwatch: {visible(str(too_old), limit=500)}", file=sys.stderr)
        code = ExitStatus.USAGE
    except KeyboardInterrupt:
        code = ExitStatus.INTERRUPTED
    except Exception as unforeseen:  # one line here, the traceback in the log file; never exit 0
        print(visible(logs.unexpected(f"pcwatch {command}", unforeseen), limit=2000), file=sys.stderr)
        code = ExitStatus.ERROR
    finally:
        logs.event(
            log, "exit", operation=command, duration=time.perf_counter() - started, outcome=str(int(code))
        )
    return code


if __name__ == "__main__":
    sys.exit(main())

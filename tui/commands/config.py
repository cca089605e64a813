"""`pcwatch config`: the effective settings and where each came from (a flag, the environment, the config
file's section and line, or pcwatch's default); `pcwatch config path`: where the config file is (or
would be). The rules are `tui.core.config`'s; docs/config.md has the file's keys."""

from __future__ import annotations

import argparse
import sys

from tui.core.config import config_for_args, resolve_args
from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings
from tui.core.text_safety import visible

from .common import print_columns


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        nargs="?",
        choices=("show", "path"),
        default="show",
        help="show (default): every setting, its value and its source; path: the config file's path",
    )


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    config = config_for_args(args)
    _, sources = resolve_args(args)
    if not config.exists:
        where = f"{config.path} (not there: every setting comes from flags, the environment or defaults)"
    else:
        chosen = f"[default] and [{visible(config.profile)}]" if config.profile else "[default]"
        where = f"{config.path}, {chosen}"
    out = sys.stdout
    out.write(f"config file: {visible(where)}\n\n")
    rows = [[name, _shown(source.value), visible(source.origin)] for name, source in sources.items()]
    print_columns(["SETTING", "VALUE", "FROM"], rows, out)
    return ExitStatus.OK


def _shown(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    return visible(value, limit=120)

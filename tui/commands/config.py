"""`pcwatch config`: the effective settings and where each came from (a flag, the environment, the config
file's section and line, or pcwatch's default), as a table or with `--json` as one object; `pcwatch config
path`: where the config file is (or would be). The rules are `tui.core.config`'s, the settings those of
the table (`tui.core.settings.SETTINGS`); the README says how the config file is written."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tui.core.config import Config, Source, config_for_args, resolve
from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings
from tui.core.text_safety import JSON, visible

from .common import print_columns


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        nargs="?",
        choices=("show", "path"),
        default="show",
        help="show (default): every setting, its value and its source; path: the config file's path",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help='show as one JSON object: {"config_file", "config_profile", "settings": {key: value}, '
        '"from": {key: where}}',
    )


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    config = config_for_args(args)  # read once: the file shown is the one the values come from
    _, sources = resolve(vars(args), os.environ, config)
    if args.json:
        sys.stdout.write(as_json(config, sources) + "\n")
        return ExitStatus.OK
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


def as_json(config: Config, sources: dict[str, Source]) -> str:
    """One JSON object: the config file (its path even when it is not there), the section chosen over
    [default] (or null), each setting's value by key (paths as strings, unset as null) and where it came
    from. The text is made safe as a whole (`visible`, JSON form): it decodes to the values pcwatch uses,
    and no control character reaches the terminal."""
    import msgspec

    document = {
        "config_file": str(config.path),
        "config_profile": config.profile,
        "settings": {key: _json_value(source.value) for key, source in sources.items()},
        "from": {key: source.origin for key, source in sources.items()},
    }
    return visible(msgspec.json.encode(document).decode(), form=JSON)


def _json_value(value: object) -> object:
    return str(value) if isinstance(value, Path) else value


def _shown(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    return visible(value, limit=120)

"""`python -m tui.simulator …`: the same as `pcwatch simulate …`, without loading the other commands."""

from __future__ import annotations

import argparse
import sys

from tui.config import Settings

from .cli import add_arguments, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui.simulator", description=__doc__)
    parser.add_argument("--catalog", default="Sandbox", help="catalog whose history is generated up front")
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run(args, Settings(catalog=args.catalog))


if __name__ == "__main__":
    sys.exit(main())

"""A `pcwatch` command that ends on an unexpected error (tests/commands/test_unexpected_error.py)."""

from __future__ import annotations

import argparse

from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings

MESSAGE = "the disk caught fire"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """It takes none."""


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    raise RuntimeError(MESSAGE)

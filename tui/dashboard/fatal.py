"""An unexpected error the dashboard ends on. Textual catches it, ends the app with `return_code` 1
(public) and prints its own traceback, with the locals, on the terminal after the screen is restored.
pcwatch says it in one line instead and writes the traceback to the log file (`tui.core.logs.unexpected`).

Which exception it was is Textual's private `App._exception`: read only on the Textual minor versions
this was tested with (`TESTED`). On another Textual, Textual's own traceback stays on the terminal and
pcwatch adds only that the dashboard stopped; the exit status is not 0 either way."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from textual.app import App

from .widgets.partial_update import textual_version

#: (major, minor) versions of Textual whose `App._exception` this was tested against.
TESTED = ((8, 2),)
#: Checked once, at import.
KNOWS_ITS_ERROR = textual_version() in TESTED


def keep_off_the_terminal(app: App[Any]) -> None:
    """Before `app.run()`: what Textual would print of an unexpected error goes nowhere (its
    `error_console` prints nothing else), when `stopped_on` can name the error instead."""
    if KNOWS_ITS_ERROR:
        app.error_console = Console(file=io.StringIO(), markup=False, highlight=False)


def stopped_on(app: App[Any]) -> BaseException | None:
    """After `app.run()`: the error the app ended on, or None if it ended normally. An error Textual did
    not say (another Textual) is a RuntimeError that says so."""
    if not app.return_code:
        return None
    error = getattr(app, "_exception", None) if KNOWS_ITS_ERROR else None
    if isinstance(error, BaseException):
        return error
    return RuntimeError("the dashboard stopped on an error Textual printed above")

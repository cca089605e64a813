"""The layout the dashboard's small question dialogs share: a box in the middle of the screen (a
`Vertical` holding the question and a row of buttons), at most as wide as the terminal. Each dialog says
only its width and its border (`$accent` to ask, `$warning` before replacing a file, `$error` when
something is wrong)."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

Answer = TypeVar("Answer")


class Dialog(ModalScreen[Answer]):
    DEFAULT_CSS = """
    Dialog { align: center middle; }
    Dialog > Vertical { max-width: 100%; height: auto; background: $surface; padding: 0 1; }
    Dialog Horizontal { height: auto; }
    Dialog Button { margin: 0 1 0 0; }
    """

"""A cell's output that pcwatch updates in place: an IPython display handle (`display_id`), which
JupyterLab, Notebook 7 and VS Code all honour, with no widget extension needed. Outside a kernel (a plain
script), nothing is shown and updates are dropped.

IPython is imported only when a kernel has already loaded it: importing `tui.notebook` in a script loads
no IPython.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable


def in_kernel() -> bool:
    """True inside a Jupyter kernel (IPython with a kernel behind it)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def bundle(html: str, text: str) -> dict[str, str]:
    return {"text/html": html, "text/plain": text}


class CellOutput:
    """One output of the cell, shown with `show` (again in each cell that displays it) and replaced in
    place by `update`, from any thread."""

    def __init__(self) -> None:
        self.display_id = f"pcwatch-{uuid.uuid4().hex}"
        #: How many times it was shown, and updated.
        self.shown = 0
        self.updates = 0

    def show(self, data: dict[str, str]) -> None:
        if not in_kernel():
            return
        from IPython.display import display

        show: Callable[..., object] = display  # (IPython's functions are untyped)
        show(data, raw=True, display_id=self.display_id)
        self.shown += 1

    def update(self, data: dict[str, str]) -> None:
        if not self.shown:
            return
        from IPython.display import update_display

        replace: Callable[..., object] = update_display
        replace(data, raw=True, display_id=self.display_id)
        self.updates += 1


def show_once(data: dict[str, str]) -> None:
    """Show `data` as an output of the running cell (nothing outside a kernel)."""
    CellOutput().show(data)


__all__ = ["CellOutput", "bundle", "in_kernel", "show_once"]

"""Write only the changed cells of a line, not the line up to them.

Textual's `ChopsUpdate.render_segments` (textual 8.x) writes a dirty span of a line starting from the
left edge of the widget that owns it ("TODO: crop to x extents" in its source): a one-character change
at column 117 of the header costs 117 characters plus their colour codes. pcwatch refreshes cells, so it
installs this version, which starts each write at the span's first column. It is the same loop with the
crop fixed.

It replaces a private Textual method, so it is installed only on the Textual minor versions it was
tested with (`TESTED`, the pin in pyproject.toml says the same) and only if the class still has the
attributes it reads; anywhere else pcwatch logs one line and keeps Textual's own rendering, which is
correct, only more bytes per change. `tests/dashboard/test_differential.py` checks the terminal output
against a fresh render with the patch installed and without it.

Crop positions always fall on cell boundaries of the widgets that refresh partial spans here (table
cells, `LinePane` diffs, which fall back to whole lines when wide characters are present).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from rich.console import Console

log = logging.getLogger(__name__)

#: (major, minor) versions of Textual whose `ChopsUpdate` this was tested against.
TESTED = ((8, 2),)

_installed = False
_original: Any = None
_blocked = 0  # inside `stock_rendering()`
_warned = False


def _render_segments(self: Any, console: Console) -> str:
    from rich.control import Control

    sequences: list[str] = []
    append = sequences.append
    move_to = Control.move_to
    chops = self.chops
    chop_ends = self.chop_ends
    last_y = self.spans[-1][0]
    for y, x1, x2 in self.spans:
        line = chops[y]
        ends = chop_ends[y]
        for end, (x, strip) in zip(ends, line.items()):  # noqa: B905 - same lengths by construction
            if strip is None or x > x2 or end <= x1:
                continue
            if x2 > x >= x1 and end <= x2:
                append(move_to(x, y).segment.text)
                append(strip.render(console))
                continue
            start = max(x, x1)
            strip = strip.crop(start - x, min(end, x2) - x)
            append(move_to(start, y).segment.text)
            append(strip.render(console))
        if y != last_y:
            append("\n")
    return "".join(sequences)


def textual_version() -> tuple[int, int] | None:
    """Textual's (major, minor), or None if it cannot be read."""
    try:
        major, minor = version("textual").split(".")[:2]
        return int(major), int(minor)
    except (PackageNotFoundError, ValueError):
        return None


def untested(found: tuple[int, int] | None) -> str | None:
    """Why the patch must not go into Textual `found` (None: it may)."""
    if found in TESTED:
        return None
    shown = "unknown" if found is None else f"{found[0]}.{found[1]}"
    return f"Textual {shown} is not a version the partial-update patch was tested with"


#: Checked once, at import: None, or why `install` keeps Textual's own rendering.
UNTESTED = untested(textual_version())


def _refuse(reason: str) -> bool:
    global _warned
    if not _warned:
        _warned = True
        log.warning(
            "pcwatch: %s; using Textual's own screen updates (correct, more bytes per change)", reason
        )
    return False


def install() -> bool:
    """Replace `ChopsUpdate.render_segments` once; returns whether the patched version is active."""
    global _installed, _original
    if _installed:
        return True
    if _blocked:
        return False
    if UNTESTED is not None:
        return _refuse(UNTESTED)
    try:
        from textual._compositor import ChopsUpdate
    except ImportError:
        return _refuse("Textual has no ChopsUpdate")
    needed = ("chops", "spans", "chop_ends")
    if not all(name in ChopsUpdate.__init__.__code__.co_varnames for name in needed):
        return _refuse("Textual's ChopsUpdate changed shape")
    _original = ChopsUpdate.render_segments
    ChopsUpdate.render_segments = _render_segments  # type: ignore[method-assign]
    _installed = True
    return True


def uninstall() -> None:
    """Put Textual's own `render_segments` back."""
    global _installed
    if _installed:
        from textual._compositor import ChopsUpdate

        ChopsUpdate.render_segments = _original  # type: ignore[method-assign]
        _installed = False


def installed() -> bool:
    return _installed


@contextmanager
def stock_rendering() -> Iterator[None]:
    """Textual's own rendering inside the block, even for apps created in it (`install` does nothing);
    the previous state afterwards."""
    global _blocked
    was_installed = _installed
    uninstall()
    _blocked += 1
    try:
        yield
    finally:
        _blocked -= 1
        if was_installed:
            install()


__all__ = [
    "TESTED",
    "UNTESTED",
    "install",
    "installed",
    "stock_rendering",
    "textual_version",
    "uninstall",
    "untested",
]

"""Write only the changed cells of a line, not the line up to them.

Textual's `ChopsUpdate.render_segments` (textual 8.x) writes a dirty span of a line starting from the
left edge of the widget that owns it ("TODO: crop to x extents" in its source): a one-character change
at column 117 of the header costs 117 characters plus their colour codes. pcwatch refreshes cells, so it
installs this version, which starts each write at the span's first column. It is the same loop with the
crop fixed; if Textual changes the class, `install` leaves it alone.

Crop positions always fall on cell boundaries of the widgets that refresh partial spans here (table
cells, `LinePane` diffs, which fall back to whole lines when wide characters are present).
"""

from __future__ import annotations

from typing import Any

from rich.console import Console

_installed = False


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


def install() -> bool:
    """Replace `ChopsUpdate.render_segments` once; returns whether the patched version is active."""
    global _installed
    if _installed:
        return True
    try:
        from textual._compositor import ChopsUpdate
    except ImportError:
        return False
    needed = ("chops", "spans", "chop_ends")
    if not all(name in ChopsUpdate.__init__.__code__.co_varnames for name in needed):
        return False
    ChopsUpdate.render_segments = _render_segments  # type: ignore[method-assign]
    _installed = True
    return True


__all__ = ["install"]

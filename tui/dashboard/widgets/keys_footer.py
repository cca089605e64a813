"""The footer of every full screen: its keys, each whole. Textual's footer lets the last keys run off the
edge (`q Qui`); this one leaves out whole keys instead, the last first, so a label is never cut. The
labels are short enough that every screen's keys fit at 80 columns; the keys left out at narrower
widths are in the help (`?`) and the palette (ctrl+p)."""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

#: Cells between two keys (the compact footer's margin).
KEY_GAP = 1
#: Cells besides its text that the palette key takes (its left border).
PALETTE_BORDER = 1


def key_cells(key: FooterKey) -> int:
    """A compact key's width: its key, a space, its label."""
    label = f" {key.description}" if key.description else ""
    return cell_len(key.key_display + label)


def keys_shown(widths: list[int], room: int) -> int:
    """How many of the keys (their widths, in order) fit in `room` cells, each followed by KEY_GAP."""
    used = 0
    for count, width in enumerate(widths):
        used += width
        if used > room:
            return count
        used += KEY_GAP
    return len(widths)


class KeysFooter(Footer):
    """A compact `Footer` that shows only the keys that fit whole."""

    def __init__(self) -> None:
        super().__init__(compact=True)

    async def recompose(self) -> None:
        await super().recompose()
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        width = self.size.width
        if not width:
            return
        keys = [key for key in self.query_children(FooterKey) if not key.has_class("-command-palette")]
        palette = [key for key in self.query_children(FooterKey) if key.has_class("-command-palette")]
        room = width - sum(key_cells(key) + PALETTE_BORDER for key in palette)
        shown = keys_shown([key_cells(key) for key in keys], room)
        for index, key in enumerate(keys):
            key.display = index < shown

"""The footer of every full screen: its keys, each whole. Textual's footer lets the last keys run off the
edge (`q Qui`); this one leaves out whole keys instead, the last first, so a label is never cut. The
labels are short enough that every screen's keys fit at 80 columns; the keys left out at narrower
widths are in the help (`?`) and the palette (ctrl+p).

It reads the footer's keys, Textual's private `FooterKey` (textual.widgets._footer): only on the Textual
minor versions it was tested with (`TESTED`, and the pin in pyproject.toml); on any other it is the stock
compact footer."""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import Footer

from .partial_update import textual_version

try:  # private: see the module docstring
    from textual.widgets._footer import FooterKey
except ImportError:  # pragma: no cover - another Textual: the stock footer
    FooterKey = None  # type: ignore[assignment,misc]

#: (major, minor) versions of Textual whose footer this was tested against.
TESTED = ((8, 2),)


def fits_keys(found: tuple[int, int] | None, private_key_found: bool) -> bool:
    """Whether the footer may leave out keys itself on Textual `found` (else it is the stock footer)."""
    return private_key_found and found in TESTED


#: Checked once, at import.
FITS_KEYS = fits_keys(textual_version(), FooterKey is not None)

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
        if not width or not FITS_KEYS:
            return
        keys = [key for key in self.query_children(FooterKey) if not key.has_class("-command-palette")]
        palette = [key for key in self.query_children(FooterKey) if key.has_class("-command-palette")]
        room = width - sum(key_cells(key) + PALETTE_BORDER for key in palette)
        shown = keys_shown([key_cells(key) for key in keys], room)
        for index, key in enumerate(keys):
            key.display = index < shown

"""Literal display of untrusted strings in widgets.

`clean` is `tui.core.text_safety.visible` with the panes' defaults (one line, or `multiline` for a pane that
wraps; cut at `MAX_DISPLAY_CHARS`): controls, ESC/C1 and Unicode format characters become visible escapes.
`safe_text` then wraps the result in a `rich.text.Text` built from the plain string, so Rich markup such
as `[red]` or `[link=…]` stays literal.
"""

from __future__ import annotations

from rich.text import Text

from tui.core.text_safety import LINE, LINES, visible

#: The longest text a pane renders. Rendering a 1 MB message wrapped into a pane costs seconds;
#: the full text stays available in the record view and exports.
MAX_DISPLAY_CHARS = 20_000


def clean(value: object, *, multiline: bool = False, limit: int | None = MAX_DISPLAY_CHARS) -> str:
    """`value` as printable text for a widget (see `tui.core.text_safety.visible`)."""
    return visible(value, form=LINES if multiline else LINE, limit=limit)


def safe_text(
    value: object, style: str = "", *, multiline: bool = False, limit: int | None = MAX_DISPLAY_CHARS
) -> Text:
    """A `Text` showing `value` literally (no markup, no escapes), with an optional style."""
    return Text(clean(value, multiline=multiline, limit=limit), style=style, end="")

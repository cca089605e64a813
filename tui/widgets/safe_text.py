"""Literal display of untrusted strings.

Every string that came from the API (ids, messages, reasons, error text) goes through `clean` before it
reaches a widget: C0/C1 control characters, DEL, ESC and the bidirectional overrides are replaced by
visible stand-ins, so nothing the service (or an attacker who controls a field) sends can move the
cursor, clear the screen, set the clipboard (OSC 52) or reorder text. `safe_text` then wraps the result in
a `rich.text.Text` built from the plain string: Rich markup such as `[red]` or `[link=…]` stays literal.
"""

from __future__ import annotations

from rich.text import Text

# C0 controls become their Unicode "control pictures" (U+2400 + code): NUL -> ␀, ESC -> ␛.
_C0 = {code: chr(0x2400 + code) for code in range(0x20)}
_TABLE: dict[int, str] = {**_C0, 0x7F: "␡"}
# C1 controls (0x80-0x9F) have no pictures; 0x9B is a one-byte CSI on some terminals. Show them escaped.
_TABLE.update({code: f"\\x{code:02x}" for code in range(0x80, 0xA0)})
# Bidirectional overrides/isolates can make text read differently from what it is ("Trojan Source").
_TABLE.update({code: f"\\u{code:04x}" for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))})
# Line and paragraph separators would break a one-line cell.
_TABLE.update({0x2028: "\\u2028", 0x2029: "\\u2029"})
# A lone surrogate (legal in JSON "\\ud800") cannot be encoded for the terminal at all.
_TABLE.update({code: f"\\u{code:04x}" for code in range(0xD800, 0xE000)})

# In multi-line views a newline stays a newline and a tab becomes spaces; everything else as above.
_MULTILINE_TABLE = {**_TABLE, 0x0A: "\n", 0x09: "    "}

#: The longest text a pane renders. Rendering a 1 MB message wrapped into a pane costs seconds;
#: the full text stays available in the record view and exports.
MAX_DISPLAY_CHARS = 20_000


def clean(value: object, *, multiline: bool = False, limit: int | None = MAX_DISPLAY_CHARS) -> str:
    """`value` as printable text: controls made visible, optionally cut to `limit` characters."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    cut = 0
    if limit is not None and len(text) > limit:
        cut = len(text) - limit
        text = text[:limit]
    text = text.replace("\r\n", "\n") if multiline else text
    text = text.translate(_MULTILINE_TABLE if multiline else _TABLE)
    if cut:
        text += f" … ({cut:,} more characters)"
    return text


def safe_text(
    value: object, style: str = "", *, multiline: bool = False, limit: int | None = MAX_DISPLAY_CHARS
) -> Text:
    """A `Text` showing `value` literally (no markup, no escapes), with an optional style."""
    return Text(clean(value, multiline=multiline, limit=limit), style=style, end="")

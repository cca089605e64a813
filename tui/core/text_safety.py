"""The one text-safety function: every untrusted string pcwatch outputs goes through `visible`.

Strings from the API (ids, messages, reasons, error text), from a journal or from the command line reach a
terminal, a spreadsheet, a file or the clipboard. Whatever they contain, they must be shown as what they
are: a control character must not move the cursor, clear the screen, retitle the window or set the
clipboard (ESC, CSI, OSC 52), a Unicode format character must not reorder or hide what a line appears to
say (bidi overrides and isolates, zero-width characters, the BOM: Unicode category Cf), and a CSV cell must
not become a spreadsheet formula. So they become visible escapes:

- C0 controls and DEL: their Unicode control pictures (ESC -> ␛, NUL -> ␀, DEL -> ␡);
- C1 controls (0x80-0x9F; 0x9B is a one-byte CSI on some terminals): `\\x9b`;
- format characters (Cf), line/paragraph separators, lone surrogates: `\\u202e`, `\\U000e0001`.

Forms: `LINE` (one line: newlines and tabs shown too), `LINES` (a pane: newlines kept, tabs as spaces),
`CSV` (a cell: newlines and tabs kept, `'` before a leading = + - @ TAB CR), `JSON` (encoded JSON text:
the same characters as JSON `\\uXXXX` escapes, so the document decodes to the same data), `HTML` (one line
as `LINE`, and `& < > " '` as character references, so the text is only ever text in a page or attribute).

`one_line` is `visible` for a message: whitespace runs folded to one space, cut with `…`.

No Textual, no Rich: the engine, the commands and the widgets all import this.
"""

from __future__ import annotations

import sys
import unicodedata
from functools import cache

LINE = "line"
LINES = "lines"
CSV = "csv"
JSON = "json"
HTML = "html"
FORMS = (LINE, LINES, CSV, JSON, HTML)
#: What HTML would read as markup, and the references that show it as text.
HTML_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}

#: What a spreadsheet may run as a formula when a cell starts with it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _unsafe_code_points() -> list[int]:
    """C0, DEL, C1, every format character (Cf), the line/paragraph separators and the surrogates."""
    codes = [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, *range(0xD800, 0xE000)]
    codes += [c for c in range(0xA0, sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    return codes


def _escape(code: int) -> str:
    if code < 0x20:
        return chr(0x2400 + code)  # control pictures: ␀ … ␟
    if code == 0x7F:
        return "␡"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _json_escape(code: int) -> str:
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as JSON spells characters beyond the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


@cache
def _table(form: str) -> dict[int, str]:
    codes = _unsafe_code_points()
    if form == JSON:
        table = {code: _json_escape(code) for code in codes}
        # Encoded JSON has no raw C0 inside strings (encoders escape them); outside, only whitespace.
        for keep in "\n\t\r":
            del table[ord(keep)]
        return table
    table = {code: _escape(code) for code in codes}
    if form == LINES:
        table[0x0A] = "\n"
        table[0x09] = "    "
    elif form == CSV:
        table[0x0A] = "\n"
        table[0x09] = "\t"
    elif form == HTML:
        table.update({ord(c): ref for c, ref in HTML_SPECIAL.items()})
    return table


def visible(value: object, *, form: str = LINE, limit: int | None = None) -> str:
    """`value` (None -> "") as text that shows literally in `form`; with `limit`, cut to that many
    characters first, saying how many more there were."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}")
    cut = 0
    if limit is not None and len(text) > limit:
        cut = len(text) - limit
        text = text[:limit]
    if form in (LINES, CSV):
        text = text.replace("\r\n", "\n")
    formula = form == CSV and text.startswith(FORMULA_STARTS)
    if form == HTML or not text.isprintable():  # fast path: printable text (most of it) needs nothing
        text = text.translate(_table(form))
    if formula:
        text = "'" + text
    if cut:
        text += f" … ({cut:,} more characters)"
    return text


def one_line(text: object, limit: int = 300) -> str:
    """`text` on one line (whitespace runs collapsed), made safe by `visible`, cut to `limit` with `…`."""
    text = visible(" ".join(str(text).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"

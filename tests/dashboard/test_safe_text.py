"""Untrusted strings are shown literally: no markup, no control or escape characters reach the terminal."""

from __future__ import annotations

import pytest

from tui.dashboard.widgets.safe_text import MAX_DISPLAY_CHARS, clean, safe_text

HOSTILE = [
    "[red]x[/red]",
    "[link=https://evil.example]click[/link]",
    "\x1b[2J\x1b[H",
    "\x1b]52;c;ZXZpbA==\x07",
    "a\x00b",
    "\x9b31m",
    "del\x7f",
    "abc\u202edcba",
    "line\u2028sep",
    "lone \ud800 surrogate",
    "bell\a and backspace\b",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_no_control_character_survives(value: str) -> None:
    shown = clean(value)
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in shown)
    assert not any(0xD800 <= ord(ch) < 0xE000 or ch in "\u202e\u2028" for ch in shown)
    shown.encode("utf-8")  # encodable for the terminal


def test_escape_sequences_become_visible() -> None:
    assert clean("\x1b[2J") == "␛[2J"
    assert clean("a\x00b") == "a␀b"
    assert clean("\x9b") == "\\x9b"
    assert clean("x\u202ey") == "x\\u202ey"


def test_markup_stays_literal() -> None:
    text = safe_text("[bold red]x[/bold red] [link=http://a]b[/link]")
    assert text.plain == "[bold red]x[/bold red] [link=http://a]b[/link]"
    assert not text.spans


def test_newlines_only_in_multiline() -> None:
    assert clean("a\nb\tc") == "a␊b␉c"
    assert clean("a\r\nb\tc", multiline=True) == "a\nb    c"


def test_long_text_is_cut_with_a_count() -> None:
    shown = clean("x" * 1_000_000)
    assert len(shown) < MAX_DISPLAY_CHARS + 50
    assert shown.endswith(f"({1_000_000 - MAX_DISPLAY_CHARS:,} more characters)")
    assert clean(None) == ""

"""The partial-update patch replaces a private Textual method: it goes in only on the Textual minor
versions it was tested with (the pin in pyproject.toml says the same), and can be taken out."""

from __future__ import annotations

import re
from pathlib import Path

from textual._compositor import ChopsUpdate

from tui.dashboard.widgets import partial_update

ROOT = Path(__file__).resolve().parents[2]


def test_only_tested_versions_take_the_patch() -> None:
    assert partial_update.untested((8, 2)) is None
    for other in ((8, 3), (9, 0), (7, 9), None):
        reason = partial_update.untested(other)
        assert reason is not None and "not a version the partial-update patch was tested with" in reason


def test_the_pin_in_pyproject_is_the_tested_range_and_says_why() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    pin = re.search(r'"textual>=(\d+)\.(\d+),<(\d+)\.(\d+)"', text)
    assert pin is not None, "textual is pinned to one minor range"
    low = (int(pin[1]), int(pin[2]))
    assert {low} == set(partial_update.TESTED)
    assert (int(pin[3]), int(pin[4])) == (low[0], low[1] + 1)
    reason = text[: pin.start()].rsplit("dependencies = [", 1)[1]  # the comment above the pin
    assert "partial_update" in reason and "ChopsUpdate" in reason


def test_stock_rendering_puts_textual_s_own_method_back_and_keeps_apps_from_patching() -> None:
    patched = partial_update.install()
    assert patched == (partial_update.UNTESTED is None)
    with partial_update.stock_rendering():
        assert ChopsUpdate.render_segments is not partial_update._render_segments
        assert partial_update.install() is False  # an app created here renders as stock Textual
    assert (ChopsUpdate.render_segments is partial_update._render_segments) == patched

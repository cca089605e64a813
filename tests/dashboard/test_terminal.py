"""Terminal realities: NO_COLOR (failures still stand out without colour), theme changes, resizing
down to 80×24 and back, and a clean exit."""

from __future__ import annotations

import re

import pytest

from tests.support.dashboard import CountingDriver, ScreenRecorder, make_app

TRUECOLOR_OR_256 = re.compile(r"\x1b\[[0-9;]*(38|48);[25];")


async def test_no_color_output_has_no_colours_and_failures_still_read_as_failures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(driver_class=CountingDriver)
    async with app.run_test(size=(120, 30), headless=False) as pilot:
        recorder = ScreenRecorder(app, 120, 30)
        app.screen.refresh()
        await pilot.press("1", "2")  # failed tasks only
        await pilot.pause()
        raw = "".join(recorder.raw)
        assert app.no_color
        assert not TRUECOLOR_OR_256.search(raw)
        table_line = recorder.line(app.table.region.y + 1)
        assert table_line.startswith("✗ FAILED")


async def test_theme_changes_re_render_the_cached_rows() -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        before = app.table.render_line(1)
        app.theme = "textual-light"
        await pilot.pause()
        after = app.table.render_line(1)
        assert before.text == after.text
        assert [s.style for s in before] != [s.style for s in after]


async def test_resizing_keeps_the_selection_and_quits_cleanly() -> None:
    app = make_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        await pilot.press("down", "down")
        selected = app.table.selected_id
        for size in ((80, 24), (100, 30), (60, 20), (160, 48)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            assert app.table.selected_id == selected
            row = app.table.cursor_row
            assert row is not None and int(app.table.scroll_y) <= row
        await pilot.press("q")
    assert app.return_value == 0

"""Notices (`notify`) have a row of their own: they never cover data, they are bounded, they expire, an
error is seen for its whole time, the text is literal, and a finished task the view hides makes none."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widget import Widget

from tests.support.dashboard import T0, make_app, populated_store, with_status
from tui.core.clock import MockClock
from tui.dashboard.notices import ERROR_SECONDS, KEEP, Notices, notice_text, row_parts
from tui.dashboard.screens.help import HelpScreen
from tui.dashboard.screens.record import RecordScreen
from tui.dashboard.task_rows import KIND_KEYS
from tui.dashboard.widgets.notice_line import NoticeLine


def test_the_newest_notice_is_shown_with_a_count_of_the_others_and_they_are_bounded() -> None:
    notices = Notices()
    for i in range(KEEP + 15):
        notices.post(f"notice {i}", "information", 5.0, now=float(i) / 100)
    front = notices.front()
    assert front is not None and front.notice.text == f"notice {KEEP + 14}"
    assert front.behind == KEEP - 1 and len(notices.messages()) == KEEP
    line, more = row_parts(front, 80)
    assert line == f"✓ notice {KEEP + 14}" and more == f"+{KEEP - 1} more"


def test_notices_expire_and_an_error_stays_longer() -> None:
    notices = Notices()
    notices.post("polling stopped", "error", 1.0, now=0.0)  # an error stays at least ERROR_SECONDS
    notices.post("Refreshing…", "information", 4.0, now=1.0)
    front = notices.front()
    assert front is not None and front.notice.text == "Refreshing…" and front.errors_behind == 1
    assert row_parts(front, 80)[1] == "+1 more (1 error)"
    assert notices.expire(4.9) is False
    assert notices.expire(5.0) is True  # the info goes: the error is in front again
    assert notices.messages() == ["polling stopped"] and notices.next_expiry() == ERROR_SECONDS
    assert notices.expire(ERROR_SECONDS) is True
    assert notices.front() is None and notices.next_expiry() is None


def test_a_notice_is_one_literal_line_cut_with_a_mark() -> None:
    text = notice_text("first\nsecond [bold]x[/bold]\x1b[2J", title="accept failed")
    assert text == "accept failed: first · second [bold]x[/bold]␛[2J"
    notices = Notices()
    notices.post("a" * 100, "warning", 5.0, now=0.0)
    notices.post("b" * 100, "error", 5.0, now=0.0)
    line, more = row_parts(notices.front(), 40)
    assert line.startswith("✗ bbb") and line.endswith("…") and more == "+1 more"
    assert len(line) + 2 + len(more) <= 40


def _data_widgets(screen: Screen[Any], line: NoticeLine) -> list[Widget]:
    """Every shown widget of `screen` but the notice row and what contains it."""
    around = set(line.ancestors_with_self)
    return [
        w
        for w in screen.query("*")
        if w not in around and w.display and w.visible and w.region.area and type(w).__name__ != "ToastRack"
    ]


def _assert_row_is_its_own(screen: Screen[Any], text: str) -> None:
    line = screen.query_one(NoticeLine)
    assert text in line.plain, (screen, line.plain)
    assert line.region.height == 1
    for widget in _data_widgets(screen, line):
        shown = widget.region  # what of it shows: clipped by the containers that scroll it
        for container in widget.ancestors:
            if isinstance(container, Widget) and not isinstance(container, Screen):
                shown = shown.intersection(container.region)
        overlap = shown.intersection(line.region)
        assert not overlap.area, (screen, widget, shown, line.region)


async def test_a_notice_never_covers_data_on_any_screen_at_any_size() -> None:
    for size in ((80, 24), (100, 30), (160, 48)):
        app = make_app()
        # notifications=True: Textual's toast rack is there too, and must stay empty.
        async with app.run_test(size=size, notifications=True) as pilot:
            await pilot.pause()
            text = f"notice at {size}"
            app.notify(text, severity="warning")
            await pilot.pause()
            _assert_row_is_its_own(app.screen, text)
            await pilot.press("slash")  # the filter box takes a row of its own too
            await pilot.pause()
            _assert_row_is_its_own(app.screen, text)
            await pilot.press("escape")
            for key in ("i", "t", "b"):
                await pilot.press(key)
                await pilot.pause()
                _assert_row_is_its_own(app.screen, text)
                await pilot.press("escape")
                await pilot.pause()
            for key, dialog in (("question_mark", HelpScreen), ("enter", RecordScreen)):
                await pilot.press(key)
                await pilot.pause()
                await pilot.pause()
                assert isinstance(app.screen, dialog)
                # A dialog has the notice row too, in the same row, above the dialog's box.
                _assert_row_is_its_own(app.screen, text)
                text = f"over {dialog.__name__}"
                app.notify(text)
                await pilot.pause()
                _assert_row_is_its_own(app.screen, text)
                await pilot.press("escape")
                await pilot.pause()
                # Back on the tasks screen, its row shows the newest notice.
                _assert_row_is_its_own(app.screen, text)
            assert not app._notifications  # no toast


async def test_notices_expire_on_the_clock_and_are_never_read_as_markup() -> None:
    clock = MockClock(T0)
    app = make_app(clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.notify("[bold]not bold[/bold] \x1b[2J", timeout=3, markup=True)
        await pilot.pause()
        line = app.screen.query_one(NoticeLine)
        assert line.plain == "✓ [bold]not bold[/bold] ␛[2J"
        clock.advance(2.9)
        app.expire_notices()
        assert "not bold" in line.plain
        clock.advance(0.2)
        app.expire_notices()
        assert line.plain == ""


async def test_no_notice_for_a_finished_task_whose_status_or_kind_the_view_hides() -> None:
    store = populated_store(200)
    app = make_app(store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        running = [r for r in store.tasks() if r.task_status == "IN_PROGRESS"]
        await pilot.press("2")  # complete tasks hidden
        store.apply_tasks([with_status(running[0], "COMPLETE")], T0)
        await pilot.pause()
        assert app.notices.messages() == []
        store.apply_tasks([with_status(running[1], "FAILED", reason_code="InternalError")], T0)
        await pilot.pause()
        (shown,) = app.notices.messages()
        assert running[1].task_id in shown
        # A burst: only the tasks the view shows are counted.
        store.apply_tasks(
            [with_status(running[2], "COMPLETE"), with_status(running[3], "FAILED", reason_code="X")], T0
        )
        await pilot.pause()
        newest = app.notices.messages()[-1]
        assert running[3].task_id in newest and "completed" not in newest
        await pilot.press("0")  # everything shown again; now hide the next task's kind
        key = next(k for k, kind in KIND_KEYS.items() if kind == running[4].kind)
        await pilot.press(key)
        before = app.notices.messages()
        store.apply_tasks([with_status(running[4], "FAILED", reason_code="InternalError")], T0)
        await pilot.pause()
        assert app.notices.messages() == before

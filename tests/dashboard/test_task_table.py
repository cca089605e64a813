"""The Line-API task table: order, selection that follows the task, cell-level refresh, and what a
terminal actually shows after a series of partial updates (checked with a `pyte` terminal)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.support.dashboard import (
    T0,
    CountingDriver,
    ScreenRecorder,
    make_app,
    make_records,
    populated_store,
    with_status,
)
from tui.dashboard import task_rows
from tui.dashboard.widgets.task_table import BULK_CHANGE


async def test_default_view_puts_running_tasks_first_and_selects_the_first_row() -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        table = app.table
        ids = table.row_ids()
        statuses = [app.store.task(t).task_status for t in ids]
        running = statuses.count("IN_PROGRESS")
        assert running > 0
        assert statuses[:running] == ["IN_PROGRESS"] * running
        assert "IN_PROGRESS" not in statuses[running:]
        assert table.selected_id == ids[0]
        assert table.row_count == len(app.store) == 200


async def test_selection_follows_the_task_across_resorts_and_moves() -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        table = app.table
        await pilot.press("down", "down", "down")
        chosen = table.selected_id
        assert chosen == table.id_at(3)
        for _ in range(5):  # through every sort and back
            await pilot.press("s")
            assert table.selected_id == chosen
            row = table.cursor_row
            assert row is not None and table.id_at(row) == chosen
        # the task finishes and moves down the default order: the selection goes with it
        record = app.store.task(chosen)
        app.store.apply_tasks([with_status(record, "FAILED", reason_code="InternalError", message="x")], T0)
        await pilot.pause()
        assert table.selected_id == chosen
        assert table.id_at(table.cursor_row) == chosen


async def test_a_new_filter_or_toggle_selects_its_first_match_a_new_sort_keeps_the_task() -> None:
    """Whatever row was selected before, a filter typed, a status or kind toggled, or `0` selects the
    first row of the view it makes, scrolled to the top; a new order keeps the selected task."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.table
        reasons = Counter(r.reason_code for r in app.store.tasks() if r.reason_code)
        needle, matches = reasons.most_common(1)[0]
        assert matches >= 3
        for first, keys in (
            ([], ["1"]),
            ([], ["1", "2", "5", "6"]),
            (["3"], ["0"]),
            ([], ["5"]),
            ([], ["s"]),
        ):
            await pilot.press(*first, "end", *["up"] * 6)
            before = table.selected_id
            assert table.cursor_row == table.row_count - 7
            await pilot.press(*keys)
            if keys == ["s"]:
                assert table.selected_id == before
            else:
                assert table.selected_id == table.id_at(0) and table.scroll_y == 0, keys
            await pilot.press("0")
        await pilot.press("end", "up")
        await pilot.press("slash", *needle.lower(), "enter")
        assert table.row_count == matches
        assert table.selected_id == table.id_at(0) and table.scroll_y == 0
        assert app.query_one("#details").plain.count(needle) >= 1
        await pilot.press("down", "enter", "escape")  # the filter submitted again: the selection stays
        await pilot.press("slash", "enter")
        assert table.cursor_row == 1


async def test_keys_move_page_and_jump() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.table
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        assert table.scroll_y > 0  # the cursor is kept on screen
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("pagedown")
        assert table.cursor_row > 3
        await pilot.press("up")
        await pilot.press("right")
        assert table.scroll_x > 0


async def test_click_selects_a_row() -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await pilot.click("#tasks", offset=(5, 4))  # header is line 0
        assert app.table.cursor_row == 3


async def test_an_in_place_change_repaints_only_its_cells() -> None:
    app = make_app(driver_class=CountingDriver)
    async with app.run_test(size=(160, 48), headless=False) as pilot:
        await pilot.pause()
        await pilot.press("s")  # sort by start: a status change does not move the row
        await pilot.pause()
        recorder = ScreenRecorder(app, 160, 48)
        table = app.table
        target = table.id_at(6)
        record = app.store.task(target)
        assert record.task_status == "COMPLETE"
        rebuilds = table.rebuilds
        # a direct update, not through the app, so only the table's own output is counted
        app.store._tasks[target] = with_status(record, "FAILED", reason_code="InternalError")
        table.update_tasks([target])
        await pilot.pause()
        assert table.rebuilds == rebuilds
        assert 0 < recorder.bytes < 300, recorder.raw
        assert "".join(recorder.raw).count("\x1b[") < 40


async def test_partial_updates_leave_the_terminal_showing_the_truth() -> None:
    store = populated_store(300)
    app = make_app(store=store, driver_class=CountingDriver)
    async with app.run_test(size=(160, 48), headless=False) as pilot:
        recorder = ScreenRecorder(app, 160, 48)
        app.screen.refresh()  # one full paint into the emulated terminal, then only partial updates
        await pilot.pause()
        table = app.table
        for n, row in enumerate((0, 2, 4, 9, 12)):
            tid = table.id_at(row)
            status = "FAILED" if n % 2 else "COMPLETE"
            reason = "ContextNotFound" if n % 2 else None
            store.apply_tasks([with_status(store.task(tid), status, reason_code=reason)], T0)
            await pilot.pause()
        await pilot.press("down", "down", "s")
        await pilot.pause()
        app.poller.set_status(calls_last_hour=50)
        await pilot.pause()
        top = table.region.y
        for screen_row in range(1, min(table.row_count, table.region.height - 2)):
            record = store.task(table.id_at(int(table.scroll_y) + screen_row - 1))
            line = recorder.line(top + screen_row)
            assert line.split()[1] == record.task_status, (screen_row, line)
            assert record.start_time.strftime("%m-%d %H:%M") in line
            if record.reason_code:
                assert record.reason_code[:20] in line


async def test_a_page_of_history_is_merged_in_one_pass() -> None:
    store = populated_store(50)
    app = make_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        table = app.table
        selected = table.selected_id
        rebuilds = table.rebuilds
        more = make_records(50 + BULK_CHANGE + 10, seed=9)[50:]
        store.apply_tasks(more, T0)
        await pilot.pause()
        assert table.row_count == 50 + BULK_CHANGE + 10
        assert table.rebuilds == rebuilds  # merged, not rebuilt from the store
        assert table.row_ids() == sorted(table.row_ids(), key=lambda t: table.rows.key_of[t])
        assert table.selected_id == selected


async def test_running_durations_tick_with_the_clock() -> None:
    app = make_app(driver_class=CountingDriver)
    async with app.run_test(size=(160, 48), headless=False) as pilot:
        recorder = ScreenRecorder(app, 160, 48)
        app.screen.refresh()  # one full paint into the emulated terminal
        await pilot.pause()
        table = app.table
        running = table.id_at(0)
        assert app.store.task(running).task_status == "IN_PROGRESS"
        before = table._row_strip(running).text
        app.clock.advance(90)  # no poll: the app's own second hand moves it
        await pilot.pause()
        after = table._row_strip(running).text
        assert after != before
        i = task_rows.COLUMN_KEYS.index("duration")
        took = slice(task_rows.OFFSETS[i], task_rows.OFFSETS[i] + task_rows.COLUMNS[i].width)
        line = recorder.line(table.region.y + 1)
        assert line[took] == after[took] != before[took]


def test_merge_sorted_matches_a_full_sort() -> None:
    import random

    from tui.dashboard.task_view import merge_sorted

    rng = random.Random(5)
    keys = sorted(rng.random() for _ in range(500))
    for size in (0, 1, 7, 300):
        added = [rng.random() for _ in range(size)]
        merged, where = merge_sorted(list(keys), list(added))
        assert merged == sorted(keys + added)
        assert where == sorted(where) and len(where) == size


@pytest.mark.parametrize("size", [(160, 48), (120, 40)], ids=["160 columns", "120 columns"])
async def test_every_visible_row_shows_its_whole_task_id(size: tuple[int, int]) -> None:
    """The id users copy and grep is never cut off at the right edge, beside the side panes."""
    app = make_app(driver_class=CountingDriver)
    async with app.run_test(size=size, headless=False) as pilot:
        recorder = ScreenRecorder(app, *size)
        app.screen.refresh()
        await pilot.pause()
        table = app.table
        assert not app.screen.has_class("-narrow")  # the side panes are beside the table
        rows = table.region.height - 1
        for screen_row in range(1, rows):
            task_id = table.id_at(screen_row - 1)
            assert len(task_id) == 18  # like the service's: "task-" and 13 characters
            line = recorder.line(table.region.y + screen_row)[table.region.x : table.region.right]
            assert task_id in line, (screen_row, line)

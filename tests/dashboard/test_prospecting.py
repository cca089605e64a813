"""Prospecting tasks, the fourth kind of the task table: the Reason cell says how far one got or how many
of its engagements failed, key 7 shows or hides them, and the details pane lists each engagement's
outcome, fetched when the task is selected (`Engine.want_prospecting`) and said to be not fetched yet
until then."""

from __future__ import annotations

from typing import Any

from schemas import TaskKind
from tests.support.dashboard import (
    T0,
    bulk_store,
    make_app,
    make_prospecting_outcome,
    make_prospecting_task,
)
from tui.dashboard import task_rows
from tui.dashboard.task_rows import KIND_KEYS

PROSPECTING = TaskKind.PROSPECTING_FROM_ENGAGEMENT


def test_the_reason_cell_says_how_far_it_got_or_how_many_failed() -> None:
    def reason(record: Any) -> str:
        return task_rows.cells(record, None, T0)[task_rows.COLUMN_KEYS.index("reason")].rstrip()

    assert reason(make_prospecting_task(0, completed=4, failed=1, ended=False)) == "5 of 10 done, 1 failed"
    assert reason(make_prospecting_task(0, completed=2, failed=0, ended=False)) == "2 of 10 done"
    assert reason(make_prospecting_task(0, completed=7, failed=3)) == "3 of 10 failed"
    assert reason(make_prospecting_task(0, total=100, completed=1, failed=99)) == "99 of 100 failed"
    assert reason(make_prospecting_task(0)) == "10 of 10 done"
    failed = make_prospecting_task(1, completed=7, failed=3)
    assert failed.task_status == "FAILED" and failed.reason_code is None
    # The whole id of a prospecting task (`task-` and 14 characters) fits its column.
    task_cell = task_rows.cells(failed, None, T0)[task_rows.COLUMN_KEYS.index("task")]
    assert task_cell.rstrip() == failed.task_id


def test_the_filter_finds_a_prospecting_task_by_its_name_or_an_engagement() -> None:
    started_here = make_prospecting_task(3, started_here=True)
    assert started_here.identifiers is not None
    assert task_rows.matches(started_here, started_here.identifiers[4])
    assert task_rows.matches(started_here, "prospecting batch 3")
    assert not task_rows.matches(started_here, "eng-zzzz")


async def _select(app: Any, pilot: Any, task_id: str) -> None:
    """Move the cursor to `task_id` as the arrow keys do (one move of many rows, not a press each)."""
    row = app.table.row_of(task_id)
    if row is None:
        raise AssertionError(f"{task_id} not in the table")
    app.table.action_cursor(row - (app.table.cursor_row or 0))
    await pilot.pause()
    assert app.table.selected_id == task_id


async def test_key_7_shows_and_hides_prospecting_tasks() -> None:
    assert KIND_KEYS["7"] == PROSPECTING
    app = make_app(store=bulk_store(60))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        shown = lambda: {app.store.task(t).kind for t in app.table.row_ids()}  # noqa: E731
        assert PROSPECTING in shown()
        await pilot.press("7")
        assert PROSPECTING not in shown() and len(shown()) == 3
        assert "kind: inv-to-eng, opp-to-eng, eng-to-opp" in app.query_one("#viewbar").plain_lines[0]
        await pilot.press("4", "5", "6", "7")
        assert shown() == {PROSPECTING}
        await pilot.press("0")
        assert len(shown()) == 4


async def test_selecting_a_prospecting_task_fetches_and_shows_each_engagement() -> None:
    store = bulk_store(60)
    app = make_app(store=store)
    half = "task-p0000000000001"  # ended: 7 completed, 3 failed
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await _select(app, pilot, half)
        assert f"want_prospecting {half}" in app.poller.calls
        details = app.query_one("#details").plain
        assert "Engagements  10: 7 completed · 3 failed · 0 not settled yet" in details
        assert "Each engagement's outcome: not fetched yet" in details  # never a silent blank
        assert "Reason    (none)" not in details  # the task itself has no reason code

        outcome = make_prospecting_outcome(store.task(half))
        failing = outcome.engagements[0]
        # One engagement fails with a code pcwatch does not know yet: shown, without a meaning.
        outcome.engagements[1].reason_code = "SomeNewerReasonCode"
        store.apply_prospecting(outcome)
        await pilot.pause()
        lines = app.query_one("#details").plain.splitlines()
        first = next(i for i, line in enumerate(lines) if failing.engagement_identifier in line)
        assert lines[first] == f"✗ {failing.engagement_identifier} FAILED"
        assert lines[first + 1] == "  EngagementValidationFailed"
        assert lines[first + 2].startswith("  The engagement details were rejected")  # explain()'s meaning
        assert lines[first + 3] == "  The engagement has no customer contact."
        newer = lines.index(f"✗ {outcome.engagements[1].engagement_identifier} FAILED")
        assert lines[newer + 1] == "  SomeNewerReasonCode"
        assert lines[newer + 2] == "  The engagement has no customer contact."  # no meaning invented
        completed = [line for line in lines if line.startswith("✓ eng-")]
        assert len(completed) == 7 and all(line.endswith(" COMPLETED") for line in completed)
        assert lines.index(completed[0]) > newer  # failed ones first
        assert "not fetched yet" not in app.query_one("#details").plain

        # Fetched after its end, it is final: selecting it again asks nothing more.
        asked = app.poller.calls.count(f"want_prospecting {half}")
        await pilot.press("down", "up")
        await pilot.pause()
        assert app.table.selected_id == half
        assert app.poller.calls.count(f"want_prospecting {half}") == asked


async def test_a_running_prospecting_task_is_asked_for_again_and_once_more_when_it_ends() -> None:
    store = bulk_store(60)
    app = make_app(store=store)
    running = "task-p0000000000000"  # 4 completed, 1 failed, 5 not settled
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await _select(app, pilot, running)
        record = store.task(running)
        store.apply_prospecting(make_prospecting_outcome(record))
        await pilot.pause()
        details = app.query_one("#details").plain
        assert "Engagements  10: 4 completed · 1 failed · 5 not settled yet" in details
        assert details.count("· eng-") == 5  # the pending ones are listed too
        before = app.poller.calls.count(f"want_prospecting {running}")
        await pilot.press("down", "up")  # selected again while it runs: asked again
        await pilot.pause()
        assert app.poller.calls.count(f"want_prospecting {running}") == before + 1
        # The outcome arriving again does not ask again (the engine refetches while it runs).
        store.apply_prospecting(make_prospecting_outcome(record))
        await pilot.pause()
        assert app.poller.calls.count(f"want_prospecting {running}") == before + 1
        # It ends while selected: its final outcome is asked for once.
        ended = make_prospecting_task(0, completed=8, failed=2)
        store.apply_tasks([ended], T0)
        await pilot.pause()
        assert store.task(running).task_status == "FAILED"
        assert app.poller.calls.count(f"want_prospecting {running}") == before + 2
        assert "2 of 10 failed" in " ".join(app.table._row_strip(running).text.split())


async def test_an_offline_view_says_nothing_will_fetch_them() -> None:
    app = make_app(store=bulk_store(60), offline=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await _select(app, pilot, "task-p0000000000001")
        assert "not fetched yet (no poller in this view)" in app.query_one("#details").plain

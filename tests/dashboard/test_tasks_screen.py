"""The tasks screen is fed by the app through plain method calls (`start`, `show_change`, `show_status`,
`tick`) and asks nothing of it: built alone around a fake store, it shows what it is given. The app's
`SecondHand` calls its one callback at each whole second of the injected clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from textual.app import App
from textual.screen import Screen

from tests.support.dashboard import T0, FakePoller, live_status, make_records, populated_store, with_status
from tui.core.clock import MockClock
from tui.core.settings import Settings
from tui.dashboard.clipboard import Clipboard
from tui.dashboard.messages import TasksChanged
from tui.dashboard.screens.tasks import TasksScreen
from tui.dashboard.ticks import SecondHand


class ScreenHost(App[None]):
    """A bare app around a `TasksScreen`: no engine wiring, no subscriptions, no workers."""

    def __init__(self, screen: TasksScreen) -> None:
        super().__init__()
        self.tasks_screen = screen
        self.ready = 0

    def get_default_screen(self) -> Screen[Any]:
        return self.tasks_screen

    def on_tasks_screen_ready(self, message: TasksScreen.Ready) -> None:
        self.ready += 1


async def test_the_screen_shows_what_it_is_given_and_nothing_else() -> None:
    store = populated_store(30)
    clock = MockClock(T0)
    poller = FakePoller()
    screen = TasksScreen(
        store,
        Settings(),
        clock,
        status=poller.status,
        want_job=poller.want_job,
        loaded=False,
        toasts=False,
        clipboard=Clipboard(),
    )
    app = ScreenHost(screen)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        assert app.ready == 1 and screen.table.row_count == 0  # nothing until `start`
        screen.start(None)
        await pilot.pause()
        assert screen.table.row_count == 30 and "30 tasks" in app.query_one("#header").plain_lines[0]
        # The store changes; the screen does not listen to it, the app hands it the change.
        new = make_records(31, seed=3)[30]
        store.apply_tasks([new], T0)
        await pilot.pause()
        assert screen.table.row_count == 30
        screen.show_change(TasksChanged(frozenset({new.task_id})))
        assert screen.table.row_count == 31 and new.task_id in screen.table.row_ids()
        running = next(t for t in screen.table.row_ids() if not store.task(t).is_terminal)
        store.apply_tasks([with_status(store.task(running), "FAILED", reason_code="InternalError")], T0)
        screen.show_change(TasksChanged(frozenset({running})))
        assert store.task(running).task_status == "FAILED"
        assert running not in screen.table.rows.active
        # A status: the header says it; the selected task's job is asked of the engine when selected.
        screen.show_status(live_status(state="paused"))
        await pilot.pause()
        assert "paused" in app.query_one("#header").plain_lines[1]
        assert screen.status is not None and screen.status.state == "paused"
        clock.advance(90)
        screen.tick()
        assert screen.table.now == T0 + timedelta(seconds=90)


async def test_the_second_hand_ticks_on_each_whole_second_of_the_clock() -> None:
    clock = MockClock(T0 + timedelta(seconds=0.25))  # binary fractions: exact sums
    ticks: list[float] = []
    hand = asyncio.ensure_future(SecondHand(clock, lambda: ticks.append(clock.now().timestamp())).run())
    try:
        for step in (0.5, 0.25, 1.0, 0.5, 3.0):
            await asyncio.sleep(0)
            clock.advance(step)
            for _ in range(3):
                await asyncio.sleep(0)
        # 0.25 -> 0.75 (none) -> 1.0 (tick) -> 2.0 (tick) -> 2.5 (none) -> 5.5: one wake-up, one tick.
        assert [t - T0.timestamp() for t in ticks] == [1.0, 2.0, 5.5]
    finally:
        hand.cancel()


async def test_under_another_full_screen_the_tasks_screen_draws_nothing_until_shown_again() -> None:
    """Textual repaints the whole top screen whenever a region of the screen under it changes: the tasks
    screen's ticking times would cost ~10 KB a second under the invitations or stats view. It waits
    while covered, and shows what changed once it is on top again (laid out for the size then)."""
    from tests.support.dashboard import CountingDriver, ScreenRecorder, make_app

    clock = MockClock(T0)
    store = populated_store(200)
    app = make_app(store=store, clock=clock, driver_class=CountingDriver)
    async with app.run_test(size=(160, 48), headless=False) as pilot:
        await pilot.pause()
        tasks_screen = app.screen
        assert tasks_screen.table.rows.active  # running tasks: their times move every second
        await pilot.press("t")  # the stats view, which does not tick itself
        await pilot.pause(0.3)
        recorder = ScreenRecorder(app, 160, 48)
        for _ in range(5):
            clock.advance(1)
            await pilot.pause(0.02)
        new = make_records(201, seed=4)[200]
        store.apply_tasks([with_status(new, "IN_PROGRESS")], T0)
        await pilot.pause(0.05)
        assert recorder.bytes == 0
        assert new.task_id not in tasks_screen.table.row_ids()
        await pilot.resize_terminal(80, 24)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is tasks_screen and tasks_screen.has_class("-narrow")
        assert new.task_id in tasks_screen.table.row_ids()
        assert tasks_screen.table.now == clock.now()

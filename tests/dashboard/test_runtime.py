"""The dashboard wired to the real engine (store, poller, boto3 client) and the in-process simulator,
on a mock clock. (That the dashboard's own modules never load boto3: tests/architecture/test_layering.py.)"""

from __future__ import annotations

from tests.support.dashboard import T0, until
from tui.commands.dashboard import build_app
from tui.core.clock import MockClock
from tui.core.settings import Settings
from tui.simulator.demo import DemoWorld


async def test_demo_wiring_shows_history_then_a_live_failure_with_its_explanation() -> None:
    clock = MockClock(T0)
    settings = Settings(demo=True, no_journal=True)
    dashboard = build_app(
        settings, clock=clock, demo=DemoWorld(history=150, activity_per_minute=0), toasts=False
    )
    app = dashboard.app
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await until(pilot, clock, lambda: app.table.row_count >= 150)
            assert "demo · simulated account (this process only)" in app.query_one("#header").plain_lines[0]
            sim = dashboard.demo.simulator
            task_id = sim.add_task(
                duration=20.0,
                outcome="FAILED",
                reason_code="OpportunityConflict",
                message="Someone else changed it.",
            )
            await until(pilot, clock, lambda: app.store.task(task_id) is not None)
            await until(pilot, clock, lambda: app.store.task(task_id).task_status == "FAILED", step=2.0)
            assert task_id in app.table.row_ids()
            await pilot.press("1", "2", "slash", *task_id, "enter")
            assert app.table.selected_id == task_id
            details = app.query_one("#details").plain
            assert "OpportunityConflict" in details and "Someone else changed it." in details
            assert "calls" in app.query_one("#header").plain_lines[1]
    finally:
        dashboard.close()


async def test_a_journal_loads_in_a_thread_and_the_view_is_sorted_there_too() -> None:
    from tests.support.dashboard import FakeStore, make_app, make_records

    store = FakeStore()
    loaded: list[str] = []
    polling_during_load: list[bool] = []

    def load() -> None:
        import threading

        loaded.append(threading.current_thread().name)
        polling_during_load.append("run" in app.poller.calls)
        store.apply_tasks(make_records(500), T0, quiet=True)

    app = make_app(store=store, load=load)
    async with app.run_test(size=(120, 30)) as pilot:
        for _ in range(2000):  # up to ~20 s on a loaded machine; ends as soon as the rows are there
            await pilot.pause(0.01)
            if app.table.row_count:
                break
        assert app.table.row_count == 500
        assert loaded and loaded[0] != "MainThread"
        assert app.table.rebuilds == 1  # the prepared view was used, not recomputed
        assert "500 tasks" in app.query_one("#header").plain_lines[0]
        # Polling starts after the load (its worker may take a moment to begin).
        for _ in range(500):
            if "run" in app.poller.calls:
                break
            await pilot.pause(0.01)
        assert "run" in app.poller.calls and polling_during_load == [False]

"""Two dashboards on one journal (as two terminals or two browser tabs): one polls, the other follows."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.support.viewer import viewer_settings
from tui.commands.dashboard import build_app
from tui.core.clock import SystemClock


async def test_a_second_dashboard_follows_the_first_ones_poller(served_simulator, tmp_path: Path) -> None:
    sim, endpoint = served_simulator
    settings = viewer_settings(endpoint.url, tmp_path / "dash.sqlite3")
    first_dashboard = build_app(settings, clock=SystemClock(), toasts=False)
    second_dashboard = build_app(settings, clock=SystemClock(), toasts=False)
    first, second = first_dashboard.app, second_dashboard.app
    expected = len(sim.tasks("Sandbox"))
    try:
        async with first.run_test(size=(160, 48)) as pilot_first:
            deadline = time.monotonic() + 20
            while first.table.row_count < expected:
                assert time.monotonic() < deadline
                await pilot_first.pause(0.05)
            async with second.run_test(size=(160, 48)) as pilot_second:
                deadline = time.monotonic() + 20
                while second.table.row_count < expected or second.poller.status.state != "following":
                    assert time.monotonic() < deadline
                    await pilot_second.pause(0.05)
                assert first.poller.role == "leader" and second.poller.role == "follower"
                assert second.poller.client is None
                # The header says so at its next refresh (status changes reach it as messages).
                while "following" not in second.query_one("#header").plain_lines[1]:
                    assert time.monotonic() < deadline, second.query_one("#header").plain_lines[1]
                    await pilot_second.pause(0.05)
                new_task = sim.add_task(duration=3600.0)
                await pilot_second.press("r")  # refresh: asks the first dashboard's poller
                deadline = time.monotonic() + 20
                while new_task not in second.table.row_ids():
                    assert time.monotonic() < deadline
                    await asyncio.sleep(0.05)
    finally:
        first_dashboard.close()
        second_dashboard.close()

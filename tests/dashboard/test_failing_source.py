"""One failing source stays alone: a snapshot job the local endpoint no longer has (a 404,
ResourceNotFoundException) is named in the header, while the task listings keep their cadence and the
other panes stay live."""

from __future__ import annotations

from tests.support.dashboard import T0, until
from tui.commands.dashboard import build_app
from tui.core.clock import MockClock
from tui.core.settings import Settings
from tui.simulator.demo import DemoWorld


async def test_a_404_for_one_snapshot_job_leaves_the_other_panes_live(tmp_path) -> None:
    clock = MockClock(T0)
    settings = Settings(demo=True, journal_path=tmp_path / "journal.sqlite3")
    dashboard = build_app(
        settings, clock=clock, demo=DemoWorld(history=30, activity_per_minute=0), toasts=False
    )
    app = dashboard.app
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await until(pilot, clock, lambda: app.table.row_count >= 30)
            sim = dashboard.demo.simulator
            # A task ends and the service forgets its snapshot job before pcwatch looks at it.
            app.poller.pause()
            ended = sim.add_task(duration=5.0, outcome="COMPLETE")
            clock.advance(6)
            await pilot.pause(0.01)
            job_id = next(t for t in sim.tasks() if t.task_id == ended).resource_snapshot_job_id
            assert job_id
            sim.delete_job(job_id)
            app.poller.resume()

            # Given up on at once: the snapshot jobs' word for it is "gone"; the header names nothing
            # (nothing anyone can fix: issue 27, item 5).
            await until(pilot, clock, lambda: any(a.job_id == job_id for a in app.poller.status.asked_jobs))
            asked = next(a for a in app.poller.status.asked_jobs if a.job_id == job_id)
            assert asked.waits_for == "gone"
            assert "ResourceNotFoundException" in (asked.error or "") or "not found" in (asked.error or "")
            assert app.poller.status.state in ("live", "following")  # the tasks are current
            assert app.poller.status.stale_since is None
            assert app.poller.status.failing == () and app.poller.status.last_error is None
            assert job_id not in app.query_one("#header").plain_lines[1]

            # The listings keep their cadence: a task that fails now reaches the table and the details.
            failing = sim.add_task(duration=10.0, outcome="FAILED")
            await until(
                pilot,
                clock,
                lambda: (t := app.store.task(failing)) is not None and t.task_status == "FAILED",
                rounds=120,
            )
            await until(pilot, clock, lambda: failing in app.table.row_ids(), rounds=10)
            assert app.poller.status.state in ("live", "following")
            assert app.store.task(ended).task_status == "COMPLETE"
            assert app.store.job(job_id) is None  # nothing invented for the missing job
    finally:
        dashboard.close()

"""Render SVG screenshots of the real dashboard for the README.

The app runs headless against the in-process local endpoint (the simulator) with a fixed seed and a
mock clock, so the pictures are the same on every run:

    .venv/bin/python scripts/screenshots.py            # writes screenshots/*.svg

dashboard.svg, failed-task.svg, help.svg, jobs.svg (the jobs view, `b`: the demo's opportunity bulk
import running, a finished job's failed records and report URL) and stats.svg.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.commands.dashboard import build_app  # noqa: E402
from tui.core.clock import MockClock  # noqa: E402
from tui.core.settings import Settings  # noqa: E402
from tui.simulator.demo import DemoWorld  # noqa: E402

OUT = ROOT / "screenshots"
START = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)
SIZE = (160, 48)
#: Tasks started a minute, and hours of it, before the stats view's picture.
STATS_ACTIVITY = 3.0
STATS_HOURS = 3
#: Clock seconds (from the start) before the jobs view's picture: the demo's import well under way.
JOBS_AFTER = 240.0


async def _until(pilot, clock: MockClock, condition, step: float = 1.0, rounds: int = 600) -> None:  # type: ignore[no-untyped-def]
    for _ in range(rounds):
        if condition():
            return
        clock.advance(step)
        await pilot.pause(0.02)
    raise SystemExit("the demo did not reach the expected state")


async def _select_job_with_failures(pilot) -> str:  # type: ignore[no-untyped-def]
    """Move the jobs view's selection to the first finished job with failed records; its id."""
    app = pilot.app
    table = app.screen.table
    for _ in range(len(table.ids)):
        job = app.store.bulk_job(table.selected_id)
        if job is not None and job.is_terminal and job.failure_count:
            return str(job.job_id)
        await pilot.press("down")
    raise SystemExit("the demo has no finished bulk job with failed records")


async def render(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    clock = MockClock(START)
    settings = Settings(demo=True, no_journal=True)
    dashboard = build_app(
        settings, clock=clock, demo=DemoWorld(seed=7, history=2000, activity_per_minute=0), toasts=False
    )
    app = dashboard.app
    written: list[Path] = []
    try:
        async with app.run_test(size=SIZE) as pilot:
            app.sub_title = ""
            await _until(pilot, clock, lambda: app.table.row_count >= 2000)
            sim = dashboard.demo.simulator
            sim.add_task(kind="EngagementFromOpportunity", duration=40.0)
            sim.add_task(kind="OpportunityFromEngagement", duration=90.0)
            sim.add_task(duration=120.0)
            failed = sim.add_task(
                duration=25.0,
                outcome="FAILED",
                reason_code="EngagementInvitationConflict",
                message="The invitation was already accepted by another user of this account.",
            )
            await _until(
                pilot, clock, lambda: (r := app.store.task(failed)) is not None and r.is_failed, step=2.0
            )
            await _until(pilot, clock, lambda: app.poller.status.state == "live", step=1.0, rounds=120)
            await pilot.pause(0.2)
            path = out / "dashboard.svg"
            app.save_screenshot(str(path))
            written.append(path)

            await pilot.press("1", "2", "slash", *failed, "enter")
            await pilot.pause(0.2)
            path = out / "failed-task.svg"
            app.save_screenshot(str(path))
            written.append(path)

            await pilot.press("0", "question_mark")
            await pilot.pause(0.2)
            path = out / "help.svg"
            app.save_screenshot(str(path))
            written.append(path)

            # The jobs view: the demo's 5,000-record import a few minutes on, and the newest finished job
            # with failed records selected, its records and report URL fetched.
            await pilot.press("escape", "b")
            await _until(pilot, clock, lambda: len(app.store.bulk_jobs()) >= 5, step=1.0)
            await _until(pilot, clock, lambda: clock.monotonic() >= JOBS_AFTER, step=5.0, rounds=200)
            job_id = await _select_job_with_failures(pilot)
            await _until(
                pilot,
                clock,
                lambda: (
                    (r := app.store.bulk_results(job_id)) is not None
                    and r.complete
                    and (u := app.store.report_url(job_id)) is not None
                    and u.url is not None
                ),
                step=1.0,
                rounds=120,
            )
            await pilot.pause(0.2)
            path = out / "jobs.svg"
            app.save_screenshot(str(path))
            written.append(path)
            await pilot.press("escape")

            # The stats view after a busy morning: three hours of tasks starting and ending, seen live.
            sim.demo_activity(STATS_ACTIVITY)
            end = clock.monotonic() + STATS_HOURS * 3600
            await _until(pilot, clock, lambda: clock.monotonic() >= end, step=15.0, rounds=2000)
            await pilot.press("t")
            await _until(pilot, clock, lambda: getattr(app.screen, "stats", None) is not None, step=0.0)
            await pilot.pause(0.3)
            path = out / "stats.svg"
            app.save_screenshot(str(path))
            written.append(path)
    finally:
        dashboard.close()
    return written


def main() -> int:
    for path in asyncio.run(render()):
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())

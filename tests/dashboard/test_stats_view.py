"""The stats view (`t`): what it shows is `compute_stats` of the store the table shows; it follows the store
while shown, and while hidden it does not exist (nothing drawn, nothing recomputed); its plots' series and
labels (`stats_view`, pure) and hostile reason codes."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from textual.screen import Screen

from schemas import TASK_KINDS
from tests.support.dashboard import T0, FakeStore, make_app, make_task, stats_store, until, with_status
from tui.dashboard.screens.stats import StatsScreen
from tui.dashboard.stats_view import (
    WINDOWS,
    Series,
    bucket_for,
    durations_series,
    failures_series,
    finished_series,
    kind_rows,
    tick_positions,
)
from tui.engine.stats import DAY, HOUR, compute_stats


async def shown(pilot, app) -> StatsScreen:  # type: ignore[no-untyped-def]
    """Open the view and wait for its first numbers (computed in a thread)."""
    await pilot.press("t")
    for _ in range(200):
        await pilot.pause(0.02)
        if isinstance(app.screen, StatsScreen) and app.screen.stats is not None:
            return app.screen
    raise AssertionError("the stats view never showed its numbers")


async def test_t_shows_the_numbers_of_the_store_and_escape_goes_back() -> None:
    store = stats_store()
    app = make_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await shown(pilot, app)
        expected = compute_stats(store.task_rows(), T0, since=DAY, bucket_seconds=HOUR)
        assert screen.stats == expected
        text = app.screen.query_one("#stats-summary").render()
        assert text is not None
        title = str(app.screen.query_one("#stats-title").render())
        assert "last 24 h" in title and f"{expected.tasks:,} tasks" in title
        await pilot.press("w")  # 7 days
        await until(
            pilot,
            app.clock,
            lambda: screen.stats is not None and screen.stats.since == T0 - timedelta(days=7),
            step=0,
        )
        await pilot.press("escape")
        await pilot.pause(0.05)
        assert not isinstance(app.screen, StatsScreen) and app.screen.query_one("#tasks")


async def test_the_view_follows_the_store_while_shown_and_is_gone_when_hidden() -> None:
    store = stats_store()
    app = make_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await shown(pilot, app)
        before = screen.stats
        assert before is not None
        new = with_status(
            make_task(9999, random.Random(1), T0, status="IN_PROGRESS"),
            "FAILED",
            reason_code="ServiceQuotaExceeded",
            start_time=T0 - timedelta(minutes=3),
        )
        store.apply_tasks([new], T0)
        await until(pilot, app.clock, lambda: screen.stats is not before, step=1.0)
        now = screen.stats.generated_at
        assert screen.stats == compute_stats(store.task_rows(), now, since=DAY, bucket_seconds=HOUR)
        assert any(f.reason_code == "ServiceQuotaExceeded" for f in screen.stats.failures)
        await pilot.press("escape")
        await pilot.pause(0.05)
        assert not screen.is_attached and len(store._subscribers) == 1  # only the app's own
        assert not app.query(StatsScreen)


async def test_the_palette_and_the_help_name_it() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        commands["Statistics"].callback()
        await pilot.pause(0.1)
        assert isinstance(app.screen, StatsScreen)


async def test_hostile_reason_codes_are_drawn_literally() -> None:
    hostile = "Boom\x1b[2J\x1b]0;owned\x07\u202eevil[red]x[/red]"
    store = stats_store(n=40)
    record = with_status(
        make_task(5000, random.Random(2), T0),
        "FAILED",
        reason_code=hostile,
        start_time=T0 - timedelta(minutes=5),
    )
    store.apply_tasks([record], T0, quiet=True)
    app = make_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        await shown(pilot, app)
        await pilot.pause(0.1)
        screen_text = app.export_screenshot()
        assert "Boom␛[2J␛]0;owned␇\\u202eevil[red]x[/red]" in screen_text
        assert "\x1b[2J" not in screen_text and "\u202e" not in screen_text


# --- the view model ------------------------------------------------------------------------------------

NOW = datetime(2026, 11, 28, 12, 30, tzinfo=timezone.utc)


def test_windows_and_their_buckets() -> None:
    assert [label for label, _ in WINDOWS] == ["24 h", "7 days", "30 days", "all"]
    assert bucket_for(DAY) == HOUR and bucket_for(7 * DAY) == HOUR and bucket_for(30 * DAY) == DAY
    assert bucket_for(None) == DAY


def test_series_fill_every_bucket_of_the_window() -> None:
    rows = stats_store(n=120).task_rows()
    stats = compute_stats(rows, T0, since=DAY, bucket_seconds=HOUR)
    finished = finished_series(stats)
    assert len(finished.labels) == 25 and finished.labels[-1] == "09:00"  # 09:00 yesterday .. now's hour
    assert sum(finished.values["complete"]) == sum(b.complete for b in stats.finished)
    assert sum(finished.values["failed"]) == sum(b.failed for b in stats.finished)
    failures = failures_series(stats)
    assert sum(map(sum, failures.values.values())) == sum(
        sum(b.reasons.values()) for b in stats.failures_over_time
    )
    assert len(failures.values) <= 5  # the top four and "other"
    durations = durations_series(stats)
    shorts = [kind.short for kind in TASK_KINDS.values()]  # every task kind, with tasks or not
    assert durations.labels[0] == "<1m" and set(durations.values) == set(shorts)
    rows_shown = kind_rows(stats)
    assert [r[0] for r in rows_shown] == shorts
    assert rows_shown[0][3] == f"{stats.by_kind['EngagementByAcceptingInvitation']['FAILED']:,}"


def test_ticks_fall_on_round_times() -> None:
    starts = [NOW - timedelta(hours=h) for h in range(167, -1, -1)]
    starts = [s.replace(minute=0) for s in starts]
    series = Series([s.strftime("%a %H") for s in starts], {"x": [0] * 168}, starts)
    ticks = tick_positions(series, room=10)
    assert all(starts[i].hour == 0 for i in ticks) and len(ticks) == 7  # a label a day, at midnight
    assert tick_positions(Series(["a", "b"], {"x": [1, 2]}), room=5) == [0, 1]
    assert tick_positions(Series(list("abcdefghij"), {"x": [0] * 10}), room=5) == [0, 2, 4, 6, 8]


async def test_an_empty_plot_says_why() -> None:
    # Only running tasks: nothing finished, so no plot has a bar.
    rng = random.Random(3)
    store = FakeStore()
    store.apply_tasks([make_task(i, rng, T0, status="IN_PROGRESS") for i in range(30)], T0, quiet=True)
    app = make_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await shown(pilot, app)
        assert screen.stats is not None and screen.stats.tasks == 30
        await pilot.pause(0.1)
        text = app.export_screenshot().replace("&#160;", " ")
        assert "Tasks finished per hour: none in this window" in text
        assert "Observed durations per kind: none observed yet" in text
        assert "Failures per hour by reason: none in this window" in text


async def test_covered_by_another_screen_it_waits_then_catches_up() -> None:
    store = stats_store(n=60)
    app = make_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await shown(pilot, app)
        before = screen.stats
        await pilot.press("question_mark")  # a modal: the view stays visible behind it, and current
        await pilot.pause(0.1)
        assert screen._visible() and app.screen is not screen
        await pilot.press("escape")
        await app.push_screen(Screen())  # a whole screen over it
        await pilot.pause(0.05)
        assert not screen._visible()
        late = with_status(
            make_task(7777, random.Random(4), T0, status="IN_PROGRESS"),
            "FAILED",
            reason_code="ConflictWhileCovered",
            start_time=T0 - timedelta(minutes=2),
        )
        store.apply_tasks([late], T0)
        for _ in range(3):  # past the refresh delay, on the app's clock and the event loop's
            app.clock.advance(2.0)
            await pilot.pause(0.4)
        assert screen.stats is before
        await app.pop_screen()
        await until(pilot, app.clock, lambda: screen.stats is not before, step=0)
        assert screen.stats is not None
        assert any(f.reason_code == "ConflictWhileCovered" for f in screen.stats.failures)

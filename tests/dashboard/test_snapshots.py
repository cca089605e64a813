"""Snapshot tests (pytest-textual-snapshot) of the dashboard at 80×24 and 160×48, on deterministic data
and a fixed clock. Update with `pytest tests/dashboard/test_snapshots.py --snapshot-update` after a deliberate
visual change, and look at the SVGs before committing them."""

from __future__ import annotations

from tests.support.dashboard import make_app, stats_store
from tui.core.settings import Settings


def test_main_view_wide(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=(160, 48))


def test_main_view_80x24_production(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = make_app(settings=Settings(catalog="AWS", profile="partner-prod"))
    assert snap_compare(app, terminal_size=(80, 24))


def test_failed_task_selected_with_its_explanation(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), press=["1", "2", "down"], terminal_size=(160, 48))


def test_help_screen_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), press=["question_mark"], terminal_size=(80, 24))


def test_filter_and_record_view_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    press = ["slash", *"task-00000000000", "enter", "enter"]
    assert snap_compare(make_app(), press=press, terminal_size=(80, 24))


async def _stats_shown(pilot) -> None:  # type: ignore[no-untyped-def]
    from tui.dashboard.screens.stats import StatsScreen

    await pilot.press("t")
    for _ in range(250):
        await pilot.pause(0.02)
        screen = pilot.app.screen
        if isinstance(screen, StatsScreen) and screen.stats is not None:
            await pilot.pause(0.1)
            return
    raise AssertionError("the stats view never showed its numbers")


def test_stats_view_wide(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(store=stats_store()), run_before=_stats_shown, terminal_size=(160, 48))


def test_stats_view_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(store=stats_store()), run_before=_stats_shown, terminal_size=(80, 24))

"""Snapshot tests (pytest-textual-snapshot) of the dashboard at 80×24, 100×30, 120×40 and 160×48, on
deterministic data and a fixed clock. Update with `pytest tests/dashboard/test_snapshots.py --snapshot-update` after a deliberate
visual change, and look at the SVGs before committing them."""

from __future__ import annotations

import pytest

from tests.support.dashboard import make_app, stats_store
from tui.core.settings import Settings


def test_main_view_wide(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=(160, 48))


def test_main_view_80x24_production(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = make_app(settings=Settings(catalog="AWS", profile="partner-prod"))
    assert snap_compare(app, terminal_size=(80, 24))


def test_failed_task_selected_with_its_explanation(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), press=["1", "2", "down"], terminal_size=(160, 48))


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


def _jobs_app():  # type: ignore[no-untyped-def]
    from tests.support.dashboard import T0, bulk_store
    from tui.core.clock import MockClock

    clock = MockClock(T0)
    return make_app(store=bulk_store(clock=clock), clock=clock)


async def _jobs_view_with_a_job_s_failures(pilot) -> None:  # type: ignore[no-untyped-def]
    """The jobs view, the finished job with failed records selected, its records and report fetched."""
    from tests.support.dashboard import make_report, make_results

    app = pilot.app
    await pilot.press("b")
    await pilot.pause()
    await pilot.press("down", "down")
    job = app.store.bulk_job(app.screen.table.selected_id)
    app.store.apply_bulk_results(make_results(job))
    app.store.apply_report_url(make_report(job))
    await pilot.pause()


def test_jobs_view_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_jobs_app(), run_before=_jobs_view_with_a_job_s_failures, terminal_size=(80, 24))


def test_jobs_view_wide(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_jobs_app(), run_before=_jobs_view_with_a_job_s_failures, terminal_size=(160, 48))


async def _half_failed_prospecting_task(pilot) -> None:  # type: ignore[no-untyped-def]
    from tests.support.dashboard import make_prospecting_outcome

    app = pilot.app
    await pilot.press("slash", *"prospecting", "enter", "down")
    await pilot.pause()
    app.store.apply_prospecting(make_prospecting_outcome(app.store.task(app.table.selected_id)))
    await pilot.pause()


def test_prospecting_task_with_its_engagements(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_jobs_app(), run_before=_half_failed_prospecting_task, terminal_size=(160, 48))


# ---- the everyday views at the three small sizes (#25): whole words, nothing cut without a mark ------

SMALL_SIZES = [(80, 24), (100, 30), (120, 40)]


async def _invitations_shown(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("i")
    await pilot.pause()


async def _help_shown(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("question_mark")
    await pilot.pause()


def _size_id(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


@pytest.mark.parametrize("size", SMALL_SIZES, ids=_size_id)
def test_main_view_small(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=size)


@pytest.mark.parametrize("size", SMALL_SIZES, ids=_size_id)
def test_invitations_view_small(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), run_before=_invitations_shown, terminal_size=size)


@pytest.mark.parametrize("size", SMALL_SIZES, ids=_size_id)
def test_stats_view_small(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(store=stats_store()), run_before=_stats_shown, terminal_size=size)


@pytest.mark.parametrize("size", SMALL_SIZES, ids=_size_id)
def test_help_view_small(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), run_before=_help_shown, terminal_size=size)

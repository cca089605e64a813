"""The jobs view (`b`): one row per bulk job of both families, running first, with a progress bar, the
counts, the rate and the time left; selecting a job asks the engine for its failed records and its
report URL and shows them; `c` copies the URL; it repaints only what changes and stays still while
nothing does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec

from schemas import BulkJobKind
from tests.support.dashboard import (
    T0,
    CountingDriver,
    FakePoller,
    FakeStore,
    ScreenRecorder,
    bulk_jobs,
    bulk_store,
    live_status,
    make_app,
    make_bulk_job,
    make_report,
    make_results,
)
from tui.core.clock import MockClock
from tui.dashboard import bulk_rows
from tui.dashboard.clipboard import NO_CLIPBOARD, OSC52, TMUX_LOAD, Clipboard
from tui.dashboard.screens.bulk_jobs import BulkJobsScreen
from tui.engine.bulk_progress import bulk_progress

RUNNING = "bulkjob-0000000000000"  # IN_PROGRESS, 1,234 of 5,000, 34 failed
SUBMITTED = "bulkjob-0000000000001"
DONE_WITH_FAILURES = "bulkjob-0000000000002"  # COMPLETED, 12 failed
FAILED = "bulkjob-0000000000003"  # FAILED as a whole
CLEAN = "bulkjob-0000000000004"  # COMPLETED, none failed


def _app(**kwargs: Any) -> Any:
    clock = kwargs.pop("clock", None) or MockClock(T0)
    store = kwargs.pop("store", None) or bulk_store(clock=clock)
    return make_app(store=store, clock=clock, **kwargs)


async def _open(app: Any, pilot: Any) -> BulkJobsScreen:
    await pilot.pause()
    await pilot.press("b")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, BulkJobsScreen)
    return screen


async def _select(screen: BulkJobsScreen, pilot: Any, job_id: str) -> None:
    table = screen.table
    await pilot.press("home")
    for _ in range(len(table.ids)):
        if table.selected_id == job_id:
            await pilot.pause()
            return
        await pilot.press("down")
    raise AssertionError(f"{job_id} not listed")


def _row(screen: BulkJobsScreen, job_id: str) -> str:
    """A job's row as drawn (its cells, as the table caches them after drawing)."""
    job = screen.store.bulk_job(job_id)
    assert job is not None
    return screen.table._row_strip(job).text


# ---- the view model ------------------------------------------------------------------------------


def test_the_progress_bar_fills_in_eighths_of_a_cell() -> None:
    assert bulk_rows.progress_bar(0.0, 10) == "░" * 10
    assert bulk_rows.progress_bar(1.0, 10) == "█" * 10
    assert bulk_rows.progress_bar(0.25, 10) == "██▌" + "░" * 7
    assert bulk_rows.progress_bar(0.01, 10) == "▏" + "░" * 9
    assert bulk_rows.progress_bar(None, 10) == " " * 10  # no total known yet
    assert all(len(bulk_rows.progress_bar(i / 100, 10)) == 10 for i in range(101))


def test_rates_and_times_left_are_coarse_enough_to_change_rarely() -> None:
    assert bulk_rows.per_minute(None) == ""
    assert bulk_rows.per_minute(3.64) == "3.6/min"
    assert bulk_rows.per_minute(87.6) == "88/min"
    assert bulk_rows.per_minute(1234.4) == "1,234/min"
    assert bulk_rows.per_minute(12_345.0) == "12.3k/min"
    running = make_bulk_job(0, processed=1_234, failed=34)
    progress = bulk_progress(running, T0)
    assert bulk_rows.time_left(progress) == "42m"  # 3,766 left at ~88/min
    ended = bulk_progress(make_bulk_job(2, "COMPLETED", total=800, processed=800), T0)
    assert bulk_rows.time_left(ended) == ""


def test_every_cell_fits_its_column_and_figures_are_right_aligned() -> None:
    for job in bulk_jobs():
        cells = bulk_rows.cells(job, T0)
        assert [len(c) for c in cells] == [c.width for c in bulk_rows.COLUMNS]
    cells = dict(zip(bulk_rows.COLUMN_KEYS, bulk_rows.cells(bulk_jobs()[0], T0), strict=True))
    assert cells["processed"] == "  1,234/5,000" and cells["ok"] == " 1,200" and cells["failed"] == "    34"
    assert cells["job"] == RUNNING and cells["kind"].rstrip() == "opp-bulk"


def test_running_jobs_come_first_each_group_newest_first() -> None:
    store = bulk_store()
    assert bulk_rows.order_jobs(store.bulk_jobs()) == [SUBMITTED, RUNNING, DONE_WITH_FAILURES, FAILED, CLEAN]


def test_a_moved_job_rewrites_only_its_changed_characters() -> None:
    before = make_bulk_job(0, processed=1_234, failed=34)
    after = make_bulk_job(0, processed=1_240, failed=34)
    old, new = bulk_rows.cells(before, T0), bulk_rows.cells(after, T0)
    spans = bulk_rows.changed_spans(old, new)
    changed = [new[i] for i in range(len(new)) if old[i] != new[i]]
    assert changed and all(x2 - x1 <= 40 for x1, x2 in spans)
    row_old, row_new = " ".join(old), " ".join(new)
    for x in range(len(row_new)):  # every changed character is inside a span
        if row_old[x] != row_new[x]:
            assert any(x1 <= x < x2 for x1, x2 in spans), x
    assert bulk_rows.changed_spans(old, old) == []


# ---- the view ------------------------------------------------------------------------------------


async def test_b_opens_the_jobs_view_with_one_row_per_job_and_escape_goes_back() -> None:
    app = _app()
    async with app.run_test(size=(160, 48)) as pilot:
        tasks_screen = app.screen
        screen = await _open(app, pilot)
        assert screen.table.ids == [SUBMITTED, RUNNING, DONE_WITH_FAILURES, FAILED, CLEAN]
        row = _row(screen, RUNNING)
        assert row.startswith("▶ IN_PROGRESS opp-bulk  ██▌░░░░░░░   1,234/5,000  1,200     34")
        assert "88/min" in row and "42m" in row and RUNNING in row and "crm-export-2026-11.csv" in row
        assert "11-28 08:45" in row
        assert _row(screen, FAILED).startswith("✗ FAILED      acct-bulk ████░░░░░░       120/300")
        title = screen.query_one("#bulk-title").plain_lines[0]
        assert title.startswith(" Bulk jobs · 2 running · 3 ended")
        # The header is the tasks screen's.
        assert "63 tasks" in screen.query_one("#header").plain_lines[0]
        await pilot.press("escape")
        assert app.screen is tasks_screen
        await pilot.press("b", "b")  # b closes it too
        await pilot.pause()
        assert app.screen is tasks_screen


async def test_a_running_job_s_progress_advances_as_the_store_changes() -> None:
    clock = MockClock(T0)
    app = _app(clock=clock)
    store = app.store
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await _open(app, pilot)
        await _select(screen, pilot, RUNNING)
        assert (
            "Progress  1,234 of 5,000 (24.7%) · 1,200 succeeded · 34 failed · 88/min" in screen.details.plain
        )
        bars = []
        for step in range(1, 6):
            clock.advance(60)
            processed = 1_234 + 500 * step
            store.apply_bulk_jobs([make_bulk_job(0, processed=processed, failed=34 + step)])
            await pilot.pause()
            row = _row(screen, RUNNING)
            assert f"{processed:,}/5,000" in row and f"{34 + step}" in row
            bars.append(row[24:34])
        assert bars == sorted(bars, key=lambda b: b.count("█") * 8 + len(b.rstrip("░")))
        assert bars[-1].count("█") > bars[0].count("█")
        assert "3,734 of 5,000 (74.7%)" in screen.details.plain
        # The submitted job (the newest) fails at once: it moves below the running one.
        store.apply_bulk_jobs(
            [
                make_bulk_job(
                    1,
                    "FAILED",
                    kind=BulkJobKind.CUSTOMER_ACCOUNT,
                    total=None,
                    created=T0 - timedelta(minutes=1),
                )
            ]
        )
        await pilot.pause()
        assert screen.table.ids == [RUNNING, SUBMITTED, DONE_WITH_FAILURES, FAILED, CLEAN]
        assert screen.table.selected_id == RUNNING
        # The running one ends: the bar full, no time left, among those ended by creation.
        store.apply_bulk_jobs([make_bulk_job(0, "COMPLETED", processed=5_000, failed=40)])
        await pilot.pause()
        assert screen.table.ids == [SUBMITTED, RUNNING, DONE_WITH_FAILURES, FAILED, CLEAN]
        assert screen.table.selected_id == RUNNING
        assert _row(screen, RUNNING).startswith("✓ COMPLETED   opp-bulk  ██████████   5,000/5,000")
        assert screen.query_one("#bulk-title").plain_lines[0].startswith(" Bulk jobs · 0 running · 5 ended")


async def test_selecting_a_job_fetches_its_failed_records_and_report_url_and_shows_them() -> None:
    app = _app()
    store, poller = app.store, app.poller
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await _open(app, pilot)
        await _select(screen, pilot, DONE_WITH_FAILURES)
        assert f"want_results {DONE_WITH_FAILURES} failed" in poller.calls
        assert f"want_report_url {DONE_WITH_FAILURES}" in poller.calls
        details = screen.details.plain
        assert "Failed records  12: fetching…" in details and "Report    asked for…" in details
        job = store.bulk_job(DONE_WITH_FAILURES)
        store.apply_bulk_results(make_results(job, count=5, complete=False))
        await pilot.pause()
        assert "Failed records  5 of 12 so far, fetching…" in screen.details.plain
        store.apply_bulk_results(make_results(job))
        report = make_report(job)
        store.apply_report_url(report)
        await pilot.pause()
        lines = screen.details.plain.splitlines()
        assert "Failed records  12" in lines
        first = lines.index("Failed records  12") + 1
        assert lines[first] == "O2000000  VALIDATION_ERROR  Customer.Account.WebsiteUrl must be a valid URL."
        assert len([line for line in lines[first:] if line.startswith("O2")]) == 12
        assert f"Report    {report.url}" in lines
        assert "          expires 2026-11-28 09:15:00 UTC · c copies it" in lines
        # Moving on and back asks only for what is missing (nothing).
        asked = len(poller.calls)
        await pilot.press("down", "up")
        await pilot.pause()
        assert screen.table.selected_id == DONE_WITH_FAILURES
        assert [c for c in poller.calls[asked:] if DONE_WITH_FAILURES in c] == []


async def test_what_is_asked_for_depends_on_the_job() -> None:
    app = _app()
    poller = app.poller
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await _open(app, pilot)
        for job_id in (SUBMITTED, RUNNING, FAILED, CLEAN):
            await _select(screen, pilot, job_id)
        asked = {c for c in poller.calls if c.startswith("want_")}
        # Running with failures: its failed records so far, not yet a report.
        assert f"want_results {RUNNING} failed" in asked and f"want_report_url {RUNNING}" not in asked
        # Failed as a whole, with failed records: both. Nothing failed, or nothing yet: nothing to fetch.
        assert {f"want_results {FAILED} failed", f"want_report_url {FAILED}"} <= asked
        assert not any(SUBMITTED in c or CLEAN in c for c in asked)
        await _select(screen, pilot, CLEAN)
        assert "Failed records  none" in screen.details.plain
        assert "Report    none: no record failed" in screen.details.plain
        await _select(screen, pilot, FAILED)
        assert "Failure   The file's header row names no CustomerAccountId column." in screen.details.plain
        # The running job ends while selected: its report and the records it now lacks are asked for.
        await _select(screen, pilot, RUNNING)
        app.store.apply_bulk_results(make_results(app.store.bulk_job(RUNNING)))
        await pilot.pause()
        before = len(poller.calls)
        app.store.apply_bulk_jobs([make_bulk_job(0, "COMPLETED", processed=5_000, failed=60)])
        await pilot.pause()
        assert sorted(poller.calls[before:]) == [
            f"want_report_url {RUNNING}",
            f"want_results {RUNNING} failed",
        ]
        app.store.apply_bulk_jobs(
            [make_bulk_job(0, "COMPLETED", processed=5_000, failed=60, file_name="x.csv")]
        )
        await pilot.pause()
        assert len(poller.calls) == before + 2  # asked once


async def test_c_copies_the_report_url_and_the_toast_never_shows_it() -> None:
    tmux_buffer: list[str] = []
    tmux = Clipboard(TMUX_LOAD, load_tmux_buffer=lambda text: tmux_buffer.append(text) is None)
    for clipboard, says in (
        (Clipboard(OSC52), "Sent the report URL"),  # arrival unknown: never "Copied"
        (Clipboard(NO_CLIPBOARD), "This terminal cannot set the clipboard"),
        (tmux, "Copied the report URL"),  # tmux took it into its buffer
    ):
        app = _app(clipboard=clipboard)
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await _open(app, pilot)
            await _select(screen, pilot, DONE_WITH_FAILURES)
            await pilot.press("c")
            await pilot.pause()
            (toast,) = app.notices.messages()
            assert "No report URL" in toast and app.clipboard == ""
            report = make_report(app.store.bulk_job(DONE_WITH_FAILURES))
            app.store.apply_report_url(report)
            await pilot.pause()
            await pilot.press("c")
            await pilot.pause()
            toast = app.notices.messages()[-1]
            assert app.clipboard == report.url
            assert report.url not in toast and "reports.example.com" not in toast
            assert DONE_WITH_FAILURES in toast and "valid until 09:15:00 UTC" in toast
            assert toast.startswith(says), toast
    assert tmux_buffer == [report.url]


async def test_an_expired_report_is_shown_expired_and_asked_for_again_when_selected_again() -> None:
    clock = MockClock(T0)
    app = _app(clock=clock)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await _open(app, pilot)
        await _select(screen, pilot, DONE_WITH_FAILURES)
        app.store.apply_report_url(make_report(app.store.bulk_job(DONE_WITH_FAILURES), expires_in=30))
        await pilot.pause()
        assert "c copies it" in screen.details.plain
        clock.advance(31)
        for _ in range(5):
            await pilot.pause(0.01)
        assert "Report    expired at 2026-11-28 09:00:30 UTC" in screen.details.plain
        asked = app.poller.calls.count(f"want_report_url {DONE_WITH_FAILURES}")
        await pilot.press("down", "up")
        await pilot.pause()
        assert app.poller.calls.count(f"want_report_url {DONE_WITH_FAILURES}") == asked + 1
        assert "Report    asked for…" in screen.details.plain


async def test_an_offline_view_fetches_nothing_and_says_so() -> None:
    app = _app(offline=True)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await _open(app, pilot)
        await _select(screen, pilot, DONE_WITH_FAILURES)
        assert "Failed records  12: not fetched (no poller in this view)" in screen.details.plain


async def test_no_jobs_known_says_how_they_come() -> None:
    app = make_app(store=FakeStore())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        assert screen.table.ids == [] and screen.table.selected_id is None
        assert "No bulk job known yet" in screen.details.plain
        app.store.apply_bulk_jobs([make_bulk_job(7, kind=BulkJobKind.CUSTOMER_ACCOUNT, processed=10)])
        await pilot.pause()
        assert screen.table.selected_id == "bulkjob-0000000000007"
        assert "IN_PROGRESS  bulkjob-0000000000007  acct-bulk" in screen.details.plain


async def test_resizing_while_open_keeps_the_selection_and_the_rows() -> None:
    app = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        await _select(screen, pilot, FAILED)
        narrow = screen.table.scrollable_content_region.width
        for size in ((160, 48), (80, 24), (160, 48)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            assert app.screen is screen and screen.table.selected_id == FAILED
            assert screen.table.region.width == size[0]
            assert screen.details.region.height > 5
        assert narrow == 80 and "acct-bulk" in screen.details.plain
        # Sideways: the job id and the file are a column away at 80.
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.press("right", "right", "right", "right", "right", "right", "right", "right", "right")
        await pilot.pause()
        assert screen.table.scroll_x > 0


async def test_the_view_is_still_while_nothing_changes_and_a_poll_costs_few_bytes() -> None:
    """Nothing moves with the clock alone: 30 seconds of ticks write nothing. A poll that moves the
    running job writes its changed characters only (the figure's bound is loose: the bench has the
    measurement, `bench_dashboard.py --only jobs`)."""
    clock = MockClock(T0)
    store = bulk_store(clock=clock)
    app = make_app(store=store, clock=clock, driver_class=CountingDriver)
    async with app.run_test(size=(160, 48), headless=False) as pilot:
        screen = await _open(app, pilot)
        await _select(screen, pilot, CLEAN)
        await pilot.pause(0.1)
        recorder = ScreenRecorder(app, 160, 48)
        for _ in range(30):
            clock.advance(1)
            await pilot.pause(0.01)
        assert recorder.bytes == 0
        clock.advance(5)
        store.apply_bulk_jobs([make_bulk_job(0, processed=1_300, failed=36)])
        await pilot.pause(0.1)
        assert 0 < recorder.bytes < 400, recorder.bytes


async def test_a_failing_bulk_listing_is_named_in_the_header_of_both_views() -> None:
    app = _app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await _open(app, pilot)
        app.poller.set_status(failing=(("opp-bulk jobs", "ThrottlingException: Rate exceeded"),))
        await pilot.pause()
        assert (
            "⚠ opp-bulk jobs: ThrottlingException: Rate exceeded"
            in screen.query_one("#header").plain_lines[1]
        )
        await pilot.press("escape")
        await pilot.pause()
        assert "⚠ opp-bulk jobs: ThrottlingException" in app.query_one("#header").plain_lines[1]
        assert app.poller.status == live_status(
            failing=(("opp-bulk jobs", "ThrottlingException: Rate exceeded"),)
        )


async def test_the_palette_offers_the_jobs_view_and_there_copying_the_report_url() -> None:
    app = _app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Bulk jobs" in titles and "Copy report URL" not in titles
        screen = await _open(app, pilot)
        titles = {c.title for c in app.get_system_commands(screen)}
        assert "Copy report URL" in titles


async def test_a_job_of_a_kind_this_version_does_not_know_is_shown_by_its_name_made_safe() -> None:
    store = FakeStore()
    odd = msgspec.structs.replace(make_bulk_job(5, processed=3), kind="Newer\x1b[2JBulkJob")
    store.apply_bulk_jobs([odd], quiet=True)
    app = make_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await _open(app, pilot)
        assert "Newer␛[2…" in _row(screen, odd.job_id)
        assert "Newer␛[2JBulkJob" in screen.details.plain


async def test_the_tasks_screen_waits_while_covered_and_catches_up_when_shown_again() -> None:
    """Under the jobs view the tasks screen draws nothing (Textual would repaint the whole jobs view for
    any region of it that changed); toasts still come; back on it, everything that changed is shown, laid
    out for the terminal's size now."""
    from tests.support.dashboard import make_records, with_status

    clock = MockClock(T0)
    store = bulk_store(clock=clock)
    app = make_app(store=store, clock=clock, driver_class=CountingDriver)
    async with app.run_test(size=(160, 48), headless=False) as pilot:
        tasks_screen = app.screen
        screen = await _open(app, pilot)
        await pilot.pause(0.1)
        recorder = ScreenRecorder(app, 160, 48)
        new = msgspec.structs.replace(make_records(61, seed=5)[60], task_status="IN_PROGRESS")
        running = next(r for r in store.tasks() if r.task_status == "IN_PROGRESS" and r.reason_code is None)
        store.apply_tasks([new], T0)
        store.apply_tasks([with_status(running, "FAILED", reason_code="InternalError")], T0)
        app.poller.set_status(calls_last_hour=99)
        for _ in range(3):
            clock.advance(1)
            await pilot.pause(0.02)
        assert any(running.task_id in m for m in app.notices.messages())  # the notice came
        assert running.task_id in screen.query_one("#notices").plain  # in the jobs view's notice row
        assert new.task_id not in app.table.row_ids()  # the table waits
        assert recorder.bytes < 3_000  # the toast and the jobs view's header, not a repaint a second
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is tasks_screen and tasks_screen.has_class("-narrow")
        assert new.task_id in app.table.row_ids()
        assert app.store.task(running.task_id).task_status == "FAILED"
        assert "calls 99/h" in app.query_one("#header").plain_lines[1]
        assert screen is not app.screen


async def test_while_shown_the_view_asks_for_new_jobs_at_once_and_every_two_minutes() -> None:
    """A job started elsewhere shows within two minutes while someone looks at the jobs (the slow lane
    alone looks every 90 minutes); closed, the view asks nothing more."""
    clock = MockClock(T0)
    poller = FakePoller()
    app = _app(clock=clock, poller=poller)

    def looks() -> int:
        return poller.calls.count("want_bulk_jobs")

    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert looks() == 0  # the tasks view does not ask
        screen = await _open(app, pilot)
        assert looks() == 1
        clock.advance(119)
        app._tick()
        assert looks() == 1
        clock.advance(1)
        app._tick()
        assert looks() == 2 and screen.is_current
        await pilot.press("escape")
        await pilot.pause()
        clock.advance(600)
        app._tick()
        assert looks() == 2


async def test_at_80_columns_a_row_shows_everything_up_to_the_time_left() -> None:
    """Even beside the scrollbar of a long list (the demo's 160 jobs)."""
    store = bulk_store()
    ended = [
        make_bulk_job(10 + i, "COMPLETED", processed=5_000, created=T0 - timedelta(days=1 + i))
        for i in range(40)
    ]
    store.apply_bulk_jobs(ended, quiet=True)
    app = _app(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot)
        table = screen.table
        shown = table.scrollable_content_region.width  # (the scrollbar's column left out)
        assert table.show_vertical_scrollbar and shown < 80
        header = table.render_line(0).text[:shown]
        assert header.rstrip().endswith("Left"), header
        row = table.render_line(1 + table.ids.index(RUNNING)).text[:shown]
        progress = bulk_progress(screen.store.bulk_job(RUNNING), screen.table.as_of(RUNNING))  # type: ignore[arg-type]
        assert row.rstrip().endswith(bulk_rows.time_left(progress)) and bulk_rows.time_left(progress)

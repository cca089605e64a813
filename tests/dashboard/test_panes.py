"""What each pane shows: header, error details (reason explanations, API errors), snapshot jobs and
invitations, activity, and the toasts for finished tasks."""

from __future__ import annotations

from datetime import timedelta

from schemas import ThrottlingException, ValidationException, ValidationExceptionError
from schemas.kinds import TASK_KINDS
from tests.support.dashboard import T0, live_status, make_app, make_job, populated_store, until, with_status
from tui.core.reason_help import REASON_HELP, UNKNOWN_REASON, explain
from tui.core.settings import Settings
from tui.dashboard.screens.help import KEYS
from tui.engine.api import AskedJob


def test_every_known_reason_code_has_an_explanation_and_unknown_ones_a_fallback() -> None:
    from schemas import ReasonCode

    assert set(REASON_HELP) == set(ReasonCode.KNOWN) and len(REASON_HELP) == 22
    assert all(h.meaning and h.action for h in REASON_HELP.values())
    assert len({h.meaning for h in REASON_HELP.values()}) == 22
    assert explain("SomethingNew") is UNKNOWN_REASON
    assert explain(None).meaning


async def _select_first(app, pilot, status: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    keys = {"IN_PROGRESS": ("2", "3"), "COMPLETE": ("1", "3"), "FAILED": ("1", "2")}[status]
    await pilot.press(*keys)


async def test_details_explain_a_failed_task() -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await _select_first(app, pilot, "FAILED")
        record = app.store.task(app.table.selected_id)
        text = app.query_one("#details").plain
        help_ = explain(record.reason_code)
        assert record.reason_code in text
        assert help_.meaning in text and help_.action in text
        assert record.message in text
        assert "FAILED" in text and record.task_id in text
        kind = TASK_KINDS[record.kind]
        assert f"{kind.short}: {kind.label}" in text  # the kind by its short name, and what it does


async def test_the_message_shows_without_scrolling_at_any_size() -> None:
    """At 80x24 the details pane has 9 lines: the ReasonCode and the Message come right under the task's
    id when it all does not fit (and back in their place when the terminal grows)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _select_first(app, pilot, "FAILED")
        record = app.store.task(app.table.selected_id)
        details = app.query_one("#details")
        body = app.query_one("#details-body")

        def line_of(start: str) -> int:
            return next(i for i, line in enumerate(body.plain_lines) if line.lstrip().startswith(start))

        for size in ((80, 24), (100, 30), (120, 40), (160, 48)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            assert details.scroll_y == 0
            at = line_of("Message")  # its text on the same line, or the next
            assert at + 1 < details.scrollable_content_region.height, size
            assert record.message.split()[0] in " ".join(body.plain_lines[at : at + 2]), size
            assert record.reason_code in details.plain
        assert line_of("Started") < line_of("Reason")  # room for it all: in the order of events
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert line_of("Reason") < line_of("Message") < line_of("Started") < line_of("Meaning")


async def test_details_of_a_running_task_say_it_is_running() -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await _select_first(app, pilot, "IN_PROGRESS")
        assert "Running; no error so far." in app.query_one("#details").plain


def _took(app) -> str:  # type: ignore[no-untyped-def]
    return next(line for line in app.query_one("#details").plain.splitlines() if line.startswith("Took"))


async def test_a_running_task_s_time_advances_every_second_and_stops_when_it_ends() -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        record = app.store.task(app.table.selected_id)  # running tasks come first
        assert record.task_status == "IN_PROGRESS"
        seen = [_took(app)]
        for _ in range(3):
            app.clock.advance(1)
            await pilot.pause()
            seen.append(_took(app))
        assert len(set(seen)) == 4 and all(t.endswith("so far") for t in seen), seen
        app.store.apply_tasks([with_status(record, "COMPLETE")], app.clock.now())
        await pilot.pause()
        assert app.table.selected_id == record.task_id
        done = _took(app)
        assert not done.endswith("so far")
        app.clock.advance(5)
        await pilot.pause()
        assert _took(app) == done


async def test_the_stale_age_in_the_header_ticks() -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        app.poller.set_status(state="stale", stale_since=app.clock.now())
        ages = []
        for _ in range(3):
            app.clock.advance(1)
            await pilot.pause()
            ages.append(app.query_one("#header").plain_lines[1])
        assert [("stale for 1s" in a, "stale for 2s" in a, "stale for 3s" in a) for a in ages] == [
            (True, False, False),
            (False, True, False),
            (False, False, True),
        ]


async def test_api_errors_show_exception_reason_and_each_error_list_entry() -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        error = ValidationException(
            message="1 validation error",
            reason="FIELD_VALIDATION_FAILED",
            error_list=[
                ValidationExceptionError(
                    field_name="Catalog", message="must be AWS or Sandbox", code="INVALID_ENUM_VALUE"
                ),
                ValidationExceptionError(field_name="MaxResults", message="too big", code="INVALID_VALUE"),
            ],
        )
        app.poller.set_status(
            state="stale",
            last_error="invalid request — check --catalog",
            last_service_error=error,
            stale_since=T0,
        )
        await pilot.pause()
        text = app.query_one("#details").plain
        for part in (
            "ValidationException",
            "FIELD_VALIDATION_FAILED",
            "Catalog",
            "must be AWS or Sandbox",
            "INVALID_ENUM_VALUE",
            "MaxResults",
        ):
            assert part in text
        header = app.query_one("#header").plain_lines[1]
        assert "stale" in header and "invalid request — check --catalog" in header
        app.poller.set_status(state="live", last_error=None, last_service_error=None, stale_since=None)
        await pilot.pause()
        assert "ValidationException" not in app.query_one("#details").plain
        app.poller.set_status(last_service_error=ThrottlingException(message="slow down"))
        await pilot.pause()
        assert "ThrottlingException" in app.query_one("#details").plain


async def test_details_show_a_failed_poll_without_service_error_in_full() -> None:
    """Missing credentials or a network fault have no service error struct: the one-line account with
    its fix, cut short in the header, is shown whole in the details pane, and goes when polls succeed."""
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        fix = "credentials expired — run: aws sso login --profile partner-prod \x1b[2J[red]x[/red]"
        app.poller.set_status(state="stale", last_error=fix, stale_since=T0)
        await pilot.pause()
        text = app.query_one("#details").plain
        assert "Last poll failed: credentials expired — run: aws sso login --profile partner-prod" in text
        assert "[red]x[/red]" in text and "\x1b" not in text
        app.poller.set_status(state="live", last_error=None, stale_since=None)
        await pilot.pause()
        assert "Last poll failed" not in app.query_one("#details").plain


async def test_header_marks_the_production_catalog_and_counts_tasks() -> None:
    app = make_app(settings=Settings(catalog="AWS", profile="partner-prod"))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        line1, line2 = app.query_one("#header").plain_lines
        assert "AWS · PRODUCTION" in line1 and "profile partner-prod" in line1
        assert "200 tasks" in line1
        assert "calls 42/h" in line2 and "9,000 left today" in line2 and "live" in line2
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        assert "PRODUCTION" not in app.query_one("#header").plain_lines[0]
        assert "Sandbox" in app.query_one("#header").plain_lines[0]


async def test_header_shows_stale_age_as_of_the_latest_poll_report() -> None:
    app = make_app(poller=None)
    from tests.support.dashboard import FakePoller

    poller = FakePoller(live_status(state="stale", stale_since=T0, last_success={"x": T0}))
    app = make_app(poller=poller)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        app.clock.advance(125)
        poller.set_status(calls_last_hour=43)
        await pilot.pause()
        assert "stale for 2m05s" in app.query_one("#header").plain_lines[1]


async def test_snapshot_pane_shows_the_selected_tasks_job_and_all_jobs() -> None:
    store = populated_store(200)
    app = make_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        await _select_first(app, pilot, "COMPLETE")
        record = store.task(app.table.selected_id)
        store.apply_jobs([make_job(record, failure="template AWSOpportunitySummary not found")])
        await pilot.pause()
        lines = " ".join(app.query_one("#jobs").plain_lines)  # wrapped lines, joined
        assert record.resource_snapshot_job_id in lines
        assert "status Stopped" in lines
        assert "last failure: template AWSOpportunitySummary not found" in lines
        assert f"Jobs known: {len(store.jobs())}" in lines
        assert "Pending invitations: 3" in lines


async def test_selecting_a_task_whose_job_is_unknown_asks_the_poller_for_it() -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await _select_first(app, pilot, "COMPLETE")
        for _ in range(60):
            record = app.store.task(app.table.selected_id)
            if app.store.job(record.resource_snapshot_job_id) is None:
                break
            await pilot.press("down")
        await pilot.pause()
        job_id = record.resource_snapshot_job_id
        assert f"want_job {job_id}" in app.poller.calls
        # The pane says what is really pending: the poller's word on the job's call (issue 25).
        jobs = app.query_one("#jobs")

        def shown() -> str:  # (the pane wraps its lines)
            return " ".join(jobs.plain_lines)

        assert "fetching…" in shown()
        now = app.clock.now()
        app.poller.set_status(asked_jobs=(AskedJob(job_id, "rate", now + timedelta(seconds=12)),))
        await pilot.pause()
        assert "waiting for the request budget (next call in 12s)" in shown()
        app.clock.advance(5)  # the second hand counts it down
        await pilot.pause(0.05)
        await until(
            pilot,
            app.clock,
            lambda: "waiting for the request budget (next call in 7s)" in shown(),
            step=0.0,
        )
        failed = AskedJob(
            job_id, "retry", app.clock.now() + timedelta(seconds=30), "InternalServerException: boom"
        )
        app.poller.set_status(asked_jobs=(failed,))
        await pilot.pause()
        assert "the call failed: InternalServerException: boom · retrying in 30s" in shown()
        app.poller.set_status(asked_jobs=(AskedJob(job_id, "gone", error="ResourceNotFoundException"),))
        await pilot.pause()
        assert "the service has no such job" in shown() and "not fetched yet" not in shown()


async def test_a_task_that_ends_while_selected_asks_for_its_job_at_once() -> None:
    """(issue 25: its job came with the job queue's turn, one a minute, the newest first: minutes)"""
    store = populated_store(200)
    app = make_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()  # (the default sort: running tasks first)
        running = store.task(app.table.selected_id)
        assert running.task_status == "IN_PROGRESS" and running.resource_snapshot_job_id is None
        app.poller.calls.clear()
        store.apply_tasks([with_status(running, "COMPLETE", resource_snapshot_job_id="job-new1234567")], T0)
        await pilot.pause()
        assert app.table.selected_id == running.task_id
        assert app.poller.calls.count("want_job job-new1234567") == 1
        assert "fetching…" in " ".join(app.query_one("#jobs").plain_lines)
        store.apply_tasks(
            [with_status(running, "COMPLETE", resource_snapshot_job_id="job-new1234567", message="x")], T0
        )
        await pilot.pause()
        assert app.poller.calls.count("want_job job-new1234567") == 1  # asked once, not at each change


async def test_activity_lists_transitions_newest_first_and_toasts_finished_tasks() -> None:
    store = populated_store(200)
    app = make_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        running = [r for r in store.tasks() if r.task_status == "IN_PROGRESS"][:2]
        store.apply_tasks([with_status(running[0], "COMPLETE")], T0)
        await pilot.pause()
        store.apply_tasks([with_status(running[1], "FAILED", reason_code="EngagementConflict")], T0)
        await pilot.pause()
        lines = app.query_one("#activity").plain_lines
        assert running[1].task_id in lines[0] and "IN_PROGRESS → ✗ FAILED" in lines[0]
        assert running[0].task_id in lines[1] and "✓ COMPLETE" in lines[1]
        # Both name the kind by its short name.
        assert f" {TASK_KINDS[running[1].kind].short} {running[1].task_id} " in lines[0]
        messages = app.notices.messages()
        assert f"✓ {TASK_KINDS[running[0].kind].short} {running[0].task_id} complete" in messages
        assert any(running[0].task_id in m and "complete" in m for m in messages)
        assert any(running[1].task_id in m and "EngagementConflict" in m for m in messages)
        # a burst becomes one summary toast
        others = [r for r in store.tasks() if r.task_status == "IN_PROGRESS"][:5]
        store.apply_tasks([with_status(r, "COMPLETE") for r in others], T0)
        await pilot.pause()
        assert any(m == f"✓ {len(others)} completed" for m in app.notices.messages())


async def test_narrow_terminals_stack_the_panes_and_hide_activity() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.has_class("-narrow")
        assert not app.query_one("#activity").display
        details = app.query_one("#details")
        assert details.region.y > app.table.region.y
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        assert not app.screen.has_class("-narrow")
        assert app.query_one("#activity").display


async def test_l_shows_the_activity_below_120_columns_and_a_tall_terminal_shows_it_at_once() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        activity = app.query_one("#activity")
        assert not activity.display
        await pilot.press("l")
        assert activity.display and activity.region.height > 1
        assert activity.region.y > app.query_one("#details").region.y  # below the side panes
        assert app.table.region.height >= 3  # (a header and two rows)
        await pilot.resize_terminal(100, 30)  # asked for: it stays at any size
        await pilot.pause()
        assert activity.display and activity.region.height > 1
        await pilot.press("l")
        assert not activity.display
        await pilot.resize_terminal(160, 48)  # hidden as this size hides it: it follows the size again
        await pilot.pause()
        assert activity.display
        await pilot.press("l")
        assert not activity.display
        await pilot.resize_terminal(200, 60)  # hidden when asked to, even with room for it
        await pilot.pause()
        assert not activity.display
        await pilot.press("l")
        assert activity.display
    assert any(key == "l" and "activity" in what for key, what in KEYS)  # the help names it

    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert app.screen.has_class("-narrow") and app.query_one("#activity").display
        assert app.table.region.height >= 18
        await pilot.resize_terminal(100, 39)
        await pilot.pause()
        assert not app.query_one("#activity").display


async def test_a_crashed_poller_is_reported_not_hidden() -> None:
    from tests.support.dashboard import FakePoller

    poller = FakePoller()
    poller.fail_with = RuntimeError("boom\x1b[2J")
    app = make_app(poller=poller)
    async with app.run_test(size=(120, 30)) as pilot:
        for _ in range(20):
            await pilot.pause(0.02)
            if app.notices.messages():
                break
        messages = app.notices.messages()
        assert any("polling stopped: boom␛[2J" in m for m in messages)

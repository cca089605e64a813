"""What the header says about trouble: each failing source by name (the rest staying live), a late look
for new tasks, a spent or saving budget. Pure: `header_state` and `header_lines` on a PollerStatus."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.support.dashboard import T0, FakePoller, make_app
from tui.core.settings import Settings
from tui.dashboard.header import header_state
from tui.dashboard.widgets.header_status import header_lines
from tui.engine.types import JournalNotWritten, PollerStatus

NOW = T0 + timedelta(hours=1)
GONE = "GetResourceSnapshotJob: ResourceNotFoundException: no such job"


def status_line(**status: object) -> str:
    status.setdefault("calls_left_today", 9_000)  # (none left is "over budget")
    state = header_state(Settings(), PollerStatus(**status), None)  # type: ignore[arg-type]
    return header_lines(state, NOW)[1].plain


def test_a_failing_source_is_named_once_and_the_state_stays_live() -> None:
    line = status_line(state="live", last_error=GONE, failing=(("job job-7", GONE),))
    assert "● live" in line
    assert f"⚠ job job-7: {GONE}" in line
    assert line.count("ResourceNotFoundException") == 1


def test_an_error_that_holds_every_source_comes_first_then_each_failing_source() -> None:
    throttled = "ListEngagementInvitations: ThrottlingException: Rate exceeded"
    line = status_line(state="backoff", last_error=throttled, failing=(("job job-7", GONE),))
    assert line.index(throttled) < line.index("job job-7")
    assert line.index("⚠ ") < line.index(throttled)


def test_hostile_source_names_and_errors_are_shown_literally() -> None:
    line = status_line(state="live", failing=(("job \x1b[2Jevil", "boom\x1b]0;owned\x07 [b]x[/b]"),))
    assert "\x1b" not in line and "\x07" not in line
    assert "[b]x[/b]" in line  # Rich markup is text, not style


def test_a_late_look_for_new_tasks_shows_its_age_only_when_well_past_its_cadence() -> None:
    fresh = NOW - timedelta(seconds=10)
    late = status_line(
        state="live", scanned={"a": fresh, "b": NOW - timedelta(seconds=400), "c": fresh}, scan_every=180.0
    )
    assert "new tasks checked 6m40s ago" in late
    on_time = status_line(state="live", scanned={"a": NOW - timedelta(seconds=200)}, scan_every=180.0)
    assert "new tasks checked" not in on_time


def test_a_spent_budget_says_when_calls_return_and_a_low_one_says_it_saves() -> None:
    spent = status_line(
        state="live",
        calls_last_hour=120,
        calls_left_today=0,
        budget_resumes_at=T0 + timedelta(hours=2, minutes=5),
    )
    assert "● over budget" in spent
    assert "0 left today · calls return 11:05:00" in spent and "budget spent" not in spent  # (said once)
    paused = status_line(state="paused", calls_left_today=0, budget_resumes_at=T0 + timedelta(hours=2))
    assert "● paused" in paused and "budget spent, calls return 11:00:00" in paused
    saving = status_line(state="live", calls_last_hour=120, calls_left_today=900, saving=True)
    assert "saving budget" in saving and "budget spent" not in saving


def test_a_journal_not_written_is_said_with_its_reason_and_path_and_the_state_stays_live() -> None:
    path = f"{Path.home()}/state/{'deep/' * 20}j\x1b[2J.sqlite3"
    line = status_line(state="live", journal_not_written=JournalNotWritten("disk full", path))
    assert "● live" in line and "no errors" not in line
    assert "⚠ journal not written: disk full (…" in line and "\x1b" not in line
    assert "/deep/j␛[2J.sqlite3)" in line  # (the end of the path, shown literally)
    short = status_line(state="live", journal_not_written=JournalNotWritten("read-only", f"{Path.home()}/j"))
    assert "journal not written: read-only (~/j)" in short
    assert "journal" not in status_line(state="live")


def test_a_log_file_not_written_is_said_once_in_the_header() -> None:
    state = header_state(
        Settings(), PollerStatus(state="live", calls_left_today=9), None, log_file=("disk full", "/l")
    )
    line = header_lines(state, NOW)[1].plain
    assert "log file not written: disk full (/l)" in line and "no errors" not in line


def test_stale_never_shows_a_last_poll_after_the_trouble_began() -> None:
    # Issue 27: after space returned, `stale for 1m24s last poll 12:53:58`: the invitations answered
    # while a kind's listing still backed off from the failure that made it stale.
    began = NOW - timedelta(seconds=84)
    status = PollerStatus(
        state="stale",
        calls_left_today=9,
        stale_since=began,
        last_success={"kind": began - timedelta(seconds=10), "invitations": NOW - timedelta(seconds=2)},
    )
    state = header_state(Settings(), status, None, NOW)
    assert state.since == began and state.last_poll is not None and state.last_poll <= began
    line = header_lines(state, NOW)[1].plain
    assert "stale for 1m24s" in line and f"last poll {(began - timedelta(seconds=10)):%H:%M:%S}" in line


async def test_the_dashboard_header_says_the_journal_is_not_written_until_it_is() -> None:
    poller = FakePoller()
    app = make_app(poller=poller)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        poller.set_status(journal_not_written=JournalNotWritten("disk full", "/small/j.sqlite3"))
        await pilot.pause()
        assert "journal not written: disk full (/small/j.sqlite3)" in app.query_one("#header").plain_lines[1]
        poller.set_status(journal_not_written=None)
        await pilot.pause()
        assert "journal not written" not in app.query_one("#header").plain_lines[1]


def test_publishing_is_shown_beside_the_budget_with_its_own_calls() -> None:
    from tui.engine.types import NotifyState

    line = status_line(
        state="live", notify=NotifyState(target="EventBridge bus b", calls=4, sent=12, backlog=3)
    )
    assert "calls 0/h · 9,000 left today · notify 12 sent · 3 waiting · 4 calls" in line
    failing = status_line(
        state="live", notify=NotifyState(sent=1, backlog=9, last_error="ThrottlingException")
    )
    assert "notify 1 sent · 9 waiting · failing" in failing
    assert "notify" not in status_line(state="live")

"""A spoofed or broken endpoint's bodies: JSON nested 200,000 deep (as a 200 and as a 400 error body) and
bodies of 50 MB (with and without a Content-Length). Each is a clear error naming the operation — no
traceback, nothing journaled from it — and the dashboard shows it and keeps going."""

from __future__ import annotations

import pytest

from tests.support.dashboard import T0, until
from tui.__main__ import main
from tui.aws.errors import failure_from_exception
from tui.aws.failures import ApiFailure, MalformedResponse
from tui.commands.dashboard import build_app
from tui.core.clock import MockClock
from tui.core.settings import Settings
from tui.engine.journal import Journal
from tui.simulator import Faults, Simulator, serve
from tui.simulator.demo import DemoWorld
from tui.simulator.operations import OPERATIONS

LIST_OPERATION = "ListEngagementByAcceptingInvitationTasks"
EXPECTED = {
    "deep_body": "nested deeper than 64 levels",
    "deep_error_body": "nested deeper than 64 levels",
    "huge_body": "the response is 50,000,000 bytes, over the 16 MiB limit",
    "huge_unsized_body": "over the 16 MiB limit",
}


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_pcwatch_list_says_what_was_refused_in_one_line(fault, monkeypatch, capsys) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "pcwatch-local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "pcwatch-local-secret")
    sim = Simulator(seed=1, history=10, enforce_quotas=False, faults=Faults(**{fault: 1.0}))
    with serve(sim) as endpoint:
        code = main(["--endpoint-url", endpoint.url, "--no-journal", "list"])
    out, err = capsys.readouterr()
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"pcwatch list: {LIST_OPERATION}: ")
    assert EXPECTED[fault] in err and "Traceback" not in err
    assert sim.stats.calls[LIST_OPERATION] == 1  # refused, not retried into the quota


def test_every_exception_a_call_can_raise_maps_to_a_failure() -> None:
    """The path errors.py could never run (it named botocore.exceptions.ResponseParserError)."""
    from botocore.parsers import ResponseParserError

    parsed = failure_from_exception(ResponseParserError("Unable to parse response"), profile=None, sso=False)
    assert isinstance(parsed, MalformedResponse) and "unreadable response" in parsed.message
    for exc in (RecursionError("maximum recursion depth exceeded"), ValueError("x"), KeyError("y")):
        failure = failure_from_exception(exc, profile=None, sso=False)
        assert isinstance(failure, ApiFailure) and type(exc).__name__ in failure.message


@pytest.mark.parametrize("fault", sorted(EXPECTED))
async def test_the_dashboard_shows_the_refusal_journals_nothing_from_it_and_keeps_going(
    fault, tmp_path
) -> None:
    clock = MockClock(T0)
    journal_path = tmp_path / "journal.sqlite3"
    settings = Settings(demo=True, journal_path=journal_path)
    dashboard = build_app(
        settings, clock=clock, demo=DemoWorld(history=30, activity_per_minute=0), toasts=False
    )
    app = dashboard.app
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await until(pilot, clock, lambda: app.table.row_count >= 30)
            sim = dashboard.demo.simulator
            sim.faults = Faults(**{fault: 1.0, "huge_body_bytes": 17 * 1024 * 1024 + 1})
            hidden = sim.add_task(duration=5.0, outcome="COMPLETE")
            app.poller.refresh_now()
            await until(pilot, clock, lambda: app.poller.status.state == "stale")
            operation, _, error = app.poller.status.last_error.partition(": ")
            assert operation in OPERATIONS  # whichever call met the fault first, by name
            assert "over the 16 MiB limit" in error if "huge" in fault else EXPECTED[fault] in error

            # The header names the failing source ("inv-to-eng tasks: …") and then the call that failed:
            # the latest to fail (every call fails now, so which one that is moves on as the clock does).
            def names_the_latest_failure() -> bool:
                latest = (app.poller.status.last_error or "").partition(": ")[0]
                return latest in OPERATIONS and latest[:20] in app.query_one("#header").plain_lines[1]

            await until(pilot, clock, names_the_latest_failure, step=0.0)
            assert "⚠ " in app.query_one("#header").plain_lines[1]
            assert app.store.task(hidden) is None
            journal = Journal(journal_path)
            try:
                assert hidden not in {row.record.task_id for row in journal.load().tasks}
            finally:
                journal.close()

            sim.faults = Faults()
            app.poller.refresh_now()
            await until(pilot, clock, lambda: app.poller.status.state == "live")
            await until(pilot, clock, lambda: hidden in app.table.row_ids())
    finally:
        dashboard.close()

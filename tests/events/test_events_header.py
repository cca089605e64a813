"""The header says when events drive the polling, how old the last event is (it moves every second), and
when the queue failed and polling is back to its normal cadence."""

from __future__ import annotations

from tests.support.dashboard import make_app


async def test_header_shows_events_and_the_age_of_the_last_event_then_the_fallback() -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        assert "events" not in app.query_one("#header").plain_lines[1]  # no queue: nothing said
        app.poller.set_status(events="live", last_event_at=app.clock.now())
        ages = []
        for _ in range(2):
            app.clock.advance(1)
            await pilot.pause()
            ages.append(app.query_one("#header").plain_lines[1])
        assert "events · last 1s ago" in ages[0] and "events · last 2s ago" in ages[1]
        app.poller.set_status(events="down", events_error="events queue q does not exist (deleted?)")
        await pilot.pause()
        line = app.query_one("#header").plain_lines[1]
        assert "events down · polling" in line
        assert "⚠ events queue q does not exist (deleted?)" in line

"""The invitations view inside the real dashboard (real store, poller, client, in-process endpoint, mock
clock): `i` opens it, `a` + confirm accepts through the write ledger, the new task shows in the tasks
table at once; read-only mode leaves no write key."""

from __future__ import annotations

from dataclasses import replace

from tests.support.dashboard import T0, until
from tui.commands.dashboard import build_app
from tui.core.clock import MockClock
from tui.core.settings import Settings
from tui.dashboard.screens.invitations import InvitationsScreen
from tui.simulator.demo import DemoWorld


async def test_accept_from_the_invitations_view_starts_a_task_shown_at_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = MockClock(T0)
    settings = Settings(demo=True, journal_path=tmp_path / "journal.sqlite3")
    dashboard = build_app(
        settings, clock=clock, demo=DemoWorld(history=50, activity_per_minute=0), toasts=False
    )
    app = dashboard.app
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await until(pilot, clock, lambda: app.table.row_count >= 50)
            app.poller.refresh_now()
            await until(pilot, clock, lambda: any(i.status == "PENDING" for i in app.store.invitations()))
            await pilot.press("i")
            screen = app.screen
            assert isinstance(screen, InvitationsScreen)
            # The task keys are hidden here: `s` must not re-sort the hidden table.
            sort_before = app.table.sort
            await pilot.press("s")
            assert app.table.sort == sort_before
            chosen = screen.pane.selected
            assert chosen is not None and chosen.status == "PENDING"
            tasks_before = len(app.store)
            # The history may hold an earlier accept of it that failed (it stays PENDING then).
            known_before = {t.task_id for t in app.store.tasks()}
            await pilot.press("a")
            await pilot.pause(0.05)
            await pilot.press("enter")  # the confirmation's default button on Sandbox is Accept
            await until(pilot, clock, lambda: len(app.store) == tasks_before + 1, step=0.0, rounds=200)
            new = [t for t in app.store.tasks() if t.task_id not in known_before]
            assert len(new) == 1 and new[0].engagement_invitation_id == chosen.id
            assert new[0].task_status == "IN_PROGRESS"
            assert "done: task " + new[0].task_id in str(screen.query_one("#invitations-result").render())
            entries = app.actions.ledger.entries()
            assert [e.target_id for e in entries] == [chosen.id]
            await pilot.press("escape")
            assert new[0].task_id in app.table.row_ids()
    finally:
        dashboard.close()


async def test_read_only_dashboard_has_no_write_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = MockClock(T0)
    settings = replace(Settings(demo=True, no_journal=True), read_only=True)
    dashboard = build_app(
        settings, clock=clock, demo=DemoWorld(history=20, activity_per_minute=0), toasts=False
    )
    app = dashboard.app
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            assert app.actions is None
            await until(pilot, clock, lambda: app.table.row_count >= 20)
            app.poller.refresh_now()
            await until(pilot, clock, lambda: any(i.status == "PENDING" for i in app.store.invitations()))
            await pilot.press("i")
            screen = app.screen
            assert isinstance(screen, InvitationsScreen)
            before = len(app.store)
            await pilot.press("a", "x")
            await pilot.pause(0.05)
            assert len(app.screen_stack) == 2  # no confirmation was pushed
            assert len(app.store) == before
            keys = {b.binding.key for b in screen.active_bindings.values()}
            assert "a" not in keys and "x" not in keys
            commands = [c.title for c in app.get_system_commands(app.screen)]
            assert "Engagement invitations" in commands
    finally:
        dashboard.close()


async def test_the_time_left_moves_with_the_clock() -> None:
    from tests.support.dashboard import make_app, make_invitation, populated_store

    store = populated_store(20)
    store.apply_invitations([make_invitation(0)])  # expires 14 days after T0
    app = make_app(store=store)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("i")
        screen = app.screen
        assert isinstance(screen, InvitationsScreen)
        before = "\n".join(screen.pane.plain_lines)
        assert "14d 0h left" in before
        app.clock.advance(3600)  # no poll, no store change: the app's tick alone
        await pilot.pause()
        assert "13d 23h left" in "\n".join(screen.pane.plain_lines)

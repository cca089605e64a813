"""The invitations view inside the real dashboard (real store, poller, client, in-process endpoint, mock
clock): `i` opens it, `a` + confirm accepts through the write ledger, the new task shows in the tasks
table at once; read-only mode leaves no write key."""

from __future__ import annotations

import re
from dataclasses import replace

from tests.support.dashboard import T0, until
from tui.commands.dashboard import build_app
from tui.core.clock import MockClock
from tui.core.settings import Settings
from tui.dashboard.screens.invitations import InvitationsScreen
from tui.simulator.demo import DemoWorld


def _demo_dashboard(tmp_path, clock):  # type: ignore[no-untyped-def]
    """The demo's dashboard on a journal of its own: 50 tasks of history, no activity of its own."""
    settings = Settings(demo=True, journal_path=tmp_path / "journal.sqlite3")
    return build_app(settings, clock=clock, demo=DemoWorld(history=50, activity_per_minute=0), toasts=False)


async def _open_invitations(app, pilot, clock) -> InvitationsScreen:  # type: ignore[no-untyped-def]
    """Once the history is shown and a pending invitation is known: `i`, the invitations view."""
    await until(pilot, clock, lambda: app.table.row_count >= 50)
    app.poller.refresh_now()
    await until(pilot, clock, lambda: any(i.status == "PENDING" for i in app.store.invitations()))
    await pilot.press("i")
    screen = app.screen
    assert isinstance(screen, InvitationsScreen)
    return screen


async def test_accept_from_the_invitations_view_starts_a_task_shown_at_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = MockClock(T0)
    dashboard = _demo_dashboard(tmp_path, clock)
    app = dashboard.app
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await _open_invitations(app, pilot, clock)
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


def _sim_invitation(dashboard, invitation_id: str):  # type: ignore[no-untyped-def]
    """The local endpoint's own record of the invitation (the simulator's, not pcwatch's)."""
    return dashboard.demo.simulator.world("Sandbox").invitations[invitation_id]


def _counts(summary: str) -> tuple[int, int]:
    """(pending, being accepted) from the pane's first line."""
    found = re.match(r"(\d+) pending(?: \((\d+) being accepted\))?", summary)
    assert found is not None, summary
    return int(found[1]), int(found[2] or 0)


async def _listed_again(app, pilot, clock, dashboard) -> None:  # type: ignore[no-untyped-def]
    """Refresh now (every source due: the look for new invitations and the sweep's next turn) and wait
    until the endpoint has been asked for the pending invitations again."""
    calls = dashboard.demo.simulator.stats.calls
    before = calls["ListEngagementInvitations"]
    app.poller.refresh_now()
    await until(pilot, clock, lambda: calls["ListEngagementInvitations"] > before, step=0.5)
    await pilot.pause()


async def _accept_the_first_pending(app, pilot, clock):  # type: ignore[no-untyped-def]
    """Open the invitations view, accept the selected pending invitation; returns (screen, invitation,
    (pending, being accepted) before)."""
    screen = await _open_invitations(app, pilot, clock)
    for _ in range(20):  # (the history holds earlier accepts of some, failed: one without)
        chosen = screen.pane.selected
        if chosen is not None and chosen.status == "PENDING" and app.store.acceptance(chosen.id) is None:
            break
        await pilot.press("down")
    assert chosen is not None and chosen.status == "PENDING" and app.store.acceptance(chosen.id) is None
    counts = _counts(screen.pane.plain_lines[0])
    await pilot.press("a")
    await pilot.pause(0.05)
    await pilot.press("enter")  # Sandbox: Accept is the default button
    await until(pilot, clock, lambda: screen.pane.acceptance(chosen.id) is not None, step=0.0, rounds=200)
    return screen, chosen, counts


async def test_an_accepted_invitation_says_accepting_until_its_task_completes_then_leaves(tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = MockClock(T0)
    dashboard = _demo_dashboard(tmp_path, clock)
    app = dashboard.app
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            screen, chosen, (pending, accepting) = await _accept_the_first_pending(app, pilot, clock)
            lines = screen.pane.plain_lines
            row = next(line for line in lines if chosen.id in line)
            acceptance = app.store.acceptance(chosen.id)
            assert acceptance is not None and acceptance.task is not None
            task_id = acceptance.task.task_id
            assert "ACCEPTING…" in row and f"task {task_id} running" in row
            assert _counts(lines[0]) == (pending, accepting + 1)
            # The service still lists it PENDING while the task runs: a sweep of every page does not
            # undo "accepting".
            assert _sim_invitation(dashboard, chosen.id).status == "PENDING"
            await _listed_again(app, pilot, clock, dashboard)
            await pilot.pause()
            assert "ACCEPTING…" in next(line for line in screen.pane.plain_lines if chosen.id in line)
            # `a` again: said at once, no confirmation.
            await pilot.press("a")
            await pilot.pause()
            assert app.screen is screen
            assert f"is being accepted already: task {task_id} is running" in str(
                screen.query_one("#invitations-result").render()
            )
            # Its task ends COMPLETE on the service: the invitation leaves the list and the count, as
            # soon as the poller (following the task it started) sees it.
            await until(pilot, clock, lambda: app.store.task(task_id).task_status == "COMPLETE", rounds=3600)
            assert _sim_invitation(dashboard, chosen.id).status == "ACCEPTED"
            await pilot.pause()
            assert not any(chosen.id in line for line in screen.pane.plain_lines)
            # (the demo's own accepts under way may have ended too)
            shown, _ = _counts(screen.pane.plain_lines[0])
            assert shown <= pending - 1
            assert shown == sum(1 for i in app.store.invitations() if i.status == "PENDING")
            assert chosen.id not in {i.id for i in app.store.invitations()}
            assert f"task {task_id} COMPLETE, the invitation is accepted" in str(
                screen.query_one("#invitations-result").render()
            )
            # Nor does a later listing bring it back (nor the snapshot jobs pane's pending list).
            await _listed_again(app, pilot, clock, dashboard)
            await pilot.pause()
            assert chosen.id not in {i.id for i in app.store.invitations()}
    finally:
        dashboard.close()


async def test_an_accept_whose_task_fails_is_pending_again_with_the_reason(tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = MockClock(T0)
    dashboard = _demo_dashboard(tmp_path, clock)
    app = dashboard.app
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            screen, chosen, counts = await _accept_the_first_pending(app, pilot, clock)
            world = dashboard.demo.simulator.world("Sandbox")
            with world.lock:  # the service will fail this task
                seq = _sim_invitation(dashboard, chosen.id).accepting_seq
                sim_task = world.tables["EngagementByAcceptingInvitation"].tasks[seq]
                sim_task.outcome = "FAILED"
                sim_task.reason_code, sim_task.message = "InternalError", "The service had a problem."
            task_id = app.store.acceptance(chosen.id).task.task_id
            await until(pilot, clock, lambda: app.store.task(task_id).task_status == "FAILED", rounds=3600)
            await pilot.pause()
            row = next(line for line in screen.pane.plain_lines if chosen.id in line)
            assert "PENDING" in row and "ACCEPTING" not in row
            assert "last accept failed: InternalError: The service had a problem." in row
            # Still pending, and counted (the demo's own accepts under way may have ended meanwhile).
            assert chosen.id in {i.id for i in app.store.invitations()}
            shown, _ = _counts(screen.pane.plain_lines[0])
            assert (
                shown
                == sum(1 for i in app.store.invitations() if i.status == "PENDING")
                >= counts[0] - counts[1]
            )
            assert "FAILED: InternalError: The service had a problem.; it is pending again" in str(
                screen.query_one("#invitations-result").render()
            )
            assert _sim_invitation(dashboard, chosen.id).status == "PENDING"
            # It may be accepted again: `a` asks for confirmation as for any pending invitation.
            await pilot.press("a")
            await pilot.pause(0.05)
            assert app.screen is not screen
            await pilot.press("escape")
    finally:
        dashboard.close()

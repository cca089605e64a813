"""The dashboard's write pieces in a tiny host app: the invitations pane (order, details, time left,
literal text, keys gone in read-only mode) and the confirmation (catalog named, production marked,
reason required), and the whole accept flow through the actions service into the store."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from textual.app import App, ComposeResult

from schemas import EngagementInvitationSummary
from tests.support.writes import T0, accept_tasks_for, add_invitation
from tui.core.clock import MockClock
from tui.core.timefmt import time_left
from tui.dashboard.screens.confirm_write import ConfirmedWrite, ConfirmWriteScreen, ask_and_act
from tui.dashboard.widgets.invitations import InvitationsPane, invitation_lines, order_invitations
from tui.engine.store import Store
from tui.writes.actions import WriteActions

HOSTILE_TITLE = "[red]x[/red]\x1b[2J\u202eevil"


def inv(n: int, *, status: str = "PENDING", expires_in: float = 86400 * 3, title: str = "", **kw: Any):
    return EngagementInvitationSummary(
        id=f"engi-{n:013d}",
        catalog="Sandbox",
        status=status,
        engagement_title=title or f"Engagement {n}",
        sender_company_name="Example Co",
        payload_type="OpportunityInvitation",
        invitation_date=T0 - timedelta(days=1, minutes=n),
        expiration_date=T0 + timedelta(seconds=expires_in),
        **kw,
    )


class PaneHost(App[None]):
    def __init__(self, pane: InvitationsPane) -> None:
        super().__init__()
        self.pane = pane
        self.requests: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield self.pane

    def on_invitations_pane_accept_requested(self, message: InvitationsPane.AcceptRequested) -> None:
        self.requests.append(("accept", message.invitation.id))

    def on_invitations_pane_reject_requested(self, message: InvitationsPane.RejectRequested) -> None:
        self.requests.append(("reject", message.invitation.id))


def test_open_invitations_come_first_the_soonest_to_expire_on_top() -> None:
    items = [
        inv(1, expires_in=86400 * 5),
        inv(2, status="ACCEPTED"),
        inv(3, expires_in=3600),
        inv(4, expires_in=-60),  # still PENDING on the wire, but past its date
    ]
    ordered = order_invitations(items, T0)
    assert [i.id[-1] for i in ordered] == ["3", "1", "2", "4"]
    lines = [t.plain for t in invitation_lines(ordered, T0, selected=0)]
    assert lines[0].startswith("▶ PENDING  Engagement 3")
    assert "from Example Co · OpportunityInvitation · invited 2026-11-27" in lines[1]
    assert lines[1].startswith("    1h 00m left · expires ")  # (the time left first: a narrow pane keeps it)
    assert "EXPIRED" in lines[6] and lines[7].startswith("    expired 1m ago")
    assert time_left(T0 + timedelta(days=2, hours=3), T0) == "2d 3h left"


def test_untrusted_titles_are_shown_literally() -> None:
    (line, _) = invitation_lines([inv(1, title=HOSTILE_TITLE)], T0)
    assert "[red]x[/red]␛[2J\\u202eevil" in line.plain
    assert "\x1b" not in line.plain and "\u202e" not in line.plain


def test_the_pane_asks_to_accept_and_reject_the_selected_open_invitation() -> None:
    async def scenario() -> list[tuple[str, str]]:
        pane = InvitationsPane(clock=MockClock(T0))
        app = PaneHost(pane)
        async with app.run_test(size=(120, 20)) as pilot:
            pane.show([inv(1, expires_in=7200), inv(2, expires_in=3600), inv(3, status="REJECTED")])
            pane.focus()
            await pilot.pause()
            assert pane.plain_lines[0] == "2 pending · 2 expire within 24 h · a accept · x reject"
            assert pane.plain_lines[1].startswith("▶ PENDING  Engagement 2")
            await pilot.press("a")
            await pilot.press("down", "x")
            await pilot.press("down", "a", "x")  # a rejected invitation: nothing to do
            await pilot.pause()
            assert pane.selected.id.endswith("3")
            return app.requests

    assert asyncio.run(scenario()) == [("accept", "engi-0000000000002"), ("reject", "engi-0000000000001")]


def test_read_only_removes_the_write_keys() -> None:
    async def scenario() -> tuple[list[Any], set[str]]:
        pane = InvitationsPane(writes_allowed=False, clock=MockClock(T0))
        app = PaneHost(pane)
        async with app.run_test(size=(120, 20)) as pilot:
            pane.show([inv(1)])
            pane.focus()
            await pilot.pause()
            await pilot.press("a", "x")
            await pilot.pause()
            shown = {b.binding.action for b in app.active_bindings.values() if b.enabled}
            assert pane.plain_lines[0] == "1 pending · read-only"
            return app.requests, shown

    requests, shown = asyncio.run(scenario())
    assert requests == [] and not {"accept", "reject"} & shown


class ScreenHost(App[None]):
    def __init__(self, screen: ConfirmWriteScreen) -> None:
        super().__init__()
        self.confirm = screen
        self.result: Any = "pending"

    def on_mount(self) -> None:
        self.push_screen(self.confirm, callback=self._done)

    def _done(self, result: Any) -> None:
        self.result = result


def _run_screen(kind: str, catalog: str, keys: list[str], invitation: Any = None) -> tuple[Any, str, str]:
    async def scenario() -> tuple[Any, str, str]:
        screen = ConfirmWriteScreen(kind, invitation or inv(1, title=HOSTILE_TITLE), catalog)  # type: ignore[arg-type]
        app = ScreenHost(screen)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            banner = str(screen.query_one("#confirm-catalog").render())
            details = str(screen.query_one("#confirm-invitation").render())
            for key in keys:
                await pilot.press(key)
            await pilot.pause()
            return app.result, banner, details

    return asyncio.run(scenario())


def test_the_confirmation_names_the_sandbox_catalog_and_the_invitation() -> None:
    result, banner, details = _run_screen("accept", "Sandbox", ["enter"])
    assert result == ConfirmedWrite("accept", "engi-0000000000001", "Sandbox")
    assert "catalog Sandbox" in banner and "PRODUCTION" not in banner
    assert "engi-0000000000001" in details and "[red]x[/red]␛[2J" in details and "\x1b" not in details


def test_on_production_the_catalog_is_marked_and_enter_alone_does_not_act() -> None:
    result, banner, _ = _run_screen("accept", "AWS", ["enter"])  # focus starts on Cancel
    assert "PRODUCTION catalog AWS" in banner and result is None
    result, _, _ = _run_screen("accept", "AWS", ["shift+tab", "enter"])
    assert result == ConfirmedWrite("accept", "engi-0000000000001", "AWS")


def test_reject_asks_for_a_reason_and_escape_cancels() -> None:
    result, _, _ = _run_screen("reject", "Sandbox", ["enter"])  # empty reason: refused, still open
    assert result == "pending"
    result, _, _ = _run_screen("reject", "Sandbox", [*"No  capacity", "enter"])
    assert result == ConfirmedWrite("reject", "engi-0000000000001", "Sandbox", "No capacity")
    result, _, _ = _run_screen("reject", "Sandbox", ["escape"])
    assert result is None


def test_accept_from_the_dashboard_starts_one_task_and_puts_it_in_the_store_at_once(
    write_sim, write_client, ledger
) -> None:
    invitation_id = add_invitation(write_sim)
    store = Store(clock=MockClock(T0))
    actions = WriteActions(write_client, ledger, store=store, clock=MockClock(T0))

    class FlowHost(App[None]):
        pass

    async def scenario() -> Any:
        app = FlowHost()
        async with app.run_test(size=(100, 30)) as pilot:
            real = EngagementInvitationSummary(id=invitation_id, catalog="Sandbox", status="PENDING")
            worker = app.run_worker(ask_and_act(app, actions, "accept", real))
            await pilot.pause()
            await pilot.press("enter")
            await worker.wait()
            return worker.result

    outcome = asyncio.run(scenario())
    (task,) = accept_tasks_for(write_sim, invitation_id)
    assert outcome.task.task_id == task.task_id
    assert store.task(task.task_id).task_status == "IN_PROGRESS"


def test_the_write_layers_load_no_textual() -> None:
    modules = [
        "tui.writes.actions",
        "tui.writes.ledger",
        "tui.writes.bulk_accept",
        "tui.commands.accept",
        "tui.commands.writes",
    ]
    code = (
        f"import sys, json; import {', '.join(modules)}; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    loaded = set(
        json.loads(
            subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
        )
    )
    assert "tui" in loaded and not loaded & {"textual", "rich"}


@pytest.mark.parametrize(
    "module", ["tui.dashboard.widgets.invitations", "tui.dashboard.screens.confirm_write"]
)
def test_the_dashboard_pieces_load_no_boto(module: str) -> None:
    code = f"import sys, json, {module}; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    loaded = set(
        json.loads(
            subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
        )
    )
    assert "textual" in loaded and not loaded & {"boto3", "botocore"}


def test_the_pane_scrolls_to_keep_the_cursor_in_view() -> None:
    async def scenario() -> tuple[list[str], str]:
        pane = InvitationsPane(clock=MockClock(T0))
        app = PaneHost(pane)
        async with app.run_test(size=(120, 7)) as pilot:  # room for the summary and 3 invitations
            pane.show([inv(n, expires_in=3600 * (n + 1)) for n in range(10)])
            pane.focus()
            await pilot.pause()
            await pilot.press(*["down"] * 6)
            await pilot.pause()
            return pane.plain_lines, pane.selected.id

    lines, selected = asyncio.run(scenario())
    assert selected == "engi-0000000000006"
    assert any(line.startswith("▶ PENDING  Engagement 6") for line in lines)
    assert not any("Engagement 0" in line for line in lines)


def test_read_only_actions_refuse_every_write_and_send_nothing(
    write_sim, write_settings, write_client
) -> None:
    import dataclasses

    from tui.writes.actions import WRITE_OPERATIONS, build_write_actions
    from tui.writes.errors import WritesDisabled

    settings = dataclasses.replace(write_settings, read_only=True)
    actions = build_write_actions(write_client, Store(), settings, MockClock(T0))
    attempts = [
        actions.accept("engi-0000000000001"),
        actions.reject("engi-0000000000001", "no"),
        actions.start_engagement("O1", "Co-Sell"),
        actions.start_opportunity("eng-0000000000000a", "1"),
    ]
    try:
        for attempt in attempts:
            with pytest.raises(WritesDisabled) as excinfo:
                asyncio.run(attempt)
            assert "read-only" in excinfo.value.lines[0]
        assert actions.ledger.entries() == []
    finally:
        actions.ledger.close()
    assert not any(write_sim.stats.calls[op] for op in WRITE_OPERATIONS)


def test_a_failed_accept_from_the_dashboard_is_reported_in_words(write_sim, write_client, ledger) -> None:
    expired = add_invitation(write_sim, age=16 * 86400.0)
    actions = WriteActions(write_client, ledger, store=Store(clock=MockClock(T0)), clock=MockClock(T0))
    reported: list[list[str]] = []

    async def scenario() -> Any:
        app = App[None]()
        async with app.run_test(size=(100, 30)) as pilot:
            real = EngagementInvitationSummary(id=expired, catalog="Sandbox", status="PENDING")
            worker = app.run_worker(ask_and_act(app, actions, "accept", real, report_failure=reported.append))
            await pilot.pause()
            await pilot.press("enter")
            await worker.wait()
            return worker.result

    assert asyncio.run(scenario()) is None
    (lines,) = reported
    assert "is no longer pending: it is EXPIRED" in lines[0] and "nothing was changed" in lines[1]
    assert accept_tasks_for(write_sim, expired) == []

"""`i`: the engagement invitations view. Pending ones first (soonest to expire at the top); `a` accepts and
`x` rejects the selected one, each behind a confirmation that names the catalog. The new task goes into
the store from the start response, so the tasks table shows it at once and follows it to its end.

Without an actions service (read-only mode, or an offline view) the view only shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from schemas import EngagementInvitationSummary
from tui.core.clock import Clock
from tui.engine.api import StoreChange, StoreView
from tui.writes.api import WriteService

from ..widgets.invitations import InvitationsPane
from ..widgets.keys_footer import KeysFooter
from ..widgets.notice_line import NoticeLine
from ..widgets.safe_text import clean
from .confirm_write import WriteKind, ask_and_act


class InvitationsScreen(Screen[None]):
    BINDINGS: ClassVar = [Binding("escape,i", "app.pop_screen", "Back")]
    DEFAULT_CSS = """
    InvitationsScreen #invitations-title { height: 1; padding: 0 1; background: $boost; text-style: bold; }
    InvitationsScreen #invitations-result { height: auto; max-height: 8; padding: 0 1; color: $text-error; }
    InvitationsScreen #invitations-result.-ok { color: $text-success; }
    """

    def __init__(self, store: StoreView, actions: WriteService | None, catalog: str, clock: Clock) -> None:
        super().__init__()
        self.store = store
        self.actions = actions
        self.catalog = catalog
        self.clock = clock
        self._unsubscribe: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        production = " · PRODUCTION" if self.catalog == "AWS" else ""
        yield Static(
            f"Engagement invitations · catalog {self.catalog}{production}",
            id="invitations-title",
            markup=False,
        )
        yield InvitationsPane(writes_allowed=self.actions is not None, clock=self.clock, id="invitation-list")
        yield Static("", id="invitations-result", markup=False)
        yield NoticeLine()  # the notices' own row: they never cover data
        yield KeysFooter()

    @property
    def pane(self) -> InvitationsPane:
        return self.query_one(InvitationsPane)

    def on_mount(self) -> None:
        self.pane.show(self.store.invitations())
        self.pane.focus()
        self._unsubscribe = self.store.subscribe(self._on_store_change)

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def _on_store_change(self, change: StoreChange) -> None:
        if change.invitation_ids:
            self.pane.show(self.store.invitations())

    def on_invitations_pane_accept_requested(self, message: InvitationsPane.AcceptRequested) -> None:
        self._act("accept", message.invitation)

    def on_invitations_pane_reject_requested(self, message: InvitationsPane.RejectRequested) -> None:
        self._act("reject", message.invitation)

    def _act(self, kind: WriteKind, invitation: EngagementInvitationSummary) -> None:
        if self.actions is None:
            return
        self.run_worker(self._confirm_and_act(self.actions, kind, invitation), group="writes", exclusive=True)

    async def _confirm_and_act(
        self, actions: WriteService, kind: WriteKind, invitation: EngagementInvitationSummary
    ) -> None:
        result = self.query_one("#invitations-result", Static)
        outcome = await ask_and_act(self.app, actions, kind, invitation, report_failure=self._show_failure)
        if outcome is not None:
            result.add_class("-ok")
            task = (
                f": task {clean(outcome.task.task_id, limit=64)} started" if outcome.task is not None else ""
            )
            result.update(f"{kind} of {clean(invitation.id, limit=64)} done{task}")
            self.pane.show(self.store.invitations())

    def _show_failure(self, lines: list[str]) -> None:
        # The lines are already in words and escaped by the actions service.
        result = self.query_one("#invitations-result", Static)
        result.remove_class("-ok")
        result.update("\n".join(lines))

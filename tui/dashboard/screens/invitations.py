"""`i`: the engagement invitations view. Pending ones first (soonest to expire at the top); `a` accepts and
`x` rejects the selected one, each behind a confirmation that names the catalog. The new task goes into
the store from the start response, so the tasks table shows it at once and follows it to its end.

An accepted invitation shows `ACCEPTING…` from the moment the accept is sent; it leaves the list (and
the pending count) when its task ends COMPLETE, or is pending again with the task's reason when it fails;
the line under the list says which. `a` or `x` on one being accepted says so at once, without asking.

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
from tui.engine.api import Acceptance, StoreChange, StoreView
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
        #: The invitation this view last accepted, until its task ends (the result line follows it).
        self._accepting: str | None = None

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
        self._show_invitations()
        self.pane.focus()
        self._unsubscribe = self.store.subscribe(self._on_store_change)

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def _show_invitations(self) -> None:
        invitations = self.store.invitations()
        acceptances = {i.id: a for i in invitations if (a := self.store.acceptance(i.id)) is not None}
        self.pane.show(invitations, acceptances)

    def _on_store_change(self, change: StoreChange) -> None:
        if change.invitation_ids:
            self._show_invitations()
        if self._accepting is not None and self._accepting in change.invitation_ids:
            self._follow_accept(self._accepting)

    def _follow_accept(self, invitation_id: str) -> None:
        """The accept this view sent ended: the result line says how."""
        acceptance = self.store.acceptance(invitation_id)
        if acceptance is None or acceptance.state == "accepting":
            return
        self._accepting = None
        task = clean(acceptance.task.task_id or "?", limit=64) if acceptance.task is not None else "?"
        shown = clean(invitation_id, limit=64)
        result = self.query_one("#invitations-result", Static)
        if acceptance.state == "accepted":
            result.add_class("-ok")
            result.update(f"accept of {shown} done: task {task} COMPLETE, the invitation is accepted")
        else:
            result.remove_class("-ok")
            reason = clean(acceptance.reason or "", limit=500)
            result.update(f"accept of {shown} failed: task {task} FAILED: {reason}; it is pending again")

    def on_invitations_pane_accept_requested(self, message: InvitationsPane.AcceptRequested) -> None:
        self._act("accept", message.invitation)

    def on_invitations_pane_reject_requested(self, message: InvitationsPane.RejectRequested) -> None:
        self._act("reject", message.invitation)

    def _act(self, kind: WriteKind, invitation: EngagementInvitationSummary) -> None:
        if self.actions is None:
            return
        acceptance = self.store.acceptance(invitation.id)
        if acceptance is not None and acceptance.state != "failed":
            self._say_answered(invitation, acceptance)  # nothing to confirm: no write would go
            return
        self.run_worker(self._confirm_and_act(self.actions, kind, invitation), group="writes", exclusive=True)

    def _say_answered(self, invitation: EngagementInvitationSummary, acceptance: Acceptance) -> None:
        """`a` or `x` on an invitation being accepted (or accepted): said at once, no confirmation."""
        task = acceptance.task
        shown = clean(invitation.id, limit=64)
        if task is None or not task.task_id:
            words = f"{shown} is being accepted: the accept is sent, its answer is not back yet"
        elif acceptance.state == "accepting":
            words = f"{shown} is being accepted already: task {clean(task.task_id, limit=64)} is running"
        else:
            words = f"{shown} is accepted already: task {clean(task.task_id, limit=64)} is COMPLETE"
        result = self.query_one("#invitations-result", Static)
        result.add_class("-ok")
        result.update(words)

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
            self._show_invitations()
            if kind == "accept" and outcome.task is not None:
                self._accepting = invitation.id
                self._follow_accept(invitation.id)  # (a task that had ended already: said now)

    def _show_failure(self, lines: list[str]) -> None:
        # The lines are already in words and escaped by the actions service.
        result = self.query_one("#invitations-result", Static)
        result.remove_class("-ok")
        result.update("\n".join(lines))

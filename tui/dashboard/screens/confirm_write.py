"""The confirmation before a write: which invitation, which catalog (the production `AWS` catalog marked
unmistakably), and for a reject the reason. Dismissed with a `ConfirmedWrite`, or None when cancelled.

On the production catalog the focus starts on Cancel, so a stray Enter never acts.

`ask_and_act` is the whole flow for the app: confirm, call the actions service, report in words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from schemas import EngagementInvitationSummary
from tui.core.timefmt import MINUTE, instant
from tui.writes.api import WriteOutcome, WriteService
from tui.writes.errors import WriteError

from ..widgets.safe_text import clean

WriteKind = Literal["accept", "reject"]
MAX_REASON = 80


@dataclass(frozen=True)
class ConfirmedWrite:
    kind: WriteKind
    invitation_id: str
    catalog: str
    #: The rejection reason (reject only), whitespace-normalised, 1–80 characters.
    reason: str | None = None


def catalog_banner(catalog: str) -> Text:
    if catalog == "AWS":
        return Text(
            " PRODUCTION catalog AWS — this acts on a real customer opportunity ",
            style="bold white on red",
            end="",
        )
    return Text(f"catalog {clean(catalog, limit=40)} (testing)", style="bold green", end="")


def invitation_summary(invitation: EngagementInvitationSummary) -> Text:
    text = Text(end="")
    rows = [
        ("Invitation", invitation.id),
        ("Title", invitation.engagement_title or "(untitled)"),
        ("From", invitation.sender_company_name or invitation.sender_aws_account_id or "?"),
        ("Payload", invitation.payload_type or "?"),
        ("Expires", instant(invitation.expiration_date, MINUTE, utc=True, missing="?")),
    ]
    for n, (label, value) in enumerate(rows):
        if n:
            text.append("\n")
        text.append(f"{label:<11}", style="dim")
        text.append(clean(value, limit=200))
    return text


class ConfirmWriteScreen(ModalScreen[ConfirmedWrite | None]):
    """`ConfirmWriteScreen("accept" | "reject", invitation, catalog)`; push it and await the result."""

    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ConfirmWriteScreen { align: center middle; }
    ConfirmWriteScreen > Vertical {
        width: 84; max-width: 100%; height: auto;
        border: thick $accent; background: $surface; padding: 1 2;
    }
    ConfirmWriteScreen.production > Vertical { border: thick $error; }
    ConfirmWriteScreen #confirm-catalog { margin-bottom: 1; }
    ConfirmWriteScreen #confirm-invitation { margin-bottom: 1; }
    ConfirmWriteScreen #confirm-problem { color: $error; height: auto; }
    ConfirmWriteScreen Horizontal { height: auto; margin-top: 1; }
    ConfirmWriteScreen Button { margin-right: 2; }
    """

    def __init__(self, kind: WriteKind, invitation: EngagementInvitationSummary, catalog: str) -> None:
        super().__init__(classes="production" if catalog == "AWS" else None)
        self.kind = kind
        self.invitation = invitation
        self.catalog = catalog

    def compose(self) -> ComposeResult:
        verb = "Accept" if self.kind == "accept" else "Reject"
        with Vertical() as box:
            box.border_title = f"{verb} this invitation?"
            yield Static(catalog_banner(self.catalog), id="confirm-catalog")
            yield Static(invitation_summary(self.invitation), id="confirm-invitation")
            if self.kind == "reject":
                yield Static("Reason (sent to the sender, 1–80 characters):")
                yield Input(
                    placeholder="e.g. No capacity this quarter", max_length=MAX_REASON, id="confirm-reason"
                )
            yield Static("", id="confirm-problem")
            with Horizontal():
                yield Button(verb, variant="error" if self.catalog == "AWS" else "primary", id="confirm-yes")
                yield Button("Cancel", id="confirm-no")

    def on_mount(self) -> None:
        if self.catalog == "AWS":
            self.query_one("#confirm-no", Button).focus()
        elif self.kind == "reject":
            self.query_one("#confirm-reason", Input).focus()
        else:
            self.query_one("#confirm-yes", Button).focus()

    def _reason(self) -> str:
        return " ".join(self.query_one("#confirm-reason", Input).value.split())

    def _confirm(self) -> None:
        reason = None
        if self.kind == "reject":
            reason = self._reason()
            if not reason:
                self.query_one("#confirm-problem", Static).update("A reason is required to reject.")
                self.query_one("#confirm-reason", Input).focus()
                return
        self.dismiss(ConfirmedWrite(self.kind, self.invitation.id, self.catalog, reason))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "confirm-yes":
            self._confirm()
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.catalog == "AWS":
            # Enter in the reason field moves to the buttons; on production the click must be deliberate.
            self.query_one("#confirm-yes", Button).focus()
        else:
            self._confirm()

    def action_cancel(self) -> None:
        self.dismiss(None)


async def ask_and_act(
    app: App[Any],
    actions: WriteService,
    kind: WriteKind,
    invitation: EngagementInvitationSummary,
    *,
    report_failure: Callable[[list[str]], None] | None = None,
) -> WriteOutcome | None:
    """Confirm, then accept or reject through `actions` (`tui.writes.api.WriteService`). Call it from a
    worker (`app.run_worker(ask_and_act(...))`: it waits for the screen). Returns the WriteOutcome, or
    None when cancelled or failed. A failure's lines (in words, escaped) go to `report_failure` (e.g. the
    error pane), else to `app.notify`."""
    confirmed = await app.push_screen_wait(ConfirmWriteScreen(kind, invitation, actions.catalog))
    if confirmed is None:
        return None
    try:
        if confirmed.kind == "accept":
            outcome = await actions.accept(confirmed.invitation_id)
        else:
            outcome = await actions.reject(confirmed.invitation_id, confirmed.reason or "")
    except WriteError as error:
        if report_failure is not None:
            report_failure(list(error.lines))
            return None
        app.notify("\n".join(error.lines), title=f"{kind} failed", severity="error", timeout=15, markup=False)
        return None
    task = f" — task {clean(outcome.task.task_id, limit=64)}" if outcome.task else ""
    note = f"\n{outcome.note}" if outcome.note else ""
    done = "being accepted" if kind == "accept" else "rejected"  # (accepted once its task is COMPLETE)
    said = f"invitation {clean(invitation.id, limit=64)} {done}{task}{note}"
    if outcome.recorded:
        app.notify(said, markup=False)
    else:  # done, though the write ledger could not record it yet: said until read
        app.notify(said, title="not recorded", severity="warning", timeout=30, markup=False)
    return outcome


__all__ = ["ConfirmWriteScreen", "ConfirmedWrite", "ask_and_act", "catalog_banner", "invitation_summary"]

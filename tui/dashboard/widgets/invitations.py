"""The invitations pane: engagement invitations, pending first (the soonest to expire at the top), each
with its title and id, then the time left, the expiration date, the sender, the payload type and the
invitation date (fitted to the pane's width: the title gives way to the id, the later parts to the
time left). A cursor picks one; `a` asks to accept it and `x` to reject it (posted as messages: the app
confirms and acts). In read-only mode those keys do not exist.

An invitation being accepted shows `ACCEPTING…` and its task from the moment the accept is sent until the
task ends; one whose accept failed is pending again, with the task's reason (`Acceptance`, from the
store). One whose task is COMPLETE is no longer pending: the store drops it.

Every string from the service is shown literally (`safe_text.clean`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from schemas import EngagementInvitationSummary as Invitation
from tui.core.clock import Clock, SystemClock
from tui.core.timefmt import MINUTE, instant, time_left
from tui.engine.api import Acceptance

from .line_pane import LinePane
from .safe_text import clean

PENDING = "PENDING"
ACCEPTING = "ACCEPTING…"
#: Lines per invitation in the pane.
LINES_PER_INVITATION = 2
#: Invitation id -> its acceptance, for those the store knows one of (`StoreView.acceptance`).
Acceptances = Mapping[str, Acceptance]
NO_ACCEPTANCES: Acceptances = {}


def is_open(invitation: Invitation, now: datetime, acceptances: Acceptances = NO_ACCEPTANCES) -> bool:
    """Pending and not past its expiration date (nor accepted: its accepting task is COMPLETE): the
    only state that can be accepted or rejected. One being accepted is still open (the service says
    PENDING); `a` on it says so instead of asking."""
    if invitation.status != PENDING:
        return False
    acceptance = acceptances.get(invitation.id)
    if acceptance is not None and acceptance.state == "accepted":
        return False
    return invitation.expiration_date is None or invitation.expiration_date > now


def is_accepting(invitation: Invitation, acceptances: Acceptances) -> bool:
    acceptance = acceptances.get(invitation.id)
    return acceptance is not None and acceptance.state == "accepting"


def status_word(invitation: Invitation, now: datetime, acceptances: Acceptances = NO_ACCEPTANCES) -> str:
    """PENDING, ACCEPTING… (an accept sent, its task running), ACCEPTED, EXPIRED, or the service's."""
    acceptance = acceptances.get(invitation.id)
    if acceptance is not None and invitation.status == PENDING and acceptance.state != "failed":
        return ACCEPTING if acceptance.state == "accepting" else "ACCEPTED"
    if is_open(invitation, now):
        return PENDING
    return "EXPIRED" if invitation.status == PENDING else clean(invitation.status or "?", limit=16)


def order_invitations(
    invitations: Iterable[Invitation], now: datetime, acceptances: Acceptances = NO_ACCEPTANCES
) -> list[Invitation]:
    """Open ones first, the soonest to expire first (one being accepted keeps its place); then the rest,
    the newest invitation first."""
    items = list(invitations)
    open_ = [i for i in items if is_open(i, now, acceptances)]
    rest = [i for i in items if not is_open(i, now, acceptances)]
    open_.sort(key=lambda i: (i.expiration_date is None, i.expiration_date or now, i.id))
    rest.sort(
        key=lambda i: (
            i.invitation_date is None,
            -(i.invitation_date.timestamp() if i.invitation_date else 0),
        )
    )
    return open_ + rest


def _date(value: datetime | None) -> str:
    return instant(value, MINUTE, missing="?")


def _acceptance_note(acceptance: Acceptance | None) -> Text | None:
    """After the id: the accepting task, or why the last accept failed."""
    if acceptance is None or acceptance.state == "accepted":
        return None
    task = acceptance.task
    if acceptance.state == "accepting":
        if task is None or not task.task_id:
            return Text("  accept sent, waiting for the answer", style="yellow", end="")
        return Text(f"  task {clean(task.task_id, limit=64)} running", style="yellow", end="")
    note = Text("  last accept failed: ", style="bold red", end="")  # (its task is in the tasks view)
    note.append(clean(acceptance.reason or "", limit=300), style="red")
    return note


def invitation_lines(
    invitations: Sequence[Invitation],
    now: datetime,
    selected: int | None = None,
    width: int | None = None,
    acceptances: Acceptances = NO_ACCEPTANCES,
) -> list[Text]:
    """Two lines per invitation (already ordered), the selected one highlighted, each fitted to `width`
    cells (None: whole): the title ends in `…` before the id is cut, and the second line leaves out its
    last parts before the time left (which comes first)."""
    if not invitations:
        return [Text("No invitations.", style="dim")]
    lines: list[Text] = []
    statuses = [status_word(inv, now, acceptances) for inv in invitations]
    status_width = max(8, *(len(s) for s in statuses))  # (wider only while an accept is under way)
    for index, inv in enumerate(invitations):
        chosen = index == selected
        open_ = is_open(inv, now, acceptances)
        status = statuses[index]
        head = Text("▶ " if chosen else "  ", style="bold" if chosen else "", end="")
        status_style = "bold yellow" if status == ACCEPTING else "bold green" if open_ else "dim"
        head.append(f"{status:<{status_width}}", style=status_style)
        head.append(" ")
        invitation_id = f"  {clean(inv.id, limit=64)}"
        note = _acceptance_note(acceptances.get(inv.id))
        note_cells = note.cell_len if note is not None else 0
        title = clean(inv.engagement_title or "(untitled)", limit=120)
        if width is not None:
            title = fit_cells(title, width - head.cell_len - cell_len(invitation_id) - note_cells)
        head.append(title, style="bold" if open_ else "dim")
        head.append(invitation_id, style="dim")
        if note is not None:
            head.append_text(note)
        if width is not None:
            head.truncate(width, overflow="ellipsis")  # (a long failure reason: the id stays whole)
        urgent = (
            open_ and inv.expiration_date is not None and (inv.expiration_date - now).total_seconds() < 86400
        )
        left_style = "bold red" if urgent else ("yellow" if open_ else "dim")
        sender = inv.sender_company_name or inv.sender_aws_account_id or "?"
        # (most wanted first: what is left out at a narrow width is the end)
        parts = [
            (time_left(inv.expiration_date, now), left_style),
            (f"expires {_date(inv.expiration_date)}", "dim"),
            (f"from {clean(sender, limit=80)}", ""),
            (clean(inv.payload_type or "?", limit=40), "cyan"),
            (f"invited {_date(inv.invitation_date)}", "dim"),
        ]
        detail = detail_line(parts, width)
        if chosen:
            head.stylize("reverse")
            detail.stylize("reverse")
        lines.extend((head, detail))
    return lines


def fit_cells(text: str, width: int) -> str:
    """`text` whole if it fits in `width` cells, else cut to them with an ellipsis (at least `…`)."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(0, width - 1)) + "…"


def detail_line(parts: list[tuple[str, str]], width: int | None) -> Text:
    """`    a · b · c` from (text, style) parts: as many whole parts as fit in `width` cells, from the
    first."""
    line = Text("    ", end="")
    used = 4
    for i, (text, style) in enumerate(parts):
        cells = cell_len(text) + (3 if i else 0)
        if width is not None and i and used + cells > width:
            break
        if i:
            line.append(" · ", style="dim")
        line.append(text, style=style)
        used += cells
    return line


def pending_summary(
    invitations: Sequence[Invitation],
    now: datetime,
    writes_allowed: bool,
    acceptances: Acceptances = NO_ACCEPTANCES,
) -> Text:
    """The pane's first line: how many are open (of them, being accepted), how many expire within a day,
    and the keys."""
    open_ = [i for i in invitations if is_open(i, now, acceptances)]
    soon = sum(
        1
        for i in open_
        if i.expiration_date is not None and (i.expiration_date - now).total_seconds() < 86400
    )
    text = Text(f"{len(open_)} pending", style="bold", end="")
    accepting = sum(1 for i in open_ if is_accepting(i, acceptances))
    if accepting:
        text.append(f" ({accepting} being accepted)", style="bold yellow")
    if soon:
        text.append(f" · {soon} expire within 24 h", style="bold red")
    text.append(" · a accept · x reject" if writes_allowed else " · read-only", style="dim")
    return text


class InvitationsPane(LinePane):
    """Build with `InvitationsPane(writes_allowed=writes_allowed(settings), clock=clock)`; feed it with
    `pane.show(store.invitations())` after every store change that touches invitations."""

    can_focus = True
    DEFAULT_CSS = """
    InvitationsPane { height: 1fr; }
    InvitationsPane:focus { background-tint: $foreground 5%; }
    """
    BINDINGS: ClassVar = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("a", "accept", "Accept"),
        Binding("x", "reject", "Reject"),
    ]

    class AcceptRequested(Message):
        """The user asked to accept `invitation` (not yet confirmed)."""

        def __init__(self, invitation: Invitation) -> None:
            super().__init__()
            self.invitation = invitation

    class RejectRequested(Message):
        """The user asked to reject `invitation` (not yet confirmed; the reason comes with the confirmation)."""

        def __init__(self, invitation: Invitation) -> None:
            super().__init__()
            self.invitation = invitation

    def __init__(
        self, *, writes_allowed: bool = True, clock: Clock | None = None, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.writes_allowed = writes_allowed
        self._clock = clock or SystemClock()
        self._items: list[Invitation] = []
        self._acceptances: Acceptances = NO_ACCEPTANCES
        self._selected_id: str | None = None
        self._top = 0

    @property
    def invitations(self) -> list[Invitation]:
        """As shown: open ones first."""
        return list(self._items)

    @property
    def selected(self) -> Invitation | None:
        for inv in self._items:
            if inv.id == self._selected_id:
                return inv
        return None

    def acceptance(self, invitation_id: str) -> Acceptance | None:
        """As last shown."""
        return self._acceptances.get(invitation_id)

    def show(self, invitations: Iterable[Invitation], acceptances: Acceptances = NO_ACCEPTANCES) -> None:
        """`acceptances`: those the store knows of the invitations shown (`StoreView.acceptance`)."""
        now = self._clock.now()
        self._acceptances = acceptances
        self._items = order_invitations(invitations, now, acceptances)
        ids = [i.id for i in self._items]
        if self._selected_id not in ids:
            self._selected_id = ids[0] if ids else None
        self._render_items(now)

    def _index(self) -> int | None:
        for index, inv in enumerate(self._items):
            if inv.id == self._selected_id:
                return index
        return None

    def tick(self) -> None:
        """The clock moved on: the times left as of now (a few characters), and the accept and reject
        keys only when the selected invitation just expired (the footer repaints when keys change)."""
        if not self._items:
            return
        now = self._clock.now()
        selected = self.selected
        accepts = self._acceptances
        was_open = selected is not None and is_open(selected, self._shown_at or now, accepts)
        self._render_items(
            now, bindings=was_open != (selected is not None and is_open(selected, now, accepts))
        )

    _shown_at: datetime | None = None

    def _render_items(self, now: datetime | None = None, *, bindings: bool = True) -> None:
        now = now or self._clock.now()
        self._shown_at = now
        # Only the invitations that fit are rendered, scrolled to keep the cursor in view.
        # (before its first layout, at most as many as the screen could hold)
        height = self.size.height if self.size.height > 1 else self.app.size.height
        fit = max(1, (height - 1) // LINES_PER_INVITATION)
        index = self._index() or 0
        if index < self._top:
            self._top = index
        elif index >= self._top + fit:
            self._top = index - fit + 1
        self._top = max(0, min(self._top, max(0, len(self._items) - fit)))
        window = self._items[self._top : self._top + fit]
        selected = index - self._top if self._index() is not None else None
        lines = [pending_summary(self._items, now, self.writes_allowed, self._acceptances)]
        lines += invitation_lines(window, now, selected, self.content_size.width or None, self._acceptances)
        self.set_lines(lines)
        if bindings:
            self.refresh_bindings()

    def on_resize(self) -> None:
        super().on_resize()
        if self._items:
            self._render_items()

    def action_cursor(self, step: int) -> None:
        index = self._index()
        if not self._items:
            return
        index = 0 if index is None else max(0, min(len(self._items) - 1, index + step))
        self._selected_id = self._items[index].id
        self._render_items()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("accept", "reject"):
            if not self.writes_allowed:
                return False  # read-only: the keys are not there at all
            selected = self.selected
            now = self._clock.now()
            return True if selected is not None and is_open(selected, now, self._acceptances) else None
        return True

    def action_accept(self) -> None:
        selected = self.selected
        if (
            self.writes_allowed
            and selected is not None
            and is_open(selected, self._clock.now(), self._acceptances)
        ):
            self.post_message(self.AcceptRequested(selected))

    def action_reject(self) -> None:
        selected = self.selected
        if (
            self.writes_allowed
            and selected is not None
            and is_open(selected, self._clock.now(), self._acceptances)
        ):
            self.post_message(self.RejectRequested(selected))

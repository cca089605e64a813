"""Error details of the selected task: its ReasonCode, what that means and what to do, the full Message
(for a prospecting task, each engagement's outcome); and, when the poller's last call failed, that API
error (exception, Reason, each ErrorList entry). When that does not fit the pane, the Message comes
first, under the task's id.

A running task's "Took … so far" moves every second, so the body is a `LinePane`: a tick rewrites the
few characters that changed, not the pane."""

from __future__ import annotations

import math
from datetime import datetime
from typing import NamedTuple

from rich.text import Text
from textual.app import ComposeResult

from schemas import (
    AccessDeniedException,
    GetProspectingFromEngagementTaskResponse,
    ProspectingStatus,
    ServiceError,
    TaskRecord,
    UnknownServiceError,
    ValidationException,
)
from schemas.kinds import BY_WIRE
from tui.core.reason_help import REASON_HELP, explain
from tui.core.timefmt import duration, instant
from tui.engine.api import Completion

from ..task_rows import observed_seconds
from .line_pane import LinePane
from .safe_text import clean
from .scrolling import FollowingScroll


def _when(value: datetime | None) -> str:
    return instant(value, utc=True, missing="—")


def api_error_text(error: ServiceError) -> Text:
    """An API error as the service sent it, every string literal."""
    text = Text(end="")
    text.append("Last API call failed: ", style="bold red")
    text.append(clean(error.type, limit=200), style="bold")
    if error.message:
        text.append("\n  " + clean(error.message, multiline=True, limit=4000))
    reason = error.reason if isinstance(error, (AccessDeniedException, ValidationException)) else None
    if reason:
        text.append("\n  Reason: ")
        text.append(clean(reason, limit=200), style="bold")
    fields = error.error_list if isinstance(error, ValidationException) else None
    for entry in fields or ():
        text.append("\n  • ")
        text.append(clean(entry.field_name or "?", limit=200), style="bold")
        if entry.code:
            text.append(f" [{clean(entry.code, limit=100)}]")
        if entry.message:
            text.append(": " + clean(entry.message, multiline=True, limit=2000))
    if isinstance(error, UnknownServiceError) and error.status:
        text.append(f"\n  HTTP {error.status}", style="dim")
    return text


#: A prospecting task's engagements in the order the details list them: failed first.
_ENGAGEMENT_ORDER = {
    ProspectingStatus.FAILED: 0,
    ProspectingStatus.IN_PROGRESS: 1,
    ProspectingStatus.PENDING: 2,
    ProspectingStatus.COMPLETED: 3,
}
ENGAGEMENT_MARKS = {
    ProspectingStatus.FAILED: "✗",
    ProspectingStatus.IN_PROGRESS: "▶",
    ProspectingStatus.PENDING: "·",
    ProspectingStatus.COMPLETED: "✓",
}
ENGAGEMENT_STYLES = {
    ProspectingStatus.FAILED: "bold red",
    ProspectingStatus.IN_PROGRESS: "yellow",
    ProspectingStatus.COMPLETED: "green",
}


def engagements_text(
    record: TaskRecord, outcome: GetProspectingFromEngagementTaskResponse | None, *, fetching: bool
) -> Text:
    """A task over many engagements (prospecting): the counts its summary gives, then each engagement's
    outcome once fetched (`StoreView.prospecting`), the failed ones first, each with its ReasonCode,
    what that means where pcwatch knows it, and its Message. `fetching`: the engine has been asked for
    them (else: an offline view, nothing will fetch them)."""
    text = Text(end="")
    total = record.total_engagement_count or 0
    completed = record.completed_engagement_count or 0
    failed = record.failed_engagement_count or 0
    text.append("\n\nEngagements  ", style="bold")
    text.append(f"{total:,}: {completed:,} completed · ")
    text.append(f"{failed:,} failed", style="bold red" if failed else "")
    text.append(f" · {max(0, total - completed - failed):,} not settled yet")
    if outcome is None:
        why = "asked for, it comes with the next poll" if fetching else "no poller in this view"
        text.append(f"\n  Each engagement's outcome: not fetched yet ({why}).", style="dim")
        return text
    if not outcome.engagements:
        text.append("\n  The service lists no engagement for this task.", style="dim")
        return text
    ordered = sorted(outcome.engagements, key=lambda e: _ENGAGEMENT_ORDER.get(e.status or "", 4))
    for engagement in ordered:
        status = engagement.status or "?"
        text.append(f"\n{ENGAGEMENT_MARKS.get(status, '?')} ", style=ENGAGEMENT_STYLES.get(status, ""))
        text.append(clean(engagement.engagement_identifier or "?", limit=128), style="bold")
        text.append(" " + clean(status, limit=32), style=ENGAGEMENT_STYLES.get(status, "dim"))
        if engagement.reason_code:
            text.append("\n  ")
            text.append(clean(engagement.reason_code, limit=200), style="bold red")
            if engagement.reason_code in REASON_HELP:
                text.append("\n  " + explain(engagement.reason_code).meaning, style="dim")
        if engagement.message:
            text.append("\n  " + clean(engagement.message, multiline=True, limit=4000))
    return text


def task_details_text(
    record: TaskRecord,
    completion: Completion | None,
    now: datetime | None,
    engagements: GetProspectingFromEngagementTaskResponse | None = None,
    *,
    fetching: bool = False,
    message_first: bool = False,
) -> Text:
    """The selected task. `engagements`: a prospecting task's outcome per engagement, once fetched;
    `fetching`: they have been asked for (see `engagements_text`). `message_first`: the ReasonCode and
    the Message right under the task's id, before its times and what the reason means (for a pane too
    short to show it all: what the service said is what a user came to read)."""
    text = Text(end="")
    style = {"FAILED": "bold red", "COMPLETE": "bold green"}.get(record.task_status or "", "bold yellow")
    text.append(clean(record.task_status or "?", limit=64), style=style)
    text.append("  " + clean(record.task_id, limit=200), style="bold")
    many = record.total_engagement_count is not None  # over many engagements: prospecting
    failure = not many and (record.is_failed or bool(record.reason_code))
    if message_first and not many and (failure or record.message):
        if failure:
            text.append("\nReason    ")
            text.append(clean(record.reason_code or "(none)", limit=200), style="bold red")
        if record.message:
            text.append("\nMessage   ", style="bold")
            text.append(clean(record.message, multiline=True))
        text.append("\n")
        text.append_text(_task_times(record, completion, now))
        if failure:
            text.append("\n")
            text.append_text(_explanation(record.reason_code))
        return text
    text.append_text(_task_times(record, completion, now))
    if many:
        text.append_text(engagements_text(record, engagements, fetching=fetching))
        return text
    if failure:
        text.append("\n\nReason    ")
        text.append(clean(record.reason_code or "(none)", limit=200), style="bold red")
        text.append_text(_explanation(record.reason_code))
    if record.message:
        text.append("\n\nMessage\n", style="bold")
        text.append(clean(record.message, multiline=True))
    elif not record.is_failed:
        text.append("\n\nNo error." if record.is_terminal else "\n\nRunning; no error so far.", style="dim")
    return text


def _task_times(record: TaskRecord, completion: Completion | None, now: datetime | None) -> Text:
    """The task's kind, name, start, end and duration, each on a line of its own (each line begins with
    its newline)."""
    text = Text(end="")
    kind = BY_WIRE.get(record.kind)
    described = f"{kind.short}: {kind.label}" if kind is not None else clean(record.kind, limit=200)
    text.append(f"\n{described}", style="dim")
    if record.task_name:
        text.append("\nName      " + clean(record.task_name, limit=200))
    text.append(f"\nStarted   {_when(record.start_time)}")
    took = duration(observed_seconds(record, completion, now))
    if completion is not None:
        end = completion.observed_end
        if not completion.observed_live:
            text.append(f"\nFinished  before pcwatch first saw it ({_when(end)})", style="dim")
        else:
            text.append(f"\nFinished  {_when(end)}")
            if math.isfinite(completion.uncertainty):
                text.append(f" (seen within {duration(completion.uncertainty) or '0s'})", style="dim")
    if took:
        text.append(f"\nTook      {took}" + ("" if record.is_terminal else " so far"))
    return text


def _explanation(reason_code: str | None) -> Text:
    """What a ReasonCode means and what to do (each line begins with its newline)."""
    help_ = explain(reason_code)
    text = Text(end="")
    text.append("\nMeaning   ", style="bold")
    text.append(help_.meaning)
    text.append("\nTo do     ", style="bold")
    text.append(help_.action)
    return text


class _Given(NamedTuple):
    """What `ErrorDetails.show` was given (shown again when the pane's size changes)."""

    record: TaskRecord | None
    completion: Completion | None
    now: datetime | None
    api_error: ServiceError | None
    poll_error: str | None
    engagements: GetProspectingFromEngagementTaskResponse | None
    fetching: bool


class ErrorDetails(FollowingScroll, can_focus=True):
    """Scrollable details of one task (and of the last failed API call, if any)."""

    DEFAULT_CSS = """
    ErrorDetails > LinePane { width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._body = LinePane(wrap=True, id="details-body")
        self._shown: Text | None = None
        self._given: _Given | None = None

    def compose(self) -> ComposeResult:
        yield self._body

    def show(
        self,
        record: TaskRecord | None,
        completion: Completion | None,
        now: datetime | None,
        api_error: ServiceError | None = None,
        poll_error: str | None = None,
        engagements: GetProspectingFromEngagementTaskResponse | None = None,
        *,
        fetching: bool = False,
    ) -> None:
        """`api_error`: the service's error struct of the last failed call; `poll_error`: the poller's
        one-line account of it with the fix (the only account when no service error exists, e.g. missing
        credentials or a network fault) — shown in full here, as the header has room for a part only.
        `engagements`, `fetching`: a prospecting task's outcomes (`task_details_text`).

        When it all does not fit the pane, a task's Message comes right under its id (`message_first`):
        at 80x24 the pane has 9 lines, and the Message would be below them all."""
        self._given = _Given(record, completion, now, api_error, poll_error, engagements, fetching)
        self._show_given()

    def on_resize(self) -> None:
        # What fits the pane changed: the Message may move up or back.
        if self._given is not None:
            self._show_given()

    def _show_given(self) -> None:
        given = self._given
        assert given is not None
        text = self._text(given, message_first=False)
        if given.record is not None and given.record.message and not self._fits(text):
            text = self._text(given, message_first=True)
        if self._shown is not None and text.plain == self._shown.plain and text.spans == self._shown.spans:
            return  # same content: no repaint
        record = given.record
        moved = self._shown is None or record is None or not self._shown.plain.startswith(text.plain[:40])
        self._shown = text
        self._body.set_lines(list(text.split("\n", allow_blank=True)))
        if moved:
            self.scroll_home(animate=False)

    @staticmethod
    def _text(given: _Given, *, message_first: bool) -> Text:
        text = Text(end="")
        if given.api_error is not None:
            text.append_text(api_error_text(given.api_error))
            text.append("\n\n")
        elif given.poll_error:
            text.append("Last poll failed: ", style="bold red")
            text.append(clean(given.poll_error, multiline=True, limit=2000))
            text.append("\n\n")
        if given.record is None:
            text.append("No task selected.", style="dim")
        else:
            text.append_text(
                task_details_text(
                    given.record,
                    given.completion,
                    given.now,
                    given.engagements,
                    fetching=given.fetching,
                    message_first=message_first,
                )
            )
        return text

    def _fits(self, text: Text) -> bool:
        """Whether `text`, wrapped as the body wraps it, fits the pane's height (yes while not laid out)."""
        width, height = self._body.content_size.width, self.scrollable_content_region.height
        if width <= 0 or height <= 0:
            return True
        console = self.app.console
        lines = 0
        for line in text.split("\n", allow_blank=True):
            lines += len(line.wrap(console, width))
            if lines > height:
                return False
        return True

    @property
    def plain(self) -> str:
        return self._shown.plain if self._shown is not None else ""

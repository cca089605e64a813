"""What the dashboard has to say (the app's `notify`), kept apart from what it shows: the notices.

Textual's toasts sat on top of the text being read (the details pane, table rows, invitation ids, help,
the status line). A notice has a row of its own instead, above the footer of every screen
(`widgets.notice_line.NoticeLine`): the newest one, with "+N more" for the others still live (and how
many of them are errors). Each lives as long as its toast did, an error at least `ERROR_SECONDS`; at most
`KEEP` are kept. The text is always literal and
on one line (`notice_text`): it can carry strings from the service and is never read as markup.

Pure: no Textual. Times are the clock's monotonic seconds (tests move a `MockClock`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len, set_cell_size

from tui.core.text_safety import visible

Severity = Literal["information", "warning", "error"]

#: The mark that says a notice's severity where colour does not show (copied text, a monochrome tty).
MARKS: dict[str, str] = {"information": "✓", "warning": "!", "error": "✗"}
#: How long a notice stays when its caller does not say (Textual's toasts' default).
DEFAULT_SECONDS = 5.0
#: The least an error stays, counted while it is the notice shown.
ERROR_SECONDS = 15.0
#: Notices kept; the oldest goes first beyond this.
KEEP = 20


def notice_text(message: str, title: str = "") -> str:
    """`message` (and its title) on one line, literal: lines joined with " · ", controls made visible."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    text = " · ".join(lines)
    if title:
        text = f"{title}: {text}" if text else title
    return visible(text)


def marked(text: str, severity: Severity) -> str:
    """`text` led by its severity's mark, unless it brings its own (a finished task's ✓ or ✗)."""
    if text[:1] in MARKS.values():
        return text
    return f"{MARKS[severity]} {text}"


@dataclass(frozen=True)
class Notice:
    text: str
    severity: Severity
    #: When it goes (the clock's monotonic seconds).
    until: float

    @property
    def line(self) -> str:
        return marked(self.text, self.severity)


@dataclass(frozen=True)
class Front:
    """What the notice row shows: the newest live notice, and how many others are live behind it."""

    notice: Notice
    behind: int = 0
    errors_behind: int = 0


class Notices:
    """The live notices, newest last."""

    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self._live: list[Notice] = []

    def post(self, text: str, severity: Severity, seconds: float | None, now: float) -> None:
        stay = DEFAULT_SECONDS if seconds is None else seconds
        if severity == "error":
            stay = max(stay, ERROR_SECONDS)
        self._live = [n for n in self._live if n.until > now]
        self._live.append(Notice(text, severity, now + stay))
        del self._live[: -self.keep]

    def expire(self, now: float) -> bool:
        """Those whose time is up at `now` go; True if any did."""
        live = [n for n in self._live if n.until > now]
        gone = len(live) != len(self._live)
        self._live = live
        return gone

    def front(self) -> Front | None:
        if not self._live:
            return None
        behind = self._live[:-1]
        errors = sum(1 for n in behind if n.severity == "error")
        return Front(self._live[-1], len(behind), errors)

    def next_expiry(self) -> float | None:
        """When the next notice goes (None: there is none)."""
        return min((n.until for n in self._live), default=None)

    def messages(self) -> list[str]:
        """The live notices' texts (without their marks), oldest first."""
        return [n.text for n in self._live]


def row_parts(front: Front | None, width: int) -> tuple[str, str]:
    """The notice row at `width` cells: (the notice's line, cut with "…" to leave room, "+N more")."""
    if front is None or width <= 0:
        return "", ""
    more = ""
    if front.behind:
        errors = front.errors_behind
        more = f"+{front.behind} more" + (f" ({errors} error{'s' if errors > 1 else ''})" if errors else "")
    room = width - (cell_len(more) + 2 if more else 0)
    if room < 8:  # too narrow for both: the notice itself
        more, room = "", width
    line = front.notice.line
    if cell_len(line) > room:
        line = set_cell_size(line, max(0, room - 1)) + "…"
    return line, more

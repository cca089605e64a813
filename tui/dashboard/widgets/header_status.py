"""The header: which catalog and account this is, where it polls, whether polling is healthy, how much
of the request budget it has used, and the last error in one line. It draws a `header.HeaderState`.

Times are absolute (`last poll 09:12:03`), not "5 s ago": an age would change the header every second
while all is well. Only trouble shows an age ("stale for …", "hung for …", "new tasks checked 6m10s ago" when
the look for new tasks is late), which the app's tick moves once a second (the header rewrites just those
characters). What fails is named: the error that holds every source, then each failing source (one
snapshot job, a kind's tasks, invitations), the rest staying live, and a failing events queue. A spent
budget says when calls return. With an events queue, the age of the last event shows while it answers.
A follower says whom it follows (`● following pid 4242 on jump-1`), and when that leader has gone silent
(`● leader (pid 4242 on jump-1) silent for 20s`); the demo says its account is
simulated, and whether it is this process's alone.

Each line is made of whole parts (`HeaderPart`): on a narrow terminal the least important parts are
left out, never a word cut. What stays longest (PRIORITIES):

- the first line: the catalog badge (always), the failed, running and total counts, who, the demo's
  note (a simulated account, this process's alone), the region, the endpoint;
- the second line: the state (with its age), whom a follower follows, a journal not written, what
  fails (the one part that may end in `…` when even alone it is too wide), when calls return, a late
  look for new tasks, a log file not written, a step of the wall clock (`clock stepped +2h00m at
  12:53:07`, for a while), history loading, the last poll, the calls, publishing outcomes (`notify 12
  sent · 3 waiting`, issue 28), the events queue, "no errors".
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text

from tui.core.timefmt import CLOCK, duration, instant

from ..header import HeaderState
from .line_pane import LinePane
from .safe_text import clean

STATE_STYLES = {
    "live": "bold green",
    "paused": "bold yellow",
    "stale": "bold white on red",
    "silent": "bold white on red",
    "backoff": "bold red",
    "hung": "bold white on red",
    "over budget": "bold white on red",
    "starting": "dim",
    "loading": "dim",
}


def catalog_badge(state: HeaderState) -> Text:
    if state.production:
        # Production: every action here touches real customers. Make it impossible to miss.
        return Text(" AWS · PRODUCTION ", style="bold white on red")
    return Text(f" {clean(state.catalog, limit=32)} ", style="bold black on cyan")


#: Between two parts of one group (unless a part says otherwise), and between groups.
PART_SEP = " · "
GROUP_SEP = " │ "


@dataclass(frozen=True)
class HeaderPart:
    """A piece of a header line, shown whole or not at all (`shrinks`: it may end in `…` instead)."""

    text: Text
    #: Lower is kept longer (see PRIORITIES).
    priority: int
    #: Parts of one group are joined with `sep`; groups with GROUP_SEP.
    group: str
    sep: str = PART_SEP
    shrinks: bool = False
    #: What follows this part, whatever comes next (the badge's one space).
    then: str | None = None


#: The order in which parts give way (the first named stays longest); a part's priority is its index.
PRIORITIES = (
    "badge",
    "state",
    "whom",
    "journal",
    "failed",
    "trouble",
    "running",
    "budget",
    "lag",
    "log file",
    "clock step",
    "total",
    "who",
    "demo",
    "loading",
    "last poll",
    "calls",
    "notify",
    "region",
    "events",
    "endpoint",
    "no errors",
)
_RANK = {name: i for i, name in enumerate(PRIORITIES)}
#: Fewer cells than this and a part that shrinks is left out instead.
MIN_SHRUNK = 12


def part(
    name: str, text: Text | str, group: str, *, sep: str = PART_SEP, style: str = "", then: str | None = None
) -> HeaderPart:
    body = text if isinstance(text, Text) else Text(text, style=style, end="")
    return HeaderPart(body, _RANK[name], group, sep, shrinks=name == "trouble", then=then)


def join_parts(parts: list[HeaderPart]) -> Text:
    line = Text(end="")
    for i, piece in enumerate(parts):
        if i:
            line.append(_between(parts[i - 1], piece))
        line.append_text(piece.text)
    return line


def _between(before: HeaderPart, after: HeaderPart) -> str:
    if before.then is not None:
        return before.then
    return after.sep if after.group == before.group else GROUP_SEP


def fit_parts(parts: list[HeaderPart], width: int | None) -> Text:
    """`parts` joined in their order, leaving out the least important (by priority) until the line fits
    `width` cells (None: all of them). Every part shown is whole, but one that `shrinks`, which ends in
    `…` when there is room for at least MIN_SHRUNK cells of it."""
    if width is None:
        return join_parts(parts)
    kept: dict[int, HeaderPart] = {}  # by the part's place in the line
    for place in sorted(range(len(parts)), key=lambda i: parts[i].priority):
        piece = parts[place]
        trial = {**kept, place: piece}
        spare = width - join_parts([trial[i] for i in sorted(trial)]).cell_len
        if spare >= 0:
            kept = trial
        elif piece.shrinks and piece.text.cell_len + spare >= MIN_SHRUNK:
            shrunk = piece.text.copy()
            shrunk.truncate(piece.text.cell_len + spare, overflow="ellipsis")
            kept = {**kept, place: dataclasses.replace(piece, text=shrunk)}
    return join_parts([kept[i] for i in sorted(kept)])


def header_lines(state: HeaderState, now: datetime, width: int | None = None) -> list[Text]:
    """The two lines, each fitted to `width` cells by leaving parts out (None: every part)."""
    return [fit_parts(account_parts(state), width), fit_parts(polling_parts(state, now), width)]


def account_parts(state: HeaderState) -> list[HeaderPart]:
    """The first line: the catalog, who, the region, the counts, the endpoint."""
    parts = [part("badge", catalog_badge(state), "badge", then=" ")]
    parts.append(part("who", clean(state.who, limit=72), "account"))  # "profile " and 64 of the name
    if state.demo_note:
        parts.append(part("demo", state.demo_note, "account"))
    parts.append(part("region", clean(state.region, limit=32), "account"))
    counts = state.counts
    if counts is not None:
        parts.append(part("total", f"{counts.total:,} tasks", "counts"))
        running_style = "bold yellow" if counts.running else ""
        parts.append(part("running", f"{counts.running:,} running", "counts", style=running_style))
        parts.append(
            part("failed", f"{counts.failed:,} failed", "counts", style="bold red" if counts.failed else "")
        )
    parts.append(part("endpoint", clean(state.endpoint, limit=96), "endpoint", style="dim"))
    return parts


def polling_parts(state: HeaderState, now: datetime) -> list[HeaderPart]:
    """The second line: the state, whom a follower follows, the polling, the budget, the events, what
    fails."""
    word = clean(state.state, limit=16)
    silent = state.state == "silent"  # (the leader's: `● leader (pid 4242 on jump-1) silent for 20s`)
    shown = "leader" if silent else word
    parts = [part("state", f" ● {shown} ", "state", style=STATE_STYLES.get(state.state, "bold"))]
    if state.leader is not None:
        whom = clean(state.leader, limit=80)
        # (a space after it, as after the state: `● following pid 4242 on jump-1  last poll …`)
        said = f"{whom} " if state.state == "following" else f"({whom})" if silent else f"(following {whom}) "
        parts.append(part("whom", said, "state", sep=""))
    if state.backfilling:
        parts.append(part("loading", "loading history…", "state", sep=" ", style="yellow"))
    if state.since is not None:
        age = duration(max(0.0, (now - state.since).total_seconds())) or "0s"
        parts.append(part("state", f"{word} for {age}", "state", sep=" ", style="bold red"))
    parts.append(
        part("last poll", f"last poll {instant(state.last_poll, CLOCK, missing='—')}", "state", sep=" ")
    )
    lag = state.discovery_lag(now)
    if lag is not None:
        parts.append(part("lag", f"new tasks checked {duration(lag)} ago", "state", style="bold yellow"))
    step = state.clock_step
    if step is not None:
        jump = ("+" if step.seconds > 0 else "-") + duration(abs(step.seconds))
        parts.append(
            part("clock step", f"clock stepped {jump} at {instant(step.at, CLOCK)}", "state", style="yellow")
        )
    if state.calls_last_hour is not None and state.calls_left_today is not None:
        calls = f"calls {state.calls_last_hour:,}/h · {state.calls_left_today:,} left today"
        parts.append(part("calls", calls, "budget"))
    if state.budget_resumes_at is not None:
        # (the state says "over budget" already, unless a hang or a pause outranks it)
        spent = "" if state.state == "over budget" else "budget spent, "
        resumes = f"{spent}calls return {instant(state.budget_resumes_at, CLOCK)}"
        parts.append(part("budget", resumes, "budget", style="bold red"))
    elif state.saving:
        parts.append(part("budget", "saving budget", "budget", style="yellow"))
    if state.notify is not None:
        style = "bold yellow" if state.notify_failing else "green"
        parts.append(part("notify", clean(state.notify, limit=80), "budget", style=style))
    if state.events is not None:
        parts.append(part("events", events_text(state, now), "events"))
    if state.journal is not None:
        parts.append(part("journal", "⚠ " + clean(state.journal, limit=200), "journal", style="bold red"))
    if state.log_file is not None:
        parts.append(part("log file", "⚠ " + clean(state.log_file, limit=200), "journal", style="yellow"))
    trouble = state.trouble()
    if trouble:
        parts.append(part("trouble", "⚠ " + clean(trouble, limit=300), "trouble", style="bold red"))
    elif state.journal is None and state.log_file is None:
        parts.append(part("no errors", "no errors", "trouble", style="dim"))
    return parts


def events_text(state: HeaderState, now: datetime) -> Text:
    """`events · last 12s ago` while the queue answers; `events down · polling` when it fails."""
    if state.events == "live":
        if state.last_event_at is None:
            return Text("events · none yet", style="green", end="")
        age = duration(max(0.0, (now - state.last_event_at).total_seconds())) or "0s"
        return Text(f"events · last {age} ago", style="green", end="")
    if state.events == "down":
        return Text("events down · polling", style="bold yellow", end="")
    return Text("events · connecting", style="dim", end="")


class HeaderStatus(LinePane):
    DEFAULT_CSS = """
    HeaderStatus { height: 2; background: $panel; }
    """

    def show(self, state: HeaderState, now: datetime) -> None:
        self._shown = (state, now)
        self.set_lines(header_lines(state, now, self.content_size.width or None))

    _shown: tuple[HeaderState, datetime] | None = None

    def on_resize(self) -> None:
        # The parts that fit depend on the width: choose them again for the new one.
        if self._shown is not None and self.content_size.width != self._width:
            self.set_lines(header_lines(*self._shown, self.content_size.width or None))
        super().on_resize()

"""The header: which catalog and account this is, where it polls, whether polling is healthy, how much
of the request budget it has used, and the last error in one line. It draws a `header.HeaderState`.

Times are absolute (`last poll 09:12:03`), not "5 s ago": an age would change the header every second
while all is well. Only trouble shows an age ("stale for …", "hung for …", "new tasks checked 6m10s ago" when
the look for new tasks is late), which the app's tick moves once a second (the header rewrites just those
characters). What fails is named: the error that holds every source, then each failing source (one
snapshot job, a kind's tasks, invitations), the rest staying live, and a failing events queue. A spent
budget says when calls return. With an events queue, the age of the last event shows while it answers.
"""

from __future__ import annotations

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


def header_lines(state: HeaderState, now: datetime) -> list[Text]:
    line1 = Text(end="")
    line1.append_text(catalog_badge(state))
    line1.append(" ")
    who = clean(state.who, limit=72)  # "profile " and 64 of the name
    line1.append(f"{who} · {clean(state.region, limit=32)}")
    counts = state.counts
    if counts is not None:
        # Counts before the endpoint: on a narrow terminal the endpoint is what gets cut off.
        line1.append(f" │ {counts.total:,} tasks · ")
        line1.append(f"{counts.running:,} running", style="bold yellow" if counts.running else "")
        line1.append(" · ")
        line1.append(f"{counts.failed:,} failed", style="bold red" if counts.failed else "")
        line1.append(" │")
    line1.append(f" {clean(state.endpoint, limit=96)}", style="dim")

    line2 = Text(end="")
    line2.append(f" ● {clean(state.state, limit=16)} ", style=STATE_STYLES.get(state.state, "bold"))
    if state.backfilling:
        line2.append("loading history… ", style="yellow")
    if state.since is not None:
        age = duration(max(0.0, (now - state.since).total_seconds())) or "0s"
        line2.append(f" {clean(state.state, limit=16)} for {age}", style="bold red")
    line2.append(f" last poll {instant(state.last_poll, CLOCK, missing='—')}")
    lag = state.discovery_lag(now)
    if lag is not None:
        line2.append(f" · new tasks checked {duration(lag)} ago", style="bold yellow")
    if state.calls_last_hour is not None and state.calls_left_today is not None:
        line2.append(f"  │ calls {state.calls_last_hour:,}/h · {state.calls_left_today:,} left today")
    if state.budget_resumes_at is not None:
        # (the state says "over budget" already, unless a hang or a pause outranks it)
        spent = "" if state.state == "over budget" else "budget spent, "
        line2.append(f" · {spent}calls return {instant(state.budget_resumes_at, CLOCK)}", style="bold red")
    elif state.saving:
        line2.append(" · saving budget", style="yellow")
    if state.events is not None:
        line2.append_text(events_text(state, now))
    line2.append("  │ ")
    trouble = state.trouble()
    if trouble:
        line2.append("⚠ " + clean(trouble, limit=300), style="bold red")
    else:
        line2.append("no errors", style="dim")
    return [line1, line2]


def events_text(state: HeaderState, now: datetime) -> Text:
    """`events · last 12s ago` while the queue answers; `events down · polling` when it fails."""
    if state.events == "live":
        if state.last_event_at is None:
            return Text("  │ events · none yet", style="green")
        age = duration(max(0.0, (now - state.last_event_at).total_seconds())) or "0s"
        return Text(f"  │ events · last {age} ago", style="green")
    if state.events == "down":
        return Text("  │ events down · polling", style="bold yellow")
    return Text("  │ events · connecting", style="dim")


class HeaderStatus(LinePane):
    DEFAULT_CSS = """
    HeaderStatus { height: 2; background: $panel; }
    """

    def show(self, state: HeaderState, now: datetime) -> None:
        self.set_lines(header_lines(state, now))

"""The header: which catalog and account this is, where it polls, whether polling is healthy, how much
of the request budget it has used, and the last error in one line.

Times are absolute (`last poll 09:12:03`), not "5 s ago": an age would change the header every second
while all is well. Only trouble shows an age ("stale for …"), which the app's tick moves once a second
(the header rewrites just those characters).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text

from .line_pane import LinePane
from .safe_text import clean

STATE_STYLES = {
    "live": "bold green",
    "paused": "bold yellow",
    "stale": "bold white on red",
    "backoff": "bold red",
    "starting": "dim",
    "loading": "dim",
}


def _age(seconds: float) -> str:
    s = int(max(0, seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def _hms(when: datetime | None) -> str:
    return when.strftime("%H:%M:%S") if when else "—"


def catalog_badge(catalog: str) -> Text:
    if catalog == "AWS":
        # Production: every action here touches real customers. Make it impossible to miss.
        return Text(" AWS · PRODUCTION ", style="bold white on red")
    return Text(f" {clean(catalog, limit=32)} ", style="bold black on cyan")


def header_lines(
    settings: Any, status: Any, counts: dict[str, dict[str, int]] | None, now: datetime
) -> list[Text]:
    line1 = Text(end="")
    line1.append_text(catalog_badge(settings.catalog))
    line1.append(" ")
    who = f"profile {clean(settings.profile, limit=64)}" if settings.profile else "default credentials"
    if settings.demo:
        who = "demo (local endpoint)"
    line1.append(f"{who} · {clean(settings.region, limit=32)}")
    if counts is not None:
        # Counts before the endpoint: on a narrow terminal the endpoint is what gets cut off.
        total = sum(sum(v.values()) for v in counts.values())
        running = sum(v.get("IN_PROGRESS", 0) for v in counts.values())
        failed = sum(v.get("FAILED", 0) for v in counts.values())
        line1.append(f" │ {total:,} tasks · ")
        line1.append(f"{running:,} running", style="bold yellow" if running else "")
        line1.append(" · ")
        line1.append(f"{failed:,} failed", style="bold red" if failed else "")
        line1.append(" │")
    endpoint = getattr(settings, "endpoint_url", None) or f"partnercentral-selling.{settings.region}.api.aws"
    line1.append(f" {clean(endpoint, limit=96)}", style="dim")

    line2 = Text(end="")
    state = getattr(status, "state", "starting") if status is not None else "starting"
    line2.append(f" ● {clean(state, limit=16)} ", style=STATE_STYLES.get(state, "bold"))
    if status is not None and getattr(status, "backfilling", False):
        line2.append("loading history… ", style="yellow")
    last = None
    if status is not None and getattr(status, "last_success", None):
        last = max(status.last_success.values())
    stale_since = getattr(status, "stale_since", None) if status is not None else None
    if stale_since is not None:
        line2.append(f" stale for {_age((now - stale_since).total_seconds())}", style="bold red")
    line2.append(f" last poll {_hms(last)}")
    if status is not None:
        line2.append(f"  │ calls {status.calls_last_hour:,}/h · {status.calls_left_today:,} left today")
    error = getattr(status, "last_error", None) if status is not None else None
    line2.append("  │ ")
    if error:
        line2.append("⚠ " + clean(error, limit=300), style="bold red")
    else:
        line2.append("no errors", style="dim")
    return [line1, line2]


class HeaderStatus(LinePane):
    DEFAULT_CSS = """
    HeaderStatus { height: 2; background: $panel; }
    """

    def show(
        self, settings: Any, status: Any, counts: dict[str, dict[str, int]] | None, now: datetime
    ) -> None:
        self.set_lines(header_lines(settings, status, counts, now))

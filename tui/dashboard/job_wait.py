"""What the selected task's snapshot job waits for, in words, while the store does not have it: its fetch as
the poller (or, for a follower, the viewer that polls) says it stands in `PollerStatus.asked_jobs`. Pure:
no Textual. The snapshot jobs pane shows it in place of the job's status."""

from __future__ import annotations

from datetime import datetime

from tui.core.timefmt import duration
from tui.engine.api import AskedJob, PollerStatus


def _in(at: datetime | None, now: datetime) -> str:
    """`in 12s`, `in under a second`, `now` (once it is due, or not on a timer)."""
    left = (at - now).total_seconds() if at is not None else 0.0
    if left <= 0:
        return "now"
    return f"in {duration(left)}" if left >= 1.0 else "in under a second"


def job_wait(job_id: str, status: PollerStatus | None, now: datetime, *, fetches: bool) -> str:
    """One line: why the job is not shown yet. `fetches`: this view asks the engine for the selected
    task's job (False: an offline view, which makes no calls). The error texts in the status are safe to
    print already; the pane still passes the line through `clean`."""
    if not fetches:
        return "not fetched: this view makes no calls"
    asked = next((a for a in status.asked_jobs if a.job_id == job_id), None) if status is not None else None
    if status is not None and status.state == "paused" and (asked is None or asked.waits_for == "call"):
        return "not fetched: polling is paused (p resumes)"
    if asked is None:
        if status is not None and status.state == "following":
            return "fetching… (asked the viewer that polls)"
        return "fetching…"
    return _waiting(asked, now)


def _waiting(asked: AskedJob, now: datetime) -> str:
    error = asked.error or "no reason given"
    match asked.waits_for:
        case "rate":
            return f"waiting for the request budget (next call {_in(asked.call_at, now)})"
        case "allowance":
            return f"waiting for the daily request budget (calls return {_in(asked.call_at, now)})"
        case "hold":
            return f"waiting: {error} (next call {_in(asked.call_at, now)})"
        case "retry":
            return f"the call failed: {error} · retrying {_in(asked.call_at, now)}"
        case "given up":
            return f"the call failed: {error}; not retried (select the task again to retry)"
        case "gone":
            return "the service has no such job (select the task again to ask again)"
        case "paused":
            return "not fetched: polling is paused (p resumes)"
        case _:  # "call", or a state another pcwatch version publishes
            return "fetching…"

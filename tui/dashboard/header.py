"""The header's state, in one place: what the header shows, taken from the settings, the engine's
`PollerStatus` and the store's counts. The widget (`widgets.header_status`) only draws it; everything the
header claims about the account and the polling is decided here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tui.core.settings import Settings
from tui.engine.api import PollerStatus

#: The look for new tasks is shown late once older than this many of its cadences (plus 30 s).
DISCOVERY_GRACE = 1.5


@dataclass(frozen=True)
class TaskCounts:
    total: int
    running: int
    failed: int


@dataclass(frozen=True)
class HeaderState:
    catalog: str
    #: The `AWS` catalog: every action touches real customers.
    production: bool
    #: "profile NAME", "default credentials" or "demo (local endpoint)".
    who: str
    region: str
    endpoint: str
    #: None until the store is loaded.
    counts: TaskCounts | None
    #: The poller's state ("starting" before it reports).
    state: str = "starting"
    backfilling: bool = False
    last_poll: datetime | None = None
    #: Set while polls fail: the header shows for how long (it moves every second).
    stale_since: datetime | None = None
    #: None before the poller reports.
    calls_last_hour: int | None = None
    calls_left_today: int | None = None
    last_error: str | None = None
    #: (what, its error) for each source failing now (a kind's tasks, one job, invitations).
    failing: tuple[tuple[str, str], ...] = ()
    #: The oldest of the kinds' last looks for new tasks, and how often they are due (seconds).
    scanned_at: datetime | None = None
    scan_every: float = 0.0
    #: The allowance is low and the poller slows to make it last.
    saving: bool = False
    #: The allowance is spent: calls return then.
    budget_resumes_at: datetime | None = None

    def trouble(self) -> str | None:
        """What fails, in one line: the error that holds every source, then each failing source by name."""
        parts = [f"{what}: {error}" for what, error in self.failing]
        if self.last_error and not any(error == self.last_error for _, error in self.failing):
            parts.insert(0, self.last_error)
        if self.events == "down" and self.events_error:
            parts.append(self.events_error)  # (it names the queue: "events queue … does not exist")
        return " · ".join(parts) if parts else None

    def discovery_lag(self, now: datetime) -> float | None:
        """Seconds since the oldest look for new tasks, once it is well past its cadence (a tick missed
        and then some: backoff, failures, a spent budget); None while on time."""
        if self.scanned_at is None or self.scan_every <= 0:
            return None
        age = (now - self.scanned_at).total_seconds()
        return age if age > DISCOVERY_GRACE * self.scan_every + 30.0 else None

    #: The events queue: None without one, "starting", "live" or "down" (polling at its normal cadence).
    events: str | None = None
    last_event_at: datetime | None = None
    events_error: str | None = None


def header_state(
    settings: Settings, status: PollerStatus | None, counts: dict[str, dict[str, int]] | None
) -> HeaderState:
    if settings.demo:
        who = "demo (local endpoint)"
    else:
        who = f"profile {settings.profile}" if settings.profile else "default credentials"
    totals = None
    if counts is not None:
        totals = TaskCounts(
            total=sum(sum(v.values()) for v in counts.values()),
            running=sum(v.get("IN_PROGRESS", 0) for v in counts.values()),
            failed=sum(v.get("FAILED", 0) for v in counts.values()),
        )
    base = HeaderState(
        catalog=settings.catalog,
        production=settings.catalog == "AWS",
        who=who,
        region=settings.region,
        endpoint=settings.endpoint_url or f"partnercentral-selling.{settings.region}.api.aws",
        counts=totals,
    )
    if status is None:
        return base
    return HeaderState(
        **{
            **base.__dict__,
            "state": status.state,
            "backfilling": status.backfilling,
            "last_poll": status.last_poll,
            "stale_since": status.stale_since,
            "calls_last_hour": status.calls_last_hour,
            "calls_left_today": status.calls_left_today,
            "last_error": status.last_error,
            "failing": status.failing,
            # (a kind whose history is still loading has no look yet: its loading is its discovery)
            "scanned_at": min(status.scanned.values(), default=None),
            "scan_every": status.scan_every,
            "saving": status.saving,
            "budget_resumes_at": status.budget_resumes_at,
            "events": status.events,
            "last_event_at": status.last_event_at,
            "events_error": status.events_error,
        }
    )

"""The header's state, in one place: what the header shows, taken from the settings, the engine's
`PollerStatus`, the store's counts and the clock's now. The widget (`widgets.header_status`) only draws
it; everything the header claims about the account and the polling is decided here.

One state, always current (the app recomputes it every tick of its clock, not only when the engine
reports): "paused"; "hung" while a call has been outstanding for more than HUNG_AFTER seconds (the
engine says when it was sent: nothing else reports during a hang); "silent" while the leader a follower
follows has said nothing past the stale threshold (`PollerStatus.leader_silent_since`, the follower's
own judgement: `leader (pid 4242 on jump-1) silent for 20s`); "over budget" while the day's allowance is
spent; "stale" or "backoff" while the last call failed; "following" another viewer (whom: `leader`, the
process id and host the leader published); "live"; "starting". Hung and stale carry the
time they began, so their age moves every second. The demo says its account is simulated (`demo_note`).
A step of the wall clock is said for a while (`clock_step`, the poller's)."""


from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tui.core.clock import ClockStep
from tui.core.settings import Settings
from tui.engine.api import HUNG_AFTER, PollerStatus

__all__ = ["HUNG_AFTER", "HeaderState", "TaskCounts", "header_state", "leader_of", "polling_state"]

#: A file's path longer than this many characters shows its end only (`…/journals/demo.sqlite3`).
PATH_SHOWN = 60

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
    #: "profile NAME", "default credentials" or "demo".
    who: str
    region: str
    endpoint: str
    #: None until the store is loaded.
    counts: TaskCounts | None
    #: The demo's account: simulated, and whether it is this process's alone (None: a real account).
    demo_note: str | None = None
    #: The one state ("starting" before the poller reports); see the module docstring.
    state: str = "starting"
    backfilling: bool = False
    last_poll: datetime | None = None
    #: When the trouble the state names began (hung: the call's start; stale/backoff: the first failure):
    #: the header shows for how long (it moves every second).
    since: datetime | None = None
    #: None before the poller reports.
    calls_last_hour: int | None = None
    calls_left_today: int | None = None
    last_error: str | None = None
    #: Whom a follower follows (`pid 4242 on jump-1`, as the leader published it); None on the leader.
    leader: str | None = None
    #: (what, its error) for each source failing now (a kind's tasks, one job, invitations).
    failing: tuple[tuple[str, str], ...] = ()
    #: The oldest of the kinds' last looks for new tasks, and how often they are due (seconds).
    scanned_at: datetime | None = None
    scan_every: float = 0.0
    #: The allowance is low and the poller slows to make it last.
    saving: bool = False
    #: The allowance is spent: calls return then.
    budget_resumes_at: datetime | None = None
    #: `journal not written: disk full (~/…/j.sqlite3)` while the journal takes no writes (the poller
    #: goes on from memory and writes it all once it does).
    journal: str | None = None
    #: `log file not written: … (path)` once the log file failed (said once, here, not line by line).
    log_file: str | None = None
    #: The wall clock stepped lately (None: not for a while).
    clock_step: ClockStep | None = None

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
    #: Publishing outcomes (issue 28), beside the budget: `notify 12 sent · 3 waiting · 4 calls`; None when
    #: the leader does not publish. `notify_failing`: its last send failed (the error is in `pcwatch
    #: notify status` and the log).
    notify: str | None = None
    notify_failing: bool = False


def notify_words(status: PollerStatus) -> str | None:
    """The header's words for publishing: what was sent, what waits, its own calls (not Partner Central's)."""
    notify = status.notify
    if notify is None:
        return None
    words = [f"notify {notify.sent:,} sent"]
    if notify.backlog:
        words.append(f"{notify.backlog:,} waiting")
    if notify.calls:
        words.append(f"{notify.calls:,} calls")
    if notify.last_error:
        words.append("failing")
    return " · ".join(words)


def header_state(
    settings: Settings,
    status: PollerStatus | None,
    counts: dict[str, dict[str, int]] | None,
    now: datetime | None = None,
    *,
    log_file: tuple[str, str] | None = None,
) -> HeaderState:
    """What the header says as of `now` (the app's clock; None: the status's own word, no hang check);
    `log_file`: why the log file is not written, and its path (`tui.core.logs.file_trouble`)."""
    demo_note = None
    if settings.demo:
        who = "demo"
        # (another --demo process has an endpoint, and an account, of its own; one given its endpoint
        # shares it)
        demo_note = "simulated account" + (" (this process only)" if settings.demo_in_process else "")
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
        demo_note=demo_note,
        log_file=f"log file not written: {log_file[0]} ({shown_path(log_file[1])})" if log_file else None,
    )
    if status is None:
        return base
    state, since = polling_state(status, now)
    last_poll = status.last_poll
    if since is not None and last_poll is not None and last_poll > since:
        # Stale since one source's failure while others answer: "last poll" is the last time all was
        # well, never a time after the trouble began.
        last_poll = max((at for at in status.last_success.values() if at <= since), default=None)
    unwritten = status.journal_not_written
    return HeaderState(
        **{
            **base.__dict__,
            "state": state,
            "since": since,
            "backfilling": status.backfilling,
            "last_poll": last_poll,
            "calls_last_hour": status.calls_last_hour,
            "calls_left_today": status.calls_left_today,
            "last_error": status.last_error,
            "leader": leader_of(status),
            "failing": status.failing,
            # (a kind whose history is still loading has no look yet: its loading is its discovery)
            "scanned_at": min(status.scanned.values(), default=None),
            "scan_every": status.scan_every,
            "saving": status.saving,
            "budget_resumes_at": status.budget_resumes_at,
            "events": status.events,
            "last_event_at": status.last_event_at,
            "events_error": status.events_error,
            "journal": (
                f"journal not written: {unwritten.reason} ({shown_path(unwritten.path)})"
                if unwritten is not None
                else None
            ),
            "clock_step": status.clock_step,
            "notify": notify_words(status),
            "notify_failing": status.notify is not None and status.notify.last_error is not None,
        }
    )


def shown_path(path: str) -> str:
    """A file's path as the header shows it: the home directory as `~`, and only its end past
    PATH_SHOWN characters (made safe where it is drawn)."""
    home = str(Path.home())
    if home != os.sep and path.startswith(home + os.sep):
        path = "~" + path[len(home) :]
    return path if len(path) <= PATH_SHOWN else "…" + path[-(PATH_SHOWN - 1) :]


def leader_of(status: PollerStatus) -> str | None:
    """Who polls for a follower, as the leader published it: `pid 4242 on jump-1`."""
    if status.leader_pid is None:
        return None
    return f"pid {status.leader_pid}" + (f" on {status.leader_host}" if status.leader_host else "")


def polling_state(status: PollerStatus, now: datetime | None) -> tuple[str, datetime | None]:
    """The one state and when its trouble began (see the module docstring), in order of precedence."""
    if status.state == "paused":
        return "paused", None
    if status.state == "following" and status.leader_silent_since is not None:
        return "silent", status.leader_silent_since
    started = status.call_started_at
    if now is not None and started is not None and (now - started).total_seconds() > HUNG_AFTER:
        return "hung", started
    if status.state not in ("starting", "following") and status.calls_left_today <= 0:
        return "over budget", None
    if status.state in ("stale", "backoff"):
        return status.state, status.stale_since
    return status.state, None

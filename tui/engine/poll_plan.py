"""The poller's knobs (`PollPlan`). Plain data, no I/O; what the poller reports is `types.PollerStatus`."""

from __future__ import annotations

from dataclasses import dataclass

from tui.core.settings import Settings


@dataclass(frozen=True)
class PollPlan:
    """The knobs of the poll plan. Intervals in seconds of the injected clock."""

    fast_interval: float = 5.0
    slow_interval: float = 60.0
    #: A kind with running tasks is scanned for new ones less often: its IN_PROGRESS list already shows
    #: new running tasks; the scan only adds those that started and ended between two ticks.
    active_scan_interval: float = 300.0
    #: Snapshot jobs of history tasks are fetched (with spare budget) only for tasks this recent.
    history_job_window: float = 86_400.0
    active_page_size: int = 100
    scan_page_size: int = 25
    history_page_size: int = 1000
    #: History pages are fetched only while the daily pacing keeps this many calls for live polling.
    history_reserve: float = 10.0
    invitation_interval: float = 600.0
    job_refresh_interval: float = 900.0
    #: How long after its task was seen live a Running job keeps being refreshed.
    job_follow_window: float = 3600.0
    #: At most one job refresh per this many seconds (30 an hour), whatever the number of jobs.
    job_refresh_spacing: float = 120.0
    #: Jobs fetched per tick at most (those of live tasks first).
    jobs_per_tick: int = 3
    #: With a live events queue (events wake the poller up): the tick while tasks run (a FAILED task
    #: publishes no event, so this bounds how late a failure is seen; wake-ups need the budget it leaves)...
    events_busy_interval: float = 60.0
    #: ...the sweep when none do...
    events_sweep_interval: float = 300.0
    #: ...and how often each kind is scanned for new tasks, and the invitations listed (their own events say
    #: when they change): 3 kinds every 20 minutes and the invitations hourly, 10 calls an hour...
    events_scan_interval: float = 1200.0
    events_invitation_interval: float = 3600.0
    #: ...and while tasks run, the busy ticks leave this many paced calls for the polls events ask for.
    events_reserve: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> PollPlan:
        return cls(fast_interval=settings.fast_interval, slow_interval=settings.slow_interval)

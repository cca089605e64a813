"""The poller's status, said as it changes: `StatusPublisher` owns the poller's `StatusBoard`. It
publishes the one state the header shows, what fails, the watchers and the pace from the sources, the
plan, the allowance and the journal's writes (`publish`); the poller and its collaborators tell it the rest as it happens (a
call sent or answered, a kind's newest tasks scanned, a history page fetched, the events queue's health).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from tui.core.clock import Clock, ClockStep, steady_wall

from .budget import BudgetSpent
from .event_consumer import EventsHealth
from .poll_plan import TickPlan, own_source
from .sources import Sources
from .status import StatusBoard
from .types import CLOCK_STEP_SHOWN, AskedJob, JournalNotWritten, PollerStatus


class StatusPublisher:
    def __init__(self, sources: Sources, kinds: Sequence[str], clock: Clock, *, daily_calls: int) -> None:
        self._sources = sources
        self._clock = clock
        self._kinds = list(kinds)
        self._board = StatusBoard(PollerStatus(calls_left_today=daily_calls))

    @property
    def current(self) -> PollerStatus:
        return self._board.current

    def subscribe(self, callback: Callable[[PollerStatus], None]) -> Callable[[], None]:
        return self._board.subscribe(callback)

    def publish(
        self,
        *,
        paused: bool,
        listed: bool,
        active_tasks: int,
        watched: bool,
        plan: TickPlan | None,
        spent: BudgetSpent | None,
        asked_jobs: tuple[AskedJob, ...] = (),
        journal_not_written: JournalNotWritten | None = None,
    ) -> None:
        """The status after a tick (or a failure, or a source answering again): the state, what fails,
        the watchers, the pace, the allowance. `listed`: a kind's first listing has been made (live, not
        starting)."""
        now = self._clock.monotonic()
        sources = self._sources
        hold = sources.hold_error
        kind_failure = sources.first_failure([*self._kinds, *(own_source(k) for k in self._kinds)])
        failure = hold or kind_failure or sources.first_failure()
        if paused:
            state = "paused"
        elif hold is not None:
            state = "backoff" if hold.throttled else "stale"
        elif kind_failure is not None:
            state = "stale"
        else:
            state = "live" if listed else "starting"
        stale = hold is not None or kind_failure is not None
        self._board.update(
            state=state,
            last_success=self._as_shown(sources.last_success()),
            last_error=failure.message if failure is not None else None,
            last_service_error=failure.service_error if failure is not None else None,
            stale_since=(self.current.stale_since or self._clock.now()) if stale else None,
            failing=sources.failing(now),
            active_tasks=active_tasks,
            watched=watched,
            saving=plan is not None and plan.stretch > 1.0,
            scan_every=plan.scan_every if plan is not None else 0.0,
            budget_resumes_at=spent.resumes_at if spent is not None else None,
            asked_jobs=asked_jobs,
            journal_not_written=journal_not_written,
            clock_step=self._clock_step(),
        )

    def _as_shown(self, times: dict[str, datetime]) -> dict[str, datetime]:
        """Step-free times as the wall clock now shows them: what it said then, or, had it stepped
        since, what it would have said (a poll made while it was ahead is not after now once it is back)."""
        steady = steady_wall(self._clock)
        steady.now()  # (reading it notices a step since the last reading)
        offset = timedelta(seconds=steady.offset)
        return {key: at + offset for key, at in times.items()}

    def _clock_step(self) -> ClockStep | None:
        """The wall clock's last step while it is news (the header says it once, for a while)."""
        steady = steady_wall(self._clock)
        now = steady.now()  # (reading it notices a step since the last reading)
        step = steady.last_step
        if step is None or (now - step.at).total_seconds() > CLOCK_STEP_SHOWN:
            return None
        return step

    # --- what happens between ticks -----------------------------------------------------------------

    def paused(self) -> None:
        self._board.update(state="paused", next_poll_at=None)

    def watched(self) -> None:
        self._board.update(watched=True)

    def next_poll(self, at: datetime) -> None:
        self._board.update(next_poll_at=at)

    def asked_jobs(self, jobs: tuple[AskedJob, ...]) -> None:
        """Where the snapshot jobs asked for stand, between ticks (one asked for, a call waiting for the
        rate)."""
        self._board.update(asked_jobs=jobs)

    def call_sent(self, at: datetime) -> None:
        """A call left (once the rate and the allowance let it go): outstanding from `at` until it ends."""
        self._board.update(call_started_at=at)

    def call_ended(self, *, calls_last_hour: int, calls_left_today: int) -> None:
        self._board.update(
            calls_last_hour=calls_last_hour,
            calls_left_today=calls_left_today,
            calls_total=self.current.calls_total + 1,
            call_started_at=None,
        )

    def scanned(self, kind: str, sent: datetime) -> None:
        """Every task of `kind` started before `sent` is known now."""
        self._board.update(scanned={**self.current.scanned, kind: sent})

    def history_fetched(self, kind: str, tasks: int) -> None:
        """`tasks` more of `kind`'s history fetched."""
        fetched = self.current.history_fetched
        self._board.update(history_fetched={**fetched, kind: fetched.get(kind, 0) + tasks})

    def events_starting(self) -> None:
        self._board.update(events="starting")

    def events_unavailable(self, message: str) -> None:
        self._board.update(events="down", events_error=message)

    def events_health(self, health: EventsHealth) -> None:
        self._board.update(events=health.state, last_event_at=health.last_event_at, events_error=health.error)

"""What the engine hands out: plain data, no I/O. The store's rows and change notices, a finished task's
observed completion, and the poller's status. The dashboard, the commands and the notebook read these
(through `tui.engine.api`); importing this module loads nothing but `schemas`, msgspec and the core's
clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

import msgspec

from schemas import BulkJobResult, ServiceError, TaskRecord, TaskStatus
from tui.core.clock import ClockStep


class TaskRow(msgspec.Struct, array_like=True, gc=False):
    """A task as the store keeps it: the record plus when pcwatch observed it (epoch seconds)."""

    record: TaskRecord
    first_seen: float
    last_observed: float
    #: The first observation in a terminal status, and the observation before it (None if the task was
    #: first seen already finished).
    terminal_at: float | None = None
    terminal_prev: float | None = None

    @property
    def observed_end(self) -> float | None:
        """The first observation in a terminal status of a task seen running before it (None for one
        first seen already finished: its end was never observed). The journal keeps it in a column of
        its own, for the statistics SQLite computes (`tui.engine.stats_summaries`)."""
        return self.terminal_at if self.terminal_prev is not None else None


#: (task_id, kind, from_status, to_status, observed_at, previous_observed_at) with epoch-second times.
TransitionRow = tuple[str, str, "str | None", str, float, "float | None"]


@dataclass(frozen=True)
class Transition:
    task_id: str
    kind: str
    #: None for the first observation of a task seen live (not for history loaded in bulk).
    from_status: str | None
    to_status: str
    observed_at: datetime
    previous_observed_at: datetime | None = None


@dataclass(frozen=True)
class Completion:
    """When a finished task ended, as far as pcwatch could observe it."""

    started: datetime | None
    #: The first observation in a terminal status. For a task first seen already finished, only a bound:
    #: it had ended by then.
    observed_end: datetime
    #: Seconds between that observation and the one before it: the true end lies in that gap. For a
    #: task first seen already finished, the whole span since its start.
    uncertainty: float
    #: Seconds from start to `observed_end` (an upper bound; the true duration is within `uncertainty`).
    #: NaN when unknown: without a start time, and for a task first seen already finished (its end was
    #: never observed; the time from its start to pcwatch's first look is no duration of it).
    duration: float
    #: True if pcwatch saw the task running before it finished (the uncertainty is one poll gap).
    observed_live: bool = True


@dataclass(frozen=True)
class StoreChange:
    """What one change of the store touched; `transitions` oldest first. `task_ids` also names a
    prospecting task whose engagements' outcomes arrived; `bulk_job_ids` a bulk job whose record, results
    or report changed."""

    task_ids: frozenset[str] = frozenset()
    job_ids: frozenset[str] = frozenset()
    invitation_ids: frozenset[str] = frozenset()
    transitions: tuple[Transition, ...] = ()
    bulk_job_ids: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(
            self.task_ids or self.job_ids or self.invitation_ids or self.transitions or self.bulk_job_ids
        )


#: Acceptance.state: "accepting" (sent from this process with no answer yet, or its task runs),
#: "accepted" (its task is COMPLETE: the invitation is no longer pending), "failed" (its task FAILED: the
#: invitation is pending again).
AcceptState = Literal["accepting", "accepted", "failed"]


@dataclass(frozen=True)
class Acceptance:
    """An invitation's acceptance as pcwatch knows it: the accept sent from this process with its answer
    not back yet, else the newest accept task that names the invitation (the one the accept started)."""

    invitation_id: str
    #: The accepting task (None: the accept is sent, its answer is not back yet).
    task: TaskRecord | None = None

    @property
    def state(self) -> AcceptState:
        status = self.task.task_status if self.task is not None else None
        if status == TaskStatus.COMPLETE:
            return "accepted"
        if status == TaskStatus.FAILED:
            return "failed"
        return "accepting"

    @property
    def reason(self) -> str | None:
        """Why its task failed: the task's ReasonCode and Message, as the service said them (a view
        makes them safe)."""
        if self.task is None or self.state != "failed":
            return None
        parts = [p for p in (self.task.reason_code, self.task.message) if p]
        return ": ".join(parts) if parts else "no reason given"


@dataclass(frozen=True)
class BulkResults:
    """What is known of a bulk job's per-record results: fetched when someone opens the job (paged; the
    journal keeps them), not before."""

    job_id: str
    results: tuple[BulkJobResult, ...]
    #: Every page is in (else `results` is what has come so far; more follow).
    complete: bool
    #: Only the failed records were asked for (what the jobs view and `results --failed` show).
    failed_only: bool
    fetched_at: datetime


@dataclass(frozen=True)
class ReportUrl:
    """A bulk job's report of its failed records: where it is while it lasts. Kept in memory only (an
    expiring URL that grants access is not journaled, logged or shared with other viewers)."""

    job_id: str
    status: str | None
    url: str | None
    expires_at: datetime | None
    failure_reason: str | None = None


#: PollerStatus.state: "starting" (no poll done yet), "live", "paused", "stale" (the last poll failed;
#: data kept), "backoff" (throttled; waiting longer before the next try), "following" (another viewer
#: polls, this one reads the journal).
PollingState = Literal["starting", "live", "paused", "stale", "backoff", "following"]
STATES: tuple[PollingState, ...] = get_args(PollingState)
#: PollerStatus.events: the events queue's health: "starting" (no answer yet), "live" (the queue
#: answers; polling relaxed) or "down" (it failed; polling as usual).
EventsState = Literal["starting", "live", "down"]


class AskedJob(msgspec.Struct, frozen=True):
    """A snapshot job someone asked for (`Engine.want_job`) that is not fetched yet, or whose fetch failed:
    what its call waits for, so a view says what is really pending."""

    job_id: str
    #: "call" (it goes with the poller's next call: now), "rate" (the request budget's rate), "allowance"
    #: (the daily allowance is spent), "hold" (throttling, credentials or the network: every source
    #: waits), "retry" (its own call failed; tried again at `call_at`), "paused", "given up" (a refusal
    #: no retry changes; asking again tries again), "gone" (the service has no such job). A plain string:
    #: a value another pcwatch version publishes costs no more than these words.
    waits_for: str = "call"
    #: When its call goes (None: now, or not on a timer).
    call_at: datetime | None = None
    #: Why its last call failed, or why every source waits (one line, safe to print).
    error: str | None = None


class JournalNotWritten(msgspec.Struct, frozen=True):
    """The journal takes no writes now: why (`disk full`, `read-only`, `I/O error`…) and its path (as
    written: the header shortens it and makes it safe). What is observed meanwhile is kept in memory
    and written once it does (`Store.flush`)."""

    reason: str
    path: str


#: Seconds the header says a step of the wall clock.
CLOCK_STEP_SHOWN = 600.0
#: Seconds a call may be outstanding before it is a hang (the header says so, with its age; a leader
#: publishes it for its followers).
HUNG_AFTER = 10.0


class NotifyState(msgspec.Struct, frozen=True):
    """How publishing outcomes goes (issue 28; `tui.engine.notify_publisher`), beside the budget: its
    own calls (EventBridge, SNS: none of Partner Central's), the events waiting, the last sent, the last
    error."""

    #: Where it publishes ("EventBridge bus pcwatch").
    target: str = ""
    calls: int = 0
    #: Events in the outbox not sent yet.
    backlog: int = 0
    sent: int = 0
    dropped: int = 0
    last_sent_at: datetime | None = None
    #: One line, safe to print; None once a send goes through.
    last_error: str | None = None


class PollerStatus(msgspec.Struct, frozen=True):
    """What a poller says of itself; the leader publishes it in the journal for the other viewers
    (`tui.engine.status.LeaderReport`, generated from these fields)."""

    state: PollingState = "starting"
    calls_last_hour: int = 0
    calls_left_today: int = 0
    next_poll_at: datetime | None = None
    #: Source ("<TaskKind>", "jobs", "invitations") -> time of its last successful call.
    last_success: dict[str, datetime] = {}
    #: One line, terminal-safe, saying how to fix it where there is a fix. Cleared by a good poll.
    last_error: str | None = None
    last_service_error: ServiceError | None = None
    stale_since: datetime | None = None
    #: True while the history is still being fetched (first run).
    backfilling: bool = False
    #: Kind -> tasks of its history fetched so far by this poller (how far the loading has got).
    history_fetched: dict[str, int] = {}
    #: Kind -> a time before the newest-first listing last completed was sent: every task of the kind
    #: started before it is known (what `Watch.follow` waits for before saying an id does not exist).
    scanned: dict[str, datetime] = {}
    #: Running tasks the poller is following.
    active_tasks: int = 0
    calls_total: int = 0
    #: Someone watches (a dashboard, a browser tab, a notebook's live view, `follow`): the poller spends
    #: fast while tasks run; nobody watching, it spends almost nothing.
    watched: bool = False
    #: (what, its error) for each source failing now: a kind's tasks, one snapshot job, invitations.
    #: One failing source backs off on its own; the others keep their cadence.
    failing: tuple[tuple[str, str], ...] = ()
    #: How often each kind's look for new tasks (`scanned`) is due at the current cadence (seconds): the
    #: header shows the oldest look's age when it is past that by far.
    scan_every: float = 0.0
    #: The allowance is low: the cadences are stretched to make it last.
    saving: bool = False
    #: The daily allowance is spent: no call until then.
    budget_resumes_at: datetime | None = None
    #: When the call outstanding now was sent (None between calls): a call outstanding for long is a
    #: hang the header shows with its age, before any timeout says so.
    call_started_at: datetime | None = None
    #: The events queue (None without one).
    events: EventsState | None = None
    #: When the last event was received.
    last_event_at: datetime | None = None
    #: Why the events queue failed (one line, safe to print).
    events_error: str | None = None
    #: Who polls, as the leader publishes it for its followers (`tui.engine.sharing`): its process id
    #: and host name, so that a follower can say whom it follows. None on the leader's own status.
    leader_pid: int | None = None
    leader_host: str | None = None
    #: A follower's own judgement, never published: since when the leader has said nothing (no heartbeat,
    #: by the follower's monotonic clock; `tui.engine.viewer_lock.LeaderSilence`), once past the silent
    #: threshold; None while it beats.
    leader_silent_since: datetime | None = None
    #: The snapshot jobs asked for and not fetched yet (and those whose fetch failed for good, a while):
    #: where each one's call stands.
    asked_jobs: tuple[AskedJob, ...] = ()
    #: The journal takes no writes now (a full disk…): the poller goes on from memory; None while the
    #: journal is written.
    journal_not_written: JournalNotWritten | None = None
    #: The wall clock's last step (NTP, an operator, a VM resume), for CLOCK_STEP_SHOWN seconds after it
    #: was noticed: pcwatch's stored times and durations carry across it (`tui.core.clock.SteadyWall`).
    clock_step: ClockStep | None = None
    #: Publishing outcomes (the leader's, with `--notify-…`); None when it does not publish.
    notify: NotifyState | None = None

    @property
    def last_poll(self) -> datetime | None:
        """The latest successful call of any source."""
        return max(self.last_success.values()) if self.last_success else None

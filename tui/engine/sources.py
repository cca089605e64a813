"""What the poller knows of each source of calls (a kind's listing, its own tasks, its history, one
snapshot job, the jobs' turn, the invitations): when it was last called, when it last succeeded, and,
while it fails, its own backoff and its last error. One failing source backs off on its own; the others
keep their cadence. Failures that are the account's or the machine's, not one source's (throttling,
credentials, the network), hold every source: `Sources.hold`.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from schemas import BULK_KINDS, ResourceNotFoundException, short_name
from tui.aws.failures import ApiFailure, CredentialsFailure, NetworkFailure
from tui.aws.retry import Backoff, may_retry

from .poll_plan import JOBS, SLOW_LANE, SourceTimes

log = logging.getLogger(__name__)

#: A source given up on stays named this long: in the header for a refusal no retry changes (access
#: denied), in the snapshot jobs pane for a job the service no longer has (never in the header).
GAVE_UP_SHOWN_FOR = 600.0
#: The sources of what users ask for (one per job or task): kept only while wanted, or failing.
ASKED_PREFIXES = ("results:", "report:", "engagements:", "find:")
#: How the header names them: prefix -> (what, of what).
_ASKED_LABELS = {
    "results": "results of job",
    "report": "report of job",
    "engagements": "engagements of task",
    "find": "bulk job",
}


@dataclass
class Source:
    key: str
    backoff: Backoff
    last_call: float | None = None
    last_success: datetime | None = None
    retry_at: float = -math.inf
    failure: ApiFailure | None = None
    #: Monotonic time of the first failure of the current run of failures.
    failing_since: float | None = None
    #: Failed for good: not retried on a timer (until asked for again).
    gave_up_at: float | None = None

    @property
    def error(self) -> str | None:
        return self.failure.message if self.failure is not None else None

    @property
    def gone(self) -> bool:
        """Given up on because the service says it does not exist (a job or task it no longer knows):
        nothing anyone can fix, so no error of the header's; the log says it once, the snapshot jobs
        pane names such a job (`jobs_given_up`)."""
        return self.gave_up_at is not None and self.failure is not None and is_gone(self.failure)

    def times(self) -> SourceTimes:
        return SourceTimes(self.last_call, self.retry_at)


def _kind_label(kind: str) -> str:
    short = short_name(kind)
    if short is None:
        return kind
    return f"{short} jobs" if kind in BULK_KINDS else f"{short} tasks"


def label(key: str) -> str:
    """The header's name for a source: `inv-to-eng tasks`, `opp-bulk jobs`, `job job-…`, `invitations`,
    `results of job …`."""
    prefix, _, rest = key.partition(":")
    if not rest:
        return _kind_label(key)
    if prefix == "job":
        return f"job {rest}"
    if prefix in _ASKED_LABELS:
        return f"{_ASKED_LABELS[prefix]} {rest}"
    return f"{_kind_label(rest)} ({prefix})"


def is_global(failure: ApiFailure) -> bool:
    """A failure of the account or the machine, not of one source: every source waits."""
    return failure.throttled or isinstance(failure, CredentialsFailure | NetworkFailure)


def is_gone(failure: ApiFailure) -> bool:
    """The service says the thing asked for does not exist (a job deleted, an id never known)."""
    return isinstance(failure.service_error, ResourceNotFoundException)


@dataclass
class Sources:
    rng: random.Random
    slow_retry: float = 60.0
    _sources: dict[str, Source] = field(default_factory=dict)
    #: Every source waits until then (throttling: exponential backoff; credentials: slowly).
    not_before: float = -math.inf
    hold_error: ApiFailure | None = None
    _hold_backoff: Backoff | None = None
    #: The last success of any one job's fetch (their sources are not kept once they succeed).
    jobs_succeeded_at: datetime | None = None

    def get(self, key: str) -> Source:
        source = self._sources.get(key)
        if source is None:
            source = self._sources[key] = Source(key, Backoff(self.rng))
        return source

    def peek(self, key: str) -> Source | None:
        """The source, if known (`get` makes one)."""
        return self._sources.get(key)

    def jobs_given_up(self, now: float) -> list[tuple[str, Source]]:
        """(job id, its source) of each snapshot job given up on lately: gone, or a refusal no retry
        changes (named as long as `failing` names them)."""
        return [
            (key[len("job:") :], source)
            for key, source in self._sources.items()
            if key.startswith("job:")
            and source.gave_up_at is not None
            and now - source.gave_up_at <= GAVE_UP_SHOWN_FOR
        ]

    def times(self) -> Mapping[str, SourceTimes]:
        return {k: s.times() for k, s in self._sources.items()}

    def called(self, key: str, now: float) -> None:
        self.get(key).last_call = now

    def succeeded(self, key: str, at: datetime) -> None:
        """The source's call answered at `at`, step-free (`tui.core.clock.steady_wall`)."""
        if key.startswith("job:"):  # one job's source matters only while it fails: not one kept per job
            self._sources.pop(key, None)
            if self.jobs_succeeded_at is None or self.jobs_succeeded_at < at:
                self.jobs_succeeded_at = at
            return
        source = self.get(key)
        source.last_success = at
        source.failure = None
        source.failing_since = source.gave_up_at = None
        source.retry_at = -math.inf
        source.backoff.reset()

    def failed(self, key: str, failure: ApiFailure, now: float) -> None:
        """This source backs off on its own (or gives up, for something the service says is gone)."""
        source = self.get(key)
        if is_gone(failure) and not source.gone:
            log.info(
                "%s: the service no longer has it (%s); given up until asked for again", label(key), failure
            )
        source.failure = failure
        if source.failing_since is None:
            source.failing_since = now
        if is_gone(failure) or not may_retry(failure):
            source.gave_up_at = now
            source.retry_at = now + self.slow_retry if not is_gone(failure) else math.inf
        else:
            source.retry_at = now + source.backoff.next_delay()

    def hold(self, key: str, failure: ApiFailure, now: float) -> float:
        """Every source waits: throttling (exponential backoff with jitter), credentials or the network
        (slowly for what no retry fixes, with backoff otherwise); the source that met it tries first
        then. Returns the wait."""
        if self._hold_backoff is None:
            self._hold_backoff = Backoff(self.rng)
        wait = self._hold_backoff.next_delay() if may_retry(failure) else self.slow_retry
        self.hold_error = failure
        self.not_before = now + wait
        self.get(key).retry_at = self.not_before
        return wait

    def release(self) -> None:
        """A call succeeded: the account and the network answer again."""
        if self.hold_error is not None:
            for source in self._sources.values():
                if source.failure is None:
                    source.retry_at = -math.inf  # (the one that met the hold)
        self.hold_error = None
        self.not_before = -math.inf
        if self._hold_backoff is not None:
            self._hold_backoff.reset()

    def forget_unasked(self, wanted: set[str], now: float) -> None:
        """Drop the sources of asks no longer wanted (one per job or task would otherwise pile up); one
        that failed for good stays as long as `failing` names it."""
        for key in [k for k in self._sources if k.startswith(ASKED_PREFIXES) and k not in wanted]:
            source = self._sources[key]
            shown = source.gave_up_at is not None and now - source.gave_up_at <= GAVE_UP_SHOWN_FOR
            if source.failure is None or not shown:
                del self._sources[key]

    def wake_all(self) -> None:
        """Refresh now: every source is due (those given up for good too), the hold lifted."""
        for source in self._sources.values():
            source.last_call = None
            if not math.isinf(source.retry_at) or source.gave_up_at is not None:
                source.retry_at = -math.inf
        self.not_before = -math.inf

    def retry(self, key: str) -> None:
        """Asked for again (e.g. the user opened the job): due now, even after giving up."""
        source = self.get(key)
        source.retry_at = -math.inf
        source.last_call = None

    def last_success(self) -> dict[str, datetime]:
        """Source -> its last success, for the sources the status has always named (kinds, jobs,
        invitations)."""
        out: dict[str, datetime] = {}
        if self.jobs_succeeded_at is not None:
            out[JOBS] = self.jobs_succeeded_at
        for key, source in self._sources.items():
            if source.last_success is None or key.startswith(ASKED_PREFIXES) or key == SLOW_LANE:
                continue
            name = JOBS if key.startswith("job:") else key if ":" not in key else key.split(":", 1)[1]
            if name not in out or out[name] < source.last_success:
                out[name] = source.last_success
        return out

    def failing(self, now: float) -> tuple[tuple[str, str], ...]:
        """(label, error) of each source failing now (one given up for a refusal, for a while after; one
        that is `gone`, never)."""
        out = []
        settled = []
        for key, source in self._sources.items():
            if source.error is None:
                continue
            if source.gave_up_at is not None and now - source.gave_up_at > GAVE_UP_SHOWN_FOR:
                if key.startswith("job:"):  # (out of the job queue already: opening it asks again)
                    settled.append(key)
                continue
            if not source.gone:
                out.append((label(key), source.error))
        for key in settled:  # a job given up long ago is neither shown nor kept
            del self._sources[key]
        return tuple(out)

    def first_failure(self, keys: list[str] | None = None) -> ApiFailure | None:
        """The failure of the first of `keys` (default: any source) failing now (not one `gone`)."""
        if keys is None:
            return next(
                (s.failure for s in self._sources.values() if s.failure is not None and not s.gone), None
            )
        for key in keys:
            source = self._sources.get(key)
            if source is not None and source.failure is not None and not source.gone:
                return source.failure
        return None

"""The fault matrix's endpoint and scenario (tests/faults/test_fault_matrix.py, tests/bench/bench_soak.py).

`FaultyEndpoint` is the local endpoint with the faults the simulator's `Faults` cannot express, put in
front of its answers as a proxy would: expired credentials, a clock skewed past SigV4's 5 minutes, a
404 for one snapshot job while the others answer, and the bulk job listings failing (500) while every
other operation answers. Three faults are the host's: pcwatch's wall clock stepped two hours ahead,
then back (`pcwatch_clock`, a `SteppedWall` over the endpoint's clock, which never steps), and a full
disk under the journal and under the log file (`Disks`, injected at the file layer by `tests.support.full_disk`); polling must go on live through
them, and every transition observed meanwhile reach the journal once the disk has room again.
`FAULTS` names every fault of the matrix and how to turn it on; `EXPECTED_STATES` is what the header must
say while it lasts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from schemas import BULK_KINDS, BulkJobKind, TaskRecord, TaskStatus
from tests.support.clocks import SteppedWall
from tests.support.full_disk import Disk
from tui.simulator import Faults, Simulator
from tui.simulator.protocol import RawError, Reply, error_reply

#: Proxy-made faults (besides the simulator's own).
EXPIRED_CREDENTIALS = "expired_credentials"
CLOCK_SKEW = "clock_skew"
NOT_FOUND_ONE_JOB = "not_found_one_job"
FAILING_BULK_LISTING = "failing_bulk_listing"
#: The host's faults: its disks.
JOURNAL_DISK_FULL = "journal_disk_full"
LOG_DISK_FULL = "log_disk_full"
#: The operations that fault fails: both families' listings (and so their running jobs' progress).
BULK_LISTINGS = frozenset(kind.list_operation for kind in BULK_KINDS.values())


class FaultyEndpoint(Simulator):
    """A Simulator whose answers pass a proxy that can replace them (`proxy_fault`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.proxy_fault: str | None = None
        self.missing_job: str | None = None
        #: The wall clock pcwatch reads (the endpoint's own clock underneath it does not step).
        self.pcwatch_clock: SteppedWall | None = None
        self._proxy_lock = threading.Lock()

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> Reply:
        fault = self.proxy_fault
        target = {k.lower(): v for k, v in headers.items()}.get("x-amz-target", "")
        operation = target.rsplit(".", 1)[-1]
        if fault == EXPIRED_CREDENTIALS:
            error = RawError("ExpiredTokenException", "The security token included in the request is expired")
            return self._counted(operation, error_reply(error, 403, operation))
        if fault == CLOCK_SKEW:
            error = RawError(
                "InvalidSignatureException",
                "Signature expired: 20261128T083000Z is now earlier than 20261128T085500Z "
                "(20261128T090000Z - 5 min.)",
            )
            return self._counted(operation, error_reply(error, 403, operation))
        if fault == FAILING_BULK_LISTING and operation in BULK_LISTINGS:
            error = RawError("InternalServerException", "The bulk jobs are unavailable; try again later.")
            return self._counted(operation, error_reply(error, 500, operation))
        if fault == NOT_FOUND_ONE_JOB and operation == "GetResourceSnapshotJob":
            job_id = _job_id(body)
            with self._proxy_lock:
                if self.missing_job is None:
                    self.missing_job = job_id
            if job_id == self.missing_job:
                error = RawError("ResourceNotFoundException", f"Resource snapshot job {job_id} not found")
                return self._counted(operation, error_reply(error, 404, operation))
        return super().handle(method, path, headers, body)

    def _counted(self, operation: str, reply: Reply) -> Reply:
        self.stats.count(operation or "<unknown>", reply.headers.get("x-amzn-ErrorType", str(reply.status)))
        return reply


def _job_id(body: bytes) -> str:
    import json

    try:
        return str(json.loads(body or b"{}").get("ResourceSnapshotJobIdentifier", ""))
    except ValueError:
        return ""


@dataclass(frozen=True)
class Fault:
    name: str
    #: Turns the fault on (and, given None, off) on the endpoint.
    apply: Callable[[FaultyEndpoint, bool], None]
    #: The header's possible states while it lasts (after the first call it spoils).
    states: frozenset[str] = field(default_factory=lambda: frozenset({"stale", "backoff", "hung"}))
    #: Faults that leave the data readable: the app must stay live through them.
    data_only: bool = False
    #: The host's disk it fills ("journal", "log"; `Disks`), not the endpoint's answers.
    fills: str | None = None
    #: Every end is seen within a poll or two throughout: each watched task's duration, in the store and
    #: the journal, is within DURATION_SLACK seconds of the endpoint's.
    timely: bool = False
    #: A fault of pcwatch's host, carried out on `FaultyEndpoint.pcwatch_clock` in pcwatch's process (the
    #: soak, whose endpoint runs in a process of its own, leaves it out).
    of_host: bool = False

    def turn(self, endpoint: FaultyEndpoint, disks: Disks, on: bool) -> None:
        """On (or off): on the endpoint, or the disk it fills."""
        self.apply(endpoint, on)
        if self.fills is not None:
            getattr(disks, self.fills).full = on


@dataclass
class Disks:
    """The host's file systems in a scenario: the journal's and the log file's."""

    journal: Disk = field(default_factory=Disk)
    log: Disk = field(default_factory=Disk)


def _host_fault(endpoint: FaultyEndpoint, on: bool) -> None:
    """(the endpoint answers as always)"""


def _sim_fault(**rates: Any) -> Callable[[FaultyEndpoint, bool], None]:
    def apply(endpoint: FaultyEndpoint, on: bool) -> None:
        endpoint.faults = Faults(**rates) if on else Faults()

    return apply


def _proxy_fault(name: str) -> Callable[[FaultyEndpoint, bool], None]:
    def apply(endpoint: FaultyEndpoint, on: bool) -> None:
        endpoint.proxy_fault = name if on else None

    return apply


def _wall_step(seconds: float) -> Callable[[FaultyEndpoint, bool], None]:
    def apply(endpoint: FaultyEndpoint, on: bool) -> None:
        assert endpoint.pcwatch_clock is not None, "the scenario gives pcwatch a SteppedWall"
        endpoint.pcwatch_clock.step(seconds if on else -seconds)

    return apply


LIVE = frozenset({"live"})
FAULTS = {
    f.name: f
    for f in (
        Fault("throttling", _sim_fault(throttle=1.0, throttle_burst=1)),
        Fault("internal_error", _sim_fault(internal_error=1.0)),
        Fault("connection_reset", _sim_fault(connection_reset=1.0)),
        Fault("hang", _sim_fault(hang=1.0, hang_seconds=1.5)),
        Fault("truncated_body", _sim_fault(truncated_body=1.0)),
        Fault("non_json_body", _sim_fault(non_json_body=1.0)),
        Fault("unknown_enum", _sim_fault(unknown_enum=1.0), LIVE, data_only=True),
        Fault("unknown_field", _sim_fault(unknown_field=1.0), LIVE, data_only=True),
        Fault("huge_message", _sim_fault(huge_message=1.0), LIVE, data_only=True),
        Fault(EXPIRED_CREDENTIALS, _proxy_fault(EXPIRED_CREDENTIALS)),
        Fault(CLOCK_SKEW, _proxy_fault(CLOCK_SKEW)),
        Fault(NOT_FOUND_ONE_JOB, _proxy_fault(NOT_FOUND_ONE_JOB), frozenset({"live", "stale", "backoff"})),
        # (the tasks answer throughout: the header names the failing listing and is never "live"; botocore
        # retries a 500 in real time, which the mock clock sees as a hang)
        Fault(FAILING_BULK_LISTING, _proxy_fault(FAILING_BULK_LISTING), frozenset({"stale", "hung"})),
        # (the calls go on and the data with them: live throughout, the header says the journal's state)
        Fault(JOURNAL_DISK_FULL, _host_fault, LIVE, data_only=True, fills="journal", of_host=True),
        Fault(LOG_DISK_FULL, _host_fault, LIVE, data_only=True, fills="log", of_host=True),
        # (issue 27: NTP, an operator or a VM resume steps the host's clock; the service's does not)
        Fault("clock_step", _wall_step(2 * 3600.0), LIVE, data_only=True, timely=True, of_host=True),
    )
}


def endpoint_truth(endpoint: Simulator) -> dict[str, TaskRecord]:
    """The endpoint's own record: every task as it is now."""
    return {t.task_id: t for t in endpoint.tasks("Sandbox") if t.task_id}


def missing_transitions(
    truth: dict[str, TaskRecord],
    journal_tasks: dict[str, str],
    journal_transitions: list[tuple[str, str | None, str]],
    watched: set[str],
) -> list[str]:
    """The transitions the endpoint made that the journal lacks: each watched task (started while
    pcwatch watched) ended in the endpoint's status must have a journaled transition to that status,
    and every task's journaled status must be the endpoint's."""
    reached = {(task_id, to) for task_id, _, to in journal_transitions}
    lost = []
    for task_id, record in truth.items():
        status = str(record.task_status)
        if journal_tasks.get(task_id) != status:
            lost.append(f"{task_id}: journal says {journal_tasks.get(task_id)}, endpoint {status}")
        elif task_id in watched and status != TaskStatus.IN_PROGRESS and (task_id, status) not in reached:
            lost.append(f"{task_id}: no journaled transition to {status}")
    return lost


# --- one scenario: watch, fault, recover, compare the journal with the endpoint ------------------------

#: Real seconds let pass per mock-clock step (the HTTP calls run in real threads meanwhile).
REAL_PAUSE = 0.005
STEP = 0.5
#: Seconds a duration observed may exceed the endpoint's (its end is seen at the next poll).
DURATION_SLACK = 10.0


def wrong_durations(
    endpoint: Simulator, watched: set[str], observed: dict[str, float | None], where: str
) -> list[str]:
    """The watched tasks ended at the endpoint whose observed duration is not within DURATION_SLACK
    seconds after the endpoint's (start to end)."""
    wrong = []
    for record, end in endpoint.tasks_with_ends("Sandbox"):
        if record.task_id not in watched or end is None or record.start_time is None:
            continue
        true = end - record.start_time.timestamp()
        seen = observed.get(record.task_id)
        if seen is None or not 0.0 <= seen - true <= DURATION_SLACK:
            wrong.append(f"{record.task_id}: {where} says {seen} s, endpoint {true:.1f} s")
    return wrong


@dataclass
class Outcome:
    """What a scenario saw: the header's state at the end of the fault, the steps (of STEP mock seconds)
    at which the header said something the fault makes untrue, and the transitions lost."""

    state_during_fault: str
    lied_steps: int
    lost: list[str]
    faulted_requests: int
    #: Requests the endpoint received while the fault lasted (the poller kept calling).
    calls_during_fault: int = 0
    #: The journal's trouble as the poller's status said it at the fault's end.
    journal_said: str | None = None
    #: A `timely` fault's watched tasks whose duration (the store's, the journal's) is not the endpoint's.
    wrong_durations: list[str] = field(default_factory=list)
    #: What the header names as failing once recovered (None: nothing; a source the service no longer
    #: has, given up on, is not trouble).
    trouble_after: str | None = None


def matrix_settings(url: str, journal: Any) -> Any:
    from tui.core.settings import Settings

    return Settings(
        endpoint_url=url,
        demo=True,  # the local endpoint's fixed credentials
        journal_path=journal,
        max_rate=10.0,
        daily_calls=100_000,
        burst=20,
        fast_interval=2.0,
        slow_interval=5.0,
        connect_timeout=0.5,
        read_timeout=0.5,
    )


def faulted(endpoint: Simulator) -> int:
    """Requests the endpoint answered with anything but a plain success (or did not answer)."""
    return sum(n for outcome, n in endpoint.stats.outcomes.items() if outcome != "ok")


async def run_scenario(
    fault: Fault,
    endpoint: FaultyEndpoint,
    clock: Any,
    *,
    store: Any,
    engine: Any,
    settings: Any,
    state_now: Callable[[], str],
    pause: Callable[[], Any],
    fault_seconds: float = 40.0,
    disks: Disks | None = None,
    trouble_now: Callable[[], str | None] = lambda: None,
) -> Outcome:
    """Drive the mock clock through: first sight of the history, three tasks seen running, the fault
    (with two short tasks that start and end within it, and one that starts in it and ends after it),
    recovery; then read the journal."""
    from tui.dashboard.header import HUNG_AFTER
    from tui.engine.journal import Journal

    async def drive(seconds: float, until: Callable[[], bool] | None = None) -> bool:
        for _ in range(int(seconds / STEP)):
            if until is not None and until():
                return True
            clock.advance(STEP)
            await pause()
        return until() if until is not None else True

    def known_as_truth() -> bool:
        truth = endpoint_truth(endpoint)
        return all(
            (t := store.task(task_id)) is not None and t.task_status == record.task_status
            for task_id, record in truth.items()
        )

    kinds = ("EngagementByAcceptingInvitation", "EngagementFromOpportunity", "OpportunityFromEngagement")
    # A long opportunity bulk job runs throughout (as in the demo): its family is listed at the running
    # cadence, so every fault meets that listing too.
    bulk = endpoint.add_bulk_job(kind=BulkJobKind.OPPORTUNITY, records=1_000_000, rate_per_minute=600.0)
    engine.refresh_now()

    def bulk_running() -> bool:
        job = store.bulk_job(bulk)
        return job is not None and not job.is_terminal

    assert await drive(120, lambda: state_now() == "live" and known_as_truth() and bulk_running()), (
        "never caught up"
    )
    watched = {endpoint.add_task(kind=k, duration=30.0 + 10 * i) for i, k in enumerate(kinds)}
    assert await drive(60, lambda: all(store.task(t) is not None for t in watched)), "never saw the tasks"

    disks = disks if disks is not None else Disks()
    before, calls_before = faulted(endpoint), endpoint.stats.total
    fault.turn(endpoint, disks, True)
    watched |= {endpoint.add_task(kind=k, duration=8.0) for k in kinds[:2]}
    watched.add(endpoint.add_task(kind=kinds[2], duration=fault_seconds + 20.0))
    lied = 0
    state = state_now()
    first_spoilt: float | None = None
    for _ in range(int(fault_seconds / STEP)):
        clock.advance(STEP)
        await pause()
        state = state_now()
        if first_spoilt is None and faulted(endpoint) > before:
            first_spoilt = clock.monotonic()
        # A data fault: live throughout. Otherwise: once a spoilt request's call has failed or been
        # outstanding for HUNG_AFTER (botocore may retry within it meanwhile), the header must say so.
        due = first_spoilt is not None and clock.monotonic() - first_spoilt > HUNG_AFTER + 1
        if fault.data_only or due:
            lied += state not in fault.states
    spoilt = faulted(endpoint) - before
    calls = endpoint.stats.total - calls_before
    unwritten = engine.status.journal_not_written
    journal_said = f"{unwritten.reason} ({unwritten.path})" if unwritten is not None else None

    fault.turn(endpoint, disks, False)
    engine.refresh_now()  # as the user pressing r once the network is back

    def watched_ended() -> bool:
        return not watched & endpoint.running_ids("Sandbox")

    # (every watched task ended, the one that outlasts the fault too, and known as the endpoint says)
    recovered = await drive(900, lambda: state_now() == "live" and watched_ended() and known_as_truth())
    assert recovered, f"never recovered: {state_now()}"
    shown_now = (endpoint.pcwatch_clock or clock).now()
    last_poll = engine.status.last_poll
    assert last_poll is None or last_poll <= shown_now, f"last poll {last_poll} is after now {shown_now}"
    # The journal is written at the end of each poll's batch: give the poll that caught up time to end.
    journal = Journal(settings.journal_path)
    lost: list[str] = []

    def journaled() -> bool:
        nonlocal lost
        contents = journal.load()
        tasks = {row.record.task_id: str(row.record.task_status) for row in contents.tasks}
        transitions = [(t[0], t[2], t[3]) for t in contents.transitions]
        lost = missing_transitions(endpoint_truth(endpoint), tasks, transitions, watched)
        return not lost

    wrong: list[str] = []
    try:
        await drive(60, journaled)
        if fault.timely:
            from tui.engine.stats import observed_duration

            in_store = {}
            for task_id in watched:
                done = store.completion(task_id)
                in_store[task_id] = done.duration if done is not None else None
            in_journal = {row.record.task_id: observed_duration(row) for row in journal.load().tasks}
            wrong = wrong_durations(endpoint, watched, in_store, "the store")
            wrong += wrong_durations(endpoint, watched, in_journal, "the journal")
    finally:
        journal.close()
    return Outcome(state, lied, lost, spoilt, calls, journal_said, wrong, trouble_now())

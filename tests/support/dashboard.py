"""Deterministic data and small fakes for the dashboard tests: a store and an engine with the engine's
typed surface (`tui.engine.api.StoreView` and `Engine`), handing out the engine's own result types."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec
from textual.drivers.headless_driver import HeadlessDriver

from schemas import (
    BulkJobKind,
    BulkJobRecord,
    BulkJobResult,
    EngagementInvitationSummary,
    EngagementProspectingResult,
    GetProspectingFromEngagementTaskResponse,
    GetResourceSnapshotJobResponse,
    ReasonCode,
    TaskKind,
    TaskRecord,
)
from tui.engine.api import (
    Acceptance,
    BulkResults,
    Completion,
    PollerStatus,
    ReportUrl,
    StoreChange,
    TaskRow,
    Transition,
)

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)
KINDS = (
    TaskKind.ACCEPT_INVITATION,
    TaskKind.ENGAGEMENT_FROM_OPPORTUNITY,
    TaskKind.OPPORTUNITY_FROM_ENGAGEMENT,
)
REASONS = sorted(ReasonCode.KNOWN)


class FakeStore:
    """A `StoreView` in memory (and the `apply_*` a test drives it with). `clock`: what a report URL's
    expiry is measured against (the store forgets an expired one, as the real store does)."""

    def __init__(self, clock: Any = None) -> None:
        self.clock = clock
        self.warnings: list[str] = []
        self._meta: dict[str, str] = {}
        self._tasks: dict[str, TaskRecord] = {}
        self._completions: dict[str, Completion] = {}
        self._first_seen: dict[str, datetime] = {}
        self._jobs: dict[str, GetResourceSnapshotJobResponse] = {}
        self._invitations: dict[str, EngagementInvitationSummary] = {}
        self._transitions: list[Transition] = []
        self._subscribers: list[Callable[[Any], None]] = []
        self._bulk_jobs: dict[str, BulkJobRecord] = {}
        self._bulk_results: dict[str, BulkResults] = {}
        self._reports: dict[str, ReportUrl] = {}
        self._prospecting: dict[str, GetProspectingFromEngagementTaskResponse] = {}

    def __len__(self) -> int:
        return len(self._tasks)

    def task(self, task_id: str) -> TaskRecord | None:
        return self._tasks.get(task_id)

    def tasks(self) -> Iterable[TaskRecord]:
        return list(self._tasks.values())

    def completion(self, task_id: str) -> Completion | None:
        return self._completions.get(task_id)

    def observed_end(self, task_id: str) -> float | None:
        done = self._completions.get(task_id)
        return done.observed_end.timestamp() if done is not None and done.observed_live else None

    def task_rows(self) -> list[TaskRow]:
        rows = []
        for tid, record in self._tasks.items():
            seen = self._first_seen[tid].timestamp()
            done = self._completions.get(tid)
            end = done.observed_end.timestamp() if done is not None else None
            before = end - done.uncertainty if done is not None and done.observed_live else None
            rows.append(TaskRow(record, seen, seen, terminal_at=end, terminal_prev=before))
        return rows

    def meta(self, key: str, default: str | None = None) -> str | None:
        return self._meta.get(key, default)

    def job(self, job_id: str) -> GetResourceSnapshotJobResponse | None:
        return self._jobs.get(job_id)

    def jobs(self) -> list[GetResourceSnapshotJobResponse]:
        return list(self._jobs.values())

    def invitations(self) -> list[EngagementInvitationSummary]:
        return list(self._invitations.values())

    def acceptance(self, invitation_id: str) -> Acceptance | None:
        """The newest accept task naming the invitation (the real store keeps an index of them)."""
        accepts = [
            t
            for t in self._tasks.values()
            if t.kind == TaskKind.ACCEPT_INVITATION and t.engagement_invitation_id == invitation_id
        ]
        newest = max(accepts, key=lambda t: t.start_time or T0, default=None)
        return Acceptance(invitation_id, newest) if newest is not None else None

    def bulk_jobs(self) -> list[BulkJobRecord]:
        """Newest created first, as the store's contract says."""
        return sorted(
            self._bulk_jobs.values(),
            key=lambda j: (j.created_at is None, -(j.created_at.timestamp() if j.created_at else 0.0)),
        )

    def bulk_job(self, job_id: str) -> BulkJobRecord | None:
        return self._bulk_jobs.get(job_id)

    def bulk_results(self, job_id: str) -> BulkResults | None:
        return self._bulk_results.get(job_id)

    def report_url(self, job_id: str) -> ReportUrl | None:
        report = self._reports.get(job_id)
        if report is None:
            return None
        now = self.clock.now() if self.clock is not None else None
        if now is not None and report.expires_at is not None and report.expires_at <= now:
            return None  # expired: forgotten
        return report

    def prospecting(self, task_id: str) -> GetProspectingFromEngagementTaskResponse | None:
        return self._prospecting.get(task_id)

    def transitions_of(self, task_id: str) -> list[Transition]:
        return [t for t in self._transitions if t.task_id == task_id]

    def recent_transitions(self, limit: int = 200) -> list[Transition]:
        return self._transitions[-limit:] if limit else []  # oldest first, like the store

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = defaultdict(Counter)
        for t in self._tasks.values():
            out[t.kind][t.task_status or "?"] += 1
        return {k: dict(v) for k, v in out.items()}

    def subscribe(self, callback: Callable[[StoreChange], None]) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def _notify(self, change: StoreChange) -> StoreChange:
        for callback in list(self._subscribers):
            callback(change)
        return change

    def apply_tasks(
        self, records: Iterable[TaskRecord], observed_at: datetime, *, quiet: bool = False
    ) -> StoreChange:
        changed: set[str] = set()
        transitions: list[Transition] = []
        for record in records:
            tid = record.task_id
            assert tid is not None
            old = self._tasks.get(tid)
            if old == record:
                continue
            self._tasks[tid] = record
            changed.add(tid)
            self._first_seen.setdefault(tid, observed_at)
            if old is None or old.task_status != record.task_status:
                transitions.append(
                    Transition(
                        tid,
                        record.kind,
                        old.task_status if old else None,
                        record.task_status or "?",
                        observed_at,
                    )
                )
                if record.is_terminal:
                    started = record.start_time or observed_at
                    self._completions[tid] = Completion(
                        started, observed_at, 5.0, (observed_at - started).total_seconds()
                    )
        self._transitions.extend(transitions)
        change = StoreChange(frozenset(changed), transitions=tuple(transitions))
        return change if quiet else self._notify(change)

    def apply_jobs(self, jobs: Iterable[GetResourceSnapshotJobResponse]) -> StoreChange:
        ids = set()
        for job in jobs:
            assert job.id is not None
            self._jobs[job.id] = job
            ids.add(job.id)
        return self._notify(StoreChange(job_ids=frozenset(ids)))

    def apply_invitations(self, invitations: Iterable[EngagementInvitationSummary]) -> StoreChange:
        ids = set()
        for inv in invitations:
            self._invitations[inv.id] = inv
            ids.add(inv.id)
        return self._notify(StoreChange(invitation_ids=frozenset(ids)))

    def apply_bulk_jobs(self, jobs: Iterable[BulkJobRecord], *, quiet: bool = False) -> StoreChange:
        ids = set()
        for job in jobs:
            if self._bulk_jobs.get(job.job_id) != job:
                self._bulk_jobs[job.job_id] = job
                ids.add(job.job_id)
        change = StoreChange(bulk_job_ids=frozenset(ids))
        return change if quiet or not ids else self._notify(change)

    def apply_bulk_results(self, results: BulkResults) -> StoreChange:
        self._bulk_results[results.job_id] = results
        return self._notify(StoreChange(bulk_job_ids=frozenset({results.job_id})))

    def apply_report_url(self, report: ReportUrl) -> StoreChange:
        self._reports[report.job_id] = report
        return self._notify(StoreChange(bulk_job_ids=frozenset({report.job_id})))

    def apply_prospecting(self, outcome: GetProspectingFromEngagementTaskResponse) -> StoreChange:
        assert outcome.task_id is not None
        self._prospecting[outcome.task_id] = outcome
        return self._notify(StoreChange(task_ids=frozenset({outcome.task_id})))


def live_status(**changes: Any) -> PollerStatus:
    """A poller's status as a live one reports it (42 calls this hour, 9,000 left today)."""
    return msgspec.structs.replace(
        PollerStatus(state="live", calls_last_hour=42, calls_left_today=9_000), **changes
    )


class FakePoller:
    """An `Engine` that records what the app asked of it; `run` parks until cancelled."""

    def __init__(self, status: PollerStatus | None = None) -> None:
        self.status = status or live_status()
        self.calls: list[str] = []
        self._subscribers: list[Callable[[PollerStatus], None]] = []
        #: Watchers registered now (`watching`), and the tasks and bulk jobs handed to `follow_task` and
        #: `follow_job`.
        self.watchers = 0
        self.followed: list[tuple[str, str]] = []

    def subscribe_status(self, callback: Callable[[PollerStatus], None]) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def set_status(self, **changes: Any) -> None:
        self.status = msgspec.structs.replace(self.status, **changes)
        for callback in list(self._subscribers):
            callback(self.status)

    fail_with: Exception | None = None

    async def run(self) -> None:
        import asyncio

        self.calls.append("run")
        if self.fail_with is not None:
            raise self.fail_with
        await asyncio.Event().wait()

    def pause(self) -> None:
        self.calls.append("pause")
        self.set_status(state="paused")

    def resume(self) -> None:
        self.calls.append("resume")
        self.set_status(state="live")

    def refresh_now(self) -> None:
        self.calls.append("refresh_now")

    def want_job(self, job_id: str) -> None:
        self.calls.append(f"want_job {job_id}")

    def want_results(self, job_id: str, *, failed_only: bool = True) -> None:
        self.calls.append(f"want_results {job_id}" + (" failed" if failed_only else ""))

    def want_report_url(self, job_id: str) -> None:
        self.calls.append(f"want_report_url {job_id}")

    def want_prospecting(self, task_id: str) -> None:
        self.calls.append(f"want_prospecting {task_id}")

    def want_bulk_jobs(self) -> None:
        self.calls.append("want_bulk_jobs")

    def watching(self) -> Callable[[], None]:
        self.watchers += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self.watchers -= 1

        return release

    def follow_task(self, task_id: str, kind: str) -> None:
        self.followed.append((task_id, kind))

    def follow_job(self, job_id: str, kind: str) -> None:
        self.followed.append((job_id, kind))


class CountingDriver(HeadlessDriver):
    """A driver that is not headless to the app — so the compositor renders and writes exactly what it
    would send to a terminal — but counts the bytes (UTF-8) instead of writing them anywhere."""

    written = 0
    chunks: list[str]

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        CountingDriver.written += len(data.encode("utf-8", "surrogateescape"))
        CountingDriver.last = data

    last = ""


def _id(prefix: str, rng: random.Random, n: int = 13) -> str:
    return prefix + "".join(rng.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(n))


def make_task(
    i: int,
    rng: random.Random,
    now: datetime = T0,
    *,
    status: str | None = None,
    reason_code: str | None = None,
    message: str | None = None,
) -> TaskRecord:
    kind = KINDS[i % 3]
    if status is None:
        status = rng.choices(("COMPLETE", "FAILED", "IN_PROGRESS"), (80, 15, 5))[0]
    start = now - timedelta(seconds=60 * i + rng.randint(0, 59))
    failed = status == "FAILED"
    done = status == "COMPLETE"
    return TaskRecord(
        kind=kind,
        task_id=f"task-{i:013d}",
        task_arn=f"arn:aws:partnercentral:us-east-1::catalog/Sandbox/task/task-{i:013d}",
        start_time=start,
        task_status=status,
        reason_code=(reason_code or rng.choice(REASONS)) if failed else None,
        message=(message or "The request could not be completed; see the reason code.") if failed else None,
        opportunity_id=f"O{1000000 + i}" if kind != TaskKind.OPPORTUNITY_FROM_ENGAGEMENT or done else None,
        resource_snapshot_job_id=_id("job-", rng) if done else None,
        engagement_invitation_id=_id("engi-", rng) if kind != TaskKind.OPPORTUNITY_FROM_ENGAGEMENT else None,
        engagement_id=_id("eng-", rng) if kind != TaskKind.ACCEPT_INVITATION or done else None,
        context_id=_id("ctx-", rng) if kind == TaskKind.OPPORTUNITY_FROM_ENGAGEMENT else None,
    )


def make_records(n: int, seed: int = 7, now: datetime = T0) -> list[TaskRecord]:
    rng = random.Random(seed)
    return [make_task(i, rng, now) for i in range(n)]


def make_job(record: TaskRecord, *, failure: str | None = None) -> GetResourceSnapshotJobResponse:
    return GetResourceSnapshotJobResponse(
        catalog="Sandbox",
        id=record.resource_snapshot_job_id,
        arn=f"arn:aws:partnercentral:us-east-1::catalog/Sandbox/resource-snapshot-job/{record.resource_snapshot_job_id}",
        engagement_id=record.engagement_id,
        resource_type="Opportunity",
        resource_id=record.opportunity_id,
        resource_snapshot_template_name="AWSOpportunitySummary",
        created_at=record.start_time,
        status="Stopped" if failure else "Running",
        last_successful_execution_date=None if failure else (record.start_time or T0) + timedelta(minutes=2),
        last_failure=failure,
    )


def make_invitation(i: int, status: str = "PENDING") -> EngagementInvitationSummary:
    return EngagementInvitationSummary(
        id=f"engi-{i:013d}",
        catalog="Sandbox",
        engagement_id=f"eng-{i:014d}",
        engagement_title=f"Migration project {i}",
        status=status,
        invitation_date=T0 - timedelta(hours=i),
        expiration_date=T0 + timedelta(days=14 - i),
        sender_company_name="Example Corp",
        participant_type="RECEIVER",
        payload_type="OpportunityInvitation",
    )


def populated_store(n: int = 200, seed: int = 7, now: datetime = T0) -> FakeStore:
    """A store with `n` tasks, jobs for the completed ones, and three pending invitations."""
    store = FakeStore()
    records = make_records(n, seed, now)
    store.apply_tasks(records, now, quiet=True)
    store.apply_jobs([make_job(r) for r in records[:50] if r.resource_snapshot_job_id])
    store.apply_invitations([make_invitation(i) for i in range(3)])
    return store


def make_bulk_job(
    i: int,
    status: str = "IN_PROGRESS",
    *,
    kind: str = BulkJobKind.OPPORTUNITY,
    total: int | None = 5_000,
    processed: int = 0,
    failed: int = 0,
    created: datetime | None = None,
    file_name: str | None = None,
    failure_reason: str | None = None,
) -> BulkJobRecord:
    """A bulk job of either family: created `created` (default: `i` hours before T0), started a minute
    later (the customer-account family has no start time), completed at T0 when it has ended."""
    created = created if created is not None else T0 - timedelta(hours=i, minutes=15)
    opportunity = kind == BulkJobKind.OPPORTUNITY
    ended = status in ("COMPLETED", "FAILED")
    return BulkJobRecord(
        kind=kind,
        job_id=f"bulkjob-{i:013d}",
        arn=None
        if opportunity
        else f"arn:aws:partnercentral:us-east-1::catalog/Sandbox/bulk-job/bulkjob-{i:013d}",
        status=status,
        file_name=file_name if file_name is not None else f"import-{i:03d}.csv",
        operation_type=("BULK_CREATE" if i % 2 == 0 else "BULK_UPDATE") if opportunity else None,
        total_records=total,
        processed_records=processed,
        success_count=processed - failed,
        failure_count=failed,
        failure_reason=failure_reason,
        created_at=created,
        started_at=created + timedelta(minutes=1) if opportunity and status != "SUBMITTED" else None,
        completed_at=T0 - timedelta(hours=i) if ended else None,
    )


#: ErrorCodes and messages of failed records, as the service words them.
RECORD_ERRORS = (
    ("VALIDATION_ERROR", "Customer.Account.WebsiteUrl must be a valid URL."),
    ("DUPLICATE_RECORD", "An opportunity with this PartnerOpportunityIdentifier already exists."),
    ("ACCESS_DENIED", "The caller may not update opportunity O{n}."),
)


def make_results(
    job: BulkJobRecord, *, count: int | None = None, complete: bool = True, message: str | None = None
) -> BulkResults:
    """The failed records of `job` (its FailureCount, or `count`), fetched at T0."""
    n = job.failure_count or 0 if count is None else count
    results = []
    for i in range(n):
        code, text = RECORD_ERRORS[i % len(RECORD_ERRORS)]
        results.append(
            BulkJobResult(
                request_id=f"row-{i + 2}",
                status="FAILED",
                resource_identifier=f"O{2000000 + i}",
                error_code=code,
                error_message=message if message is not None else text.format(n=2000000 + i),
            )
        )
    return BulkResults(job.job_id, tuple(results), complete=complete, failed_only=True, fetched_at=T0)


def make_report(job: BulkJobRecord, *, expires_in: float = 900.0, url: str | None = None) -> ReportUrl:
    """The failed-records report of `job`, available, expiring `expires_in` seconds after T0."""
    return ReportUrl(
        job.job_id,
        "AVAILABLE",
        url
        if url is not None
        else f"https://reports.example.com/{job.job_id}/failed.csv?X-Amz-Expires=900&X-Amz-Signature=0f3a9c",
        T0 + timedelta(seconds=expires_in),
    )


def make_prospecting_task(
    i: int,
    *,
    total: int = 10,
    completed: int = 10,
    failed: int = 0,
    ended: bool = True,
    started_here: bool = False,
) -> TaskRecord:
    """A prospecting task over `total` engagements, as its summary makes it (its status derived; the
    list names no engagements: `started_here`, its start response did)."""
    from schemas import ProspectingTaskSummary

    start = T0 - timedelta(minutes=5 * i + 3)
    summary = ProspectingTaskSummary(
        task_id=f"task-p{i:013d}",
        task_arn=f"arn:aws:partnercentral:us-east-1::catalog/Sandbox/prospecting-from-engagement-task/p{i}",
        task_name=f"Prospecting batch {i}",
        start_time=start,
        end_time=start + timedelta(minutes=2) if ended else None,
        total_engagement_count=total,
        completed_engagement_count=completed,
        failed_engagement_count=failed,
    )
    record = TaskRecord.from_task(summary, TaskKind.PROSPECTING_FROM_ENGAGEMENT)
    if not started_here:
        return record
    return msgspec.structs.replace(record, identifiers=_engagement_ids(record, total))


def _engagement_ids(record: TaskRecord, total: int) -> list[str]:
    return [f"eng-{(record.task_id or '')[-4:]}{k:010d}" for k in range(total)]


def make_prospecting_outcome(
    record: TaskRecord, *, reason_code: str = "EngagementValidationFailed", message: str | None = None
) -> GetProspectingFromEngagementTaskResponse:
    """Each engagement's outcome: the failed ones first (with `reason_code`), then the completed ones,
    then those still pending."""
    failed = record.failed_engagement_count or 0
    completed = record.completed_engagement_count or 0
    engagements = []
    total = record.total_engagement_count or 0
    for k, engagement in enumerate(record.identifiers or _engagement_ids(record, total)):
        if k < failed:
            status, code = "FAILED", reason_code
            text = message if message is not None else "The engagement has no customer contact."
        elif k < failed + completed:
            status, code, text = "COMPLETED", None, None
        else:
            status, code, text = "PENDING", None, None
        engagements.append(
            EngagementProspectingResult(
                engagement_identifier=engagement,
                engagement_context_id=f"ctx-{k:010d}" if status == "COMPLETED" else None,
                status=status,
                reason_code=code,
                message=text,
            )
        )
    return GetProspectingFromEngagementTaskResponse(
        task_id=record.task_id,
        task_arn=record.task_arn,
        task_name=record.task_name,
        start_time=record.start_time,
        end_time=record.end_time,
        engagements=engagements,
    )


def bulk_jobs() -> list[BulkJobRecord]:
    """Five jobs of both families: one running, one just submitted, and three finished (one with failed
    records, one failed as a whole, one clean)."""
    return [
        make_bulk_job(0, "IN_PROGRESS", processed=1_234, failed=34, file_name="crm-export-2026-11.csv"),
        make_bulk_job(
            1, "SUBMITTED", kind=BulkJobKind.CUSTOMER_ACCOUNT, total=None, created=T0 - timedelta(minutes=1)
        ),
        make_bulk_job(2, "COMPLETED", total=800, processed=800, failed=12),
        make_bulk_job(
            3,
            "FAILED",
            kind=BulkJobKind.CUSTOMER_ACCOUNT,
            total=300,
            processed=120,
            failed=20,
            failure_reason="The file's header row names no CustomerAccountId column.",
        ),
        make_bulk_job(4, "COMPLETED", total=50, processed=50),
    ]


def bulk_store(n: int = 60, clock: Any = None) -> FakeStore:
    """`populated_store(n)` with the bulk jobs of `bulk_jobs()` and three prospecting tasks (one running,
    one half-failed, one clean)."""
    store = populated_store(n)
    store.clock = clock
    store.apply_bulk_jobs(bulk_jobs(), quiet=True)
    store.apply_tasks(
        [
            make_prospecting_task(0, completed=4, failed=1, ended=False),
            make_prospecting_task(1, completed=7, failed=3),
            make_prospecting_task(2),
        ],
        T0,
        quiet=True,
    )
    return store


def with_status(record: TaskRecord, status: str, **changes: Any) -> TaskRecord:
    return msgspec.structs.replace(record, task_status=status, **changes)


def make_app(
    store: Any = None,
    poller: Any = None,
    settings: Any = None,
    clock: Any = None,
    *,
    offline: bool = False,
    **kwargs: Any,
) -> Any:
    """The dashboard around fakes: 200 deterministic tasks, a live poller stub, a fixed clock.
    `offline`: no poller at all (an offline view: nothing fetches)."""
    from tui.core.clock import MockClock
    from tui.core.settings import Settings
    from tui.dashboard.app import PcwatchApp

    return PcwatchApp(
        store if store is not None else populated_store(200),
        None if offline else poller if poller is not None else FakePoller(),
        settings if settings is not None else Settings(),
        clock if clock is not None else MockClock(T0),
        **kwargs,
    )


class ScreenRecorder:
    """Feeds everything the app writes into a `pyte` terminal, to see what a user's terminal shows."""

    def __init__(self, app: Any, width: int, height: int) -> None:
        import pyte

        self.screen = pyte.Screen(width, height)
        self.stream = pyte.Stream(self.screen)
        self.raw: list[str] = []
        self.bytes = 0
        driver = app._driver
        original = driver.write

        def write(data: str) -> None:
            self.raw.append(data)
            self.bytes += len(data.encode("utf-8", "surrogateescape"))
            self.stream.feed(data)
            original(data)

        driver.write = write

    def reset(self) -> None:
        self.raw.clear()
        self.bytes = 0

    @property
    def text(self) -> str:
        return "\n".join(self.screen.display)

    def line(self, y: int) -> str:
        return self.screen.display[y]


async def until(
    pilot: Any, clock: Any, condition: Callable[[], bool], *, step: float = 1.0, rounds: int = 400
) -> None:
    """Advance the mock clock `step` seconds at a time, letting the app run, until `condition` holds."""
    for _ in range(rounds):
        if condition():
            return
        clock.advance(step)
        await pilot.pause(0.01)
    raise AssertionError("condition not reached")


def stats_store(n: int = 400, seed: int = 11, now: datetime = T0) -> FakeStore:
    """A day and a half of tasks seen starting and ending (so they have observed durations), a few still
    running, failures with a handful of reasons: what the stats view plots."""
    store = FakeStore()
    rng = random.Random(seed)
    reasons = [
        "InternalError",
        "RequestThrottled",
        "InvitationValidationFailed",
        "OpportunityConflict",
        REASONS[0],
    ]
    for i in range(n):
        start = now - timedelta(seconds=rng.uniform(0, 36 * 3600))
        took = min(5400.0, rng.lognormvariate(4.2, 1.0))
        running = make_task(i, rng, now, status="IN_PROGRESS")
        running = msgspec.structs.replace(running, start_time=start)
        store.apply_tasks([running], start + timedelta(seconds=1), quiet=True)
        end = start + timedelta(seconds=took)
        if end > now:
            continue
        failed = rng.random() < 0.15 + 0.1 * (i % 3)
        status = "FAILED" if failed else "COMPLETE"
        reason = rng.choices(reasons, (5, 3, 2, 1, 1))[0] if failed else None
        store.apply_tasks([with_status(running, status, reason_code=reason)], end, quiet=True)
    return store

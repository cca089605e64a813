"""Bulk jobs as the service keeps them: a file of records that a job reads and processes at its own pace.

A job is planned whole when it is created (how many records its file has, how fast it goes, which records
fail and why, whether the whole job fails) and everything else is a function of the clock's now, so a
thousand jobs cost nothing between requests:

- SUBMITTED until `started` (queued; `TotalRecords` is 0 until the job reads its file);
- IN_PROGRESS while it processes its records at `rate` records a second (already scaled by the
  simulator's speed): `ProcessedRecords`, `SuccessCount` and `FailureCount` move with the clock;
- COMPLETED once every record has a result, or FAILED as a whole with a `FailureReason`: the file could not
  be read (no record processed), or, rarely, processing stopped part way (the records before keep theirs).

A record's result (and its fields, for the report) is derived from the job's seed and its position, never
stored: only the positions of the failed records and their errors are.
"""

from __future__ import annotations

import bisect
import random
from typing import Any

from schemas import BULK_KINDS, BulkJobKind, BulkJobStatus, BulkOperationType, BulkRecordStatus

from .records import ACCOUNT_ID, REGION, to_datetime
from .texts import (
    COMPANY_NAMES,
    CUSTOMER_ACCOUNT_RECORD_ERRORS,
    ENGAGEMENT_TITLES,
    FORMULA_COMPANY,
    FORMULA_ERROR,
    OPPORTUNITY_RECORD_ERRORS,
    RecordError,
)

#: Most records one simulated file holds (the identifiers of a job's records are numbered within it).
MAX_RECORDS = 99_999
#: Seconds between the last record and the job's end (writing its results).
FINISH_SECONDS = 2.0
#: Seconds a job that cannot read its file takes to say so.
READ_SECONDS = 4.0
#: The share of files with a record whose company name a spreadsheet would run as a formula.
FORMULA_SHARE = 0.3

_COUNTRIES = ("US", "GB", "DE", "FR", "JP", "IN", "BR", "AU", "CA", "SG")
_INDUSTRIES = (
    "Retail",
    "Financial Services",
    "Healthcare",
    "Manufacturing",
    "Software and Internet",
    "Media",
)


def job_arn(catalog: str, kind: str, job_id: str) -> str:
    segment = BULK_KINDS[kind].arn_segment
    return f"arn:aws:partnercentral:{REGION}:{ACCOUNT_ID}:catalog/{catalog}/{segment}/{job_id}"


def record_errors(kind: str, operation_type: str | None) -> tuple[RecordError, ...]:
    """The errors a record of this kind of job (and operation) can fail with."""
    if kind == BulkJobKind.CUSTOMER_ACCOUNT:
        return CUSTOMER_ACCOUNT_RECORD_ERRORS
    operation = operation_type or BulkOperationType.BULK_CREATE
    return tuple(e for e in OPPORTUNITY_RECORD_ERRORS if operation in e.operations)


class SimBulkJob:
    """One bulk job of one catalog. Times are epoch seconds on the simulator's clock."""

    __slots__ = (
        "catalog",
        "created",
        "deleted",
        "errors",
        "failed",
        "failure_reason",
        "file_name",
        "file_uri",
        "formula_at",
        "job_id",
        "kind",
        "operation_type",
        "rate",
        "record_seed",
        "reports",
        "salt",
        "seq",
        "started",
        "stop_at",
        "total",
    )

    def __init__(self, catalog: str, kind: str, seq: int, job_id: str, created: float) -> None:
        self.catalog = catalog
        self.kind = kind
        self.seq = seq
        self.job_id = job_id
        self.created = created
        self.started = created
        self.file_uri = ""
        self.file_name = ""
        self.operation_type: str | None = None
        #: Records in the file (0: it could not be read).
        self.total = 0
        #: Records processed when the job ends (`total`, or fewer when it stopped part way).
        self.stop_at = 0
        #: Records a second while it runs.
        self.rate = 5.0
        #: Why the whole job failed (None: it completes).
        self.failure_reason: str | None = None
        #: Positions of the failed records, sorted, and the index of each one's error.
        self.failed: list[int] = []
        self.errors: dict[int, int] = {}
        #: Accounts imported by this job and deleted since (a customer-account job's `DeletedCount`).
        self.deleted = 0
        self.record_seed = 0
        #: The record whose company name is a formula (a spreadsheet would run it), if the file has one.
        self.formula_at: int | None = None
        #: XORed into customer-account ids, so each job's look unrelated (and stay unique).
        self.salt = 0
        #: Its reports by report type (`reports.SimReport`), once asked for.
        self.reports: dict[str, Any] = {}

    # -- its life, as of now -----------------------------------------------------------------------------

    @property
    def arn(self) -> str:
        return job_arn(self.catalog, self.kind, self.job_id)

    @property
    def completed(self) -> float:
        """When it ends."""
        if self.total == 0 or self.stop_at == 0:
            return self.started + READ_SECONDS
        return self.started + self.stop_at / self.rate + FINISH_SECONDS

    def status_at(self, now: float) -> str:
        if now < self.started:
            return BulkJobStatus.SUBMITTED
        if now < self.completed:
            return BulkJobStatus.IN_PROGRESS
        return BulkJobStatus.FAILED if self.failure_reason else BulkJobStatus.COMPLETED

    def processed_at(self, now: float) -> int:
        if now < self.started:
            return 0
        if now >= self.completed:
            return self.stop_at
        return min(self.stop_at, int((now - self.started) * self.rate))

    def failures_before(self, processed: int) -> int:
        return bisect.bisect_left(self.failed, processed)

    def summary(self, now: float) -> dict[str, Any]:
        """Every field either family shows (snake_case); each response keeps its own (`fields_of`)."""
        status = self.status_at(now)
        processed = self.processed_at(now)
        failures = self.failures_before(processed)
        out: dict[str, Any] = {
            "arn": self.arn,
            "job_id": self.job_id,
            "id": self.job_id,
            "status": status,
            "file_name": self.file_name,
            "operation_type": self.operation_type,
            "total_records": 0 if status == BulkJobStatus.SUBMITTED else self.total,
            "processed_records": processed,
            "success_count": processed - failures,
            "failure_count": failures,
            "deleted_count": self.deleted if status == BulkJobStatus.COMPLETED else 0,
            "created_at": to_datetime(self.created),
        }
        if status != BulkJobStatus.SUBMITTED:
            out["started_at"] = to_datetime(self.started)
        if status in BulkJobStatus.TERMINAL:
            out["completed_at"] = to_datetime(self.completed)
            if status == BulkJobStatus.FAILED:
                out["failure_reason"] = self.failure_reason
        return out

    # -- its records ---------------------------------------------------------------------------------------

    def request_id(self, position: int) -> str:
        """The record's identifier in the file: its row (the header is row 0)."""
        return f"row-{position + 1:05d}"

    def resource_id(self, position: int) -> str:
        """The opportunity or customer account the record created or updated."""
        if self.kind == BulkJobKind.CUSTOMER_ACCOUNT:
            return f"cust-acc-{(self.salt ^ ((self.seq + 1) << 20 | position)) & ((1 << 52) - 1):013x}"
        # Above every id IdFactory hands out (33 random bits): unique within the catalog.
        return f"O{9_000_000_000 + self.seq * (MAX_RECORDS + 1) + position}"

    def record_fields(self, position: int) -> dict[str, str]:
        """The record's values in the file (what the report shows beside its error)."""
        rng = random.Random(self.record_seed * (MAX_RECORDS + 1) + position)
        company = f"{rng.choice(COMPANY_NAMES)} {rng.choice(('Inc.', 'Ltd', 'GmbH', 'SA', 'KK', 'Pty'))}"
        if position == self.formula_at:
            company = FORMULA_COMPANY
        domain = company.split()[0].lower().strip("=(\"'")
        fields = {
            "ref": f"CRM-{self.record_seed % 9000 + 1000}-{position + 1:05d}",
            "company": company,
            "website": f"https://www.{domain}.example",
            "country": rng.choice(_COUNTRIES),
            "industry": rng.choice(_INDUSTRIES),
            "duns": f"{rng.randrange(10**8, 10**9)}",
            "title": rng.choice(ENGAGEMENT_TITLES),
            "spend": f"{rng.randrange(1, 200) * 500}",
            "close": f"2027-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            "other": (
                f"cust-acc-{rng.getrandbits(52):013x}"
                if self.kind == BulkJobKind.CUSTOMER_ACCOUNT
                else f"O{rng.randrange(1_000_000, 8_000_000_000)}"
            ),
        }
        fields["opportunity"] = self.resource_id(position) if self.kind == BulkJobKind.OPPORTUNITY else ""
        fields["account"] = self.resource_id(position) if self.kind == BulkJobKind.CUSTOMER_ACCOUNT else ""
        index = self.errors.get(position)
        if index is not None and index >= 0:  # the value its error is about, as the file has it
            error = record_errors(self.kind, self.operation_type)[index]
            if error.field is not None:
                fields[error.field] = error.value
        return fields

    def error_of(self, position: int) -> tuple[str, str, bool] | None:
        """(ErrorCode, ErrorMessage, the resource exists all the same) of a failed record, else None."""
        index = self.errors.get(position)
        if index is None:
            return None
        if index == -1:
            return FORMULA_ERROR[0], FORMULA_ERROR[1], False
        error = record_errors(self.kind, self.operation_type)[index]
        return error.code, error.message.format(**self.record_fields(position)), error.keeps_resource

    def result(self, position: int) -> dict[str, Any]:
        """The record's result (snake_case `BulkJobResult` fields)."""
        out: dict[str, Any] = {"request_id": self.request_id(position)}
        error = self.error_of(position)
        if error is None:
            out["status"] = BulkRecordStatus.SUCCEEDED
            out["resource_identifier"] = self.resource_id(position)
            return out
        code, message, keeps = error
        out["status"] = BulkRecordStatus.FAILED
        if keeps:
            out["resource_identifier"] = self.resource_id(position)
        out["error_code"] = code
        out["error_message"] = message
        return out


def plan_records(job: SimBulkJob, rng: random.Random, failure_share: float) -> None:
    """Choose which of the job's `stop_at` records fail (about `failure_share` of them, some in a run of
    rows that share one mistake, as a file exported from one system does) and each one's error."""
    errors = record_errors(job.kind, job.operation_type)
    weights = [e.weight for e in errors]
    failed: dict[int, int] = {}
    if failure_share > 0 and job.stop_at:
        random_ = rng.random
        for position in range(job.stop_at):
            if random_() < failure_share:
                failed[position] = rng.choices(range(len(errors)), weights)[0]
        if job.stop_at >= 200 and rng.random() < 0.3:  # a block of rows with the same mistake
            start = rng.randrange(job.stop_at - 50)
            index = rng.choices(range(len(errors)), weights)[0]
            for position in range(start, start + rng.randrange(10, 50)):
                failed[position] = index
    if job.stop_at and failure_share > 0 and rng.random() < FORMULA_SHARE:
        job.formula_at = rng.randrange(job.stop_at)
        failed[job.formula_at] = -1  # a company name that is a formula is refused whatever else
    job.failed = sorted(failed)
    job.errors = failed


class BulkTable:
    """The bulk jobs of one kind in one catalog, in creation order (`seq` is the position)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.jobs: list[SimBulkJob] = []
        self.by_id: dict[str, SimBulkJob] = {}

    def new_job(self, catalog: str, job_id: str, created: float) -> SimBulkJob:
        """Append a job created at `created` (or at the newest one's creation, if later: creation times
        never go backwards, so `seq` order is creation order)."""
        if self.jobs:
            created = max(created, self.jobs[-1].created)
        return self.add(SimBulkJob(catalog, self.kind, 0, job_id, created))

    def add(self, job: SimBulkJob) -> SimBulkJob:
        """Append a planned job (created no earlier than the newest), numbering it."""
        job.seq = len(self.jobs)
        self.jobs.append(job)
        self.by_id[job.job_id] = job
        return job

    def running(self, now: float) -> int:
        """Jobs SUBMITTED or IN_PROGRESS now."""
        return sum(1 for job in reversed(self.jobs) if now < job.completed)

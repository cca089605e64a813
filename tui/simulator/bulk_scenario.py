"""How bulk jobs are planned: the size of their files, their pace, which records fail, and the rare job that
fails as a whole. Used by the history, the demo's activity, `Simulator.add_bulk_job` and the Start
operations.

Figures (at speed 1; the simulator's speed multiplies the pace and divides the waits):

- a job waits 5-45 s in the queue (SUBMITTED), then processes 200-450 records a minute (each job its own
  pace): 1,000 records take 2-5 minutes, 5,000 take 11-25;
- most jobs have a few failed records (0.5-6 %), some none, some many (10-30 %, often a run of rows with
  one mistake); about 1 in 30 of the scenario's jobs fails as a whole (its file could not be read, or
  rarely processing stopped part way).

The name of a file started through the API may steer its plan, for tests and demonstrations: `…-250-records.csv` has 250 records, a name containing
`clean` has no failed record, one containing `unreadable` cannot be read (the job FAILS).
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timezone

from schemas import BulkJobKind, BulkOperationType

from .bulk_records import MAX_RECORDS, SimBulkJob, plan_records
from .records import ACCOUNT_ID
from .texts import CUSTOMER_ACCOUNT_FILES, OPPORTUNITY_FILES, READ_FAILURES, STOPPED_FAILURE

#: Records a minute at speed 1, each job drawing its own.
RATE_PER_MINUTE = (200.0, 450.0)
#: Seconds in the queue at speed 1.
QUEUE_SECONDS = (5.0, 45.0)
#: The scenario's jobs (history and activity) that cannot read their file, and that stop part way.
READ_FAILURE_RATE = 0.025
STOP_FAILURE_RATE = 0.01

_RECORDS_IN_NAME = re.compile(r"(\d{1,5})-records\b")


def file_name_of(uri: str) -> str:
    """The file's name in its URI (an S3 key's last part, without the query such as `?versionId=`)."""
    name = uri.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return name[:255] or "import.csv"


def scenario_uri(rng: random.Random, kind: str, catalog: str, when: float) -> str:
    """An S3 URI of an import file as a partner names them."""
    date = datetime.fromtimestamp(when, timezone.utc).strftime("%Y-%m-%d")
    templates = CUSTOMER_ACCOUNT_FILES if kind == BulkJobKind.CUSTOMER_ACCOUNT else OPPORTUNITY_FILES
    name = rng.choice(templates).format(date=date, n=rng.randrange(1, 500), q=rng.randrange(1, 5))
    return f"s3://partnercentral-imports-{ACCOUNT_ID}/{catalog}/{name}"


def record_count(rng: random.Random, kind: str) -> int:
    """Records in a file: a few hundred typically, now and then many thousands."""
    if kind == BulkJobKind.CUSTOMER_ACCOUNT:
        return max(10, min(5_000, int(rng.lognormvariate(5.5, 0.8))))
    return max(20, min(20_000, int(rng.lognormvariate(6.3, 0.9))))


def failure_share(rng: random.Random) -> float:
    draw = rng.random()
    if draw < 0.15:
        return 0.0
    if draw < 0.85:
        return rng.uniform(0.005, 0.06)
    return rng.uniform(0.1, 0.3)


def plan_job(
    job: SimBulkJob,
    rng: random.Random,
    speed: float,
    *,
    file_uri: str | None = None,
    records: int | None = None,
    rate_per_minute: float | None = None,
    share: float | None = None,
    operation_type: str | None = None,
    fails: bool | None = None,
) -> None:
    """Plan a job created at `job.created`: its file, pace, failed records and end. `fails` True makes the
    whole job fail (it cannot read its file), False never; None draws it (rarely)."""
    uri = file_uri or scenario_uri(rng, job.kind, job.catalog, job.created)
    job.file_uri = uri
    job.file_name = file_name_of(uri)
    lowered = job.file_name.lower()
    if job.kind == BulkJobKind.OPPORTUNITY:
        if operation_type is None:
            update = "update" in lowered or (file_uri is None and rng.random() < 0.2)
            operation_type = BulkOperationType.BULK_UPDATE if update else BulkOperationType.BULK_CREATE
        job.operation_type = operation_type
    named = _RECORDS_IN_NAME.search(lowered)
    if records is None:
        records = int(named.group(1)) if named else record_count(rng, job.kind)
    job.total = max(1, min(MAX_RECORDS, records))
    job.stop_at = job.total
    per_minute = rate_per_minute if rate_per_minute is not None else rng.uniform(*RATE_PER_MINUTE)
    job.rate = per_minute / 60.0 * speed
    job.started = job.created + rng.uniform(*QUEUE_SECONDS) / speed
    job.record_seed = rng.getrandbits(32)
    job.salt = rng.getrandbits(52)
    if fails is None:
        fails = "unreadable" in lowered or (file_uri is None and rng.random() < READ_FAILURE_RATE)
        if not fails and file_uri is None and rng.random() < STOP_FAILURE_RATE and job.total > 1:
            job.stop_at = rng.randrange(1, job.total)
            job.failure_reason = STOPPED_FAILURE.format(processed=job.stop_at)
    if fails:
        variant = 0 if "unreadable" in lowered else rng.randrange(len(READ_FAILURES))
        job.failure_reason = READ_FAILURES[variant].format(file=job.file_name)
        job.total = job.stop_at = 0
    if share is None:
        share = 0.0 if "clean" in lowered else failure_share(rng)
    plan_records(job, rng, share)

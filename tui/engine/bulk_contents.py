"""What a store holds of the bulk jobs, their per-record results and the prospecting tasks' per-engagement
outcomes, bounded; and the report URLs, which are memory only.

- **Bulk jobs** (`BulkJobRecord`, both families) by id: every job not finished and the newest
  `KEEP_ENDED_BULK_JOBS` finished ones by creation (the journal keeps them all).
- **Results** of a job (`ResultSet`): fetched when someone opens the job, the failed records first (phase
  `FAILED`), then, if every record was asked for, the others (`SUCCEEDED`), a page at a time. The journal
  keeps each page; memory keeps the sets used most lately, `KEEP_RESULTS` records at most across jobs (a
  job's file may hold 5,000), and reads an evicted one back from the journal when it is looked at again.
- **Prospecting outcomes** (`GetProspectingFromEngagementTaskResponse`) by task id, as long as the store
  keeps the task.
- **Report URLs** (`ReportUrl`): an expiring link that grants access to the report while it lasts, kept
  in this process's memory only, until it expires: never journaled, never logged, never given to another
  viewer.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone

import msgspec

from schemas import (
    BulkJobRecord,
    BulkJobResult,
    BulkRecordStatus,
    GetProspectingFromEngagementTaskResponse,
)

from .types import BulkResults, ReportUrl

#: Finished bulk jobs a store keeps in memory (the newest by creation); a busy account runs a few a day.
KEEP_ENDED_BULK_JOBS = 1_000
#: Per-record results kept in memory across jobs (a job's file may hold 5,000 records; ~300 bytes each).
KEEP_RESULTS = 20_000
#: The phases of a job's results, in the order they are fetched: the failed records (what the jobs view
#: shows) first.
FAILED = BulkRecordStatus.FAILED
SUCCEEDED = BulkRecordStatus.SUCCEEDED
PHASES = (FAILED, SUCCEEDED)


class ResultSetHead(msgspec.Struct, kw_only=True):
    """A job's results as the journal's header row says them (the pages are rows of their own)."""

    kind: str
    #: Every record asked for (else only the failed ones).
    all_asked: bool = False
    #: Pages fetched per phase, and whether the phase is complete.
    pages: dict[str, int] = {}
    complete: dict[str, bool] = {}
    #: When the fetch began (epoch seconds).
    fetched_at: float = 0.0
    #: The job had ended when the fetch began: once complete, the results never change again.
    final: bool = False


@dataclass
class ResultSet:
    """What is known of one job's per-record results."""

    head: ResultSetHead
    #: phase -> the results of its pages, in order.
    results: dict[str, list[BulkJobResult]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(len(r) for r in self.results.values())

    def phase_complete(self, phase: str) -> bool:
        return self.head.complete.get(phase, False)

    @property
    def complete(self) -> bool:
        """Every page of what was asked for is in."""
        return self.phase_complete(FAILED) and (not self.head.all_asked or self.phase_complete(SUCCEEDED))

    def covers(self, failed_only: bool) -> bool:
        """Complete for what is asked (`failed_only`: the failed records; else every record)."""
        return self.phase_complete(FAILED) and (failed_only or self.phase_complete(SUCCEEDED))

    def view(self, job_id: str) -> BulkResults:
        return BulkResults(
            job_id=job_id,
            results=(*self.results.get(FAILED, ()), *self.results.get(SUCCEEDED, ())),
            complete=self.complete,
            failed_only=not self.head.all_asked,
            fetched_at=datetime.fromtimestamp(self.head.fetched_at, timezone.utc),
        )


def _created(job: BulkJobRecord) -> float:
    return job.created_at.timestamp() if job.created_at is not None else float("-inf")


class BulkContents:
    def __init__(self, keep_ended: int = KEEP_ENDED_BULK_JOBS, results_limit: int = KEEP_RESULTS) -> None:
        self.keep_ended = keep_ended
        self.results_limit = results_limit
        self.jobs: dict[str, BulkJobRecord] = {}
        #: Job id -> when it was last observed (epoch seconds).
        self.fetched: dict[str, float] = {}
        #: Job id -> its results, the most lately used last.
        self.results: OrderedDict[str, ResultSet] = OrderedDict()
        #: Jobs the journal was found to hold no results of (not read again until some are written).
        self.absent: set[str] = set()
        self.prospecting: dict[str, GetProspectingFromEngagementTaskResponse] = {}
        #: Task id -> when its outcomes were fetched (epoch seconds).
        self.prospecting_fetched: dict[str, float] = {}
        #: Memory only (see the module's docstring).
        self.reports: dict[str, ReportUrl] = {}

    # --- jobs ---------------------------------------------------------------------------------------

    def put_job(self, job: BulkJobRecord, at: float) -> bool:
        """Keep a job observed at `at`; True if it differs from the one kept."""
        changed = self.jobs.get(job.job_id) != job
        self.jobs[job.job_id] = job
        self.fetched[job.job_id] = at
        return changed

    def running_ids(self, kind: str) -> set[str]:
        """Jobs of `kind` not finished (SUBMITTED, IN_PROGRESS, or a status this version does not know)."""
        return {i for i, j in self.jobs.items() if j.kind == kind and not j.is_terminal}

    def newest_first(self) -> list[BulkJobRecord]:
        return sorted(self.jobs.values(), key=lambda j: (_created(j), j.job_id), reverse=True)

    def forget_ended(self) -> set[str]:
        """Forget the oldest finished jobs beyond `keep_ended` (their results and report too): the ids
        forgotten. Their journal rows stay."""
        ended = [j for j in self.jobs.values() if j.is_terminal]
        if len(ended) <= self.keep_ended:
            return set()
        excess = len(ended) - self.keep_ended
        forget = {j.job_id for j in heapq.nsmallest(excess, ended, key=lambda j: (_created(j), j.job_id))}
        for job_id in forget:
            del self.jobs[job_id]
            self.fetched.pop(job_id, None)
            self.results.pop(job_id, None)
            self.reports.pop(job_id, None)
        return forget

    # --- results ------------------------------------------------------------------------------------

    def result_set(self, job_id: str) -> ResultSet | None:
        found = self.results.get(job_id)
        if found is not None:
            self.results.move_to_end(job_id)
        return found

    def keep_results(self, job_id: str, results: ResultSet) -> None:
        """Keep `results` as the most lately used; the least lately used sets beyond the bound go (the
        journal has them)."""
        self.results[job_id] = results
        self.results.move_to_end(job_id)
        self.absent.discard(job_id)
        total = sum(r.size for r in self.results.values())
        while total > self.results_limit and len(self.results) > 1:
            _, evicted = self.results.popitem(last=False)
            total -= evicted.size

    # --- prospecting outcomes -----------------------------------------------------------------------

    def put_prospecting(self, task: GetProspectingFromEngagementTaskResponse, at: float) -> bool:
        assert task.task_id is not None
        changed = self.prospecting.get(task.task_id) != task
        self.prospecting[task.task_id] = task
        self.prospecting_fetched[task.task_id] = at
        return changed

    def forget_prospecting(self, task_ids: set[str]) -> None:
        for task_id in task_ids:
            self.prospecting.pop(task_id, None)
            self.prospecting_fetched.pop(task_id, None)

    # --- report URLs (memory only) ------------------------------------------------------------------

    def report(self, job_id: str, now: datetime) -> ReportUrl | None:
        """The job's report while its URL lasts (an expired one is dropped)."""
        report = self.reports.get(job_id)
        if report is not None and report.expires_at is not None and report.expires_at <= now:
            del self.reports[job_id]
            return None
        return report

"""What users asked of the new families, and where each fetch stands: the bulk jobs pcwatch started
(followed by id until they end), a job's per-record results (fetched a page at a time, the failed
records first), its report URL (asked again while the service is still making it) and the prospecting
tasks someone selected (their per-engagement outcomes, fetched again when the task's counts change).

The poller owns one `BulkWants`; the plan reads what is due from it (`PlanInput.bulk`, `results_wanted`,
`reports_wanted`, `prospecting`), `BulkListings` carries the calls out and tells it how they went. A job
asked for before the store knows it (its family not listed yet) waits here until a listing shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas import BulkReportStatus, TaskKind, TaskStatus
from tui.core.clock import Clock

from .bulk_contents import FAILED, SUCCEEDED
from .poll_plan import Followed, PollPlan
from .store import Store, StoreChange

#: A selected prospecting task is followed this long after it was last selected (seconds).
PROSPECTING_FOLLOW_WINDOW = 600.0
#: A report the service is still making is asked for again until this long after the user asked.
REPORT_WINDOW = 300.0
#: Report statuses after which asking again changes nothing.
REPORT_SETTLED = frozenset({BulkReportStatus.AVAILABLE, BulkReportStatus.FAILED, BulkReportStatus.EXPIRED})
#: Prospecting tasks followed at once at most (the oldest selection goes first).
MAX_FOLLOWED = 5


@dataclass
class ResultsFetch:
    """Where a fetch of one job's results stands."""

    kind: str
    #: Every record asked for (else the failed ones only).
    all_asked: bool
    phase: str = FAILED
    token: str | None = None
    #: Going on from the results kept (their failed ones are complete): the store's set is extended, not
    #: started over.
    extend: bool = False
    #: The first page came (the set kept before was dropped then).
    started: bool = False
    #: The job had ended when the fetch began.
    final: bool = False


def _counts(store: Store, task_id: str) -> tuple[object, ...] | None:
    record = store.task(task_id)
    if record is None:
        return None
    return (record.completed_engagement_count, record.failed_engagement_count, record.end_time)


class BulkWants:
    def __init__(self, store: Store, clock: Clock, plan: PollPlan) -> None:
        self._store = store
        self._clock = clock
        self._plan = plan
        #: Job id -> its kind: jobs pcwatch started, until they end.
        self._own: dict[str, str] = {}
        self._results: dict[str, ResultsFetch] = {}
        #: Job id -> (kind, when asked, monotonic).
        self._reports: dict[str, tuple[str, float]] = {}
        #: Job id -> (results: failed_only, or None; report asked): asked before the store knows the job.
        self._unknown: dict[str, tuple[bool | None, bool]] = {}
        #: Prospecting task id -> when last selected (monotonic), the most lately selected last.
        self._followed: dict[str, float] = {}
        #: Prospecting task id -> its counts when its outcomes were last fetched.
        self._fetched_counts: dict[str, tuple[object, ...] | None] = {}
        #: Jobs the service does not know (looked up by id, not found): not looked up again.
        self.gone: set[str] = set()

    # --- jobs pcwatch started -----------------------------------------------------------------------

    def follow_job(self, job_id: str, kind: str) -> None:
        self._own[job_id] = kind
        self.gone.discard(job_id)

    def own(self, kind: str) -> tuple[str, ...]:
        """The jobs of `kind` pcwatch started that have not ended (or that no listing has shown yet)."""
        for job_id in [j for j, k in self._own.items() if k == kind]:
            job = self._store.bulk_job(job_id)
            if (job is not None and job.is_terminal) or job_id in self.gone:
                del self._own[job_id]
        return tuple(sorted(j for j, k in self._own.items() if k == kind))

    # --- results ------------------------------------------------------------------------------------

    def want_results(self, job_id: str, failed_only: bool = True) -> bool:
        """The user opened the job: fetch its results (the failed ones, or every record) unless what is
        kept is complete and final already. True if something will be fetched (or the job must be found
        first)."""
        job = self._store.bulk_job(job_id)
        if job is None:
            _, report = self._unknown.get(job_id, (None, False))
            self._unknown[job_id] = (failed_only, report)
            return True
        fetch = self._results.get(job_id)
        if fetch is not None:  # under way: at most it widens to every record
            if not failed_only and not fetch.all_asked:
                fetch.all_asked = True
                if fetch.started or fetch.extend:
                    self._store.extend_results(job_id, job.kind, all_asked=True)
            return True
        kept = self._store.result_set(job_id)
        if kept is not None and kept.head.final and kept.covers(failed_only):
            return False
        if (
            kept is not None
            and kept.head.final
            and kept.phase_complete(FAILED)
            and not kept.head.pages.get(SUCCEEDED)
        ):  # only the others are missing
            self._store.extend_results(job_id, job.kind, all_asked=True)
            self._results[job_id] = ResultsFetch(
                job.kind, all_asked=True, phase=SUCCEEDED, extend=True, final=True
            )
            return True
        self._results[job_id] = ResultsFetch(job.kind, all_asked=not failed_only, final=job.is_terminal)
        return True

    def results_wanted(self) -> tuple[tuple[str, str], ...]:
        return tuple((job_id, f.kind) for job_id, f in self._results.items())

    def results_fetch(self, job_id: str) -> ResultsFetch | None:
        return self._results.get(job_id)

    def page_done(self, job_id: str, next_token: str | None) -> None:
        """A page of the job's results is in: the next, the next phase, or done."""
        fetch = self._results.get(job_id)
        if fetch is None:
            return
        fetch.started = True
        if next_token:
            fetch.token = next_token
        elif fetch.phase == FAILED and fetch.all_asked:
            fetch.phase, fetch.token = SUCCEEDED, None
        else:
            del self._results[job_id]

    def drop_results(self, job_id: str) -> None:
        """The fetch cannot go on (the job is gone, or a refusal no retry changes)."""
        self._results.pop(job_id, None)

    # --- reports ------------------------------------------------------------------------------------

    def want_report(self, job_id: str) -> bool:
        job = self._store.bulk_job(job_id)
        if job is None:
            results, _ = self._unknown.get(job_id, (None, False))
            self._unknown[job_id] = (results, True)
            return True
        kept = self._store.report_url(job_id)  # (an expired one is not kept)
        if kept is not None and kept.status in REPORT_SETTLED and job_id not in self._reports:
            return False
        self._reports[job_id] = (job.kind, self._clock.monotonic())
        return True

    def reports_wanted(self) -> tuple[tuple[str, str], ...]:
        return tuple((job_id, kind) for job_id, (kind, _) in self._reports.items())

    def report_done(self, job_id: str, status: str | None) -> None:
        """The service answered: done if the report is settled (or asked for too long ago)."""
        asked = self._reports.get(job_id)
        if asked is None:
            return
        if status in REPORT_SETTLED or self._clock.monotonic() - asked[1] > REPORT_WINDOW:
            del self._reports[job_id]

    def drop_report(self, job_id: str) -> None:
        self._reports.pop(job_id, None)

    # --- jobs asked for before they were known ------------------------------------------------------

    @property
    def unknown(self) -> frozenset[str]:
        """Jobs asked for that no listing has shown yet."""
        return frozenset(self._unknown)

    def forget_unknown(self, job_ids: set[str]) -> None:
        """Every family was listed and these were not there: nothing to fetch."""
        for job_id in job_ids:
            self._unknown.pop(job_id, None)

    # --- prospecting tasks selected -----------------------------------------------------------------

    def want_prospecting(self, task_id: str) -> None:
        self._followed.pop(task_id, None)
        self._followed[task_id] = self._clock.monotonic()
        while len(self._followed) > MAX_FOLLOWED:
            oldest = next(iter(self._followed))
            del self._followed[oldest]
            self._fetched_counts.pop(oldest, None)

    def followed(self) -> tuple[Followed, ...]:
        """The selected prospecting tasks whose outcomes are due: stale ones now, running ones again."""
        now = self._clock.monotonic()
        out = []
        for task_id, since in list(self._followed.items()):
            record = self._store.task(task_id)
            if now - since > PROSPECTING_FOLLOW_WINDOW or record is None:
                self.drop_prospecting(task_id)
                continue
            if record.kind != TaskKind.PROSPECTING_FROM_ENGAGEMENT:
                del self._followed[task_id]  # (no other kind has outcomes per item)
                continue
            stale = self._stale(task_id)
            running = record.task_status == TaskStatus.IN_PROGRESS
            if stale or running:
                out.append(Followed(task_id, record.kind, stale=stale, running=running))
        return tuple(out)

    def _stale(self, task_id: str) -> bool:
        """No outcomes, or the task's counts changed since they were fetched. Outcomes this process did
        not fetch (the journal's) are fresh if fetched after the task was seen finished."""
        if self._store.prospecting(task_id) is None:
            return True
        if task_id in self._fetched_counts:
            return self._fetched_counts[task_id] != _counts(self._store, task_id)
        ended = self._store.completion(task_id)
        fetched = self._store.prospecting_fetched_at(task_id)
        return ended is None or fetched is None or fetched < ended.observed_end

    def prospecting_fetched(self, task_id: str) -> None:
        """Its outcomes are in, as of the task's counts now."""
        if task_id in self._followed:
            self._fetched_counts[task_id] = _counts(self._store, task_id)

    def drop_prospecting(self, task_id: str) -> None:
        self._followed.pop(task_id, None)
        self._fetched_counts.pop(task_id, None)

    # --- the store changed --------------------------------------------------------------------------

    def on_store_change(self, change: StoreChange) -> None:
        """Jobs asked for before they were known: now they are, their fetches begin."""
        if not self._unknown or not change.bulk_job_ids:
            return
        for job_id in change.bulk_job_ids & set(self._unknown):
            if self._store.bulk_job(job_id) is None:
                continue
            results, report = self._unknown.pop(job_id)
            if results is not None:
                self.want_results(job_id, results)
            if report:
                self.want_report(job_id)

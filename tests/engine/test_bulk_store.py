"""The store and the journal of the new families: bulk jobs (both kinds), a job's per-record results (paged,
kept in the journal, bounded in memory), prospecting tasks' outcomes, and report URLs (memory only)."""

from __future__ import annotations

import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from schemas import EngagementProspectingResult, GetProspectingFromEngagementTaskResponse
from tests.support.engine import ACCT_BULK, OPP_BULK, PROSPECTING, T0, bulk_job, bulk_results, task
from tui.core.clock import MockClock
from tui.engine.bulk_contents import FAILED, SUCCEEDED, BulkContents
from tui.engine.journal import Journal
from tui.engine.kept_text import MAX_KEPT_CHARS
from tui.engine.store import Store
from tui.engine.types import ReportUrl

FIXTURES = Path(__file__).parents[1] / "fixtures"


def stores(tmp_path: Path) -> tuple[Store, Store, MockClock]:
    """A leader's store and a follower's, on one journal file."""
    clock = MockClock(T0)
    path = tmp_path / "j.sqlite3"
    return Store(Journal(path), clock), Store(Journal(path), clock), clock


def follow(follower: Store):
    assert follower.journal is not None
    return follower.apply_journal_changes(follower.journal.changes_since(follower.journal_seq))


def test_bulk_jobs_of_both_families_are_kept_merged_and_reach_a_follower(tmp_path: Path) -> None:
    leader, follower, clock = stores(tmp_path)
    changes = []
    follower.subscribe(changes.append)
    older = bulk_job(2, processed=100, operation_type="BULK_CREATE")
    newer = bulk_job(1, kind=ACCT_BULK, status="SUBMITTED", total=10)
    change = leader.apply_bulk_jobs([older, newer])
    assert change.bulk_job_ids == {older.job_id, newer.job_id}
    assert [j.job_id for j in leader.bulk_jobs()] == [newer.job_id, older.job_id]  # newest created first

    # A partial answer (the job by id, without its operation type) keeps what was known.
    clock.advance(6)
    progressed = bulk_job(2, processed=900, failed=20)
    assert leader.apply_bulk_jobs([progressed]).bulk_job_ids == {older.job_id}
    kept = leader.bulk_job(older.job_id)
    assert kept is not None and (kept.processed_records, kept.operation_type) == (900, "BULK_CREATE")
    assert leader.running_bulk_ids(OPP_BULK) == {older.job_id}
    assert leader.bulk_job_observed(older.job_id) == clock.now()
    assert not leader.apply_bulk_jobs([progressed])  # the same again: no change

    follow(follower)
    assert follower.bulk_job(older.job_id) == kept and follower.bulk_job(newer.job_id) == newer
    assert changes[-1].bulk_job_ids == {older.job_id, newer.job_id}


def test_a_restart_loads_every_running_job_and_the_newest_finished(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    clock = MockClock(T0)
    store = Store(Journal(path), clock)
    with store.batch():
        store.apply_bulk_jobs([bulk_job(n, status="COMPLETED", processed=5000) for n in range(1, 31)])
        store.apply_bulk_jobs([bulk_job(100, status="IN_PROGRESS")])  # the oldest, still running
    store.journal.close()  # type: ignore[union-attr]

    again = Store(Journal(path), clock, keep_ended_bulk=10)  # (a small bound, to see it at work)
    again.load()
    ids = {j.job_id for j in again.bulk_jobs()}
    assert bulk_job(100).job_id in ids
    assert ids - {bulk_job(100).job_id} == {bulk_job(n).job_id for n in range(1, 11)}


def test_memory_keeps_every_running_job_and_forgets_the_oldest_finished() -> None:
    contents = BulkContents(keep_ended=3)
    for n in range(1, 7):
        contents.put_job(bulk_job(n, status="COMPLETED"), 0.0)
    contents.put_job(bulk_job(50, status="IN_PROGRESS"), 0.0)
    contents.reports[bulk_job(6).job_id] = ReportUrl(bulk_job(6).job_id, "AVAILABLE", "u", None)
    assert contents.forget_ended() == {bulk_job(n).job_id for n in (4, 5, 6)}
    assert set(contents.jobs) == {bulk_job(n).job_id for n in (1, 2, 3, 50)}
    assert contents.reports == {}  # (a forgotten job's report goes with it)


def test_results_come_a_page_at_a_time_failed_first_and_are_kept_in_the_journal(tmp_path: Path) -> None:
    leader, follower, _ = stores(tmp_path)
    job = bulk_job(1, status="COMPLETED", processed=3000, failed=300)
    leader.apply_bulk_jobs([job])
    records = bulk_results(job.job_id, 3000)
    failed = [r for r in records if r.status == "FAILED"]
    succeeded = [r for r in records if r.status == "SUCCEEDED"]
    assert leader.bulk_results(job.job_id) is None  # never asked for

    leader.start_results(job.job_id, OPP_BULK, all_asked=True, final=True)
    leader.apply_results(job.job_id, FAILED, failed[:200], complete=False)
    partial = leader.bulk_results(job.job_id)
    assert partial is not None and not partial.complete and len(partial.results) == 200
    leader.apply_results(job.job_id, FAILED, failed[200:], complete=True)
    leader.apply_results(job.job_id, SUCCEEDED, succeeded[:1000], complete=False)
    change = leader.apply_results(job.job_id, SUCCEEDED, succeeded[1000:], complete=True)
    assert change.bulk_job_ids == {job.job_id}
    done = leader.bulk_results(job.job_id)
    assert done is not None and done.complete and not done.failed_only
    assert done.results == (*failed, *succeeded)  # the failed records first

    # A follower reads them from the journal when it looks at the job.
    follow(follower)
    seen = follower.bulk_results(job.job_id)
    assert seen is not None and seen.results == done.results and seen.complete

    # Fetched again (the same job asked anew): the old pages go when the first new one is written.
    leader.start_results(job.job_id, OPP_BULK, all_asked=False, final=True)
    leader.apply_results(job.job_id, FAILED, failed[:5], complete=True)
    follow(follower)
    again = follower.bulk_results(job.job_id)
    assert again is not None and again.results == tuple(failed[:5]) and again.failed_only


def test_results_are_read_from_another_thread_while_a_write_is_under_way(tmp_path: Path) -> None:
    """A notebook's thread reads a job's results while the engine's thread is inside a write on the
    journal's connection: the read neither fails nor waits for that write to end."""
    leader, follower, _ = stores(tmp_path)
    job = bulk_job(1, status="COMPLETED", processed=10, failed=2)
    leader.apply_bulk_jobs([job])
    failed_records = [r for r in bulk_results(job.job_id, 40) if r.status == "FAILED"]
    assert len(failed_records) >= 2
    leader.start_results(job.job_id, OPP_BULK, all_asked=False, final=True)
    leader.apply_results(job.job_id, FAILED, failed_records, complete=True)
    follow(follower)
    journal = follower.journal
    assert journal is not None
    journal._conn.execute("BEGIN IMMEDIATE")  # the engine's thread, mid-write on this journal
    try:
        with ThreadPoolExecutor(1) as reader:
            found = reader.submit(journal.result_set, job.job_id).result(timeout=30)
            failed = reader.submit(journal.failed_results).result(timeout=30)
    finally:
        journal._conn.execute("ROLLBACK")
    assert found is not None and found.results[FAILED] == failed_records
    assert failed == {job.job_id: failed_records}


def test_memory_holds_a_bounded_number_of_results_and_reads_the_rest_back(tmp_path: Path) -> None:
    clock = MockClock(T0)
    store = Store(Journal(tmp_path / "j.sqlite3"), clock)
    store._contents.bulk.results_limit = 2500
    jobs = [bulk_job(n, status="COMPLETED", processed=1000) for n in range(1, 5)]
    store.apply_bulk_jobs(jobs)
    for job in jobs:
        store.start_results(job.job_id, OPP_BULK, all_asked=True, final=True)
        store.apply_results(job.job_id, FAILED, bulk_results(job.job_id, 1000), complete=True)
    in_memory = store._contents.bulk.results
    assert sum(r.size for r in in_memory.values()) <= 2500
    assert jobs[0].job_id not in in_memory  # the least lately used went
    back = store.bulk_results(jobs[0].job_id)  # read back from the journal
    assert back is not None and len(back.results) == 1000 and jobs[0].job_id in in_memory

    # Without a journal, what memory let go is simply not known (asking again fetches it).
    bare = Store(clock=clock)
    bare._contents.bulk.results_limit = 10
    bare.start_results("a", OPP_BULK, all_asked=False, final=True)
    bare.apply_results("a", FAILED, bulk_results("a", 8), complete=True)
    bare.start_results("b", OPP_BULK, all_asked=False, final=True)
    bare.apply_results("b", FAILED, bulk_results("b", 8), complete=True)
    assert bare.bulk_results("a") is None and bare.bulk_results("b") is not None


def test_prospecting_outcomes_are_kept_with_their_task_and_journaled(tmp_path: Path) -> None:
    leader, follower, clock = stores(tmp_path)
    running = task(1, kind=PROSPECTING, total_engagement_count=2, completed_engagement_count=1)
    leader.apply_tasks([running])
    outcome = GetProspectingFromEngagementTaskResponse(
        task_id=running.task_id,
        engagements=[
            EngagementProspectingResult(engagement_identifier="eng-1", status="COMPLETED"),
            EngagementProspectingResult(
                engagement_identifier="eng-2", status="FAILED", reason_code="X", message="m" * 10_000
            ),
        ],
    )
    change = leader.apply_prospecting(outcome)
    assert change.task_ids == {running.task_id}
    kept = leader.prospecting(running.task_id)
    assert kept is not None and len(kept.engagements[1].message or "") < 10_000  # cut, saying so
    assert f"first {MAX_KEPT_CHARS:,} of 10,000" in (kept.engagements[1].message or "")
    assert leader.prospecting_fetched_at(running.task_id) == clock.now()
    assert not leader.apply_prospecting(GetProspectingFromEngagementTaskResponse(task_id="unknown-task"))

    follow(follower)
    assert follower.prospecting(running.task_id) == kept
    path = leader.journal.path  # type: ignore[union-attr]
    reloaded = Store(Journal(path), clock)
    reloaded.load()
    assert reloaded.prospecting(running.task_id) == kept


def test_a_forgotten_task_takes_its_outcomes_with_it(tmp_path: Path) -> None:
    store = Store(clock=MockClock(T0), keep_ended=2)
    first = task(1, kind=PROSPECTING, status="COMPLETE", start=T0 - timedelta(hours=5))
    store.apply_tasks([first])
    store.apply_prospecting(GetProspectingFromEngagementTaskResponse(task_id=first.task_id))
    store.apply_tasks([task(n, kind=PROSPECTING, status="COMPLETE") for n in range(2, 6)])
    assert store.task(first.task_id) is None and store.prospecting(first.task_id) is None


def test_a_report_url_lives_in_memory_only_until_it_expires(tmp_path: Path) -> None:
    store, follower, clock = stores(tmp_path)
    job = bulk_job(1, status="COMPLETED")
    url = "https://reports.example/job-1.csv?X-Amz-Signature=feedface0123456789"
    with store.batch():
        store.apply_bulk_jobs([job])
        change = store.set_report(
            ReportUrl(job.job_id, "AVAILABLE", url, expires_at=T0 + timedelta(minutes=15))
        )
    assert change.bulk_job_ids == {job.job_id}
    report = store.report_url(job.job_id)
    assert report is not None and report.url == url
    follow(follower)
    assert follower.report_url(job.job_id) is None  # never shared through the journal
    journal_bytes = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("j.sqlite3"))
    assert url.encode() not in journal_bytes and b"feedface0123456789" not in journal_bytes
    clock.advance(15 * 60)
    assert store.report_url(job.job_id) is None  # expired: gone


def test_long_failure_texts_are_cut_as_task_messages_are(tmp_path: Path) -> None:
    store = Store(clock=MockClock(T0))
    job = bulk_job(1, status="FAILED", failure_reason="r" * 50_000)
    store.apply_bulk_jobs([job])
    assert len(store.bulk_job(job.job_id).failure_reason or "") < 5_000  # type: ignore[union-attr]
    [result] = bulk_results(job.job_id, 1)
    long = result.__class__(request_id="x", status="FAILED", error_message="e" * 50_000)
    store.start_results(job.job_id, OPP_BULK, all_asked=False, final=True)
    store.apply_results(job.job_id, FAILED, [long], complete=True)
    got = store.bulk_results(job.job_id)
    assert got is not None and len(got.results[0].error_message or "") < 5_000


def test_the_v1_fixture_journal_still_loads_its_tasks(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    shutil.copyfile(FIXTURES / "journal-v1.sqlite3", path)
    store = Store(Journal(path), MockClock(T0))
    store.load()
    assert not store.warnings
    assert sorted(t.task_id for t in store.tasks()) == [f"task-{n:013d}" for n in (1, 2, 3)]  # type: ignore[misc]
    record = store.task("task-0000000000002")
    assert (
        record is not None and record.task_status == "IN_PROGRESS" and record.total_engagement_count is None
    )
    assert store.bulk_jobs() == [] and store.bulk_results("any") is None
    version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert version == 5


def test_the_statistics_read_jobs_and_their_failed_records_from_the_journal(tmp_path: Path) -> None:
    from tui.engine.journal_read import read_journal

    store, _, _ = stores(tmp_path)
    opened, unopened = bulk_job(1, status="COMPLETED"), bulk_job(2, status="COMPLETED")
    records = bulk_results(opened.job_id, 30)
    with store.batch():
        store.apply_bulk_jobs([opened, unopened])
        store.start_results(opened.job_id, OPP_BULK, all_asked=True, final=True)
        store.apply_results(
            opened.job_id, FAILED, [r for r in records if r.status == "FAILED"], complete=True
        )
        store.apply_results(
            opened.job_id, SUCCEEDED, [r for r in records if r.status != "FAILED"], complete=True
        )
    snapshot = read_journal(tmp_path / "j.sqlite3")
    assert {j.job_id for j in snapshot.bulk_jobs} == {opened.job_id, unopened.job_id}
    assert snapshot.bulk_results == {opened.job_id: [r for r in records if r.status == "FAILED"]}
    assert store.failed_results() == snapshot.bulk_results
    assert Store(clock=MockClock(T0)).failed_results() == {}

"""Followers and the new families: bulk jobs, a job's results and a prospecting task's outcomes reach them
through the journal, their asks reach the leader as a snapshot job's do; a report's link stays with the
leader (memory only) and the follower says where it is."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from schemas import EngagementProspectingResult, GetProspectingFromEngagementTaskResponse
from tests.support.engine import ACCT_BULK, PROSPECTING, FakeClient, bulk_job, bulk_results, task
from tests.support.viewer import TAIL_INTERVAL, viewer_settings
from tui.core.clock import SystemClock
from tui.engine.sharing import make_engine


async def _wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_followers_asks_reach_the_leader_and_the_answers_come_back_through_the_journal(
    tmp_path: Path,
) -> None:
    running = task(1, kind=PROSPECTING, total_engagement_count=1)
    client = FakeClient([running])
    job = bulk_job(1, status="COMPLETED", processed=50, failed=5)
    client.add_bulk(job)
    client.results[job.job_id] = bulk_results(job.job_id, 50)
    client.outcomes[running.task_id] = GetProspectingFromEngagementTaskResponse(
        task_id=running.task_id,
        engagements=[EngagementProspectingResult(engagement_identifier="e1", status="IN_PROGRESS")],
    )
    url = "https://reports.example/job.csv?X-Amz-Signature=0123456789abcdef"
    client.reports[job.job_id] = {"ReportStatus": "AVAILABLE", "Url": url}

    settings = viewer_settings("http://127.0.0.1:9", tmp_path / "j.sqlite3")
    lead_store, lead = make_engine(
        settings, SystemClock(), client_factory=lambda _s: client, tail_interval=TAIL_INTERVAL
    )
    follow_store, follow = make_engine(
        settings, SystemClock(), client_factory=lambda _s: FakeClient(), tail_interval=TAIL_INTERVAL
    )
    lead_store.load()
    runs = [asyncio.ensure_future(lead.run())]
    await _wait_for(lambda: lead.status.state == "live")
    follow_store.load()
    runs.append(asyncio.ensure_future(follow.run()))
    await _wait_for(lambda: follow.role == "follower")
    try:
        await _wait_for(lambda: follow_store.bulk_job(job.job_id) is not None)  # the jobs, as tasks

        follow.want_results(job.job_id)
        await _wait_for(lambda: (r := follow_store.bulk_results(job.job_id)) is not None and r.complete)
        got = follow_store.bulk_results(job.job_id)
        assert got is not None and len(got.results) == 5 and got.failed_only

        follow.want_prospecting(running.task_id)
        await _wait_for(lambda: follow_store.prospecting(running.task_id) is not None)

        # A follower's jobs view asks for a look: the leader lists every family (a job started
        # elsewhere shows without waiting for the slow lane).
        elsewhere = bulk_job(8, status="IN_PROGRESS", processed=5)
        client.add_bulk(elsewhere)
        follow.want_bulk_jobs()
        await _wait_for(lambda: follow_store.bulk_job(elsewhere.job_id) is not None)

        started = bulk_job(7, kind=ACCT_BULK, status="SUBMITTED", total=10)
        client.add_bulk(started)
        follow.follow_job(started.job_id, ACCT_BULK)
        await _wait_for(lambda: follow_store.bulk_job(started.job_id) is not None)
        assert ("get_bulk_job", started.job_id) in [(c.op, c.job_id) for c in client.calls]

        # The report's link: the leader's own viewer shows it; a follower is told where it is, and the
        # link is nowhere in the shared journal.
        lead.want_report_url(job.job_id)
        await _wait_for(lambda: lead_store.report_url(job.job_id) is not None)
        assert lead_store.report_url(job.job_id).url == url  # type: ignore[union-attr]
        follow.want_report_url(job.job_id)
        told = follow_store.report_url(job.job_id)
        assert told is not None and told.url is None
        assert "the viewer that polls" in (told.failure_reason or "") and "process" in (
            told.failure_reason or ""
        )
        await asyncio.sleep(5 * TAIL_INTERVAL)
        assert follow_store.report_url(job.job_id).url is None  # type: ignore[union-attr]
        journal_bytes = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("j.sqlite3"))
        assert b"0123456789abcdef" not in journal_bytes
        assert follow.client is None  # a follower never calls the service
    finally:
        for r in runs:
            r.cancel()
        await asyncio.gather(*runs, return_exceptions=True)
        lead.close()
        follow.close()

"""`BulkJobList` and `BulkResultList` (what `watch.bulk_jobs()` and `watch.results()` return), on records
made here: a cell's table with each job's progress bar, untrusted text made safe, a DataFrame with the
progress figures of `tui.engine.bulk_progress`, and a plain repr."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import pytest

from schemas import BulkJobKind, TaskRecord
from tests.notebook.test_watch import HOSTILE, Markup, _watch
from tests.support.bulk_client import ACCT, T0, job, job_id, result
from tui.core.clock import SystemClock
from tui.core.text_safety import visible
from tui.engine.bulk_progress import bulk_progress
from tui.notebook import BulkJobList, BulkResultList, JobNotFound, TaskList
from tui.simulator import Simulator, serve

NOW = T0


def _jobs() -> BulkJobList:
    running = job(
        1, status="IN_PROGRESS", total=5000, processed=1250, failed=10, created=NOW - timedelta(minutes=5)
    )
    submitted = job(
        2, kind=ACCT, status="SUBMITTED", total=None, processed=0, created=NOW - timedelta(minutes=1)
    )
    failed = job(3, status="FAILED", failure_reason=HOSTILE, created=NOW - timedelta(hours=2))
    return BulkJobList([submitted, running, failed], now=NOW)


def test_the_cell_shows_each_jobs_progress_and_safe_text() -> None:
    jobs = _jobs()
    html = jobs._repr_html_()
    parsed = Markup(html)
    assert parsed.tags.count("progress") == 3  # one a job...
    assert html.count("<progress style=") == 1  # ...indeterminate for the job with no total yet
    assert '<progress value="1250" max="5000"' in html
    text = "".join(parsed.text)
    assert "1,250 / 5,000" in text and "(25%)" in text and "250/min" in text and "15m00s" in text
    assert "opp-bulk" in text and "acct-bulk" in text and job_id(3) in text
    assert "3 bulk jobs (FAILED 1, IN_PROGRESS 1, SUBMITTED 1)" in text
    assert "\x1b" not in html and "\u202e" not in html and "<script>" not in html
    assert visible(" ".join(HOSTILE.split())) in parsed.titles  # the whole failure reason as its tooltip


def test_the_dataframe_has_the_progress_figures_and_every_wire_field() -> None:
    jobs = _jobs()
    frame = jobs.to_pandas().set_index("job_id")
    running = frame.loc[job_id(1)]
    expected = bulk_progress(jobs[1], NOW)
    assert running["fraction"] == expected.fraction == 0.25
    assert running["per_minute"] == expected.per_minute == pytest.approx(250.0)
    assert running["seconds_left"] == expected.seconds_left
    assert running["kind"] == "opp-bulk" and running["wire_kind"] == BulkJobKind.OPPORTUNITY
    assert math.isnan(frame.loc[job_id(2), "fraction"]) and math.isnan(frame.loc[job_id(2), "per_minute"])
    assert str(frame["created_at"].dt.tz) == "UTC" and frame.loc[job_id(2), "completed_at"] is not None
    assert frame.loc[job_id(3), "failure_reason"] == visible(HOSTILE)
    assert jobs.to_pandas(raw=True).set_index("job_id").loc[job_id(3), "failure_reason"] == HOSTILE
    assert {
        "processed_records",
        "total_records",
        "success_count",
        "failure_count",
        "file_name",
        "arn",
    } <= set(frame.columns)
    assert repr(jobs).startswith("BulkJobList: 3 bulk jobs")


def test_the_results_show_why_each_record_failed() -> None:
    rows = [result(1), result(2, failed=True, message=HOSTILE)]
    listed = BulkResultList(rows, now=NOW, job=job(1), note="")
    text = "".join(Markup(listed._repr_html_()).text)
    assert "2 records (FAILED 1, SUCCEEDED 1)" in text and "VALIDATION_ERROR" in text and "O0000001" in text
    frame = listed.to_pandas()
    assert list(frame.columns) == [
        "status",
        "request_id",
        "resource_identifier",
        "error_code",
        "error_message",
    ]
    assert frame.loc[1, "error_message"] == visible(HOSTILE)
    assert "\x1b" not in repr(listed)


def test_a_prospecting_task_says_its_name_and_engagements() -> None:
    task = TaskRecord(
        kind="ProspectingFromEngagement",
        task_id="task-0123456789abcd",
        task_status="FAILED",
        task_name="Q4 <b>push</b>",
        total_engagement_count=20,
        completed_engagement_count=17,
        failed_engagement_count=3,
    )
    listed = TaskList([task], now=NOW)
    text = "".join(Markup(listed._repr_html_()).text)
    assert "Q4 <b>push</b>: 20 engagements, 17 completed, 3 failed" in text  # the name as text, not markup
    assert "prospecting" in text
    frame = listed.to_pandas()
    assert frame.loc[0, "task_name"] == "Q4 <b>push</b>" and frame.loc[0, "failed_engagement_count"] == 3


# --- against the local endpoint ------------------------------------------------------------------------


def test_bulk_jobs_and_results_against_the_local_endpoint(tmp_path: Path) -> None:
    sim = Simulator(seed=24, history=150, clock=SystemClock())
    running = sim.add_bulk_job(records=3000, rate_per_minute=300.0, failure_share=0.1, processed=600)
    with serve(sim) as endpoint, _watch(endpoint.url, tmp_path / "nb.sqlite3") as watch:
        jobs = watch.bulk_jobs()
        truth = {j.job_id: j for j in sim.bulk_jobs("Sandbox")}
        assert isinstance(jobs, BulkJobList) and {j.job_id for j in jobs} == set(truth)
        assert {j.kind for j in watch.bulk_jobs(kind="acct-bulk", wait=0)} == {ACCT}
        completed = watch.bulk_jobs(status=["COMPLETED"], wait=0)
        assert {j.job_id for j in completed} == {i for i, j in truth.items() if j.status == "COMPLETED"}
        with pytest.raises(ValueError, match="unknown kind 'inv-to-eng': use one of opp-bulk, acct-bulk"):
            watch.bulk_jobs(kind="inv-to-eng")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="unknown status 'COMPLETE': use one of COMPLETED, FAILED"):
            watch.bulk_jobs(status="COMPLETE")  # type: ignore[arg-type]
        shown = next(j for j in jobs if j.job_id == running)
        assert shown.status == "IN_PROGRESS" and '<progress value="' in jobs._repr_html_()

        done = max(
            (j for j in truth.values() if j.status == "COMPLETED" and j.failure_count),
            key=lambda j: j.failure_count or 0,
        )
        failed = watch.results(done.job_id, failed=True)
        assert isinstance(failed, BulkResultList) and failed.note == ""
        assert len(failed) == done.failure_count and {r.status for r in failed} == {"FAILED"}
        assert all(r.error_code and r.error_message for r in failed)
        every = watch.results(done.job_id)
        assert len(every) == done.processed_records and every.job is not None
        assert [r.request_id for r in every if r.status == "FAILED"] == [r.request_id for r in failed]

        partial = watch.results(running, failed=True)  # still running: the results so far, said so
        assert "these are the results of the records processed so far" in partial.note
        with pytest.raises(JobNotFound) as missing:
            watch.results("bulkjob-0000000000000")
        assert isinstance(missing.value, LookupError) and "no bulk job 'bulkjob-0000000000000'" in str(
            missing.value
        )

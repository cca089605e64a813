"""What the snapshot jobs pane says of the selected task's job while the store has not got it (issue 25,
item 6): the poller's word on its fetch (`PollerStatus.asked_jobs`), never "next poll" for minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.dashboard import T0, live_status
from tui.dashboard.job_wait import job_wait
from tui.engine.api import AskedJob

JOB = "job-0123456789abc"


@pytest.mark.parametrize(
    ("asked", "state", "said"),
    [
        ((), "live", "fetching…"),
        ((), "following", "fetching… (asked the viewer that polls)"),
        ((AskedJob(JOB),), "live", "fetching…"),
        (
            (AskedJob(JOB, "rate", T0 + timedelta(seconds=12)),),
            "live",
            "waiting for the request budget (next call in 12s)",
        ),
        (
            (AskedJob(JOB, "rate", T0 + timedelta(seconds=0.4)),),
            "live",
            "waiting for the request budget (next call in under a second)",
        ),
        (
            (AskedJob(JOB, "allowance", T0 + timedelta(hours=2), "the daily budget is spent"),),
            "live",
            "waiting for the daily request budget (calls return in 2h00m)",
        ),
        (
            (AskedJob(JOB, "hold", T0 + timedelta(seconds=40), "throttled"),),
            "backoff",
            "waiting: throttled (next call in 40s)",
        ),
        (
            (AskedJob(JOB, "retry", T0 + timedelta(seconds=30), "InternalServerException: boom"),),
            "live",
            "the call failed: InternalServerException: boom · retrying in 30s",
        ),
        (
            (AskedJob(JOB, "given up", None, "AccessDeniedException: no"),),
            "live",
            "the call failed: AccessDeniedException: no; not retried (select the task again to retry)",
        ),
        (
            (AskedJob(JOB, "gone", None, "ResourceNotFoundException"),),
            "live",
            "the service has no such job (select the task again to ask again)",
        ),
        ((AskedJob(JOB, "paused"),), "paused", "not fetched: polling is paused (p resumes)"),
        ((), "paused", "not fetched: polling is paused (p resumes)"),
        ((AskedJob("job-other", "rate", T0 + timedelta(seconds=5)),), "live", "fetching…"),
    ],
)
def test_the_pane_says_what_the_jobs_fetch_waits_for(
    asked: tuple[AskedJob, ...], state: str, said: str
) -> None:
    assert job_wait(JOB, live_status(state=state, asked_jobs=asked), T0, fetches=True) == said


def test_a_view_that_makes_no_calls_says_so() -> None:
    assert job_wait(JOB, None, T0, fetches=False) == "not fetched: this view makes no calls"

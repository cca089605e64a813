"""An error for a source that no longer exists (issue 27, item 5): once pcwatch has given up on it, it
leaves the header (`failing`, the last error), while a refusal no retry changes stays named for a while."""

from __future__ import annotations

import random

import pytest

from schemas import AccessDeniedException, ResourceNotFoundException
from tui.aws.failures import ServiceFailure
from tui.engine.sources import GAVE_UP_SHOWN_FOR, Sources


def not_found(what: str) -> ServiceFailure:
    message = f"{what} was not found"
    return ServiceFailure(
        f"ResourceNotFoundException: {message}",
        service_error=ResourceNotFoundException(message=message),
        retryable=False,
    )


@pytest.mark.parametrize(
    "key", ["job:job-1", "results:job-2", "report:job-3", "find:job-4", "engagements:t-5"]
)
def test_a_source_the_service_no_longer_has_leaves_the_header_once_given_up(key: str) -> None:
    sources = Sources(random.Random(1))
    sources.failed(key, not_found(key), now=100.0)
    assert sources.peek(key) is not None and sources.peek(key).gone
    assert sources.failing(100.0) == () and sources.first_failure() is None


def test_a_refusal_no_retry_changes_stays_named_for_a_while() -> None:
    sources = Sources(random.Random(1))
    denied = ServiceFailure(
        "AccessDeniedException: no", service_error=AccessDeniedException(message="no"), retryable=False
    )
    sources.failed("results:job-2", denied, now=100.0)
    assert sources.failing(100.0) == (("results of job job-2", "AccessDeniedException: no"),)
    assert sources.first_failure() is denied
    assert sources.failing(100.0 + GAVE_UP_SHOWN_FOR + 1) == ()


def test_the_snapshot_jobs_pane_still_names_a_gone_job() -> None:
    sources = Sources(random.Random(1))
    sources.failed("job:job-1", not_found("job-1"), now=100.0)
    ((job_id, source),) = sources.jobs_given_up(100.0)
    assert job_id == "job-1" and source.gone

"""The demo (`start_demo`, `DEMO`): its opportunity bulk job of 5,000 records is under way when it starts and
advances to its end on the demo's clock, in the quarter of an hour the demo's figures say."""

from __future__ import annotations

import dataclasses

from tests.support.writes import T0
from tui.core.clock import MockClock
from tui.core.settings import Settings
from tui.simulator.demo import DEMO, start_demo


def test_the_demo_opens_with_a_large_opportunity_job_under_way_that_ends_in_about_a_quarter_hour(
    client_factory,
):
    clock = MockClock(T0)
    world = dataclasses.replace(DEMO, history=300, activity_per_minute=0)
    demo = start_demo(Settings(catalog="Sandbox"), world, clock=clock)
    try:
        client = client_factory(demo.settings.endpoint_url)

        def the_job() -> dict:
            summaries = client.list_opportunity_bulk_jobs(Catalog="Sandbox")["OpportunityBulkJobSummaries"]
            (job,) = [j for j in summaries if j["TotalRecords"] == DEMO.bulk_records]
            return job

        job = the_job()
        assert job["Status"] == "IN_PROGRESS" and job["OperationType"] == "BULK_CREATE"
        assert 300 <= job["ProcessedRecords"] <= 500  # 8 % done when the demo starts
        seen = [job["ProcessedRecords"]]
        while job["Status"] == "IN_PROGRESS":
            clock.advance(60)
            job = the_job()
            seen.append(job["ProcessedRecords"])
        assert job["Status"] == "COMPLETED" and seen == sorted(seen) and len(set(seen)) > 10
        minutes = (job["CompletedAt"] - job["StartedAt"]).total_seconds() / 60
        assert 13 <= minutes <= 16  # 5,000 records at 350 a minute: 14.3 minutes
        assert 0.02 <= job["FailureCount"] / 5_000 <= 0.07
    finally:
        demo.close()

"""The service's quotas on the injected clock: reads 10/s and writes 1/s per catalog, and the rolling
24-hour counters (100,000 reads, 10,000 writes)."""

from __future__ import annotations

import pytest

from tui.core.clock import MockClock
from tui.simulator import QuotaLimits, Simulator, serve
from tui.simulator.quotas import Quotas

READ = {"Catalog": "Sandbox", "MaxResults": 1}


@pytest.fixture
def limited(clock, client_factory):
    sim = Simulator(seed=2, history=30, clock=clock, enforce_quotas=True)
    with serve(sim) as endpoint:
        yield sim, client_factory(endpoint.url)


def start(client, token: str, catalog: str = "Sandbox"):
    return client.start_engagement_from_opportunity_task(
        Catalog=catalog, ClientToken=token, Identifier="O77", AwsSubmission={"InvolvementType": "Co-Sell"}
    )


def test_reads_are_limited_to_ten_a_second_per_catalog(limited, clock, error_of):
    _sim, client = limited
    for _ in range(10):
        client.list_engagement_from_opportunity_tasks(**READ)
    with pytest.raises(client.exceptions.ThrottlingException) as excinfo:
        client.list_engagement_by_accepting_invitation_tasks(**READ)
    _code, status, response = error_of(excinfo)
    assert (status, response["Error"]["Message"]) == (429, "Rate exceeded")
    client.list_engagement_from_opportunity_tasks(Catalog="AWS", MaxResults=1)  # another catalog's bucket
    clock.advance(0.1)  # one token back
    client.list_engagement_invitations(Catalog="Sandbox", ParticipantType="RECEIVER", MaxResults=1)
    with pytest.raises(client.exceptions.ThrottlingException):
        client.list_resource_snapshot_jobs(Catalog="Sandbox", MaxResults=1)


def test_writes_are_limited_to_one_a_second_and_apart_from_reads(limited, clock):
    sim, client = limited
    for _ in range(10):
        client.list_engagement_from_opportunity_tasks(**READ)
    start(client, "w1")  # reads used up; writes have their own bucket
    with pytest.raises(client.exceptions.ThrottlingException):
        start(client, "w2")
    clock.advance(1.0)
    start(client, "w2")
    assert sim.stats.outcomes["ThrottlingException"] == 1


def test_daily_counter_refuses_until_the_day_rolls_on(clock, client_factory):
    sim = Simulator(
        seed=2,
        history=10,
        clock=clock,
        quota_limits=QuotaLimits(reads_per_day=25, writes_per_day=2),
    )
    with serve(sim) as endpoint:
        client = client_factory(endpoint.url)
        for _ in range(25):
            client.list_engagement_from_opportunity_tasks(**READ)
            clock.advance(1.0)
        with pytest.raises(client.exceptions.ThrottlingException):
            client.list_engagement_from_opportunity_tasks(**READ)
        assert sim.quotas.used_today("Sandbox") == 25
        clock.advance(86400)
        client.list_engagement_from_opportunity_tasks(**READ)
        for token in ("a", "b"):
            start(client, token)
            clock.advance(1.0)
        with pytest.raises(client.exceptions.ThrottlingException):
            start(client, "c")


def test_default_daily_limits_are_the_service_quotas():
    clock = MockClock()
    quotas = Quotas(clock)
    admitted = 0
    for _ in range(100_050):
        admitted += quotas.admit("Sandbox", "ListEngagementInvitations")
        clock.advance(0.11)  # under 10/s: only the daily counter can refuse
    assert admitted == 100_000  # 100,050 calls span 3.06 hours, well inside one day
    writes = 0
    for _ in range(10_050):
        writes += quotas.admit("AWS", "RejectEngagementInvitation")
        clock.advance(1.01)
    assert writes == 10_000


def test_quotas_off_admits_everything(sim, client):
    assert not sim.enforce_quotas
    for _ in range(30):
        client.list_engagement_from_opportunity_tasks(**READ)
    assert sim.stats.outcomes["ok"] == 30


def test_the_new_starts_are_writes_and_the_new_lists_reads(limited, clock, error_of):
    sim, client = limited
    client.start_opportunity_bulk_job(
        Catalog="Sandbox", ClientToken="b1", FileURI="s3://b/f-10-records.csv", FileFormat="CSV"
    )
    for call in (
        lambda: client.start_prospecting_from_engagement_task(
            Catalog="Sandbox", ClientToken="p1", Identifiers=["eng-0123456789abcd"], TaskName="n"
        ),
        lambda: client.start_customer_account_bulk_job(
            Catalog="Sandbox", ClientToken="c1", FileUri="s3://b/a.csv"
        ),
    ):
        with pytest.raises(client.exceptions.ThrottlingException) as excinfo:  # one write a second
            call()
        assert error_of(excinfo)[1] == 429
        clock.advance(1.0)
        call()
    for _ in range(10):  # reads have their own bucket, the new lists among them
        client.list_opportunity_bulk_jobs(Catalog="Sandbox", MaxResults=1)
    with pytest.raises(client.exceptions.ThrottlingException):
        client.list_prospecting_from_engagement_tasks(Catalog="Sandbox", MaxResults=1)
    assert sim.quotas.used_today("Sandbox", write=True) == 3
    assert sim.quotas.used_today("Sandbox") == 10

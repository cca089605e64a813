"""Fault injection through a real boto3 client: throttle bursts, internal errors, resets, slow and hung
responses, broken bodies, and data faults (unknown enums and fields, missing fields, a 1 MB message,
hostile text)."""

from __future__ import annotations

import json
import threading
import time

import botocore.exceptions
import pytest

from schemas import ListEngagementFromOpportunityTasksResponse, ListOpportunityBulkJobsResponse
from tui.simulator import Faults, Simulator, serve
from tui.simulator.texts import HOSTILE_STRINGS

LIST = {"Catalog": "Sandbox", "MaxResults": 20}


class BodyTap:
    """Keeps the raw body of the last response a client received."""

    def __init__(self, client) -> None:
        self.body = b""
        client.meta.events.register("before-parse.partnercentral-selling.*", self)

    def __call__(self, response_dict, **_):
        self.body = response_dict["body"]


@pytest.fixture
def plain(endpoint, client_factory):
    """A client that does not hold responses to the model: faulty responses are the point here."""
    return client_factory(endpoint.url, connect_timeout=2, read_timeout=2)


def test_parse_reads_rates_and_parameters():
    faults = Faults.parse("throttle=0.1, internal_error=0.05,slow=1,slow_seconds=3,throttle-burst=5")
    assert (faults.throttle, faults.internal_error, faults.slow, faults.slow_seconds) == (0.1, 0.05, 1.0, 3.0)
    assert faults.throttle_burst == 5
    assert Faults.parse("") == Faults() and not Faults().active()
    for bad in ("nonsense=0.1", "throttle=2", "throttle", "slow=abc"):
        with pytest.raises(ValueError):
            Faults.parse(bad)


def test_throttle_comes_in_bursts(plain, sim, error_of):
    sim.faults = Faults(throttle=1.0, throttle_burst=3)
    with pytest.raises(plain.exceptions.ThrottlingException) as excinfo:
        plain.list_engagement_from_opportunity_tasks(**LIST)
    assert error_of(excinfo)[1] == 429
    assert error_of(excinfo)[2]["Error"]["Message"] == "Rate exceeded"
    sim.faults = Faults()  # the burst already begun goes on
    for _ in range(2):
        with pytest.raises(plain.exceptions.ThrottlingException):
            plain.list_engagement_from_opportunity_tasks(**LIST)
    assert plain.list_engagement_from_opportunity_tasks(**LIST)["TaskSummaries"]
    assert sim.stats.outcomes["ThrottlingException"] == 3


def test_internal_error(plain, sim, error_of):
    sim.faults = Faults(internal_error=1.0)
    with pytest.raises(plain.exceptions.InternalServerException) as excinfo:
        plain.get_resource_snapshot_job(Catalog="Sandbox", ResourceSnapshotJobIdentifier="job-0000000000000")
    assert error_of(excinfo)[1] == 500


def test_connection_reset(plain, sim):
    sim.faults = Faults(connection_reset=1.0)
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        plain.list_engagement_from_opportunity_tasks(**LIST)
    sim.faults = Faults()
    assert plain.list_engagement_from_opportunity_tasks(**LIST)["TaskSummaries"]
    assert sim.stats.outcomes["reset"] == 1


def test_truncated_body(plain, sim):
    """Half the promised bytes, then the connection closes. botocore does not notice: its JSON parser turns
    the broken body into an empty result, which is what a client must guard against."""
    tap = BodyTap(plain)
    sim.faults = Faults(truncated_body=1.0)
    response = plain.list_engagement_from_opportunity_tasks(**LIST)
    promised = int(response["ResponseMetadata"]["HTTPHeaders"]["content-length"])
    assert 0 < len(tap.body) < promised
    with pytest.raises(ValueError):
        json.loads(tap.body)
    assert "TaskSummaries" not in response


def test_non_json_body_is_an_html_502_from_a_proxy(plain, sim, error_of):
    sim.faults = Faults(non_json_body=1.0)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        plain.list_engagement_from_opportunity_tasks(**LIST)
    code, status, _ = error_of(excinfo)
    assert status == 502 and code == "502"


def test_slow_response_does_not_block_other_requests(endpoint, sim, client_factory):
    sim.faults = Faults(slow=1.0, slow_seconds=1.0)
    slow_client, fast_client = client_factory(endpoint.url), client_factory(endpoint.url)
    slow_done = threading.Event()

    def slow_call():
        slow_client.list_engagement_from_opportunity_tasks(**LIST)
        slow_done.set()

    began = time.monotonic()
    thread = threading.Thread(target=slow_call)
    thread.start()
    while sim.stats.total == 0:  # wait until the slow request has drawn its fault
        time.sleep(0.01)
    sim.faults = Faults()
    assert fast_client.list_engagement_from_opportunity_tasks(**LIST)["TaskSummaries"]
    assert not slow_done.is_set()  # the fast answer came while the slow one still slept
    thread.join(5)
    assert slow_done.is_set() and time.monotonic() - began >= 1.0


def test_hang_outlasts_the_read_timeout_and_does_not_hold_up_shutdown(clock, client_factory):
    sim = Simulator(
        seed=1, history=20, clock=clock, enforce_quotas=False, faults=Faults(hang=1.0, hang_seconds=60)
    )
    endpoint = serve(sim)
    client = client_factory(endpoint.url, read_timeout=0.3)
    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        client.list_engagement_from_opportunity_tasks(**LIST)
    began = time.monotonic()
    endpoint.close()
    assert time.monotonic() - began < 3


def test_unknown_enum_values_are_sent_and_still_decode(plain, sim):
    tap = BodyTap(plain)
    sim.faults = Faults(unknown_enum=1.0)
    page = plain.list_engagement_from_opportunity_tasks(**LIST)
    assert {t["TaskStatus"] for t in page["TaskSummaries"]} == {"PAUSED"}
    assert {t["ReasonCode"] for t in page["TaskSummaries"]} == {"NewReasonFromTheFuture"}
    decoded = ListEngagementFromOpportunityTasksResponse.from_json(tap.body)
    assert decoded.task_summaries[0].task_status == "PAUSED"
    invitations = plain.list_engagement_invitations(Catalog="Sandbox", ParticipantType="RECEIVER")
    assert {i["Status"] for i in invitations["EngagementInvitationSummaries"]} == {"WITHDRAWN"}


def test_unknown_fields_are_added_at_every_level(plain, sim):
    tap = BodyTap(plain)
    sim.faults = Faults(unknown_field=1.0)
    plain.list_engagement_from_opportunity_tasks(**LIST)
    body = json.loads(tap.body)
    assert "FieldFromTheFuture" in body
    assert all("NewAttribute" in t and "NewStructure" in t for t in body["TaskSummaries"])
    assert ListEngagementFromOpportunityTasksResponse.from_json(tap.body).task_summaries


def test_missing_optional_fields_keep_the_identifiers(plain, sim):
    sim.faults = Faults(missing_optional=1.0)
    tasks = plain.list_engagement_from_opportunity_tasks(**LIST)["TaskSummaries"]
    assert all("TaskId" in t for t in tasks)
    assert any("StartTime" not in t or "TaskStatus" not in t for t in tasks)
    invitations = plain.list_engagement_invitations(Catalog="Sandbox", ParticipantType="RECEIVER")
    assert all({"Id", "Catalog"} <= set(i) for i in invitations["EngagementInvitationSummaries"])


def test_huge_message(plain, sim):
    sim.faults = Faults(huge_message=1.0)
    tasks = plain.list_engagement_from_opportunity_tasks(**LIST)["TaskSummaries"]
    assert len(tasks[0]["Message"]) >= 1 << 20


def test_hostile_text_in_string_fields(plain, sim):
    sim.faults = Faults(hostile_text=1.0)
    tasks = plain.list_engagement_from_opportunity_tasks(**LIST)["TaskSummaries"]
    messages = " ".join(t["Message"] for t in tasks)
    assert "\x1b" in messages and "[" in messages
    invitation = plain.list_engagement_invitations(Catalog="Sandbox", ParticipantType="RECEIVER")[
        "EngagementInvitationSummaries"
    ][0]
    assert any(ch in invitation["EngagementTitle"] for ch in "\x1b[\x00\u202e\n")


def test_faults_are_deterministic_for_a_seed(clock, client_factory):
    def outcomes(seed: int) -> list[str]:
        sim = Simulator(seed=seed, history=20, clock=clock, enforce_quotas=False)
        sim.faults = Faults(throttle=0.2, throttle_burst=2, internal_error=0.2)
        with serve(sim) as ep:
            client = client_factory(ep.url)
            out = []
            for _ in range(25):
                try:
                    client.list_engagement_from_opportunity_tasks(**LIST)
                    out.append("ok")
                except botocore.exceptions.ClientError as exc:
                    out.append(exc.response["Error"]["Code"])
            return out

    first = outcomes(5)
    assert first == outcomes(5)
    assert {"ok", "ThrottlingException", "InternalServerException"} <= set(first)


# -- the new families: the same machinery --------------------------------------------------------------


def finished_opportunity_job(sim, clock) -> str:
    job_id = sim.add_bulk_job(records=200, failure_share=0.2, rate_per_minute=600)
    clock.advance(600)
    return job_id


def test_a_throttle_burst_and_an_internal_error_on_the_new_operations(plain, sim, clock, error_of):
    job_id = finished_opportunity_job(sim, clock)
    sim.faults = Faults(throttle=1.0, throttle_burst=2)
    with pytest.raises(plain.exceptions.ThrottlingException) as excinfo:
        plain.list_opportunity_bulk_job_results(Catalog="Sandbox", JobId=job_id)
    assert error_of(excinfo)[1] == 429
    sim.faults = Faults()
    with pytest.raises(plain.exceptions.ThrottlingException):  # the burst goes on, whatever the operation
        plain.list_prospecting_from_engagement_tasks(Catalog="Sandbox")
    assert plain.list_prospecting_from_engagement_tasks(Catalog="Sandbox")["TaskSummaries"]
    sim.faults = Faults(internal_error=1.0)
    with pytest.raises(plain.exceptions.InternalServerException) as excinfo:
        plain.get_customer_account_bulk_job_report_url(Catalog="Sandbox", Identifier="bulkjob-0000000000000")
    assert error_of(excinfo)[1] == 500
    assert (
        sim.stats.outcomes["ThrottlingException"] == 2
        and sim.stats.calls["ListOpportunityBulkJobResults"] == 1
    )


def test_a_start_carried_out_then_reset_is_the_same_job_when_sent_again(plain, sim):
    """The reset-after-processing fault on a bulk start: the job exists; the retry (same ClientToken) finds
    it instead of starting a second one."""
    sim.faults = Faults(reset_after_processing=1.0)
    request = {
        "Catalog": "Sandbox",
        "ClientToken": "once",
        "FileURI": "s3://b/x-10-records.csv",
        "FileFormat": "CSV",
    }
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        plain.start_opportunity_bulk_job(**request)
    sim.faults = Faults()
    job_id = plain.start_opportunity_bulk_job(**request)["JobId"]
    assert [j.job_id for j in sim.bulk_jobs() if j.file_name == "x-10-records.csv"] == [job_id]


def test_data_faults_reach_the_new_lists(plain, sim, clock):
    job_id = finished_opportunity_job(sim, clock)
    tap = BodyTap(plain)
    sim.faults = Faults(unknown_enum=1.0)
    jobs = plain.list_opportunity_bulk_jobs(Catalog="Sandbox")["OpportunityBulkJobSummaries"]
    assert {j["Status"] for j in jobs} == {"PAUSED"} and {j["OperationType"] for j in jobs} == {"BULK_DELETE"}
    assert (
        ListOpportunityBulkJobsResponse.from_json(tap.body).opportunity_bulk_job_summaries[0].status
        == "PAUSED"
    )
    records = plain.list_opportunity_bulk_job_results(Catalog="Sandbox", JobId=job_id)["Results"]
    assert {r["Status"] for r in records} == {"SKIPPED"}
    accounts = plain.list_customer_account_bulk_jobs(Catalog="Sandbox")["items"]
    assert {j["Status"] for j in accounts} == {"PAUSED"}
    task = plain.list_prospecting_from_engagement_tasks(Catalog="Sandbox")["TaskSummaries"][0]["TaskId"]
    engagements = plain.get_prospecting_from_engagement_task(Catalog="Sandbox", TaskIdentifier=task)[
        "Engagements"
    ]
    assert {e["Status"] for e in engagements} == {"DEFERRED"}
    sim.faults = Faults(hostile_text=1.0)
    failed = plain.list_opportunity_bulk_job_results(Catalog="Sandbox", JobId=job_id, Status="FAILED")[
        "Results"
    ]
    assert failed and all(r["ErrorMessage"] in HOSTILE_STRINGS for r in failed)
    sim.faults = Faults(huge_message=1.0)
    first = plain.list_opportunity_bulk_job_results(Catalog="Sandbox", JobId=job_id, Status="FAILED")[
        "Results"
    ][0]
    assert len(first["ErrorMessage"]) >= 1 << 20
    sim.faults = Faults(missing_optional=1.0)
    records = plain.list_opportunity_bulk_job_results(Catalog="Sandbox", JobId=job_id)["Results"]
    assert all("RequestId" in r for r in records) and any("Status" not in r for r in records)

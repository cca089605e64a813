"""Bulk jobs of both families through a real boto3 client: the lists (newest first, filters, paging), a job's
life as the clock moves (SUBMITTED, IN_PROGRESS at a few hundred records a minute, COMPLETED or FAILED
whole), its per-record results, idempotent starts, the running-jobs quota, validation and not-found.
(The report and its URL: test_bulk_reports.py.) Every 2xx response is checked against botocore's output
shape by the `checker` fixture."""

from __future__ import annotations

import re

import pytest

from schemas import BulkJobKind
from tui.simulator import Simulator, serve
from tui.simulator.texts import CUSTOMER_ACCOUNT_RECORD_ERRORS, FORMULA_ERROR, OPPORTUNITY_RECORD_ERRORS

OPP, ACCT = BulkJobKind.OPPORTUNITY, BulkJobKind.CUSTOMER_ACCOUNT
JOB_ID = re.compile(r"bulkjob-[0-9a-z]{13}")
ACCT_ARN = re.compile(
    r"arn:aws:partnercentral:us-east-1:[0-9]{12}:catalog/Sandbox/customer-account-bulk-job/bulkjob-[0-9a-z]{13}"
)
CODES = {
    OPP: {e.code for e in OPPORTUNITY_RECORD_ERRORS} | {FORMULA_ERROR[0]},
    ACCT: {e.code for e in CUSTOMER_ACCOUNT_RECORD_ERRORS} | {FORMULA_ERROR[0]},
}


def jobs(client, kind: str, **kwargs) -> dict:
    if kind == OPP:
        page = client.list_opportunity_bulk_jobs(Catalog="Sandbox", **kwargs)
        return {"items": page["OpportunityBulkJobSummaries"], "NextToken": page.get("NextToken")}
    return client.list_customer_account_bulk_jobs(Catalog="Sandbox", **kwargs)


def job_id(summary: dict) -> str:
    return summary.get("JobId") or summary["Id"]


def one(client, kind: str, identifier: str) -> dict:
    """The job as its family shows one: the opportunity list filtered by JobId, the customer-account Get."""
    if kind == OPP:
        (found,) = client.list_opportunity_bulk_jobs(Catalog="Sandbox", JobId=identifier)[
            "OpportunityBulkJobSummaries"
        ]
        return found
    return client.get_customer_account_bulk_job(Catalog="Sandbox", Identifier=identifier)


def results(client, pages, kind: str, identifier: str, **kwargs) -> list[dict]:
    if kind == OPP:
        return pages(client.list_opportunity_bulk_job_results, Catalog="Sandbox", JobId=identifier, **kwargs)
    return pages(
        client.list_customer_account_bulk_job_results, Catalog="Sandbox", Identifier=identifier, **kwargs
    )


def start(client, kind: str, uri: str, token: str) -> str:
    if kind == OPP:
        return client.start_opportunity_bulk_job(
            Catalog="Sandbox", ClientToken=token, FileURI=uri, FileFormat="CSV"
        )["JobId"]
    return client.start_customer_account_bulk_job(Catalog="Sandbox", ClientToken=token, FileUri=uri)["Id"]


@pytest.mark.parametrize("kind", [OPP, ACCT])
def test_lists_are_newest_first_and_page_through_every_job(kind, client, sim, clock):
    for records in (40, 60, 80):
        sim.add_bulk_job(kind=kind, records=records)
        clock.advance(30)
    truth = [j for j in sim.bulk_jobs() if j.kind == kind]
    everything = []
    token = None
    while True:
        page = jobs(client, kind, MaxResults=2, **({"NextToken": token} if token else {}))
        assert len(page["items"]) <= 2
        everything += page["items"]
        token = page.get("NextToken")
        if not token:
            break
    assert [job_id(j) for j in everything] == [
        j.job_id for j in sorted(truth, key=lambda j: j.created_at, reverse=True)
    ]
    assert len(everything) == len(truth) >= 6
    assert all(JOB_ID.fullmatch(job_id(j)) for j in everything)
    if kind == ACCT:
        assert all(ACCT_ARN.fullmatch(j["Arn"]) and j["Arn"].endswith(j["Id"]) for j in everything)
    assert len(jobs(client, kind)["items"]) == len(truth)  # 20 a page by default


@pytest.mark.parametrize("kind", [OPP, ACCT])
def test_status_and_id_filters(kind, client, sim, clock, error_of):
    running = sim.add_bulk_job(kind=kind, records=5_000, rate_per_minute=300)
    clock.advance(120)
    queued = sim.add_bulk_job(kind=kind, records=10)
    by_status = {}
    for status in ("SUBMITTED", "IN_PROGRESS", "COMPLETED", "FAILED"):
        member = {"Status": status} if kind == OPP else {"Filter": {"Status": status}}
        got = jobs(client, kind, **member)["items"]
        assert all(j["Status"] == status for j in got)
        by_status[status] = {job_id(j) for j in got}
    assert by_status["SUBMITTED"] == {queued} and by_status["IN_PROGRESS"] == {running}
    truth = {j.job_id: j.status for j in sim.bulk_jobs() if j.kind == kind}
    assert {i: s for s, ids in by_status.items() for i in ids} == truth
    done = next(iter(by_status["COMPLETED"]))
    if kind == OPP:
        assert [job_id(j) for j in jobs(client, kind, JobId=done)["items"]] == [done]
        assert jobs(client, kind, JobId=done, Status="FAILED")["items"] == []
        with pytest.raises(client.exceptions.ResourceNotFoundException) as excinfo:
            jobs(client, kind, JobId="bulkjob-0000000000000")
        assert error_of(excinfo)[1] == 404
    else:
        arn = one(client, kind, done)["Arn"]
        for identifier in (done, arn):
            assert [job_id(j) for j in jobs(client, kind, Filter={"Identifier": identifier})["items"]] == [
                done
            ]
        assert jobs(client, kind, Filter={"Identifier": "bulkjob-0000000000000"})["items"] == []


@pytest.mark.parametrize("kind", [OPP, ACCT])
def test_a_started_job_is_submitted_then_processes_its_records_at_a_few_hundred_a_minute(
    kind, client, clock, pages
):
    identifier = start(client, kind, "s3://partner-imports/2026/crm-export-600-records.csv", "t-1")
    assert JOB_ID.fullmatch(identifier)
    first = one(client, kind, identifier)
    assert (first["Status"], first["TotalRecords"], first["ProcessedRecords"]) == ("SUBMITTED", 0, 0)
    assert first["FileName"] == "crm-export-600-records.csv" and "CompletedAt" not in first
    seen = []
    for _ in range(200):
        clock.advance(10)
        now = one(client, kind, identifier)
        seen.append(now)
        assert now["ProcessedRecords"] == now["SuccessCount"] + now["FailureCount"]
        if now["Status"] != "SUBMITTED":
            assert now["TotalRecords"] == 600 and ("StartedAt" in now) == (kind == OPP)
        if now["Status"] == "IN_PROGRESS" and 0 < now["ProcessedRecords"] < 600:
            assert len(results(client, pages, kind, identifier, MaxResults=100)) == now["ProcessedRecords"]
        if now["Status"] in ("COMPLETED", "FAILED"):
            break
    statuses = [s["Status"] for s in seen]
    assert statuses[-1] == "COMPLETED" and "IN_PROGRESS" in statuses
    assert statuses == sorted(statuses, key=["SUBMITTED", "IN_PROGRESS", "COMPLETED"].index)
    processed = [s["ProcessedRecords"] for s in seen]
    assert processed == sorted(processed) and processed[-1] == 600
    failures = [s["FailureCount"] for s in seen]
    assert failures == sorted(failures)
    moving = [s for s in seen if s["Status"] == "IN_PROGRESS"]
    per_minute = (
        (moving[-1]["ProcessedRecords"] - moving[0]["ProcessedRecords"]) / (10 * (len(moving) - 1)) * 60
    )
    assert 150 <= per_minute <= 500  # a few hundred a minute
    last = seen[-1]
    assert last["CompletedAt"] > last["CreatedAt"]
    if kind == ACCT:
        assert last["DeletedCount"] == 0
    every = results(client, pages, kind, identifier, MaxResults=37 if kind == OPP else 23)
    assert [r["RequestId"] for r in every] == [f"row-{n:05d}" for n in range(1, 601)]
    failed = [r for r in every if r["Status"] == "FAILED"]
    assert len(failed) == last["FailureCount"]
    assert {r["ErrorCode"] for r in failed} <= CODES[kind] and all(r["ErrorMessage"] for r in failed)
    prefix = "O" if kind == OPP else "cust-acc-"
    succeeded = [r for r in every if r["Status"] == "SUCCEEDED"]
    assert len(succeeded) == last["SuccessCount"]
    assert all(r["ResourceIdentifier"].startswith(prefix) and "ErrorCode" not in r for r in succeeded)
    assert len({r["ResourceIdentifier"] for r in succeeded}) == len(succeeded)
    only_failed = results(client, pages, kind, identifier, Status="FAILED", MaxResults=7)
    assert only_failed == failed
    assert results(client, pages, kind, identifier, Status="SUCCEEDED") == succeeded


def test_a_job_that_cannot_read_its_file_fails_whole_with_no_result(client, clock, pages):
    identifier = start(client, OPP, "s3://partner-imports/unreadable-export.csv", "t-2")
    clock.advance(120)
    job = one(client, OPP, identifier)
    assert (job["Status"], job["TotalRecords"], job["ProcessedRecords"]) == ("FAILED", 0, 0)
    assert "unreadable-export.csv" in job["FailureReason"] and "could not be read" in job["FailureReason"]
    assert job["CompletedAt"] > job["CreatedAt"]
    assert results(client, pages, OPP, identifier) == []


def test_a_job_with_no_failed_record_and_the_update_kind_from_the_file_name(client, clock, pages):
    identifier = start(client, OPP, "s3://partner-imports/clean-pipeline-update-120-records.csv", "t-3")
    clock.advance(600)
    job = one(client, OPP, identifier)
    assert (job["Status"], job["FailureCount"], job["SuccessCount"]) == ("COMPLETED", 0, 120)
    assert job["OperationType"] == "BULK_UPDATE" and "FailureReason" not in job
    assert results(client, pages, OPP, identifier, Status="FAILED") == []


def test_the_history_holds_finished_jobs_with_failed_records(client, sim, pages):
    for kind in (OPP, ACCT):
        finished = [j for j in jobs(client, kind)["items"] if j["Status"] == "COMPLETED"]
        with_failures = [j for j in finished if j["FailureCount"]]
        assert with_failures, f"no finished {kind} with failed records"
        job = with_failures[0]
        failed = results(client, pages, kind, job_id(job), Status="FAILED")
        assert len(failed) == job["FailureCount"] and {r["ErrorCode"] for r in failed} <= CODES[kind]


@pytest.mark.parametrize("kind", [OPP, ACCT])
def test_client_token_same_request_same_job_different_request_conflict(kind, client, clock, error_of):
    uri = "s3://partner-imports/idempotent-50-records.csv"
    first = start(client, kind, uri, "same")
    clock.advance(3600)
    assert start(client, kind, uri, "same") == first
    if kind == ACCT:
        again = client.start_customer_account_bulk_job(Catalog="Sandbox", ClientToken="same", FileUri=uri)
        assert again["Status"] == "COMPLETED"  # the same job, as it is now
        assert again["CreatedAt"] == one(client, kind, first)["CreatedAt"]
    with pytest.raises(client.exceptions.ConflictException) as excinfo:
        start(client, kind, uri.replace("50", "51"), "same")
    assert error_of(excinfo)[1] == 409
    other = OPP if kind == ACCT else ACCT
    with pytest.raises(client.exceptions.ConflictException):  # a token is one request, whatever the operation
        start(client, other, uri, "same")
    assert start(client, kind, uri, "new") != first


def test_too_many_running_jobs_is_a_service_quota_error(clock, client_factory, error_of):
    small = Simulator(seed=4, history=0, clock=clock, enforce_quotas=False, max_bulk_in_progress=2)
    with serve(small) as ep:
        client = client_factory(ep.url)
        start(client, OPP, "s3://b/a-1000-records.csv", "1")
        start(client, OPP, "s3://b/b-1000-records.csv", "2")
        start(client, ACCT, "s3://b/c-1000-records.csv", "3")  # the other family counts its own
        with pytest.raises(client.exceptions.ServiceQuotaExceededException) as excinfo:
            start(client, OPP, "s3://b/d-1000-records.csv", "4")
        assert error_of(excinfo)[1] == 402
        clock.advance(3600)
        start(client, OPP, "s3://b/d-1000-records.csv", "4")


@pytest.mark.parametrize(
    ("operation", "params", "field", "code"),
    [
        ("list_opportunity_bulk_jobs", {"MaxResults": 101}, "MaxResults", "VALUE_OUT_OF_RANGE"),
        ("list_opportunity_bulk_jobs", {"JobId": "job-1"}, "JobId", "INVALID_STRING_FORMAT"),
        ("list_opportunity_bulk_jobs", {"Status": "PAUSED"}, "Status", "INVALID_ENUM_VALUE"),
        (
            "list_customer_account_bulk_jobs",
            {"Filter": {"Identifier": "x", "Status": "COMPLETED"}},
            "Filter.Identifier",
            "INVALID_STRING_FORMAT",
        ),
        (
            "list_opportunity_bulk_job_results",
            {"JobId": "bulkjob-0000000000000", "MaxResults": 1001},
            "MaxResults",
            "VALUE_OUT_OF_RANGE",
        ),
        (
            "list_customer_account_bulk_job_results",
            {"Identifier": "bulkjob-0000000000000", "Status": "SKIPPED"},
            "Status",
            "INVALID_ENUM_VALUE",
        ),
        (
            "get_opportunity_bulk_job_report_url",
            {"JobId": "bulkjob-0000000000000"},
            "ReportFormat",
            "REQUIRED_FIELD_MISSING",
        ),
        (
            "start_opportunity_bulk_job",
            {"ClientToken": "t", "FileURI": "ftp://files/x.csv", "FileFormat": "CSV"},
            "FileURI",
            "INVALID_STRING_FORMAT",
        ),
        (
            "start_opportunity_bulk_job",
            {"ClientToken": "t", "FileURI": "s3://b/x.csv", "FileFormat": "XLSX"},
            "FileFormat",
            "INVALID_ENUM_VALUE",
        ),
        ("start_customer_account_bulk_job", {"ClientToken": "t"}, "FileUri", "REQUIRED_FIELD_MISSING"),
        ("get_customer_account_bulk_job", {"Identifier": "job-1"}, "Identifier", "INVALID_STRING_FORMAT"),
    ],
)
def test_each_operation_validates_its_request(unchecked_client, error_of, operation, params, field, code):
    with pytest.raises(unchecked_client.exceptions.ValidationException) as excinfo:
        getattr(unchecked_client, operation)(Catalog="Sandbox", **params)
    _, status, response = error_of(excinfo)
    assert status == 400 and response["Reason"] == "REQUEST_VALIDATION_FAILED"
    assert {(e["FieldName"], e["Code"]) for e in response["ErrorList"]} == {(field, code)}


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("list_opportunity_bulk_job_results", {"JobId": "bulkjob-0000000000000"}),
        ("get_opportunity_bulk_job_report_url", {"JobId": "bulkjob-0000000000000", "ReportFormat": "CSV"}),
        ("get_customer_account_bulk_job", {"Identifier": "bulkjob-0000000000000"}),
        (
            "list_customer_account_bulk_job_results",
            {
                "Identifier": "arn:aws:partnercentral:us-east-1:111122223333:catalog/Sandbox/"
                "customer-account-bulk-job/bulkjob-0000000000000"
            },
        ),
        ("get_customer_account_bulk_job_report_url", {"Identifier": "bulkjob-0000000000000"}),
    ],
)
def test_an_unknown_job_is_not_found(client, error_of, operation, params):
    with pytest.raises(client.exceptions.ResourceNotFoundException) as excinfo:
        getattr(client, operation)(Catalog="Sandbox", **params)
    _code, status, response = error_of(excinfo)
    assert status == 404 and "bulkjob-0000000000000" in response["Error"]["Message"]


def test_catalogs_hold_their_own_jobs(client, sim):
    sandbox = {job_id(j) for j in jobs(client, OPP)["items"]}
    production = {
        j["JobId"] for j in client.list_opportunity_bulk_jobs(Catalog="AWS")["OpportunityBulkJobSummaries"]
    }
    assert sandbox and production and not sandbox & production
    assert {j.job_id for j in sim.bulk_jobs("AWS") if j.kind == OPP} == production

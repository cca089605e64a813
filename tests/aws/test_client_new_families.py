"""The client's calls for prospecting tasks and bulk jobs, against a scripted local HTTP endpoint: the
request each sends (read from the kinds table: operations, filters, id members), the decoding, the same
error mapping, and the botocore floor."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from schemas import (
    BulkJobKind,
    CustomerAccountBulkJobSummary,
    ListCustomerAccountBulkJobsResponse,
    ListProspectingFromEngagementTasksResponse,
    TaskKind,
    TaskRecord,
    TaskStatus,
    ThrottlingException,
    bulk_job_records,
)
from tests.support.engine import stub_endpoint
from tui.aws.client import BOTOCORE_FLOOR, check_botocore, make_client, version_tuple
from tui.aws.failures import MalformedResponse, SdkTooOld, ServiceFailure
from tui.core import logs
from tui.core.settings import Settings

PROSPECTING = TaskKind.PROSPECTING_FROM_ENGAGEMENT
OPP_BULK = BulkJobKind.OPPORTUNITY
ACCT_BULK = BulkJobKind.CUSTOMER_ACCOUNT
ROOT = Path(__file__).resolve().parents[2]


def client_for(url: str):
    return make_client(Settings(endpoint_url=url, demo=True), max_attempts=1, read_timeout=2)


def answer(ep, body: object, status: int = 200) -> None:
    ep.responses = [(status, {}, json.dumps(body).encode())]


# --- prospecting tasks --------------------------------------------------------------------------------


def test_prospecting_list_sorts_by_start_filters_by_id_and_derives_the_status() -> None:
    page = {
        "TaskSummaries": [
            {
                "TaskId": "pt-1",
                "TaskName": "q4 import",
                "StartTime": "2026-12-01T09:00:00Z",
                "EndTime": "2026-12-01T09:05:00Z",
                "TotalEngagementCount": 3,
                "CompletedEngagementCount": 2,
                "FailedEngagementCount": 1,
            },
            {"TaskId": "pt-2", "StartTime": "2026-12-01T09:10:00Z", "TotalEngagementCount": 5},
        ]
    }
    with stub_endpoint() as ep:
        answer(ep, page)
        client = client_for(ep.url)
        got = asyncio.run(client.list_tasks(PROSPECTING, task_ids=["pt-1", "pt-2"], max_results=1000))
        op, body = ep.requests[0]
    assert op == "ListProspectingFromEngagementTasks"
    assert body["Sort"] == {"SortBy": "StartTime", "SortOrder": "DESCENDING"}
    assert body["TaskIdentifier"] == ["pt-1", "pt-2"]
    assert body["MaxResults"] == 100  # the model's maximum for this list (the task kinds take 1,000)
    assert "TaskStatus" not in body
    assert isinstance(got, ListProspectingFromEngagementTasksResponse)
    ended, running = (TaskRecord.from_task(s, PROSPECTING) for s in got.task_summaries)
    assert (ended.task_status, ended.failed_engagement_count, ended.task_name) == (
        TaskStatus.FAILED,
        1,
        "q4 import",
    )
    assert running.task_status == TaskStatus.IN_PROGRESS


def test_prospecting_list_has_no_status_filter_so_a_status_is_refused_before_sending() -> None:
    with stub_endpoint() as ep:
        answer(ep, {"TaskSummaries": []})
        client = client_for(ep.url)
        with pytest.raises(ValueError, match="no status filter"):
            asyncio.run(client.list_tasks(PROSPECTING, status=[TaskStatus.IN_PROGRESS]))
        assert ep.requests == []
        # (the task kinds that have one still send it)
        asyncio.run(client.list_tasks(TaskKind.ACCEPT_INVITATION, status=["IN_PROGRESS"], max_results=1000))
        [(_, body)] = ep.requests
    assert body["TaskStatus"] == ["IN_PROGRESS"] and body["MaxResults"] == 1000


def test_get_prospecting_task_names_it_and_decodes_each_engagement() -> None:
    task = {
        "TaskId": "pt-1",
        "StartTime": "2026-12-01T09:00:00Z",
        "Engagements": [
            {"EngagementIdentifier": "eng-1", "Status": "COMPLETED"},
            {
                "EngagementIdentifier": "eng-2",
                "Status": "SOMETHING_NEW",
                "ReasonCode": "NewReason",
                "Message": "no\x1b[2J",
            },
        ],
    }
    with stub_endpoint() as ep:
        answer(ep, task)
        got = asyncio.run(client_for(ep.url).get_prospecting_task("pt-1"))
        op, body = ep.requests[0]
    assert op == "GetProspectingFromEngagementTask"
    assert body == {"Catalog": "Sandbox", "TaskIdentifier": "pt-1"}
    assert [(e.engagement_identifier, e.status) for e in got.engagements] == [
        ("eng-1", "COMPLETED"),
        ("eng-2", "SOMETHING_NEW"),  # an unknown status is kept as it came
    ]
    assert got.engagements[1].message == "no\x1b[2J"


# --- bulk jobs ------------------------------------------------------------------------------------------

OPP_JOB = {
    "JobId": "job-1",
    "Status": "IN_PROGRESS",
    "TotalRecords": 5000,
    "ProcessedRecords": 1200,
    "SuccessCount": 1150,
    "FailureCount": 50,
    "OperationType": "BULK_CREATE",
    "CreatedAt": "2026-12-01T09:00:00Z",
    "StartedAt": "2026-12-01T09:01:00Z",
}
ACCT_JOB = {
    "Id": "acct-1",
    "Arn": "arn:aws:partnercentral:us-east-1:123456789012:catalog/Sandbox/customer-account-bulk-job/acct-1",
    "Status": "COMPLETED",
    "TotalRecords": 10,
    "ProcessedRecords": 10,
    "DeletedCount": 2,
    "CreatedAt": "2026-12-01T09:00:00Z",
}


def test_opportunity_bulk_jobs_filter_by_status_and_job_id_at_the_top_level() -> None:
    with stub_endpoint() as ep:
        answer(ep, {"OpportunityBulkJobSummaries": [OPP_JOB], "NextToken": "n2"})
        page = asyncio.run(
            client_for(ep.url).list_bulk_jobs(
                OPP_BULK, status="IN_PROGRESS", job_id="job-1", max_results=500, next_token="n1"
            )
        )
        op, body = ep.requests[0]
    assert op == "ListOpportunityBulkJobs"
    assert body == {
        "Catalog": "Sandbox",
        "Status": "IN_PROGRESS",
        "JobId": "job-1",
        "MaxResults": 100,
        "NextToken": "n1",
    }
    [job] = bulk_job_records(page, OPP_BULK)
    assert (job.kind, job.job_id, job.processed_records, job.failure_count) == (OPP_BULK, "job-1", 1200, 50)
    assert page.next_token == "n2"


def test_customer_account_bulk_jobs_filter_inside_filter_and_list_in_items() -> None:
    with stub_endpoint() as ep:
        answer(ep, {"items": [ACCT_JOB]})
        page = asyncio.run(client_for(ep.url).list_bulk_jobs(ACCT_BULK, status="COMPLETED", job_id="acct-1"))
        op, body = ep.requests[0]
    assert op == "ListCustomerAccountBulkJobs"
    assert body["Filter"] == {"Status": "COMPLETED", "Identifier": "acct-1"}
    assert "Status" not in body and "JobId" not in body
    assert isinstance(page, ListCustomerAccountBulkJobsResponse)
    assert isinstance(page.items[0], CustomerAccountBulkJobSummary)
    [job] = bulk_job_records(page, ACCT_BULK)
    assert (job.job_id, job.deleted_count, job.arn) == ("acct-1", 2, ACCT_JOB["Arn"])


def test_get_bulk_job_uses_the_get_where_there_is_one_and_the_filtered_list_where_not() -> None:
    with stub_endpoint() as ep:
        answer(ep, ACCT_JOB)
        client = client_for(ep.url)
        account = asyncio.run(client.get_bulk_job(ACCT_BULK, "acct-1"))
        answer(ep, {"OpportunityBulkJobSummaries": [OPP_JOB]})
        opportunity = asyncio.run(client.get_bulk_job(OPP_BULK, "job-1"))
        answer(ep, {"OpportunityBulkJobSummaries": []})
        missing = asyncio.run(client.get_bulk_job(OPP_BULK, "job-9"))
        not_found = {"__type": "ResourceNotFoundException", "message": "no such job"}
        answer(ep, not_found, status=404)
        gone = asyncio.run(client.get_bulk_job(ACCT_BULK, "acct-9"))
        answer(ep, not_found, status=404)
        listed_gone = asyncio.run(client.get_bulk_job(OPP_BULK, "job-9"))
        ops = ep.requests
    assert [op for op, _ in ops] == [
        "GetCustomerAccountBulkJob",
        "ListOpportunityBulkJobs",
        "ListOpportunityBulkJobs",
        "GetCustomerAccountBulkJob",
        "ListOpportunityBulkJobs",
    ]
    assert ops[0][1] == {"Catalog": "Sandbox", "Identifier": "acct-1"}
    assert ops[1][1]["JobId"] == "job-1"
    assert account is not None and (account.kind, account.job_id, account.status) == (
        ACCT_BULK,
        "acct-1",
        "COMPLETED",
    )
    assert opportunity is not None and opportunity.job_id == "job-1"
    assert missing is None and gone is None and listed_gone is None


def test_get_bulk_job_names_a_partial_answer_by_the_id_asked_for() -> None:
    with stub_endpoint() as ep:
        answer(ep, {"Status": "IN_PROGRESS", "ProcessedRecords": 3})
        job = asyncio.run(client_for(ep.url).get_bulk_job(ACCT_BULK, "acct-1"))
    assert job is not None and (job.job_id, job.processed_records) == ("acct-1", 3)


def test_results_name_the_job_by_its_kinds_member_and_page_within_the_model() -> None:
    results = {
        "Results": [
            {"RequestId": "r-1", "Status": "FAILED", "ErrorCode": "INVALID_FIELD", "ErrorMessage": "bad\x07"},
            {"RequestId": "r-2", "Status": "SUCCEEDED", "ResourceIdentifier": "O123"},
        ],
        "NextToken": "t2",
    }
    with stub_endpoint() as ep:
        answer(ep, results)
        client = client_for(ep.url)
        opp = asyncio.run(
            client.list_bulk_job_results(
                OPP_BULK, "job-1", status="FAILED", max_results=1000, next_token="t1"
            )
        )
        asyncio.run(client.list_bulk_job_results(ACCT_BULK, "acct-1", max_results=1000))
        (op1, body1), (op2, body2) = ep.requests
    assert op1 == "ListOpportunityBulkJobResults"
    assert body1 == {
        "Catalog": "Sandbox",
        "JobId": "job-1",
        "MaxResults": 1000,
        "Status": "FAILED",
        "NextToken": "t1",
    }
    assert op2 == "ListCustomerAccountBulkJobResults"
    assert body2 == {"Catalog": "Sandbox", "Identifier": "acct-1", "MaxResults": 100}
    assert [(r.request_id, r.error_code, r.error_message) for r in opp.results] == [
        ("r-1", "INVALID_FIELD", "bad\x07"),
        ("r-2", None, None),
    ]
    assert opp.next_token == "t2"


def test_report_url_asks_for_csv_where_the_model_takes_a_format_and_is_never_logged() -> None:
    url = "https://reports.example/job-1.csv?X-Amz-Expires=900&sig=abcdefgh12345678"
    report = {"ReportStatus": "AVAILABLE", "Url": url, "ExpiresAt": "2026-12-01T10:00:00Z"}
    with stub_endpoint() as ep:
        answer(ep, report)
        client = client_for(ep.url)
        opp = asyncio.run(client.get_bulk_job_report_url(OPP_BULK, "job-1"))
        acct = asyncio.run(client.get_bulk_job_report_url(ACCT_BULK, "acct-1", report_type="ALL_RECORDS"))
        (op1, body1), (op2, body2) = ep.requests
    assert (op1, body1) == (
        "GetOpportunityBulkJobReportUrl",
        {"Catalog": "Sandbox", "JobId": "job-1", "ReportType": "FAILED_RECORDS", "ReportFormat": "CSV"},
    )
    assert (op2, body2) == (
        "GetCustomerAccountBulkJobReportUrl",
        {"Catalog": "Sandbox", "Identifier": "acct-1", "ReportType": "ALL_RECORDS"},
    )
    assert opp.url == url and acct.url == url and opp.expires_at is not None
    # The URL grants access while it lasts: any later log line that would carry it carries this instead.
    assert url not in logs.redact(f"report at {url}") and logs.REDACTED in logs.redact(f"report at {url}")


def test_start_opportunity_bulk_job_sends_the_token_and_the_file() -> None:
    with stub_endpoint() as ep:
        answer(ep, {"JobId": "job-7"})
        client = client_for(ep.url)
        started = asyncio.run(
            client.start_opportunity_bulk_job("s3://bucket/import.csv", client_token="tok-1")
        )
        op, body = ep.requests[0]
    assert op == "StartOpportunityBulkJob"
    assert body == client.opportunity_bulk_job_params("s3://bucket/import.csv", "tok-1")
    assert body == {
        "Catalog": "Sandbox",
        "ClientToken": "tok-1",
        "FileURI": "s3://bucket/import.csv",
        "FileFormat": "CSV",
    }
    assert started.job_id == "job-7"


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.list_tasks(PROSPECTING),
        lambda c: c.get_prospecting_task("pt-1"),
        lambda c: c.list_bulk_jobs(OPP_BULK),
        lambda c: c.list_bulk_jobs(ACCT_BULK),
        lambda c: c.get_bulk_job(ACCT_BULK, "acct-1"),
        lambda c: c.list_bulk_job_results(OPP_BULK, "job-1"),
        lambda c: c.get_bulk_job_report_url(ACCT_BULK, "acct-1"),
    ],
    ids=["prospecting", "get-prospecting", "opp-bulk", "acct-bulk", "get-acct", "results", "report"],
)
def test_the_new_calls_share_the_decoding_and_the_error_mapping(call) -> None:
    with stub_endpoint() as ep:
        ep.responses = [(200, {}, b'{"truncated": [')]
        client = client_for(ep.url)
        with pytest.raises(MalformedResponse):
            asyncio.run(call(client))
        answer(ep, {"__type": "ThrottlingException", "message": "slow down"}, status=429)
        with pytest.raises(ServiceFailure) as info:
            asyncio.run(call(client))
    assert info.value.throttled and isinstance(info.value.service_error, ThrottlingException)


# --- the botocore floor ---------------------------------------------------------------------------------


def test_an_older_botocore_is_refused_in_one_line_naming_the_version_needed() -> None:
    needed = ".".join(map(str, BOTOCORE_FLOOR))
    with pytest.raises(SdkTooOld) as info:
        make_client(Settings(demo=True), botocore_version="1.44.6")
    message = str(info.value)
    assert f"botocore {needed} or newer" in message and "1.44.6" in message and "\n" not in message
    with pytest.raises(SdkTooOld):
        check_botocore("1.9.99")
    check_botocore(needed)  # the floor itself, and newer, pass
    check_botocore("1.45.0rc1")
    assert version_tuple("1.44.18") == (1, 44, 18) and version_tuple("2.0.dev3") == (2, 0)


def test_the_floor_is_pyprojects() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    floors = re.findall(r'"(boto3|botocore)>=([\d.]+)"', pyproject)
    assert {name for name, _ in floors} == {"boto3", "botocore"}
    assert {version_tuple(v) for _, v in floors} == {BOTOCORE_FLOOR}


OLD_BOTOCORE = """
import sys
import botocore
botocore.__version__ = "1.44.6"  # (this child process only: an older botocore, as pip would leave it)
from tui.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("argv", [["list"], ["list", "--demo"]])
def test_pcwatch_with_an_older_botocore_says_which_it_needs_and_exits_2(tmp_path, argv) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", OLD_BOTOCORE, "--no-journal", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "needs botocore 1.44.7 or newer (this is 1.44.6)" in lines[0]
    assert done.stdout == ""

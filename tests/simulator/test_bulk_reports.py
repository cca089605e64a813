"""A bulk job's report of its records: made on request once the job has ended (NOT_STARTED, IN_PROGRESS,
AVAILABLE), served by the endpoint itself at an unguessable URL fetched over HTTP, the URL expiring after
15 minutes (a GET then answers 403; asking again gives a new URL), the report after 7 days (EXPIRED, then
made anew). The CSV lists the failed records with their fields, ErrorCode and ErrorMessage, every cell safe
in a spreadsheet."""

from __future__ import annotations

import csv
import io
import urllib.error
import urllib.request
from datetime import timedelta

import pytest

from schemas import BulkJobKind
from tui.core.text_safety import FORMULA_STARTS
from tui.simulator.texts import FORMULA_COMPANY

OPP, ACCT = BulkJobKind.OPPORTUNITY, BulkJobKind.CUSTOMER_ACCOUNT


def report(client, kind: str, identifier: str, **kwargs) -> dict:
    if kind == OPP:
        got = client.get_opportunity_bulk_job_report_url(
            Catalog="Sandbox", JobId=identifier, ReportFormat="CSV", **kwargs
        )
    else:
        got = client.get_customer_account_bulk_job_report_url(
            Catalog="Sandbox", Identifier=identifier, **kwargs
        )
    got.pop("ResponseMetadata")
    return got


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def available(client, clock, kind: str, identifier: str, **kwargs) -> dict:
    """Ask until the report is AVAILABLE (a few seconds of clock), checking the statuses on the way."""
    statuses = []
    for _ in range(60):
        got = report(client, kind, identifier, **kwargs)
        statuses.append(got["ReportStatus"])
        if got["ReportStatus"] == "AVAILABLE":
            assert statuses[0] == "NOT_STARTED" and "IN_PROGRESS" in statuses
            assert statuses == sorted(statuses, key=["NOT_STARTED", "IN_PROGRESS", "AVAILABLE"].index)
            return got
        assert "Url" not in got and "ExpiresAt" not in got
        clock.advance(1)
    raise AssertionError(f"the report never became available: {statuses}")


def failed_job(sim, clock, kind: str = OPP, records: int = 400) -> str:
    """A finished job with failed records, one of which has a company name that is a formula."""
    for _ in range(30):
        identifier = sim.add_bulk_job(kind=kind, records=records, failure_share=0.1, rate_per_minute=600)
        if sim.world("Sandbox").bulk[kind].by_id[identifier].formula_at is not None:
            clock.advance(3600)
            return identifier
    raise AssertionError("no job of the scenario has a formula in its file")


def test_a_running_job_has_no_report_yet(client, sim, error_of):
    identifier = sim.add_bulk_job(records=5_000, rate_per_minute=300)
    with pytest.raises(client.exceptions.ConflictException) as excinfo:
        report(client, OPP, identifier)
    _code, status, response = error_of(excinfo)
    assert status == 409 and "COMPLETED or FAILED" in response["Error"]["Message"]


@pytest.mark.parametrize("kind", [OPP, ACCT])
def test_the_report_is_fetched_over_http_and_its_url_expires(kind, client, sim, clock, endpoint, pages):
    identifier = failed_job(sim, clock, kind)
    got = available(client, clock, kind, identifier)
    assert got["ReportType"] == "FAILED_RECORDS" and ("ReportFormat" in got) == (kind == OPP)
    assert got["ExpiresAt"] == clock.now() + timedelta(minutes=15)
    url = got["Url"]
    assert url.startswith(f"{endpoint.url}/reports/") and url.endswith(".csv")
    assert len(url.rsplit("/", 1)[1]) >= 40  # secrets.token_urlsafe(32): 43 characters
    status, headers, body = fetch(url)
    assert status == 200 and headers["Content-Type"] == "text/csv; charset=utf-8"
    assert identifier in headers["Content-Disposition"]
    first_body = body
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    if kind == OPP:
        failed = pages(
            client.list_opportunity_bulk_job_results, Catalog="Sandbox", JobId=identifier, Status="FAILED"
        )
    else:
        failed = pages(
            client.list_customer_account_bulk_job_results,
            Catalog="Sandbox",
            Identifier=identifier,
            Status="FAILED",
        )
    assert [(r["RequestId"], r["ErrorCode"], r["ErrorMessage"]) for r in rows] == [
        (r["RequestId"], r["ErrorCode"], r["ErrorMessage"]) for r in failed
    ]
    company = "CustomerCompanyName" if kind == OPP else "CompanyName"
    assert f"'{FORMULA_COMPANY}" in {row[company] for row in rows}  # shown as text, not run
    assert not any(cell.startswith(FORMULA_STARTS) for row in rows for cell in row.values())

    clock.advance(15 * 60 - 1)
    assert fetch(url)[0] == 200
    clock.advance(1)
    status, headers, body = fetch(url)
    assert status == 403 and b"Request has expired" in body and b"RequestId" not in body
    again = report(client, kind, identifier)  # the same report, a new URL
    assert again["ReportStatus"] == "AVAILABLE" and again["Url"] != url
    assert fetch(again["Url"])[:3:2] == (200, first_body)


def test_the_report_expires_after_seven_days_and_is_made_anew(client, sim, clock):
    identifier = failed_job(sim, clock)
    first = available(client, clock, OPP, identifier)
    clock.advance(7 * 86400)
    assert report(client, OPP, identifier)["ReportStatus"] == "EXPIRED"
    assert fetch(first["Url"])[0] == 403
    renewed = available(client, clock, OPP, identifier)
    assert fetch(renewed["Url"])[0] == 200


def test_an_unknown_or_altered_token_is_refused(client, sim, clock, endpoint):
    identifier = failed_job(sim, clock)
    url = available(client, clock, OPP, identifier)["Url"]
    token = url.rsplit("/", 1)[1].removesuffix(".csv")
    altered = url.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
    for bad in (altered, f"{endpoint.url}/reports/{'x' * 43}.csv", f"{endpoint.url}/reports/short.csv"):
        status, _, body = fetch(bad)
        assert status == 403 and b"AccessDenied" in body and b"RequestId" not in body
    assert sim.stats.calls["<report>"] == 3


def test_a_job_that_read_no_record_has_no_report(client, sim, clock):
    identifier = sim.add_bulk_job(kind=ACCT, fails=True)
    clock.advance(60)
    statuses = []
    for _ in range(30):
        got = report(client, ACCT, identifier)
        statuses.append(got["ReportStatus"])
        if got["ReportStatus"] == "FAILED":
            break
        clock.advance(1)
    assert statuses[0] == "NOT_STARTED" and statuses[-1] == "FAILED"
    assert "no records" in got["FailureReason"] and "Url" not in got


def test_all_records_for_customer_accounts_and_not_yet_for_opportunities(client, sim, clock, error_of):
    accounts = sim.add_bulk_job(kind=ACCT, records=80, failure_share=0.2)
    clock.advance(600)
    got = available(client, clock, ACCT, accounts, ReportType="ALL_RECORDS")
    assert got["ReportType"] == "ALL_RECORDS"
    rows = list(csv.DictReader(io.StringIO(fetch(got["Url"])[2].decode())))
    assert len(rows) == 80 and {r["Status"] for r in rows} == {"SUCCEEDED", "FAILED"}
    assert all(r["ResourceIdentifier"].startswith("cust-acc-") for r in rows if r["Status"] == "SUCCEEDED")
    opportunities = sim.add_bulk_job(records=10)
    clock.advance(600)
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        report(client, OPP, opportunities, ReportType="ALL_RECORDS")
    _, status, response = error_of(excinfo)
    assert status == 400 and response["Reason"] == "BUSINESS_VALIDATION_FAILED"
    assert [e["FieldName"] for e in response["ErrorList"]] == ["ReportType"]


def test_the_url_names_the_host_the_client_reached(client_factory, sim, clock, endpoint):
    identifier = failed_job(sim, clock)
    by_name = client_factory(f"http://localhost:{endpoint.port}")
    url = available(by_name, clock, OPP, identifier)["Url"]
    assert url.startswith(f"http://localhost:{endpoint.port}/reports/")
    assert fetch(url)[0] == 200

"""The report of a finished bulk job's records, and the expiring URL the endpoint serves it at.

What the service documents, and how the simulator does it:

- A report exists only for a job that has ended (COMPLETED or FAILED); for a running job
  `Get…BulkJobReportUrl` is a ConflictException.
- The report is made on request: the first call answers NOT_STARTED (queued), the next ones IN_PROGRESS
  while it is written (a few seconds, more for many rows; scaled by the simulator's speed), then
  AVAILABLE with a `Url` and its `ExpiresAt`. A job that processed no record has no report: FAILED, with
  a `FailureReason`.
- Each AVAILABLE answer mints a new URL (as a presigned S3 URL is made per request), valid 15 minutes
  (`URL_SECONDS`), on this endpoint: `http://HOST:PORT/reports/<token>.csv`, the token
  `secrets.token_urlsafe(32)` (unguessable; it is the only credential, as a presigned URL's signature
  is). A GET of it after `ExpiresAt` answers 403 (S3's "Request has expired"), an unknown token 403
  AccessDenied; neither says more. Asking the operation again gives a new URL to the same report.
- The report itself lasts about 7 days (`REPORT_SECONDS`); after that the operation answers EXPIRED once
  and that call queues a new report (NOT_STARTED, IN_PROGRESS, AVAILABLE again).
- FAILED_RECORDS (the default) lists the failed records; ALL_RECORDS every record, for the customer-account
  family only: the opportunity family documents ALL_RECORDS as not supported yet (a ValidationException).

The CSV has the records' own fields, then `ErrorCode` and `ErrorMessage`; every cell goes through
`tui.core.text_safety.visible` in its CSV form, so a value that starts like a formula (`=HYPERLINK(…)`)
stays text in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from schemas import BulkJobKind, BulkOperationType, BulkReportStatus, BulkReportType
from tui.core.text_safety import CSV, visible

from .bulk_records import SimBulkJob
from .protocol import Reply
from .records import to_datetime
from .texts import NO_REPORT

#: A report URL's life (the service documents 15 minutes).
URL_SECONDS = 15 * 60.0
#: A report's life (about 7 days).
REPORT_SECONDS = 7 * 86400.0
#: Seconds a report request waits before it is written, and the writing: a few seconds and a second more
#: for every 2,000 rows (at speed 1).
QUEUE_SECONDS = 2.0
WRITE_SECONDS = 3.0
ROWS_PER_SECOND = 2000.0
#: A link expired this long ago is forgotten (its GET then says AccessDenied, as for any unknown token).
_FORGET_AFTER = 86400.0

_PATH = re.compile(r"/reports/([A-Za-z0-9_-]{20,100})\.csv")


class SimReport:
    """One report of one job, requested at `requested`, written by `ready` (or failed: `failure`)."""

    __slots__ = ("failure", "queued", "ready", "requested")

    def __init__(self, requested: float, queued: float, ready: float, failure: str | None = None) -> None:
        self.requested = requested
        self.queued = queued
        self.ready = ready
        self.failure = failure

    def status_at(self, now: float) -> str:
        if now < self.queued:
            return BulkReportStatus.NOT_STARTED
        if now < self.ready:
            return BulkReportStatus.IN_PROGRESS
        if self.failure is not None:
            return BulkReportStatus.FAILED
        if now < self.ready + REPORT_SECONDS:
            return BulkReportStatus.AVAILABLE
        return BulkReportStatus.EXPIRED


@dataclass(frozen=True)
class ReportLink:
    """What a report URL's token serves, until when."""

    kind: str
    seq: int
    report_type: str
    expires: float


def rows_of(job: SimBulkJob, report_type: str) -> Iterable[int]:
    """The positions of the records the report lists."""
    if report_type == BulkReportType.ALL_RECORDS:
        return range(job.stop_at)
    return job.failed


def request_report(
    job: SimBulkJob, report_type: str, now: float, speed: float, base_url: str, links: dict[str, Any]
) -> dict[str, Any]:
    """The operation's answer (snake_case fields) for a job that has ended: the report's status, and once
    it is AVAILABLE a new URL (registered in `links`) and its expiry."""
    report: SimReport | None = job.reports.get(report_type)
    if report is None:
        count = job.stop_at if report_type == BulkReportType.ALL_RECORDS else len(job.failed)
        queued = now + QUEUE_SECONDS / speed
        ready = queued + (WRITE_SECONDS + count / ROWS_PER_SECOND) / speed
        report = SimReport(now, queued, ready, NO_REPORT if job.stop_at == 0 else None)
        job.reports[report_type] = report
    status = report.status_at(now)
    out: dict[str, Any] = {"report_status": status, "report_type": report_type, "report_format": "CSV"}
    if status == BulkReportStatus.EXPIRED:
        del job.reports[report_type]  # asked again, it is written anew
    elif status == BulkReportStatus.FAILED:
        out["failure_reason"] = report.failure
    elif status == BulkReportStatus.AVAILABLE:
        for token in [t for t, link in links.items() if link.expires < now - _FORGET_AFTER]:
            del links[token]
        token = secrets.token_urlsafe(32)
        links[token] = ReportLink(job.kind, job.seq, report_type, now + URL_SECONDS)
        out["url"] = f"{base_url}/reports/{token}.csv"
        out["expires_at"] = to_datetime(now + URL_SECONDS)
    return out


def _columns(job: SimBulkJob, report_type: str) -> list[tuple[str, str]]:
    """(CSV header, record field) of the report's columns before the result's own."""
    if job.kind == BulkJobKind.CUSTOMER_ACCOUNT:
        columns = [
            ("CompanyName", "company"),
            ("WebsiteUrl", "website"),
            ("CountryCode", "country"),
            ("Industry", "industry"),
            ("Duns", "duns"),
        ]
    else:
        columns = [
            ("PartnerOpportunityIdentifier", "ref"),
            ("CustomerCompanyName", "company"),
            ("CustomerWebsiteUrl", "website"),
            ("CountryCode", "country"),
            ("CustomerIndustry", "industry"),
            ("ProjectTitle", "title"),
            ("ExpectedMonthlySpendUSD", "spend"),
            ("TargetCloseDate", "close"),
        ]
        if job.operation_type == BulkOperationType.BULK_UPDATE:
            columns.insert(0, ("Identifier", "opportunity"))
    return columns


def render_csv(job: SimBulkJob, report_type: str) -> bytes:
    """The report: a header row, then one row per record it lists."""
    columns = _columns(job, report_type)
    every = report_type == BulkReportType.ALL_RECORDS
    header = ["RequestId", *(name for name, _ in columns)]
    header += ["Status", "ResourceIdentifier"] if every else []
    header += ["ErrorCode", "ErrorMessage"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for position in rows_of(job, report_type):
        fields = job.record_fields(position)
        result = job.result(position)
        row = [job.request_id(position), *(fields[field] for _, field in columns)]
        if every:
            row += [result["status"], result.get("resource_identifier", "")]
        row += [result.get("error_code", ""), result.get("error_message", "")]
        writer.writerow([visible(cell, form=CSV) for cell in row])
    return out.getvalue().encode("utf-8")


def _denied(message: str) -> Reply:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>AccessDenied</Code><Message>{message}</Message></Error>"
    ).encode()
    return Reply(403, body, {"Content-Type": "application/xml"}, operation="<report>")


def is_report_path(path: str) -> bool:
    return path.split("?", 1)[0].startswith("/reports/")


def download(path: str, now: float, worlds: Iterable[Any]) -> Reply:
    """A GET of a report URL: the CSV while the link lasts, else 403 (expired, or never handed out).
    `worlds`: every catalog's world (a token names no catalog); the caller holds no lock."""
    match = _PATH.fullmatch(path.split("?", 1)[0])
    if match is None:
        return _denied("Access Denied")
    token = match.group(1)
    for world in worlds:
        with world.lock:
            link: ReportLink | None = world.report_links.get(token)
            if link is None:
                continue
            if now >= link.expires:
                return _denied("Request has expired")
            job = world.bulk[link.kind].jobs[link.seq]
            body = render_csv(job, link.report_type)
            kind = "failed-records" if link.report_type == BulkReportType.FAILED_RECORDS else "all-records"
            headers = {
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="{job.job_id}-{kind}.csv"',
            }
            return Reply(200, body, headers, operation="<report>")
    return _denied("Access Denied")

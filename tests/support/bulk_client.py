"""A fake client of the bulk jobs' reads (and the task lists, so ids can be looked up across both), for the
commands' and the writes' tests: jobs and their results in memory, paged as the service pages them, each
id checked against the model's id shape (ValidationException, as the service answers a task id given to a
bulk job list), every call recorded and counted as an attempt."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec

from schemas import (
    BULK_KINDS,
    TASK_KINDS,
    BulkJobKind,
    BulkJobRecord,
    BulkJobResult,
    CustomerAccountBulkJobSummary,
    GetProspectingFromEngagementTaskResponse,
    ListCustomerAccountBulkJobResultsResponse,
    ListCustomerAccountBulkJobsResponse,
    ListOpportunityBulkJobResultsResponse,
    ListOpportunityBulkJobsResponse,
    OpportunityBulkJobSummary,
    StartOpportunityBulkJobResponse,
    TaskRecord,
    ValidationException,
)
from tui.aws.failures import ServiceFailure

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)
OPP = BulkJobKind.OPPORTUNITY
ACCT = BulkJobKind.CUSTOMER_ACCOUNT
#: The model's id shapes (botocore's partnercentral-selling 2022-07-26).
TASK_ID = re.compile(r"(arn:.*|task-[0-9a-z]{13})")
PROSPECTING_ID = re.compile(r"task-[0-9a-z]{14}")
JOB_ID = {OPP: re.compile(r"bulkjob-[0-9a-z]{13}"), ACCT: re.compile(r"(arn:.*|bulkjob-[0-9a-z]{13})")}


def job_id(n: int) -> str:
    return f"bulkjob-{n:013d}"


def job(
    n: int,
    *,
    kind: str = OPP,
    status: str = "COMPLETED",
    total: int | None = 100,
    processed: int | None = None,
    failed: int = 0,
    created: datetime | None = None,
    **extra: Any,
) -> BulkJobRecord:
    created = created or T0 - timedelta(minutes=n)
    processed = total if processed is None else processed
    return BulkJobRecord(
        kind=kind,
        job_id=job_id(n),
        status=status,
        total_records=total,
        processed_records=processed,
        success_count=(processed or 0) - failed,
        failure_count=failed,
        created_at=created,
        started_at=created,
        completed_at=created + timedelta(minutes=10) if status in ("COMPLETED", "FAILED") else None,
        file_name=f"import-{n}.csv",
        **extra,
    )


def result(n: int, *, failed: bool = False, message: str = "Account name is required") -> BulkJobResult:
    return BulkJobResult(
        request_id=f"row-{n}",
        status="FAILED" if failed else "SUCCEEDED",
        resource_identifier=None if failed else f"O{n:07d}",
        error_code="VALIDATION_ERROR" if failed else None,
        error_message=message if failed else None,
    )


@dataclass
class Call:
    op: str
    kind: str
    status: str | tuple[str, ...] | None = None
    ids: tuple[str, ...] = ()
    max_results: int | None = None
    next_token: str | None = None


def _invalid(value: str, member: str) -> ServiceFailure:
    message = f"Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern"
    return ServiceFailure(
        f"ValidationException: {message}",
        service_error=ValidationException(message=message, reason="REQUEST_VALIDATION_FAILED"),
        retryable=False,
    )


class FakeBulkClient:
    """Jobs (`jobs`: job id -> record, of either kind), their results (`results`: job id -> list), tasks
    (`tasks`: task id -> TaskRecord). `script[job_id]`: the records `get_bulk_job` returns in turn (the
    last one stays), for a job that moves while it is followed. `fail_next`: raised by the next calls."""

    catalog = "Sandbox"

    def __init__(self) -> None:
        self.jobs: dict[str, BulkJobRecord] = {}
        self.results: dict[str, list[BulkJobResult]] = {}
        self.tasks: dict[str, TaskRecord] = {}
        self.script: dict[str, list[BulkJobRecord]] = {}
        self.prospecting: dict[str, GetProspectingFromEngagementTaskResponse] = {}
        self.calls: list[Call] = []
        self.fail_next: list[BaseException] = []
        self.attempts = 0
        self.started: list[tuple[str, str]] = []
        self.on_call: Callable[[Call], None] | None = None

    def add(self, *records: BulkJobRecord) -> None:
        for r in records:
            self.jobs[r.job_id] = r

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self.attempts += 1
        if self.on_call is not None:
            self.on_call(call)
        if self.fail_next:
            raise self.fail_next.pop(0)

    def ops(self) -> list[tuple[str, str]]:
        return [(c.op, c.kind) for c in self.calls]

    # --- tasks ---------------------------------------------------------------------------------------

    async def list_tasks(
        self,
        kind: str,
        *,
        status: Any = None,
        task_ids: Any = None,
        max_results: int = 100,
        next_token: str | None = None,
        descending: bool = True,
    ) -> Any:
        self._record(
            Call("list_tasks", kind, tuple(status or ()), tuple(task_ids or ()), max_results, next_token)
        )
        pattern = PROSPECTING_ID if TASK_KINDS[kind].short == "prospecting" else TASK_ID
        for task_id in task_ids or ():
            if not pattern.fullmatch(task_id):
                raise _invalid(task_id, "taskIdentifier")
        rows = [t for t in self.tasks.values() if t.kind == kind]
        if task_ids:
            rows = [t for t in rows if t.task_id in task_ids]
        if status:
            rows = [t for t in rows if t.task_status in status]
        entry = TASK_KINDS[kind]
        fields = set(entry.summary.__struct_fields__)
        items = [
            entry.summary(
                **{f: getattr(t, f) for f in t.__struct_fields__ if f in fields and getattr(t, f) is not None}
            )
            for t in rows
        ]
        return entry.list_response(task_summaries=items)

    async def get_prospecting_task(self, task_id: str) -> GetProspectingFromEngagementTaskResponse:
        self._record(Call("get_prospecting_task", "ProspectingFromEngagement", ids=(task_id,)))
        return self.prospecting[task_id]

    # --- bulk jobs -----------------------------------------------------------------------------------

    async def list_bulk_jobs(
        self,
        kind: str,
        *,
        status: str | None = None,
        job_id: str | None = None,
        max_results: int = 100,
        next_token: str | None = None,
    ) -> Any:
        self._record(
            Call("list_bulk_jobs", kind, status, (job_id,) if job_id else (), max_results, next_token)
        )
        assert 1 <= max_results <= 100, "the model's MaxResults of the bulk job lists"
        if job_id is not None and not JOB_ID[kind].fullmatch(job_id):
            raise _invalid(job_id, "jobId")
        rows = [j for j in self.jobs.values() if j.kind == kind]
        if status:
            rows = [j for j in rows if j.status == status]
        if job_id:
            rows = [j for j in rows if j.job_id == job_id]
        rows.sort(key=lambda j: j.created_at or T0, reverse=True)
        offset = int(next_token or 0)
        page, more = rows[offset : offset + max_results], offset + max_results < len(rows)
        token = str(offset + max_results) if more else None
        if kind == OPP:
            summaries = [msgspec.convert(_wire(j), OpportunityBulkJobSummary) for j in page]
            return ListOpportunityBulkJobsResponse(opportunity_bulk_job_summaries=summaries, next_token=token)
        items = [msgspec.convert({**_wire(j), "Id": j.job_id}, CustomerAccountBulkJobSummary) for j in page]
        return ListCustomerAccountBulkJobsResponse(items=items, next_token=token)

    async def get_bulk_job(self, kind: str, job_id: str) -> BulkJobRecord | None:
        self._record(Call("get_bulk_job", kind, ids=(job_id,)))
        if not JOB_ID[kind].fullmatch(job_id):
            raise _invalid(job_id, "identifier")
        script = self.script.get(job_id)
        if script:
            self.jobs[job_id] = script.pop(0) if len(script) > 1 else script[0]
        found = self.jobs.get(job_id)
        return found if found is not None and found.kind == kind else None

    async def list_bulk_job_results(
        self,
        kind: str,
        job_id: str,
        *,
        status: str | None = None,
        max_results: int = 100,
        next_token: str | None = None,
    ) -> Any:
        self._record(Call("list_bulk_job_results", kind, status, (job_id,), max_results, next_token))
        rows = [r for r in self.results.get(job_id, []) if status is None or r.status == status]
        size = min(max_results, 1000 if kind == OPP else 100)
        offset = int(next_token or 0)
        page, more = rows[offset : offset + size], offset + size < len(rows)
        token = str(offset + size) if more else None
        response = (
            ListOpportunityBulkJobResultsResponse
            if kind == OPP
            else ListCustomerAccountBulkJobResultsResponse
        )
        return response(results=page, next_token=token)

    # --- the write -----------------------------------------------------------------------------------

    def opportunity_bulk_job_params(
        self, file_uri: str, client_token: str, *, file_format: str = "CSV"
    ) -> dict[str, Any]:
        return {
            "Catalog": self.catalog,
            "ClientToken": client_token,
            "FileURI": file_uri,
            "FileFormat": file_format,
        }

    async def start_opportunity_bulk_job(
        self, file_uri: str, *, file_format: str = "CSV", client_token: str
    ) -> StartOpportunityBulkJobResponse:
        self._record(Call("start_opportunity_bulk_job", OPP, ids=(file_uri,)))
        self.started.append((file_uri, client_token))
        tokens = list(dict.fromkeys(t for _, t in self.started))
        return StartOpportunityBulkJobResponse(job_id=job_id(9_000 + tokens.index(client_token)))

    def close(self) -> None:
        pass


def _wire(record: BulkJobRecord) -> dict[str, Any]:
    data = record.to_dict()
    data.pop("Kind", None)
    return data


assert set(JOB_ID) == set(BULK_KINDS)

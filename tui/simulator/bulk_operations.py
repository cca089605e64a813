"""The bulk jobs' operations, for both families from their kinds-table entries: the list (newest first, a
status filter and an id filter, 20 a page unless MaxResults says), the customer-account family's Get, the
start (ClientToken idempotency as the task starts; a ServiceQuotaExceededException beyond
`max_bulk_in_progress` jobs running in a family), the per-record results (in file order, a Status filter,
paged) and the report URL (`reports`).

The families differ where the model does: the opportunity family names a job `JobId` and filters its list
by `JobId`/`Status`; the customer-account family names it `Identifier` (its id or ARN) and filters by
`Filter.Identifier`/`Filter.Status`, and answers its list in `items`. Each response keeps only the fields
of its own struct (`fields_of`). An unknown job is a ResourceNotFoundException where the model lists one:
everywhere but the customer-account list, whose filter just matches nothing.
"""

from __future__ import annotations

from typing import Any

import msgspec

from schemas import (
    BulkJobKind,
    BulkJobResult,
    BulkJobStatus,
    BulkRecordStatus,
    BulkReportType,
    ConflictException,
    Kind,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    WireStruct,
)

from .bulk_records import SimBulkJob
from .bulk_scenario import plan_job
from .handling import Context, Handler, cursor, last_part, list_body, remember_token, replayed_seq
from .protocol import ServiceFault, encode_token, fingerprint, validation_error
from .reports import request_report

#: Page sizes when MaxResults is omitted (the opportunity family documents 20 for both its lists).
DEFAULT_JOB_PAGE = 20
DEFAULT_RESULT_PAGE = 20

_LABEL = {
    BulkJobKind.OPPORTUNITY: "Opportunity bulk job",
    BulkJobKind.CUSTOMER_ACCOUNT: "Customer account bulk job",
}


def fields_of(shape: type[WireStruct] | None, fields: dict[str, Any]) -> WireStruct:
    """`shape` built from the fields it has among `fields`."""
    if shape is None:
        raise ValueError("an operation without a response struct")
    names = shape.__struct_fields__
    return shape(**{k: v for k, v in fields.items() if k in names and v is not None})


def _member(req: dict[str, Any], path: str) -> Any:
    """A request member by its dotted path (`Filter.Status`), None when absent."""
    value: Any = req
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _filter_prefix(kind: Kind) -> str:
    """Where the list keeps its filters: `Filter.` (customer accounts) or at the top (opportunities)."""
    status = kind.status_filter or "Status"
    return status[: status.rfind(".") + 1]


def _find(ctx: Context, kind: Kind, identifier: str) -> SimBulkJob:
    job = ctx.world.bulk[kind.wire].by_id.get(last_part(identifier))
    if job is None:
        raise ServiceFault(
            ResourceNotFoundException(
                message=f"{_LABEL.get(kind.wire, 'Bulk job')} {last_part(identifier)} was not found in "
                f"catalog {ctx.world.catalog}."
            )
        )
    return job


def list_jobs(kind: Kind) -> Handler:
    status_member = kind.status_filter or "Status"
    id_member = _filter_prefix(kind) + (kind.id_param or "JobId")
    missing_is_error = "." not in id_member  # the opportunity list's JobId names a job that must exist

    def handler(ctx: Context, req: dict[str, Any]) -> bytes:
        table = ctx.world.bulk[kind.wire]
        limit = req.get("MaxResults", DEFAULT_JOB_PAGE)
        status = _member(req, status_member)
        identifier = _member(req, id_member)
        binding = fingerprint(kind.wire, ctx.world.catalog, status, identifier)
        after = cursor(ctx, req, binding)
        if identifier is not None:
            job = table.by_id.get(last_part(identifier))
            if job is None and missing_is_error:
                _find(ctx, kind, identifier)
            candidates = [job] if job is not None else []
        else:
            candidates = table.jobs
        picked: list[SimBulkJob] = []
        more = False
        top = len(table.jobs) if after is None else after
        for job in reversed(candidates):  # newest first
            if job.seq >= top or (status is not None and job.status_at(ctx.now) != status):
                continue
            if len(picked) == limit:
                more = True
                break
            picked.append(job)
        token = encode_token(picked[-1].seq, binding, ctx.epoch) if more else None
        parts = [msgspec.json.encode(fields_of(kind.summary, job.summary(ctx.now))) for job in picked]
        return list_body(kind.summaries_field, parts, token)

    return handler


def get_job(kind: Kind) -> Handler:
    def handler(ctx: Context, req: dict[str, Any]) -> bytes:
        job = _find(ctx, kind, req[kind.id_param or "Identifier"])
        return msgspec.json.encode(fields_of(kind.get_response, job.summary(ctx.now)))

    return handler


def start_job(kind: Kind) -> Handler:
    def handler(ctx: Context, req: dict[str, Any]) -> bytes:
        world = ctx.world
        table = world.bulk[kind.wire]
        seq = replayed_seq(world, req, kind.wire)
        if seq is not None:
            return msgspec.json.encode(fields_of(kind.start_response, table.jobs[seq].summary(ctx.now)))
        running = table.running(ctx.now)
        if running >= ctx.max_bulk_in_progress:
            raise ServiceFault(
                ServiceQuotaExceededException(
                    message=f"{running} {kind.short} jobs are running in catalog {world.catalog}, the most "
                    "allowed. Wait for one to finish before starting another."
                )
            )
        uri = req.get("FileURI") or req.get("FileUri") or ""
        job = table.new_job(world.catalog, world.family_ids.bulk_job(), ctx.now)
        plan_job(job, world.family_rng, ctx.speed, file_uri=uri)
        remember_token(world, req, kind.wire, job.seq)
        return msgspec.json.encode(fields_of(kind.start_response, job.summary(ctx.now)))

    return handler


def list_results(kind: Kind) -> Handler:
    def handler(ctx: Context, req: dict[str, Any]) -> bytes:
        job = _find(ctx, kind, req[kind.id_param or "JobId"])
        limit = req.get("MaxResults", DEFAULT_RESULT_PAGE)
        status = req.get("Status")
        binding = fingerprint(kind.wire, ctx.world.catalog, job.job_id, status)
        after = cursor(ctx, req, binding)
        processed = job.processed_at(ctx.now)
        position = 0 if after is None else after + 1
        picked: list[int] = []
        if status == BulkRecordStatus.FAILED:
            failed = job.failed
            i = job.failures_before(position)
            while i < len(failed) and failed[i] < processed and len(picked) <= limit:
                picked.append(failed[i])
                i += 1
        else:
            errors = job.errors
            while position < processed and len(picked) <= limit:
                if status is None or position not in errors:
                    picked.append(position)
                position += 1
        more = len(picked) > limit
        picked = picked[:limit]
        token = encode_token(picked[-1], binding, ctx.epoch) if more else None
        parts = [msgspec.json.encode(BulkJobResult(**job.result(p))) for p in picked]
        return list_body("Results", parts, token)

    return handler


def report_url(kind: Kind) -> Handler:
    def handler(ctx: Context, req: dict[str, Any]) -> bytes:
        job = _find(ctx, kind, req[kind.id_param or "JobId"])
        report_type = req.get("ReportType", BulkReportType.FAILED_RECORDS)
        if report_type == BulkReportType.ALL_RECORDS and kind.wire == BulkJobKind.OPPORTUNITY:
            raise validation_error(
                "ReportType", "ALL_RECORDS isn't supported yet; ask for FAILED_RECORDS.", business=True
            )
        status = job.status_at(ctx.now)
        if status not in BulkJobStatus.TERMINAL:
            raise ServiceFault(
                ConflictException(
                    message=f"Bulk job {job.job_id} is {status}; its report is available once it is COMPLETED "
                    "or FAILED."
                )
            )
        fields = request_report(job, report_type, ctx.now, ctx.speed, ctx.base_url, ctx.world.report_links)
        return msgspec.json.encode(fields_of(kind.report_response, fields))

    return handler


def operations(kind: Kind) -> dict[str, Handler]:
    """A bulk kind's operations, by the names its kinds-table entry gives."""
    if not (kind.start_operation and kind.results_operation and kind.report_operation):
        raise ValueError(f"{kind.short} lacks a Start, results or report operation")
    out = {
        kind.list_operation: list_jobs(kind),
        kind.start_operation: start_job(kind),
        kind.results_operation: list_results(kind),
        kind.report_operation: report_url(kind),
    }
    if kind.get_operation:
        out[kind.get_operation] = get_job(kind)
    return out

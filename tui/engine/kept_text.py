"""How much of a task's Message, a job's LastFailure, a bulk job's FailureReason, a record's ErrorMessage
or an engagement's Message the store keeps.

The service's messages are a sentence or two; a megabyte of text in one (a fault, or a hostile or broken
response) would otherwise be held in every viewer's memory and written to the journal again with each
change of its task. The store keeps the first `MAX_KEPT_CHARS` characters and says, in the text itself,
how long the original was, so nothing is cut silently and every pane, export and `list --json` shows the
same thing. The details pane shows far less than this anyway.
"""

from __future__ import annotations

import msgspec

from schemas import (
    BulkJobRecord,
    BulkJobResult,
    GetProspectingFromEngagementTaskResponse,
    GetResourceSnapshotJobResponse,
    TaskRecord,
)

#: 4 Ki characters: tens of times a real Message; the store keeps up to 100,000 finished tasks
#: (`store_retention`), so this bounds what hostile messages can cost (a soak with 1 MB messages grew
#: ~15 MB per 30 minutes at 64 Ki while each viewer kept 1,000 finished tasks).
MAX_KEPT_CHARS = 4_096


def cut_note(length: int) -> str:
    # ASCII only: one character outside Latin-1 would make Python store the whole kept text at 2 bytes a
    # character (a cut message measured 128 KiB with "…" here, 64 KiB without).
    return f" ... [pcwatch kept the first {MAX_KEPT_CHARS:,} of {length:,} characters]"


def _kept(text: str) -> str:
    return text[:MAX_KEPT_CHARS] + cut_note(len(text))


def kept_task(record: TaskRecord) -> TaskRecord:
    """`record`, with its Message cut to `MAX_KEPT_CHARS` (the same object when it is shorter)."""
    if record.message is not None and len(record.message) > MAX_KEPT_CHARS:
        return msgspec.structs.replace(record, message=_kept(record.message))
    return record


def kept_job(job: GetResourceSnapshotJobResponse) -> GetResourceSnapshotJobResponse:
    """`job`, with its LastFailure cut to `MAX_KEPT_CHARS` (the same object when it is shorter)."""
    if job.last_failure is not None and len(job.last_failure) > MAX_KEPT_CHARS:
        return msgspec.structs.replace(job, last_failure=_kept(job.last_failure))
    return job


def _too_long(text: str | None) -> bool:
    return text is not None and len(text) > MAX_KEPT_CHARS


def kept_bulk_job(job: BulkJobRecord) -> BulkJobRecord:
    """`job`, with its FailureReason cut to `MAX_KEPT_CHARS` (the same object when it is shorter)."""
    if _too_long(job.failure_reason):
        return msgspec.structs.replace(job, failure_reason=_kept(job.failure_reason or ""))
    return job


def kept_results(results: list[BulkJobResult]) -> list[BulkJobResult]:
    """`results`, each ErrorMessage cut to `MAX_KEPT_CHARS` (the same list when none is longer)."""
    if not any(_too_long(r.error_message) for r in results):
        return results
    return [
        msgspec.structs.replace(r, error_message=_kept(r.error_message or ""))
        if _too_long(r.error_message)
        else r
        for r in results
    ]


def kept_prospecting(
    task: GetProspectingFromEngagementTaskResponse,
) -> GetProspectingFromEngagementTaskResponse:
    """`task`, each engagement's Message cut to `MAX_KEPT_CHARS` (the same object when none is longer)."""
    if not any(_too_long(e.message) for e in task.engagements):
        return task
    engagements = [
        msgspec.structs.replace(e, message=_kept(e.message or "")) if _too_long(e.message) else e
        for e in task.engagements
    ]
    return msgspec.structs.replace(task, engagements=engagements)

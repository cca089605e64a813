"""The events pcwatch publishes about task and job outcomes (issue 28): the one envelope every target
gets (EventBridge's entry, SNS's message, a command's stdin), declared once because it crosses a process.

`NotifyEvent` has EventBridge's own event shape (`id`, `source`, `detail-type`, `time`, `detail`), so a
command or an SNS subscriber reads the same JSON a rule's target would. Its `detail` (`OutcomeDetail`)
has the service's wire names (PascalCase): a rule pattern matches `{"detail": {"Catalog": ["AWS"],
"Status": ["FAILED"]}}` (docs/notify.md).
"""

from __future__ import annotations

from typing import Any

import msgspec

from ._base import Timestamp

#: Every event's `source`: an EventBridge rule matches on it.
NOTIFY_SOURCE = "pcwatch.partnercentral"


class DetailType:
    """The `detail-type` of each event pcwatch publishes."""

    TASK_COMPLETED = "Task Completed"
    TASK_FAILED = "Task Failed"
    BULK_JOB_COMPLETED = "Bulk Job Completed"
    BULK_JOB_FAILED = "Bulk Job Failed"
    BULK_JOB_PROGRESS = "Bulk Job Progress"
    INVITATION_EXPIRING = "Invitation Expiring"

    #: The failures: what `--notify-on FAILED` (the default) publishes.
    FAILURES = frozenset({TASK_FAILED, BULK_JOB_FAILED})
    ALL = (
        TASK_COMPLETED,
        TASK_FAILED,
        BULK_JOB_COMPLETED,
        BULK_JOB_FAILED,
        BULK_JOB_PROGRESS,
        INVITATION_EXPIRING,
    )


class OutcomeDetail(msgspec.Struct, kw_only=True, omit_defaults=True, rename="pascal", frozen=True):
    """What happened, as pcwatch decoded it: the record (a task, a bulk job or an invitation, with the
    service's wire names) and what pcwatch adds to it."""

    #: The event's stable id (the same at every repeat: consumers drop what they have seen).
    id: str
    #: The short name of the kind (`inv-to-eng`, `opp-bulk`…; `invitation` for an invitation).
    kind: str
    #: The id of the task, bulk job or invitation.
    subject_id: str
    #: Its status as the service said it (FAILED, COMPLETE, COMPLETED, IN_PROGRESS, PENDING…).
    status: str | None = None
    catalog: str
    #: The account's profile name (None: the default credential chain).
    profile: str | None = None
    reason_code: str | None = None
    #: What the reason code means and what to do (`tui.core.reason_help.explain`), for a failed task.
    reason_meaning: str | None = None
    what_to_do: str | None = None
    #: When pcwatch saw it happen.
    observed_at: Timestamp
    #: The record with the service's wire names.
    record: dict[str, Any] = {}


class NotifyEvent(msgspec.Struct, kw_only=True, rename={"detail_type": "detail-type"}, frozen=True):
    """One event, as EventBridge would deliver it to a rule's target."""

    id: str
    detail_type: str
    time: Timestamp
    detail: OutcomeDetail
    source: str = NOTIFY_SOURCE


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(NotifyEvent)


def encode_event(event: NotifyEvent) -> bytes:
    return _encoder.encode(event)


def decode_event(body: bytes | str) -> NotifyEvent:
    """Raises msgspec.DecodeError / ValidationError for anything else."""
    return _decoder.decode(body)

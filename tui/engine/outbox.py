"""What goes in the outbox (issue 28): the outcomes pcwatch publishes, decided where the store records
them, and written to the journal's `outbox` table in the same transaction as the transitions they come
from (`PendingWrites.outbox`, `Journal.write`), so a kill at any moment loses none and makes none twice.

`OutboxRules` is set on the leader's store while it publishes (`tui.engine.sharing`): a follower, or a
viewer that does not publish, writes no outbox rows. What it makes an entry of:

- a task's end (Task Completed / Task Failed), seen live; a task first seen finished only if it started
  after publishing began for this journal (`since`): the history a first start loads is no news;
- a bulk job's end (Bulk Job Completed / Failed), and its progress (Bulk Job Progress) at most once a
  minute a job;
- a pending invitation with less than 24 h left (Invitation Expiring), once;

each only if `--notify-on` (FAILED: the failures; all) and `--notify-kind` let it through. An entry's
`id` is derived from what it is about and what happened to it, so whoever writes it again (a repeat
after a kill, a new leader) writes the same id: the table keeps one row per id, and consumers drop
repeats by it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import msgspec

from schemas import BulkJobRecord, BulkJobStatus, EngagementInvitationSummary, TaskRecord, TaskStatus
from schemas.kinds import short_name
from schemas.notify import DetailType, NotifyEvent, OutcomeDetail, encode_event
from tui.core.reason_help import explain

from .types import Transition

#: `--notify-on`'s values: the failures only, or every outcome.
NOTIFY_ON = ("FAILED", "all")
#: At most one Bulk Job Progress a job in this many seconds.
PROGRESS_EVERY = 60.0
#: An invitation this close to its expiry is said to be expiring.
EXPIRING_WITHIN = timedelta(hours=24)
#: The namespace of the entries' ids (uuid5 of what and what happened: the same every time).
_NAMESPACE = uuid.UUID("5d3c1c8e-9a61-4c59-a2b7-7f0f3c1b2e28")


class OutboxEntry(msgspec.Struct, frozen=True):
    """One event waiting to be published: its row in the journal's `outbox` table."""

    id: str
    detail_type: str
    subject_id: str
    #: When the outcome was observed (epoch seconds): its age is counted from it (`--notify-max-age`).
    created_at: float
    #: The encoded `NotifyEvent`, exactly what every target gets.
    body: bytes


def outcome_id(subject_id: str, what: str) -> str:
    """The stable id of an outcome: `what` happened to `subject_id`."""
    return str(uuid.uuid5(_NAMESPACE, f"{subject_id}\n{what}"))


def _epoch(when: datetime | None) -> float | None:
    return when.timestamp() if when is not None else None


@dataclass
class OutboxRules:
    """The leader's rules of what becomes an outbox entry (see the module's docstring)."""

    catalog: str
    profile: str | None
    #: Epoch seconds publishing began for this journal (the journal's meta `notify:since`).
    since: float
    notify_on: str = "FAILED"
    #: The wire kinds published (None: every kind).
    kinds: frozenset[str] | None = None
    #: `--notify-max-age`: a task or job first seen finished is news only if it started within it.
    max_age: float = 24 * 3600.0
    #: Job id -> when its last progress entry was made (epoch seconds).
    _progress_at: dict[str, float] = field(default_factory=dict)
    #: Invitations already said to be expiring (the table keeps one row per id anyway).
    _expiring: set[str] = field(default_factory=set)

    def _news(self, started: datetime | None, observed_at: datetime) -> bool:
        """Whether something first seen finished is news: started after publishing began, and within
        `max_age` (else it is the history a start loads, or too old to send)."""
        at = _epoch(started)
        return at is not None and at >= max(self.since, observed_at.timestamp() - self.max_age)

    def _wanted(self, detail_type: str, wire_kind: str | None) -> bool:
        if self.notify_on != "all" and detail_type not in DetailType.FAILURES:
            return False
        return self.kinds is None or wire_kind is None or wire_kind in self.kinds

    def _entry(
        self,
        detail_type: str,
        subject_id: str,
        what: str,
        kind: str,
        status: str | None,
        observed_at: datetime,
        record: dict[str, Any],
        reason_code: str | None = None,
    ) -> OutboxEntry:
        event_id = outcome_id(subject_id, what)
        help_ = explain(reason_code) if status in ("FAILED",) else None
        event = NotifyEvent(
            id=event_id,
            detail_type=detail_type,
            time=observed_at,
            detail=OutcomeDetail(
                id=event_id,
                kind=kind,
                subject_id=subject_id,
                status=status,
                catalog=self.catalog,
                profile=self.profile,
                reason_code=reason_code,
                reason_meaning=help_.meaning if help_ is not None else None,
                what_to_do=help_.action if help_ is not None else None,
                observed_at=observed_at,
                record=record,
            ),
        )
        return OutboxEntry(event_id, detail_type, subject_id, observed_at.timestamp(), encode_event(event))

    def task(self, transition: Transition, record: TaskRecord) -> OutboxEntry | None:
        """A task's end, seen live (or first seen finished, started after `since`)."""
        status = transition.to_status
        if status not in TaskStatus.TERMINAL:
            return None
        if transition.from_status is None and not self._news(record.start_time, transition.observed_at):
            return None
        detail_type = DetailType.TASK_FAILED if status == TaskStatus.FAILED else DetailType.TASK_COMPLETED
        if not self._wanted(detail_type, record.kind):
            return None
        return self._entry(
            detail_type,
            transition.task_id,
            status,
            short_name(record.kind) or record.kind,
            status,
            transition.observed_at,
            record.to_dict(),
            record.reason_code,
        )

    def bulk_job(
        self, old: BulkJobRecord | None, new: BulkJobRecord, observed_at: datetime
    ) -> OutboxEntry | None:
        """A bulk job's end, or its progress (at most once a minute a job)."""
        kind = short_name(new.kind) or new.kind
        if new.status in BulkJobStatus.TERMINAL:
            if old is not None and old.status == new.status:
                return None
            if old is None and not self._news(new.created_at, observed_at):
                return None
            self._progress_at.pop(new.job_id, None)
            failed = new.status == BulkJobStatus.FAILED
            detail_type = DetailType.BULK_JOB_FAILED if failed else DetailType.BULK_JOB_COMPLETED
            if not self._wanted(detail_type, new.kind):
                return None
            return self._entry(
                detail_type, new.job_id, str(new.status), kind, new.status, observed_at, new.to_dict()
            )
        if old is None or new.processed_records == old.processed_records:
            return None
        at = observed_at.timestamp()
        if at - self._progress_at.get(new.job_id, float("-inf")) < PROGRESS_EVERY:
            return None
        if not self._wanted(DetailType.BULK_JOB_PROGRESS, new.kind):
            return None
        self._progress_at[new.job_id] = at
        return self._entry(
            DetailType.BULK_JOB_PROGRESS,
            new.job_id,
            f"progress:{new.processed_records}",
            kind,
            new.status,
            observed_at,
            new.to_dict(),
        )

    def invitation(self, invitation: EngagementInvitationSummary, now: datetime) -> OutboxEntry | None:
        """A pending invitation with less than 24 h left, once."""
        expires = invitation.expiration_date
        if (
            invitation.status != "PENDING"
            or expires is None
            or invitation.id in self._expiring
            or not now < expires <= now + EXPIRING_WITHIN
            or not self._wanted(DetailType.INVITATION_EXPIRING, None)
        ):
            return None
        self._expiring.add(invitation.id)
        return self._entry(
            DetailType.INVITATION_EXPIRING,
            invitation.id,
            "expiring",
            "invitation",
            invitation.status,
            now,
            invitation.to_dict(),
        )

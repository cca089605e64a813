"""What a Partner Central event can tell the poller (a `Wakeup`): which task kinds to list now, whether
the pending invitations changed, which snapshot jobs to fetch. Pure functions, no I/O.

There is no "task completed" event; the events a task's end causes are its traces: an accepted
invitation task creates an opportunity and accepts the invitation, an engagement from an opportunity
updates the opportunity and adds a member, every completed task may start a resource snapshot job. So an
event wakes up the kinds whose end it may be, and the poller finds out which task ended by listing them
(the running ones, those that left the running list, and the newest). A FAILED task publishes nothing:
polling stays the safety net for it.

A bulk job publishes nothing of its own either, but an opportunity bulk job creates (or updates) its
records' opportunities, each with its Opportunity Created (Updated) event: those wake the opportunity bulk
jobs' listing (the poller lists it only while it knows no such job running: a running one's records
publish thousands of them, and its listing is on the running cadence already). A customer-account bulk
job publishes no event pcwatch receives.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from schemas import BULK_KINDS, TASK_KINDS, BulkJobKind
from schemas import events as ev
from schemas.events import EventReference, PartnerCentralEvent

ALL_KINDS = frozenset(TASK_KINDS)
ALL_BULK_KINDS = frozenset(BULK_KINDS)

#: detail type -> the task kinds whose end it may be: each kind's `ending_events` in the kinds table.
#: The others wake no kind: a snapshot's job is fetched itself (a task's end also publishes its other
#: events), AWS's review of an opportunity ends no task of pcwatch's, and an invitation's own life is the
#: invitations list's. A detail type this version does not know is not here: it wakes every kind.
_KINDS_BY_DETAIL_TYPE: dict[str, frozenset[str]] = {
    detail_type: frozenset(k.wire for k in TASK_KINDS.values() if detail_type in k.ending_events)
    for detail_type in ev.DETAIL_TYPES
}
#: The pending invitations changed. (An accepted one: its accepting task's kind is woken up; the
#: invitations list catches up at its own pace, as the task already says what happened.)
_INVITATION_TYPES = frozenset({ev.INVITATION_CREATED, ev.INVITATION_REJECTED, ev.INVITATION_EXPIRED})
_JOB_TYPES = frozenset({ev.SNAPSHOT_CREATED, ev.ENGAGEMENT_SNAPSHOT_CREATED})
#: detail type -> the bulk job families whose records may publish it (a new job's first records tell of
#: the job before the family's slow look would).
_BULK_BY_DETAIL_TYPE: dict[str, frozenset[str]] = {
    detail_type: (
        frozenset({BulkJobKind.OPPORTUNITY})
        if detail_type in (ev.OPPORTUNITY_CREATED, ev.OPPORTUNITY_UPDATED)
        else frozenset()
    )
    for detail_type in ev.DETAIL_TYPES
}


@dataclass(frozen=True)
class Wakeup:
    """What to poll now because of one or more events.

    `tasks`: (TaskRecord field, value) pairs that may name the running task that ended (an accepted
    invitation's id is its accepting task's `engagement_invitation_id`; an updated opportunity's id an
    engagement-from-opportunity task's `opportunity_id`). A running task they name is fetched by id, and
    its kind need not be listed for these events.
    """

    kinds: frozenset[str] = frozenset()
    invitations: bool = False
    jobs: frozenset[str] = field(default_factory=frozenset)
    tasks: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    #: Bulk job families to list.
    bulk: frozenset[str] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.kinds or self.invitations or self.jobs or self.tasks or self.bulk)

    def __or__(self, other: Wakeup) -> Wakeup:
        return Wakeup(
            self.kinds | other.kinds,
            self.invitations or other.invitations,
            self.jobs | other.jobs,
            self.tasks | other.tasks,
            self.bulk | other.bulk,
        )


def arn_resource(arn: str, resource_type: str) -> str | None:
    """The id after `/<resource_type>/` in a Partner Central ARN
    (`arn:aws:partnercentral:us-east-1:…:catalog/AWS/resource-snapshot-job/rsj-…`), or None."""
    marker = f"/{resource_type}/"
    at = arn.find(marker)
    if not arn.startswith("arn:") or at < 0:
        return None
    rest = arn[at + len(marker) :]
    return rest.split("/", 1)[0] or None


def arn_catalog(arn: str) -> str | None:
    """The catalog an ARN names (`…:catalog/Sandbox/…`), or None."""
    at = arn.find(":catalog/")
    if not arn.startswith("arn:") or at < 0:
        return None
    return arn[at + len(":catalog/") :].split("/", 1)[0] or None


def event_catalog(event: PartnerCentralEvent) -> str | None:
    if event.detail.catalog:
        return event.detail.catalog
    return next((c for r in event.resources if (c := arn_catalog(r))), None)


#: The most snapshot jobs one event may ask for (a real one names one; a forged one must not cost more).
MAX_JOBS_PER_EVENT = 5


def snapshot_job_ids(event: PartnerCentralEvent) -> frozenset[str]:
    ids = [j for r in event.resources if (j := arn_resource(r, "resource-snapshot-job"))]
    ref = event.detail.resource_snapshot_job
    if ref is not None and ref.key:
        ids.append(ref.key)
    return frozenset(sorted(set(ids))[:MAX_JOBS_PER_EVENT])


def _reference(event: PartnerCentralEvent, resource_type: str, ref: EventReference | None) -> str | None:
    if ref is not None and ref.key:
        return ref.key
    return next((i for r in event.resources if (i := arn_resource(r, resource_type))), None)


def task_references(event: PartnerCentralEvent) -> frozenset[tuple[str, str]]:
    """What in the event may name the running task whose end it is (see `Wakeup.tasks`)."""
    if event.detail_type == ev.INVITATION_ACCEPTED:
        invitation = _reference(event, "engagement-invitation", event.detail.engagement_invitation)
        return frozenset({("engagement_invitation_id", invitation)}) if invitation else frozenset()
    if event.detail_type == ev.OPPORTUNITY_UPDATED:
        opportunity = _reference(event, "opportunity", event.detail.opportunity)
        return frozenset({("opportunity_id", opportunity)}) if opportunity else frozenset()
    return frozenset()


def wakeup_for(event: PartnerCentralEvent, catalog: str) -> Wakeup:
    """What one event asks of a poller watching `catalog`: nothing for another source or catalog; for a
    detail type this version does not know, every kind (something changed that it cannot name)."""
    if event.source != ev.SOURCE or event_catalog(event) not in (catalog, None):
        return Wakeup()
    kinds = _KINDS_BY_DETAIL_TYPE.get(event.detail_type, ALL_KINDS)
    bulk = _BULK_BY_DETAIL_TYPE.get(event.detail_type, ALL_BULK_KINDS)
    invitations = event.detail_type in _INVITATION_TYPES
    jobs = snapshot_job_ids(event) if event.detail_type in _JOB_TYPES else frozenset()
    if event.detail_type in _JOB_TYPES and not jobs:
        kinds = ALL_KINDS  # a snapshot of a job it does not name: look everywhere
    return Wakeup(kinds, invitations, jobs, task_references(event), bulk)


def combined(wakeups: Iterable[Wakeup]) -> Wakeup:
    out = Wakeup()
    for w in wakeups:
        out = out | w
    return out

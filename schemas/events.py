"""Partner Central Selling's events, as EventBridge delivers them (source `aws.partnercentral-selling`,
the default bus in us-east-1), and the SQS message that carries one to a queue.

The envelope is EventBridge's own (`version`, `id`, `detail-type`, `source`, `account`, `time`, `region`,
`resources`, `detail`). The service documents the detail types and that every detail names its
`catalog`; the rest of the detail is read leniently: the identifiers pcwatch acts on are taken from the
detail when present and otherwise from the resource ARNs, and unknown detail types and fields are kept
or ignored, never an error.
"""

from __future__ import annotations

import msgspec

from ._base import Timestamp

SOURCE = "aws.partnercentral-selling"

#: The detail types the service publishes today (the set may grow: unknown ones still decode).
OPPORTUNITY_CREATED = "Opportunity Created"
OPPORTUNITY_UPDATED = "Opportunity Updated"
OPPORTUNITY_ACCEPTED = "Opportunity Accepted"
OPPORTUNITY_REJECTED = "Opportunity Rejected"
INVITATION_CREATED = "Engagement Invitation Created"
INVITATION_ACCEPTED = "Engagement Invitation Accepted"
INVITATION_REJECTED = "Engagement Invitation Rejected"
INVITATION_EXPIRED = "Engagement Invitation Expired"
MEMBER_JOINED = "Engagement Member Joined"
MEMBER_ADDED = "Engagement Member Added"
SNAPSHOT_CREATED = "Resource Snapshot Created"
ENGAGEMENT_SNAPSHOT_CREATED = "Engagement Resource Snapshot Created"

DETAIL_TYPES = (
    OPPORTUNITY_CREATED,
    OPPORTUNITY_UPDATED,
    OPPORTUNITY_ACCEPTED,
    OPPORTUNITY_REJECTED,
    INVITATION_CREATED,
    INVITATION_ACCEPTED,
    INVITATION_REJECTED,
    INVITATION_EXPIRED,
    MEMBER_JOINED,
    MEMBER_ADDED,
    SNAPSHOT_CREATED,
    ENGAGEMENT_SNAPSHOT_CREATED,
)


class EventReference(msgspec.Struct, kw_only=True, rename="camel"):
    """A resource a detail names (`{"identifier": …}` or `{"id": …}`; extra fields ignored)."""

    identifier: str | None = None
    id: str | None = None

    @property
    def key(self) -> str | None:
        return self.identifier or self.id


class EventDetail(msgspec.Struct, kw_only=True, rename="camel"):
    schema_version: str | None = None
    #: `AWS` or `Sandbox`: one rule receives both catalogs' events.
    catalog: str | None = None
    opportunity: EventReference | None = None
    engagement_invitation: EventReference | None = None
    engagement: EventReference | None = None
    resource_snapshot_job: EventReference | None = None


class PartnerCentralEvent(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One EventBridge event. `id` is unique per event: EventBridge and SQS may deliver it twice."""

    id: str
    detail_type: str = msgspec.field(name="detail-type")
    source: str
    time: Timestamp
    version: str | None = None
    account: str | None = None
    region: str | None = None
    resources: list[str] = msgspec.field(default_factory=list)
    detail: EventDetail = msgspec.field(default_factory=EventDetail)


class QueueMessage(msgspec.Struct, kw_only=True, frozen=True):
    """One SQS message as received: what to delete it by, and its body (the event, if well formed)."""

    message_id: str
    receipt_handle: str
    body: str
    #: How many times SQS has delivered it (ApproximateReceiveCount).
    receive_count: int = 1


_event_decoder = msgspec.json.Decoder(PartnerCentralEvent)


def decode_event(body: str | bytes) -> PartnerCentralEvent:
    """The event in a message body; raises `msgspec.DecodeError` (a `ValidationError` names the field)."""
    return _event_decoder.decode(body)

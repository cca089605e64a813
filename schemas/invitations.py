"""Engagement invitations: what a partner accepts (starting a task) or rejects."""

from __future__ import annotations

from typing import Any

import msgspec

from ._base import Timestamp, WireStruct


class AccountReceiver(WireStruct):
    alias: str | None = None
    # Required by the model; kept optional here so a partial response still decodes.
    aws_account_id: str | None = None


class Receiver(WireStruct):
    account: AccountReceiver | None = None


class EngagementMemberSummary(WireStruct):
    company_name: str | None = None
    website_url: str | None = None


class EngagementInvitationSummary(WireStruct, kw_only=True):
    arn: str | None = None
    payload_type: str | None = None
    id: str
    engagement_id: str | None = None
    engagement_title: str | None = None
    status: str | None = None
    invitation_date: Timestamp | None = None
    expiration_date: Timestamp | None = None
    sender_aws_account_id: str | None = None
    sender_company_name: str | None = None
    receiver: Receiver | None = None
    catalog: str
    participant_type: str | None = None


class ListEngagementInvitationsResponse(WireStruct):
    engagement_invitation_summaries: list[EngagementInvitationSummary] = msgspec.field(default_factory=list)
    next_token: str | None = None


class GetEngagementInvitationResponse(WireStruct, kw_only=True):
    arn: str | None = None
    payload_type: str | None = None
    id: str
    engagement_id: str | None = None
    engagement_title: str | None = None
    status: str | None = None
    invitation_date: Timestamp | None = None
    expiration_date: Timestamp | None = None
    sender_aws_account_id: str | None = None
    sender_company_name: str | None = None
    receiver: Receiver | None = None
    catalog: str
    rejection_reason: str | None = None
    # The payload (opportunity or lead details) is a deep tree that pcwatch shows, never interprets.
    payload: dict[str, Any] | None = None
    invitation_message: str | None = None
    engagement_description: str | None = None
    existing_members: list[EngagementMemberSummary] | None = None
    # Newer services add AWS-side enrichment (insights); shown as a tree like the payload.
    enrichment_context: dict[str, Any] | None = None

"""The service's write operations, named once: what counts against the account's write quota (1
request/s, 10,000 a day) rather than the read quota, and what each one acts on (its `Identifier`)."""

from __future__ import annotations

ACCEPT_INVITATION = "StartEngagementByAcceptingInvitationTask"
ENGAGEMENT_FROM_OPPORTUNITY = "StartEngagementFromOpportunityTask"
OPPORTUNITY_FROM_ENGAGEMENT = "StartOpportunityFromEngagementTask"
REJECT_INVITATION = "RejectEngagementInvitation"
PROSPECTING_FROM_ENGAGEMENT = "StartProspectingFromEngagementTask"
OPPORTUNITY_BULK_JOB = "StartOpportunityBulkJob"
CUSTOMER_ACCOUNT_BULK_JOB = "StartCustomerAccountBulkJob"

#: Write operation -> the kind of resource its `Identifier` names.
WRITE_TARGETS: dict[str, str] = {
    ACCEPT_INVITATION: "invitation",
    ENGAGEMENT_FROM_OPPORTUNITY: "opportunity",
    OPPORTUNITY_FROM_ENGAGEMENT: "engagement",
    REJECT_INVITATION: "invitation",
    PROSPECTING_FROM_ENGAGEMENT: "engagements",
    OPPORTUNITY_BULK_JOB: "file",
    CUSTOMER_ACCOUNT_BULK_JOB: "file",
}
#: Every operation that writes; every other operation is a read.
WRITE_OPERATIONS: tuple[str, ...] = tuple(WRITE_TARGETS)

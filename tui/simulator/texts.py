"""The words the simulated service uses: failure messages with recovery steps, names for invitations.

Written for pcwatch; they describe what a partner would do next, in the spirit of the service's messages.
"""

from __future__ import annotations

from schemas import ReasonCode, TaskKind

#: For each ReasonCode: what went wrong, and what to do about it.
FAILURE_MESSAGES: dict[str, str] = {
    ReasonCode.INVITATION_ACCESS_DENIED: (
        "The caller is not allowed to accept this engagement invitation. Ask your Partner Central "
        "administrator to grant the partnercentral:StartEngagementByAcceptingInvitationTask permission, "
        "then start the task again."
    ),
    ReasonCode.INVITATION_VALIDATION_FAILED: (
        "The engagement invitation could not be validated: it may have expired or been withdrawn by the "
        "sender. Check its status with GetEngagementInvitation; if it is still PENDING, start the task again."
    ),
    ReasonCode.ENGAGEMENT_ACCESS_DENIED: (
        "The caller cannot read or modify the engagement. Confirm that your account is a member of the "
        "engagement and that your role allows engagement actions, then retry."
    ),
    ReasonCode.OPPORTUNITY_ACCESS_DENIED: (
        "The caller cannot access the opportunity. Check that the opportunity belongs to this catalog and "
        "that your role has the partnercentral:GetOpportunity permission, then retry."
    ),
    ReasonCode.RESOURCE_SNAPSHOT_JOB_ACCESS_DENIED: (
        "The resource snapshot job could not be created because the caller lacks permission. Grant "
        "partnercentral:CreateResourceSnapshotJob to the role and start the task again."
    ),
    ReasonCode.RESOURCE_SNAPSHOT_JOB_VALIDATION_FAILED: (
        "The resource snapshot job was rejected: the snapshot template or the resource is not valid for "
        "this engagement. Correct the opportunity's required fields and start the task again."
    ),
    ReasonCode.RESOURCE_SNAPSHOT_JOB_CONFLICT: (
        "A resource snapshot job already exists for this engagement and resource. Use the existing job "
        "(ListResourceSnapshotJobs) instead of starting a new task."
    ),
    ReasonCode.ENGAGEMENT_VALIDATION_FAILED: (
        "The engagement failed validation: a required field is missing or has an invalid value. Review the "
        "engagement's details in Partner Central, correct them, and start the task again."
    ),
    ReasonCode.ENGAGEMENT_CONFLICT: (
        "The engagement was modified by another request while this task ran. Wait for the other change to "
        "finish, then start the task again with a new client token."
    ),
    ReasonCode.OPPORTUNITY_SUBMISSION_FAILED: (
        "The opportunity could not be submitted to AWS. Make sure it is in a submittable stage and that all "
        "mandatory fields are filled, then start the task again."
    ),
    ReasonCode.ENGAGEMENT_INVITATION_CONFLICT: (
        "The engagement invitation is already being accepted or was answered by another request. Check the "
        "invitation's status; if it is ACCEPTED, look for the opportunity it created."
    ),
    ReasonCode.INTERNAL_ERROR: (
        "The service hit an internal error while processing the task. Nothing was changed; start the task "
        "again later with a new client token. Contact AWS Support if it keeps failing."
    ),
    ReasonCode.OPPORTUNITY_VALIDATION_FAILED: (
        "The opportunity failed validation (for example a missing customer website or an invalid expected "
        "spend). Correct the fields named in Partner Central and start the task again."
    ),
    ReasonCode.OPPORTUNITY_CONFLICT: (
        "The opportunity was changed by another request during the task. Fetch its latest version, resolve "
        "the difference, and start the task again."
    ),
    ReasonCode.RESOURCE_SNAPSHOT_ACCESS_DENIED: (
        "The caller cannot create a resource snapshot of the opportunity. Grant "
        "partnercentral:CreateResourceSnapshot to the role and retry."
    ),
    ReasonCode.RESOURCE_SNAPSHOT_VALIDATION_FAILED: (
        "The resource snapshot could not be taken because the opportunity is incomplete. Fill in the fields "
        "the snapshot template requires and start the task again."
    ),
    ReasonCode.RESOURCE_SNAPSHOT_CONFLICT: (
        "A resource snapshot with the same revision already exists. No action is needed unless the "
        "opportunity changed; in that case update it first and retry."
    ),
    ReasonCode.SERVICE_QUOTA_EXCEEDED: (
        "The account reached a service quota (for example the number of engagements or snapshot jobs). "
        "Remove unused resources or request a quota increase, then start the task again."
    ),
    ReasonCode.REQUEST_THROTTLED: (
        "The task was throttled because the account made too many requests. Reduce the request rate and "
        "start the task again after a short wait."
    ),
    ReasonCode.CONTEXT_NOT_FOUND: (
        "The engagement context named in the request does not exist. List the engagement's contexts, pick "
        "an existing ContextIdentifier, and start the task again."
    ),
    ReasonCode.CUSTOMER_PROJECT_CONTEXT_NOT_PERMITTED: (
        "Only customer project contexts of type CustomerProject can be turned into opportunities, and this "
        "one is not permitted. Choose a customer project context you own and retry."
    ),
    ReasonCode.DISQUALIFIED_LEAD_NOT_PERMITTED: (
        "The lead was disqualified, so no opportunity can be created from it. Requalify the lead in Partner "
        "Central before starting the task again."
    ),
}

_SNAPSHOT = (
    ReasonCode.RESOURCE_SNAPSHOT_JOB_ACCESS_DENIED,
    ReasonCode.RESOURCE_SNAPSHOT_JOB_VALIDATION_FAILED,
    ReasonCode.RESOURCE_SNAPSHOT_JOB_CONFLICT,
    ReasonCode.RESOURCE_SNAPSHOT_ACCESS_DENIED,
    ReasonCode.RESOURCE_SNAPSHOT_VALIDATION_FAILED,
    ReasonCode.RESOURCE_SNAPSHOT_CONFLICT,
)
_COMMON = (ReasonCode.INTERNAL_ERROR, ReasonCode.SERVICE_QUOTA_EXCEEDED, ReasonCode.REQUEST_THROTTLED)

#: The reason codes each kind of task can fail with; every one of the 22 codes is reachable.
REASONS_BY_KIND: dict[str, tuple[str, ...]] = {
    TaskKind.ACCEPT_INVITATION: (
        ReasonCode.INVITATION_ACCESS_DENIED,
        ReasonCode.INVITATION_VALIDATION_FAILED,
        ReasonCode.ENGAGEMENT_INVITATION_CONFLICT,
        ReasonCode.OPPORTUNITY_ACCESS_DENIED,
        ReasonCode.OPPORTUNITY_VALIDATION_FAILED,
        ReasonCode.OPPORTUNITY_CONFLICT,
        ReasonCode.DISQUALIFIED_LEAD_NOT_PERMITTED,
        *_SNAPSHOT,
        *_COMMON,
    ),
    TaskKind.ENGAGEMENT_FROM_OPPORTUNITY: (
        ReasonCode.OPPORTUNITY_ACCESS_DENIED,
        ReasonCode.OPPORTUNITY_VALIDATION_FAILED,
        ReasonCode.OPPORTUNITY_SUBMISSION_FAILED,
        ReasonCode.OPPORTUNITY_CONFLICT,
        ReasonCode.ENGAGEMENT_ACCESS_DENIED,
        ReasonCode.ENGAGEMENT_VALIDATION_FAILED,
        ReasonCode.ENGAGEMENT_CONFLICT,
        *_SNAPSHOT,
        *_COMMON,
    ),
    TaskKind.OPPORTUNITY_FROM_ENGAGEMENT: (
        ReasonCode.ENGAGEMENT_ACCESS_DENIED,
        ReasonCode.ENGAGEMENT_VALIDATION_FAILED,
        ReasonCode.ENGAGEMENT_CONFLICT,
        ReasonCode.CONTEXT_NOT_FOUND,
        ReasonCode.CUSTOMER_PROJECT_CONTEXT_NOT_PERMITTED,
        ReasonCode.DISQUALIFIED_LEAD_NOT_PERMITTED,
        ReasonCode.OPPORTUNITY_VALIDATION_FAILED,
        ReasonCode.OPPORTUNITY_CONFLICT,
        *_SNAPSHOT,
        *_COMMON,
    ),
}

#: The validation, throttling and internal failures are the ones partners meet most.
REASON_WEIGHT: dict[str, int] = {
    ReasonCode.INTERNAL_ERROR: 5,
    ReasonCode.OPPORTUNITY_VALIDATION_FAILED: 4,
    ReasonCode.REQUEST_THROTTLED: 3,
    ReasonCode.INVITATION_VALIDATION_FAILED: 3,
    ReasonCode.ENGAGEMENT_VALIDATION_FAILED: 3,
}

ENGAGEMENT_TITLES = (
    "Data lake modernisation",
    "SAP migration to AWS",
    "Contact centre on Connect",
    "GenAI customer assistant",
    "Mainframe offload",
    "Cost optimisation review",
    "Security hub rollout",
    "Serverless order pipeline",
    "Analytics on Redshift",
    "VMware exit programme",
    "IoT fleet telemetry",
    "Disaster recovery setup",
)

COMPANY_NAMES = (
    "Anycompany Retail",
    "Example Logistics",
    "Octank Health",
    "Northwind Traders",
    "Fabrikam Energy",
    "Contoso Finance",
    "Wingtip Toys",
    "Tailspin Airlines",
    "Adatum Biotech",
    "Litware Media",
)

SNAPSHOT_TEMPLATE = "AWSOpportunitySummaryFullTemplate"

SNAPSHOT_FAILURES = (
    "The opportunity was closed, so the snapshot job stopped. Reopen the opportunity to resume it.",
    "The snapshot could not be written because the engagement member left. Re-add the member and "
    "restart the job.",
)

#: Text that a terminal or Rich would interpret if a client printed it unescaped.
HOSTILE_STRINGS = (
    "\x1b[2J\x1b[Hscreen cleared",
    "\x1b]52;c;cGN3YXRjaC1wYXN0ZWJvYXJk\x07clipboard written",
    "\x1b]8;;https://evil.example\x1b\\click here\x1b]8;;\x1b\\",
    "[red]x[/red] [bold]not bold[/bold]",
    "[link=https://evil.example]click[/link]",
    "NUL\x00inside, bell\x07, backspace\x08\x08, CR\roverwrite",
    "\u202eright-to-left override\u202c and zero\u200bwidth",
    "line one\nline two\ttabbed",
)

"""What each task `ReasonCode` means and what to do about it, in pcwatch's own words.

The service sends a `ReasonCode` with every FAILED task; the set has grown (11 codes, then 22), so
`explain` has an answer for codes this version has never seen.
"""

from __future__ import annotations

from typing import NamedTuple

from schemas import ReasonCode


class ReasonHelp(NamedTuple):
    meaning: str
    action: str


REASON_HELP: dict[str, ReasonHelp] = {
    ReasonCode.INVITATION_ACCESS_DENIED: ReasonHelp(
        "The caller's IAM identity may not act on this engagement invitation.",
        "Grant the role partnercentral:StartEngagementByAcceptingInvitationTask and read access to "
        "invitations for this catalog, then start the task again.",
    ),
    ReasonCode.INVITATION_VALIDATION_FAILED: ReasonHelp(
        "The invitation cannot be accepted in its current state — typically it expired, was withdrawn, "
        "or was already accepted or rejected.",
        "Check the invitation's status (pcwatch shows pending invitations); ask the sender to invite "
        "you again if it expired.",
    ),
    ReasonCode.ENGAGEMENT_ACCESS_DENIED: ReasonHelp(
        "The caller may not read or change the engagement the task works on.",
        "Make sure the account is a member of the engagement and the role allows the engagement actions.",
    ),
    ReasonCode.OPPORTUNITY_ACCESS_DENIED: ReasonHelp(
        "The caller may not read or change the opportunity involved.",
        "Check that the opportunity belongs to this partner account and catalog and that the role "
        "allows partnercentral opportunity actions.",
    ),
    ReasonCode.RESOURCE_SNAPSHOT_JOB_ACCESS_DENIED: ReasonHelp(
        "The task could not create or start the resource snapshot job: access denied.",
        "Allow the snapshot job actions (CreateResourceSnapshotJob, StartResourceSnapshotJob) for the role.",
    ),
    ReasonCode.RESOURCE_SNAPSHOT_JOB_VALIDATION_FAILED: ReasonHelp(
        "The resource snapshot job request was rejected as invalid (template, resource or engagement "
        "does not fit).",
        "Read the Message for the field at fault; check the snapshot template name and the resource id.",
    ),
    ReasonCode.RESOURCE_SNAPSHOT_JOB_CONFLICT: ReasonHelp(
        "A snapshot job for this engagement and resource already exists or is changing.",
        "Look up the existing job (snapshot jobs pane) and use it instead of starting another task.",
    ),
    ReasonCode.ENGAGEMENT_VALIDATION_FAILED: ReasonHelp(
        "The engagement details were rejected: a required field is missing or a value is not allowed.",
        "Fix the field named in the Message, then start the task again.",
    ),
    ReasonCode.ENGAGEMENT_CONFLICT: ReasonHelp(
        "The engagement was changed concurrently, or the task would duplicate existing work on it.",
        "Wait for other work on the engagement to finish, refresh, and retry once.",
    ),
    ReasonCode.OPPORTUNITY_SUBMISSION_FAILED: ReasonHelp(
        "The opportunity was created or updated but could not be submitted to AWS for review.",
        "Open the opportunity in Partner Central, complete what the Message names, and submit it again.",
    ),
    ReasonCode.ENGAGEMENT_INVITATION_CONFLICT: ReasonHelp(
        "The invitation is already being handled — another accept or reject is in flight or done.",
        "Do not retry blindly: check the other task for this invitation in the table first.",
    ),
    ReasonCode.INTERNAL_ERROR: ReasonHelp(
        "The service failed on its side; nothing in the request was necessarily wrong.",
        "Retry the task later. If it keeps failing, open an AWS support case with the task ARN.",
    ),
    ReasonCode.OPPORTUNITY_VALIDATION_FAILED: ReasonHelp(
        "The opportunity data did not pass validation (missing or invalid fields).",
        "Correct the opportunity fields named in the Message and start the task again.",
    ),
    ReasonCode.OPPORTUNITY_CONFLICT: ReasonHelp(
        "The opportunity was modified at the same time, or an opportunity for this engagement exists.",
        "Refresh the opportunity, reconcile the change, then retry.",
    ),
    ReasonCode.RESOURCE_SNAPSHOT_ACCESS_DENIED: ReasonHelp(
        "The caller may not create a snapshot of the resource.",
        "Allow partnercentral:CreateResourceSnapshot for the role and check the resource's owner.",
    ),
    ReasonCode.RESOURCE_SNAPSHOT_VALIDATION_FAILED: ReasonHelp(
        "The resource snapshot was rejected: the resource or template is not valid for this engagement.",
        "Check the resource id, its type and the snapshot template named in the Message.",
    ),
    ReasonCode.RESOURCE_SNAPSHOT_CONFLICT: ReasonHelp(
        "A snapshot of this resource is being taken already or conflicts with a newer one.",
        "Wait for the current snapshot to finish, then retry if still needed.",
    ),
    ReasonCode.SERVICE_QUOTA_EXCEEDED: ReasonHelp(
        "A Partner Central quota was exceeded (for example the number of engagements or snapshots).",
        "Clean up unused resources or request a quota increase; retrying unchanged will fail again.",
    ),
    ReasonCode.REQUEST_THROTTLED: ReasonHelp(
        "The task's internal calls were throttled: the account is over its request rate.",
        "Retry after a pause; reduce other automation on the account (pcwatch itself polls within its budget).",
    ),
    ReasonCode.CONTEXT_NOT_FOUND: ReasonHelp(
        "The engagement context the task refers to (ContextId) does not exist or is gone.",
        "Check the ContextId against the engagement's contexts and start the task with a valid one.",
    ),
    ReasonCode.CUSTOMER_PROJECT_CONTEXT_NOT_PERMITTED: ReasonHelp(
        "This engagement has a customer-project context, which this kind of task may not use.",
        "Use an engagement/context type the operation supports, or work on the project in the console.",
    ),
    ReasonCode.DISQUALIFIED_LEAD_NOT_PERMITTED: ReasonHelp(
        "The lead was disqualified, so no opportunity can be made from it.",
        "Nothing to retry: re-qualify the lead in Partner Central first if it should go ahead.",
    ),
}

UNKNOWN_REASON = ReasonHelp(
    "A reason code this version of pcwatch does not know yet (the service adds codes over time).",
    "Read the Message below; it usually says what to fix. Updating pcwatch may add an explanation.",
)

NO_REASON = ReasonHelp("The task failed without a reason code.", "Read the Message below.")


def explain(reason_code: str | None) -> ReasonHelp:
    """The explanation of `reason_code`; a generic one for unknown or missing codes."""
    if not reason_code:
        return NO_REASON
    return REASON_HELP.get(reason_code, UNKNOWN_REASON)

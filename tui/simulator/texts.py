"""The words the simulated service uses: failure messages with recovery steps, names for invitations.

Written for pcwatch; they describe what a partner would do next, in the spirit of the service's messages.
"""

from __future__ import annotations

from typing import NamedTuple

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


# -- prospecting tasks -----------------------------------------------------------------------------------

#: Names partners give their prospecting tasks (`{n}`: a number, `{title}`: an engagement title).
PROSPECTING_TASK_NAMES = (
    "Q{n} prospecting from closed engagements",
    "Leads from {title} engagements",
    "Weekly prospecting run {n}",
    "EMEA engagements to leads, batch {n}",
    "Re-engage dormant customers ({n})",
    "Marketplace follow-ups, wave {n}",
    "Prospecting: {title}",
)

#: Why one engagement of a prospecting task failed, and what to do about it (the service's reason codes,
#: so `tui.core.reason_help` explains them as it does the tasks').
PROSPECTING_FAILURES: dict[str, str] = {
    ReasonCode.ENGAGEMENT_ACCESS_DENIED: (
        "This account is not a member of the engagement, so no lead can be made from it. Ask the engagement's "
        "owner to add your account, then include the engagement in a new task."
    ),
    ReasonCode.ENGAGEMENT_VALIDATION_FAILED: (
        "The engagement has no customer context to prospect from (its customer's company name or country is "
        "missing). Complete the engagement's customer details, then include it in a new task."
    ),
    ReasonCode.ENGAGEMENT_CONFLICT: (
        "The engagement was changed by another request while the task converted it. Include it in a new task "
        "once the other change has finished."
    ),
    ReasonCode.CONTEXT_NOT_FOUND: (
        "The engagement has no customer project context to turn into a lead. Add one to the engagement, then "
        "include it in a new task."
    ),
    ReasonCode.DISQUALIFIED_LEAD_NOT_PERMITTED: (
        "A lead made from this engagement was disqualified before, so it cannot be prospected again. Requalify "
        "the lead in Partner Central first."
    ),
    ReasonCode.SERVICE_QUOTA_EXCEEDED: (
        "The account reached its quota of open leads. Close or convert some leads, or request a quota increase, "
        "then include the engagement in a new task."
    ),
    ReasonCode.INTERNAL_ERROR: (
        "The service hit an internal error while converting this engagement; nothing was created for it. "
        "Include it in a new task later."
    ),
}
#: Engagement access and missing contexts are the failures partners meet most.
PROSPECTING_FAILURE_WEIGHT: dict[str, int] = {
    ReasonCode.ENGAGEMENT_ACCESS_DENIED: 4,
    ReasonCode.CONTEXT_NOT_FOUND: 3,
    ReasonCode.ENGAGEMENT_VALIDATION_FAILED: 3,
    ReasonCode.INTERNAL_ERROR: 2,
}


# -- bulk jobs -------------------------------------------------------------------------------------------


class RecordError(NamedTuple):
    """Why a record of a bulk job's file failed."""

    code: str
    #: May name the record's values: `{ref}` (the partner's own id of the record), `{company}`,
    #: `{country}`, `{website}`, `{opportunity}`, `{account}`, `{other}` (another resource's id), `{duns}`.
    message: str
    weight: int
    #: The operation types (BULK_CREATE, BULK_UPDATE) whose records can fail so.
    operations: frozenset[str]
    #: The resource was created all the same (the result names it).
    keeps_resource: bool = False
    #: The record's field that is wrong, and its value in the file (the report shows it).
    field: str | None = None
    value: str = ""


_CREATE = frozenset({"BULK_CREATE"})
_UPDATE = frozenset({"BULK_UPDATE"})
_BOTH = _CREATE | _UPDATE

OPPORTUNITY_RECORD_ERRORS: tuple[RecordError, ...] = (
    RecordError(
        "DUPLICATE_KEY_VALUE",
        "Opportunity {other} already has PartnerOpportunityIdentifier '{ref}'. Remove this row, or change "
        "that opportunity with a BULK_UPDATE file instead of creating it again.",
        5,
        _CREATE,
    ),
    RecordError(
        "REQUIRED_FIELD_MISSING",
        "Project.CustomerBusinessProblem is required and is empty in this record. Describe the customer's "
        "problem in at least 20 characters.",
        4,
        _BOTH,
    ),
    RecordError(
        "REQUIRED_FIELD_MISSING",
        "Customer.Account.WebsiteUrl is required for a customer in {country} and is empty in this record.",
        3,
        _BOTH,
        field="website",
    ),
    RecordError(
        "INVALID_VALUE",
        "Project.ExpectedCustomerSpend[0].Amount must be a positive amount; this record has -1500.",
        3,
        _BOTH,
        field="spend",
        value="-1500",
    ),
    RecordError(
        "INVALID_VALUE",
        "Customer.Account.Address.CountryCode 'UK' is not an ISO 3166-1 alpha-2 code. Use GB.",
        2,
        _BOTH,
        field="country",
        value="UK",
    ),
    RecordError(
        "INVALID_ENUM_VALUE",
        "Customer.Account.Industry 'Finance' is not an allowed value. Use Financial Services, or Other with "
        "OtherIndustry.",
        3,
        _BOTH,
        field="industry",
        value="Finance",
    ),
    RecordError(
        "INVALID_STRING_FORMAT",
        "LifeCycle.TargetCloseDate '31/13/2026' is not a date in YYYY-MM-DD form.",
        2,
        _BOTH,
        field="close",
        value="31/13/2026",
    ),
    RecordError(
        "RESOURCE_NOT_FOUND",
        "Customer.Account.AwsAccountId names an account that Partner Central cannot find. Check the 12-digit "
        "account id, or leave the column empty.",
        2,
        _BOTH,
    ),
    RecordError(
        "RESOURCE_NOT_FOUND",
        "Opportunity {opportunity} does not exist in this catalog. Check the Identifier column of this record.",
        4,
        _UPDATE,
    ),
    RecordError(
        "INVALID_RESOURCE_STATE",
        "Opportunity {opportunity} is Closed Lost and can no longer be updated.",
        2,
        _UPDATE,
    ),
    RecordError(
        "ACTION_NOT_PERMITTED",
        "Opportunity {opportunity} is under review by AWS; its Project fields cannot change until the review "
        "ends.",
        1,
        _UPDATE,
    ),
    RecordError(
        "INTERNAL_ERROR",
        "The opportunity was created but could not be submitted to AWS because of an internal error. Submit "
        "it from Partner Central (it is {opportunity}); do not import the record again.",
        1,
        _CREATE,
        keeps_resource=True,
    ),
)

CUSTOMER_ACCOUNT_RECORD_ERRORS: tuple[RecordError, ...] = (
    RecordError(
        "DUPLICATE_CUSTOMER_MATCH",
        "The record matches customer account {other} (same company name and website). Remove the row, or "
        "update that account instead.",
        5,
        _CREATE,
    ),
    RecordError(
        "REQUIRED_FIELD_MISSING",
        "Account.CompanyName is required and is empty in this record.",
        3,
        _CREATE,
        field="company",
    ),
    RecordError(
        "INVALID_STRING_FORMAT",
        "Account.Duns '{duns}' must be exactly 9 digits.",
        3,
        _CREATE,
        field="duns",
        value="12345",
    ),
    RecordError(
        "INVALID_STRING_FORMAT",
        "Account.WebsiteUrl '{website}' is not a URL (it needs a domain such as example.com).",
        2,
        _CREATE,
        field="website",
        value="www example com",
    ),
    RecordError(
        "INVALID_VALUE",
        "Account.Address.CountryCode 'UK' is not an ISO 3166-1 alpha-2 code. Use GB.",
        2,
        _CREATE,
        field="country",
        value="UK",
    ),
    RecordError(
        "INVALID_ENUM_VALUE",
        "Account.Industry 'Tech' is not an allowed value. Use Software and Internet, or Other with "
        "OtherIndustry.",
        2,
        _CREATE,
        field="industry",
        value="Tech",
    ),
    RecordError(
        "PROCESSING_ERROR",
        "The record could not be processed because of an internal error; nothing was created for it. Include "
        "it in a new job.",
        1,
        _CREATE,
    ),
)

#: The error of a record whose company name a spreadsheet would run as a formula (the report shows it
#: escaped: `tui.core.text_safety`, CSV form).
FORMULA_COMPANY = '=HYPERLINK("https://example.invalid/pay","Invoice")'
FORMULA_ERROR = (
    "INVALID_STRING_FORMAT",
    "The company name must not start with =, +, - or @: spreadsheets would run it as a formula.",
)

#: Why a whole job failed. Before it read a record: the file could not be read (`{file}`: its name).
READ_FAILURES = (
    "The file {file} could not be read: Access Denied. Give Partner Central read access to the object (or "
    "upload it to Partner Central's import location) and start a new job.",
    "The file {file} is not a CSV file with the template's header row. Export it again from the import "
    "template and start a new job.",
    "The file {file} is larger than 100 MB. Split it into smaller files and start a job for each.",
)
#: After some records: processing stopped (`{processed}`: how many records have results).
STOPPED_FAILURE = (
    "Processing stopped after an internal error. The {processed} records processed before it keep their "
    "results; start a new job with the remaining records."
)
#: A report of a job that read no record.
NO_REPORT = "The job processed no records, so there is no report of its records."

#: The CSV files partners import (`{n}`: a number, `{date}`: YYYY-MM-DD).
OPPORTUNITY_FILES = (
    "crm-export-{date}.csv",
    "salesforce-opportunities-{n}.csv",
    "pipeline-q{q}-update-{n}.csv",
    "marketplace-leads-{date}.csv",
    "hubspot-deals-{n}.csv",
)
CUSTOMER_ACCOUNT_FILES = (
    "customer-accounts-{date}.csv",
    "accounts-from-crm-{n}.csv",
    "territory-{n}-accounts.csv",
)

"""Every operation the simulator serves, called through boto3 with a request the model accepts, answers
on-model (the `checker` fixture validates each body against botocore's output shape); every operation of
the kinds table is served, and nothing outside the model is."""

from __future__ import annotations

from typing import Any

from botocore import xform_name

from schemas import KINDS, BulkJobKind
from tui.simulator import Simulator
from tui.simulator.operations import OPERATIONS
from tui.simulator.validation import service_model


def kind_operations() -> set[str]:
    return {
        op
        for kind in KINDS
        for op in (
            kind.list_operation,
            kind.start_operation,
            kind.get_operation,
            kind.results_operation,
            kind.report_operation,
        )
        if op
    }


def test_every_operation_of_the_kinds_table_is_served_and_every_served_one_is_the_models():
    assert kind_operations() <= set(OPERATIONS)
    assert set(OPERATIONS) <= set(service_model().operation_names)


def examples(sim: Simulator) -> dict[str, dict[str, Any]]:
    """One request each operation accepts, on the simulator's own data."""
    world = sim.world("Sandbox")
    tasks = sim.tasks()
    job = next(t.resource_snapshot_job_id for t in tasks if t.resource_snapshot_job_id)
    prospecting = next(t.task_id for t in tasks if t.kind == "ProspectingFromEngagement")
    opportunity_job = sim.add_bulk_job(records=20)
    account_job = sim.add_bulk_job(kind=BulkJobKind.CUSTOMER_ACCOUNT, records=20)
    sim.clock.advance(600)  # type: ignore[attr-defined]
    now = sim.clock.now().timestamp()
    ready = [
        i for i in world.invitations.values() if i.status_at(now) == "PENDING" and i.accepting_seq is None
    ]
    sandbox = {"Catalog": "Sandbox"}
    return {
        "ListEngagementByAcceptingInvitationTasks": sandbox,
        "ListEngagementFromOpportunityTasks": {**sandbox, "TaskStatus": ["COMPLETE"]},
        "ListOpportunityFromEngagementTasks": {**sandbox, "MaxResults": 5},
        "ListProspectingFromEngagementTasks": {
            **sandbox,
            "Sort": {"SortBy": "TaskName", "SortOrder": "ASCENDING"},
        },
        "StartEngagementByAcceptingInvitationTask": {
            **sandbox,
            "ClientToken": "1",
            "Identifier": ready[0].id,
        },
        "StartEngagementFromOpportunityTask": {
            **sandbox,
            "ClientToken": "2",
            "Identifier": "O123",
            "AwsSubmission": {"InvolvementType": "Co-Sell"},
        },
        "StartOpportunityFromEngagementTask": {
            **sandbox,
            "ClientToken": "3",
            "Identifier": "eng-0123456789abcd",
            "ContextIdentifier": "1",
        },
        "StartProspectingFromEngagementTask": {
            **sandbox,
            "ClientToken": "4",
            "Identifiers": ["eng-0123456789abcd"],
            "TaskName": "One",
        },
        "GetProspectingFromEngagementTask": {**sandbox, "TaskIdentifier": prospecting},
        "ListEngagementInvitations": {**sandbox, "ParticipantType": "RECEIVER"},
        "GetEngagementInvitation": {**sandbox, "Identifier": ready[1].id},
        "RejectEngagementInvitation": {**sandbox, "Identifier": ready[2].id},
        "GetResourceSnapshotJob": {**sandbox, "ResourceSnapshotJobIdentifier": job},
        "ListResourceSnapshotJobs": sandbox,
        "ListOpportunityBulkJobs": sandbox,
        "StartOpportunityBulkJob": {
            **sandbox,
            "ClientToken": "5",
            "FileURI": "s3://b/f.csv",
            "FileFormat": "CSV",
        },
        "ListOpportunityBulkJobResults": {**sandbox, "JobId": opportunity_job},
        "GetOpportunityBulkJobReportUrl": {**sandbox, "JobId": opportunity_job, "ReportFormat": "CSV"},
        "ListCustomerAccountBulkJobs": {**sandbox, "Filter": {"Status": "COMPLETED"}},
        "GetCustomerAccountBulkJob": {**sandbox, "Identifier": account_job},
        "StartCustomerAccountBulkJob": {**sandbox, "ClientToken": "6", "FileUri": "https://b.example/a.csv"},
        "ListCustomerAccountBulkJobResults": {**sandbox, "Identifier": account_job},
        "GetCustomerAccountBulkJobReportUrl": {**sandbox, "Identifier": account_job},
    }


def test_each_operation_answers_on_model(client, sim, checker):
    requests = examples(sim)
    assert set(requests) == set(OPERATIONS), "an operation without an example here"
    for operation, params in requests.items():
        response = getattr(client, xform_name(operation))(**params)
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert checker.checked == len(OPERATIONS) and not checker.problems

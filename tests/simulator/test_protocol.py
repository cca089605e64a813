"""The wire protocol: awsJson1_0 headers and bodies, authentication, unknown operations, request validation
with Reason and ErrorList, and paging tokens."""

from __future__ import annotations

import http.client
import json

import pytest

from tui.simulator import Simulator, serve

TARGET = "AWSPartnerCentralSelling."
SIGNED = "AWS4-HMAC-SHA256 Credential=pcwatch-local/20261128/us-east-1/partnercentral-selling/aws4_request, SignedHeaders=host, Signature=00"


def raw(
    endpoint,
    body: bytes | str = b"{}",
    *,
    target: str | None = None,
    auth: str | None = SIGNED,
    method="POST",
    path="/",
):
    conn = http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=10)
    headers = {"Content-Type": "application/x-amz-json-1.0"}
    if target is not None:
        headers["X-Amz-Target"] = target
    if auth is not None:
        headers["Authorization"] = auth
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def test_success_has_json_content_type_and_a_request_id(endpoint):
    status, headers, body = raw(
        endpoint, '{"Catalog":"Sandbox","MaxResults":1}', target=TARGET + "ListEngagementFromOpportunityTasks"
    )
    assert status == 200
    assert headers["content-type"] == "application/x-amz-json-1.0"
    assert len(headers["x-amzn-requestid"]) == 36
    assert len(json.loads(body)["TaskSummaries"]) == 1


def test_missing_authorization_is_refused_as_the_service_refuses_it(endpoint):
    status, headers, body = raw(
        endpoint, '{"Catalog":"Sandbox"}', target=TARGET + "ListEngagementFromOpportunityTasks", auth=None
    )
    assert status == 403
    assert headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert json.loads(body) == {
        "__type": "MissingAuthenticationTokenException",
        "message": "Missing Authentication Token",
    }
    assert headers["x-amzn-requestid"]


def test_unsigned_authorization_is_refused(endpoint):
    status, headers, _ = raw(endpoint, "{}", target=TARGET + "ListEngagementInvitations", auth="Bearer abc")
    assert (status, headers["x-amzn-errortype"]) == (403, "IncompleteSignatureException")


@pytest.mark.parametrize(
    "target", [TARGET + "ListOpportunities", TARGET + "NoSuchThing", "Other.ListEngagementInvitations", None]
)
def test_unknown_operation(endpoint, target):
    status, headers, body = raw(endpoint, "{}", target=target)
    assert status == 400
    assert headers["x-amzn-errortype"] == "UnknownOperationException"
    assert json.loads(body)["__type"] == "UnknownOperationException"


def test_unknown_operation_through_boto3(client, error_of):
    with pytest.raises(Exception) as excinfo:
        client.list_opportunities(Catalog="Sandbox")
    assert error_of(excinfo)[:2] == ("UnknownOperationException", 400)


def test_other_methods_and_paths_are_not_operations(endpoint):
    assert raw(endpoint, method="GET", target=TARGET + "ListEngagementInvitations")[0] == 404
    assert raw(endpoint, path="/other", target=TARGET + "ListEngagementInvitations")[0] == 404


def test_body_that_is_not_json_is_a_serialization_error(endpoint):
    status, headers, _ = raw(endpoint, b"{not json", target=TARGET + "ListEngagementInvitations")
    assert (status, headers["x-amzn-errortype"]) == (400, "SerializationException")


def test_validation_error_names_every_bad_field(unchecked_client, error_of):
    with pytest.raises(unchecked_client.exceptions.ValidationException) as excinfo:
        unchecked_client.list_engagement_by_accepting_invitation_tasks(
            Catalog="Sand box",
            MaxResults=0,
            TaskStatus=["PAUSED"],
            TaskIdentifier=[f"task-{i:013d}" for i in range(11)],
            Sort={"SortOrder": "UP", "SortBy": "StartTime"},
        )
    code, status, response = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert response["Reason"] == "REQUEST_VALIDATION_FAILED"
    problems = {e["FieldName"]: e["Code"] for e in response["ErrorList"]}
    assert problems == {
        "Catalog": "INVALID_STRING_FORMAT",
        "MaxResults": "VALUE_OUT_OF_RANGE",
        "TaskStatus[0]": "INVALID_ENUM_VALUE",
        "TaskIdentifier": "TOO_MANY_VALUES",
        "Sort.SortOrder": "INVALID_ENUM_VALUE",
    }
    assert "5 validation errors detected" in response["Error"]["Message"]


@pytest.mark.parametrize(
    ("operation", "params", "field", "code"),
    [
        (  # boto3 fills a missing ClientToken itself, so a missing Identifier it is
            "start_engagement_by_accepting_invitation_task",
            {"Catalog": "Sandbox", "ClientToken": "t"},
            "Identifier",
            "REQUIRED_FIELD_MISSING",
        ),
        (
            "start_engagement_by_accepting_invitation_task",
            {"Catalog": "Sandbox", "ClientToken": "t", "Identifier": "inv-1"},
            "Identifier",
            "INVALID_STRING_FORMAT",
        ),
        (
            "start_engagement_from_opportunity_task",
            {"Catalog": "Sandbox", "ClientToken": "t", "Identifier": "O1"},
            "AwsSubmission",
            "REQUIRED_FIELD_MISSING",
        ),
        (
            "start_opportunity_from_engagement_task",
            {
                "Catalog": "Sandbox",
                "ClientToken": "t",
                "Identifier": "eng-0123456789abcd",
                "ContextIdentifier": "0",
            },
            "ContextIdentifier",
            "INVALID_STRING_FORMAT",
        ),
        ("list_engagement_invitations", {"Catalog": "Sandbox"}, "ParticipantType", "REQUIRED_FIELD_MISSING"),
        (
            "list_engagement_invitations",
            {"Catalog": "Sandbox", "ParticipantType": "RECEIVER", "MaxResults": 101},
            "MaxResults",
            "VALUE_OUT_OF_RANGE",
        ),
        (
            "list_engagement_invitations",
            {"Catalog": "Sandbox", "ParticipantType": "RECEIVER", "Status": []},
            "Status",
            "NOT_ENOUGH_VALUES",
        ),
        (
            "get_resource_snapshot_job",
            {"Catalog": "Sandbox", "ResourceSnapshotJobIdentifier": "job-1"},
            "ResourceSnapshotJobIdentifier",
            "INVALID_STRING_FORMAT",
        ),
        (
            "list_resource_snapshot_jobs",
            {"Catalog": "Sandbox", "MaxResults": "ten"},
            "MaxResults",
            "INVALID_VALUE",
        ),
        (
            "reject_engagement_invitation",
            {"Catalog": "Sandbox", "Identifier": "engi-0123456789abc", "RejectionReason": "x" * 81},
            "RejectionReason",
            "INVALID_STRING_FORMAT",
        ),
        (
            "get_engagement_invitation",
            {"Catalog": "Moon", "Identifier": "engi-0123456789abc"},
            "Catalog",
            "INVALID_VALUE",
        ),
    ],
)
def test_each_operation_validates_its_request(unchecked_client, error_of, operation, params, field, code):
    with pytest.raises(unchecked_client.exceptions.ValidationException) as excinfo:
        getattr(unchecked_client, operation)(**params)
    _, status, response = error_of(excinfo)
    assert status == 400
    assert {(e["FieldName"], e["Code"]) for e in response["ErrorList"]} == {(field, code)}


def test_garbled_and_foreign_next_tokens_are_validation_errors(client, client_factory, error_of, clock):
    page = client.list_engagement_from_opportunity_tasks(Catalog="Sandbox", MaxResults=2)
    token = page["NextToken"]
    for bad in ("garbage", token[:-3], token[::-1]):
        with pytest.raises(client.exceptions.ValidationException) as excinfo:
            client.list_engagement_from_opportunity_tasks(Catalog="Sandbox", NextToken=bad)
        assert error_of(excinfo)[2]["ErrorList"][0]["FieldName"] == "NextToken"
    with pytest.raises(client.exceptions.ValidationException):  # a token for another filter
        client.list_engagement_from_opportunity_tasks(
            Catalog="Sandbox", NextToken=token, TaskStatus=["FAILED"]
        )
    with pytest.raises(client.exceptions.ValidationException):  # for another operation
        client.list_opportunity_from_engagement_tasks(Catalog="Sandbox", NextToken=token)
    with pytest.raises(client.exceptions.ValidationException):  # for another catalog
        client.list_engagement_from_opportunity_tasks(Catalog="AWS", NextToken=token)
    other = Simulator(seed=99, history=10, clock=clock, enforce_quotas=False)
    with serve(other) as ep:
        with pytest.raises(Exception) as excinfo:
            client_factory(ep.url).list_engagement_from_opportunity_tasks(Catalog="Sandbox", NextToken=token)
        assert error_of(excinfo)[0] == "ValidationException"
    # the same token still works against its own request, with any page size
    again = client.list_engagement_from_opportunity_tasks(Catalog="Sandbox", NextToken=token, MaxResults=1)
    assert len(again["TaskSummaries"]) == 1


def test_error_bodies_carry_type_message_and_members(endpoint):
    status, headers, body = raw(
        endpoint,
        '{"Catalog":"Sandbox","MaxResults":5000}',
        target=TARGET + "ListEngagementFromOpportunityTasks",
    )
    parsed = json.loads(body)
    assert status == 400 and headers["x-amzn-errortype"] == "ValidationException"
    assert parsed["__type"] == "ValidationException" and parsed["message"]
    assert parsed["Reason"] == "REQUEST_VALIDATION_FAILED"
    assert parsed["ErrorList"][0] == {
        "FieldName": "MaxResults",
        "Message": parsed["ErrorList"][0]["Message"],
        "Code": "VALUE_OUT_OF_RANGE",
    }


def test_stats_count_requests_by_operation(client, sim):
    client.list_engagement_invitations(Catalog="Sandbox", ParticipantType="RECEIVER")
    client.list_engagement_invitations(Catalog="Sandbox", ParticipantType="RECEIVER")
    client.list_resource_snapshot_jobs(Catalog="Sandbox")
    assert sim.stats.calls["ListEngagementInvitations"] == 2
    assert sim.stats.calls["ListResourceSnapshotJobs"] == 1
    assert sim.stats.total == 3 and sim.stats.outcomes["ok"] == 3


def test_tags_are_checked_against_the_unicode_patterns(unchecked_client, error_of):
    started = unchecked_client.start_engagement_from_opportunity_task(
        Catalog="Sandbox",
        ClientToken="tags-ok",
        Identifier="O5",
        AwsSubmission={"InvolvementType": "For Visibility Only", "Visibility": "Full"},
        Tags=[{"Key": "équipe:vente", "Value": "Nord 2"}],
    )
    assert started["TaskStatus"] == "IN_PROGRESS"
    with pytest.raises(unchecked_client.exceptions.ValidationException) as excinfo:
        unchecked_client.start_engagement_from_opportunity_task(
            Catalog="Sandbox",
            ClientToken="tags-bad",
            Identifier="O5",
            AwsSubmission={"InvolvementType": "Co-Sell"},
            Tags=[{"Key": "bad#key", "Value": "v"}],
        )
    assert [(e["FieldName"], e["Code"]) for e in error_of(excinfo)[2]["ErrorList"]] == [
        ("Tags[0].Key", "INVALID_STRING_FORMAT")
    ]

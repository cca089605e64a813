"""Decoding real-looking responses: the documented response syntax, what a newer service may add, what a
broken one may send, and the dict boto3 hands back."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import msgspec
import pytest
from dateutil.tz import tzutc

import schemas

# The response syntax of the API reference, filled with values of the documented patterns.
LIST_ACCEPT_PAGE = b"""{
  "NextToken": "AAMA-EFRSHzCI8rTcQ==",
  "TaskSummaries": [
    {
      "EngagementInvitationId": "engi-0000000000abc",
      "Message": "The invitation has expired. Ask the AWS sender to send a new invitation.",
      "OpportunityId": "O1234567",
      "ReasonCode": "InvitationValidationFailed",
      "ResourceSnapshotJobId": "job-0123456789abc",
      "StartTime": "2024-12-01T10:15:30.123Z",
      "TaskArn": "arn:aws:partnercentral:us-east-1:aws:catalog/Sandbox/engagement-by-accepting-invitation-task/task-0123456789abc",
      "TaskId": "task-0123456789abc",
      "TaskStatus": "FAILED"
    }
  ]
}"""

START_FROM_ENGAGEMENT = b"""{
  "ContextId": "1",
  "EngagementId": "eng-0123456789abcd",
  "Message": null,
  "OpportunityId": "O98765",
  "ReasonCode": null,
  "ResourceSnapshotJobId": "job-abcdefabcdef1",
  "StartTime": "2024-12-01T10:15:30+01:00",
  "TaskArn": "arn:aws:partnercentral:us-east-1:aws:catalog/AWS/opportunity-from-engagement-task/task-abcdefabcdef1",
  "TaskId": "task-abcdefabcdef1",
  "TaskStatus": "IN_PROGRESS"
}"""

SNAPSHOT_JOB = b"""{
  "Arn": "arn:aws:partnercentral:us-east-1:aws:catalog/Sandbox/resource-snapshot-job/job-0123456789abc",
  "Catalog": "Sandbox",
  "CreatedAt": "2024-12-01T10:16:00Z",
  "EngagementId": "eng-0123456789abcd",
  "Id": "job-0123456789abc",
  "LastFailure": "Opportunity O1234567 was not found.",
  "LastSuccessfulExecutionDate": "2024-12-02T00:00:00.5-05:00",
  "ResourceArn": "arn:aws:partnercentral:us-east-1:aws:catalog/Sandbox/opportunity/O1234567",
  "ResourceId": "O1234567",
  "ResourceSnapshotTemplateName": "AWSOpportunitySummary",
  "ResourceType": "Opportunity",
  "Status": "Running"
}"""


def test_documented_list_page_decodes() -> None:
    page = schemas.ListEngagementByAcceptingInvitationTasksResponse.from_json(LIST_ACCEPT_PAGE)
    assert page.next_token == "AAMA-EFRSHzCI8rTcQ=="
    (task,) = page.task_summaries
    assert task.task_id == "task-0123456789abc"
    assert task.task_status == schemas.TaskStatus.FAILED
    assert task.reason_code == schemas.ReasonCode.INVITATION_VALIDATION_FAILED
    assert task.start_time == datetime(2024, 12, 1, 10, 15, 30, 123000, tzinfo=timezone.utc)
    record = schemas.TaskRecord.from_task(task)
    assert record.kind == schemas.TaskKind.ACCEPT_INVITATION
    assert record.is_failed and record.is_terminal
    assert record.to_dict()["Kind"] == "EngagementByAcceptingInvitation"
    assert record.to_dict()["ResourceSnapshotJobId"] == "job-0123456789abc"


def test_nulls_decode_as_absent_and_are_not_encoded() -> None:
    task = schemas.StartOpportunityFromEngagementTaskResponse.from_json(START_FROM_ENGAGEMENT)
    assert task.message is None and task.reason_code is None
    assert "Message" not in task.to_dict()
    assert task.start_time == datetime(2024, 12, 1, 9, 15, 30, tzinfo=timezone.utc)
    assert task.start_time.utcoffset() == timedelta(hours=1)


def test_snapshot_job_decodes_with_offset_and_fraction() -> None:
    job = schemas.GetResourceSnapshotJobResponse.from_json(SNAPSHOT_JOB)
    assert job.status == schemas.ResourceSnapshotJobStatus.RUNNING
    assert job.last_successful_execution_date == datetime(2024, 12, 2, 5, 0, 0, 500000, tzinfo=timezone.utc)


def test_unknown_fields_are_ignored() -> None:
    body = b'{"TaskId": "task-0123456789abc", "BrandNewField": {"x": [1, 2]}, "AnotherOne": 3}'
    task = schemas.ListEngagementFromOpportunityTaskSummary.from_json(body)
    assert task.task_id == "task-0123456789abc"
    assert task.to_dict() == {"TaskId": "task-0123456789abc"}


def test_unknown_enum_values_are_kept() -> None:
    body = b'{"TaskStatus": "PAUSED", "ReasonCode": "SomethingNewer"}'
    task = schemas.ListEngagementFromOpportunityTaskSummary.from_json(body)
    assert task.task_status == "PAUSED"
    assert not schemas.TaskStatus.is_known(task.task_status)
    assert task.reason_code == "SomethingNewer"
    assert not schemas.ReasonCode.is_known(task.reason_code)
    assert schemas.ReasonCode.is_known("ContextNotFound")


def test_missing_required_invitation_id_names_the_field() -> None:
    with pytest.raises(msgspec.ValidationError, match=r"missing required field `Id`"):
        schemas.EngagementInvitationSummary.from_json(b'{"Catalog": "AWS"}')


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (b'{"TaskSummaries": [{"TaskId": 7}]}', r"\$\.TaskSummaries\[0\]\.TaskId"),
        (b'{"TaskSummaries": [{}, {"StartTime": "yesterday"}]}', r"\$\.TaskSummaries\[1\]\.StartTime"),
        (b'{"TaskSummaries": {"TaskId": "x"}}', r"\$\.TaskSummaries"),
    ],
)
def test_wrong_types_name_the_field_path(body: bytes, path: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=path):
        schemas.ListEngagementFromOpportunityTasksResponse.from_json(body)


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(msgspec.ValidationError, match="StartTime"):
        schemas.TaskRecord.from_json(b'{"Kind": "x", "StartTime": "2024-12-01T10:15:30"}')


def test_truncated_json_is_a_decode_error() -> None:
    with pytest.raises(msgspec.DecodeError):
        schemas.ListEngagementFromOpportunityTasksResponse.from_json(LIST_ACCEPT_PAGE[:50])


def test_from_boto_takes_the_parsed_dict() -> None:
    response = {
        "TaskSummaries": [
            {"TaskId": "task-0123456789abc", "StartTime": datetime(2024, 12, 1, 10, 15, 30, tzinfo=tzutc())}
        ],
        "ResponseMetadata": {"RequestId": "r", "HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0},
    }
    page = schemas.ListOpportunityFromEngagementTasksResponse.from_boto(response)
    assert page.task_summaries[0].start_time == datetime(2024, 12, 1, 10, 15, 30, tzinfo=timezone.utc)
    assert page.to_dict()["TaskSummaries"][0]["StartTime"] == "2024-12-01T10:15:30Z"


def test_str_and_bytes_decode_alike() -> None:
    text = SNAPSHOT_JOB.decode()
    assert schemas.GetResourceSnapshotJobResponse.from_json(
        text
    ) == schemas.GetResourceSnapshotJobResponse.from_json(SNAPSHOT_JOB)


# --- errors -------------------------------------------------------------------------------------------


def test_validation_error_with_every_member() -> None:
    body = b"""{"__type": "com.amazonaws.partnercentral#ValidationException", "message": "Invalid request",
      "Reason": "REQUEST_VALIDATION_FAILED",
      "ErrorList": [{"FieldName": "Catalog", "Message": "must be AWS or Sandbox", "Code": "INVALID_ENUM_VALUE"}]}"""
    err = schemas.decode_error(body, status=400)
    assert isinstance(err, schemas.ValidationException)
    assert err.message == "Invalid request"
    assert err.reason == "REQUEST_VALIDATION_FAILED"
    assert err.error_list == [
        schemas.ValidationExceptionError(
            field_name="Catalog", message="must be AWS or Sandbox", code="INVALID_ENUM_VALUE"
        )
    ]
    assert not err.retryable


def test_header_type_wins_and_is_sanitized() -> None:
    err = schemas.decode_error(
        b'{"message": "Rate exceeded"}',
        headers={"X-Amzn-ErrorType": "ThrottlingException:http://internal.amazon.com/coral/"},
        status=429,
    )
    assert isinstance(err, schemas.ThrottlingException)
    assert err.message == "Rate exceeded" and err.retryable


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("aws.protocols#AccessDeniedException", "AccessDeniedException"),
        ("AccessDeniedException:http://x/y", "AccessDeniedException"),
        ("ns.a#ConflictException:http://x", "ConflictException"),
        ("ResourceNotFoundException", "ResourceNotFoundException"),
    ],
)
def test_sanitize_error_type(raw: str, expected: str) -> None:
    assert schemas.sanitize_error_type(raw) == expected


def test_code_member_and_capital_message_are_understood() -> None:
    err = schemas.decode_error(
        b'{"code": "AccessDeniedException", "Message": "no", "Reason": "INCOMPATIBLE_BENEFIT_AWS_PARTNER_STATE"}'
    )
    assert isinstance(err, schemas.AccessDeniedException)
    assert err.reason == "INCOMPATIBLE_BENEFIT_AWS_PARTNER_STATE"
    assert err.message == "no"


def test_unknown_type_is_kept_with_its_message() -> None:
    err = schemas.decode_error(
        b'{"__type": "ExpiredTokenException", "message": "The security token included in the request is expired"}',
        status=403,
    )
    assert err == schemas.UnknownServiceError(
        type="ExpiredTokenException",
        message="The security token included in the request is expired",
        status=403,
    )
    assert not err.retryable


@pytest.mark.parametrize(
    "body", [b"<html><body>502 Bad Gateway</body></html>", b"", b"[1,2]", b'{"__type": "Thr', None]
)
def test_unreadable_bodies_never_raise(body: bytes | None) -> None:
    err = schemas.decode_error(body, status=502)
    assert isinstance(err, schemas.ServiceError.__args__)  # type: ignore[attr-defined]
    if body in (b"", None):
        assert err == schemas.UnknownServiceError(type="HTTP502", status=502)
    else:
        assert isinstance(err, schemas.UnknownServiceError)
        assert err.type == "HTTP502" and err.retryable


def test_malformed_member_of_a_known_error_is_kept_as_unknown() -> None:
    err = schemas.decode_error(
        b'{"__type": "ValidationException", "message": "m", "ErrorList": "oops"}', status=400
    )
    assert isinstance(err, schemas.UnknownServiceError)
    assert err.type == "ValidationException" and "ErrorList" in (err.message or "")


def test_errors_encode_as_service_bodies() -> None:
    err = schemas.ThrottlingException(message="Rate exceeded")
    assert msgspec.json.decode(err.to_json()) == {"__type": "ThrottlingException", "Message": "Rate exceeded"}
    assert str(err) == "ThrottlingException: Rate exceeded"
    assert schemas.InternalServerException().retryable
    assert schemas.UnknownServiceError(type="X", status=503).retryable

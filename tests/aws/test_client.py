"""tui.aws against a scripted local HTTP endpoint: requests, decoding, and every error mapping."""

from __future__ import annotations

import asyncio
import json

import pytest
from botocore import exceptions as bx

from schemas import TaskKind, ThrottlingException, ValidationException
from tests.support.engine import stub_endpoint
from tui.aws.client import make_client
from tui.aws.errors import failure_from_exception
from tui.aws.failures import CredentialsFailure, MalformedResponse, NetworkFailure, ServiceFailure
from tui.core.settings import Settings
from tui.core.text_safety import one_line

PAGE = {
    "TaskSummaries": [
        {
            "TaskId": "t-1",
            "TaskStatus": "FAILED",
            "StartTime": "2026-11-28T08:00:00Z",
            "ReasonCode": "SomethingNew",
            "Message": "no\x1b[2J",
            "FutureField": 1,
        }
    ],
    "NextToken": "abc",
}


def client_for(url: str, **kwargs: object):
    return make_client(Settings(endpoint_url=url, demo=True), max_attempts=1, read_timeout=2, **kwargs)


def test_list_tasks_sends_the_plan_and_decodes_with_msgspec() -> None:
    with stub_endpoint() as ep:
        ep.responses = [(200, {}, json.dumps(PAGE).encode())]
        client = client_for(ep.url)
        page = asyncio.run(
            client.list_tasks(
                TaskKind.ACCEPT_INVITATION, status=["IN_PROGRESS"], max_results=50, next_token="x"
            )
        )
        op, body = ep.requests[0]
        assert op == "ListEngagementByAcceptingInvitationTasks"
        assert body["TaskStatus"] == ["IN_PROGRESS"]
        assert body["Sort"] == {"SortBy": "StartTime", "SortOrder": "DESCENDING"}
        assert body == {**body, "Catalog": "Sandbox", "MaxResults": 50, "NextToken": "x"}
        assert page.next_token == "abc"
        [t] = page.task_summaries
        assert (t.task_id, t.reason_code, t.message) == ("t-1", "SomethingNew", "no\x1b[2J")
        assert t.start_time.tzinfo is not None
        assert client.attempts == 1


@pytest.mark.parametrize("body", [json.dumps(PAGE).encode()[:40], b"<html>oops</html>", b""])
def test_truncated_or_non_json_success_body_is_malformed_not_empty(body: bytes) -> None:
    # botocore alone would return {"message": body}, which reads as "no tasks".
    with stub_endpoint() as ep:
        ep.responses = [(200, {}, body)]
        with pytest.raises(MalformedResponse):
            asyncio.run(client_for(ep.url).list_tasks(TaskKind.ACCEPT_INVITATION))


def test_throttling_is_a_retryable_throttled_service_failure() -> None:
    with stub_endpoint() as ep:
        err = {"__type": "com.amazon#ThrottlingException", "message": "slow down"}
        ep.responses = [(429, {}, json.dumps(err).encode())]
        with pytest.raises(ServiceFailure) as info:
            asyncio.run(client_for(ep.url).get_resource_snapshot_job("job-1"))
        assert info.value.throttled and info.value.retryable
        assert isinstance(info.value.service_error, ThrottlingException)
        assert info.value.service_error.message == "slow down"


def test_botocore_standard_retries_are_counted_as_attempts() -> None:
    with stub_endpoint() as ep:
        err = json.dumps({"__type": "InternalServerException", "message": "x"}).encode()
        ep.responses = [(500, {}, err), (500, {}, err), (200, {}, json.dumps(PAGE).encode())]
        client = make_client(Settings(endpoint_url=ep.url, demo=True), max_attempts=3, read_timeout=2)
        # botocore's standard mode sleeps between attempts (< 1 s each with 2 retries).
        page = asyncio.run(client.list_tasks(TaskKind.ACCEPT_INVITATION))
        assert page.task_summaries[0].task_id == "t-1"
        assert client.attempts == 3


def test_validation_error_keeps_its_members() -> None:
    with stub_endpoint() as ep:
        err = {
            "__type": "ValidationException",
            "message": "bad",
            "Reason": "REQUEST_VALIDATION_FAILED",
            "ErrorList": [{"FieldName": "MaxResults", "Message": "too big", "Code": "INVALID_VALUE"}],
        }
        ep.responses = [(400, {}, json.dumps(err).encode())]
        with pytest.raises(ServiceFailure) as info:
            asyncio.run(client_for(ep.url).list_tasks(TaskKind.ACCEPT_INVITATION))
        error = info.value.service_error
        assert isinstance(error, ValidationException)
        assert error.reason == "REQUEST_VALIDATION_FAILED"
        assert not info.value.retryable


def test_expired_token_tells_how_to_fix() -> None:
    with stub_endpoint() as ep:
        err = {
            "__type": "ExpiredTokenException",
            "message": "The security token included in the request is expired",
        }
        ep.responses = [(403, {}, json.dumps(err).encode())]
        with pytest.raises(CredentialsFailure) as info:
            asyncio.run(client_for(ep.url).list_tasks(TaskKind.ACCEPT_INVITATION))
        assert "credentials expired" in info.value.message


def test_connection_refused_is_a_network_failure() -> None:
    with stub_endpoint() as ep:
        url = ep.url
    with pytest.raises(NetworkFailure):
        asyncio.run(client_for(url).list_tasks(TaskKind.ACCEPT_INVITATION))


def test_credential_exceptions_map_to_one_line_fixes() -> None:
    sso = failure_from_exception(bx.UnauthorizedSSOTokenError(), profile="dev", sso=True)
    assert isinstance(sso, CredentialsFailure)
    assert "aws sso login --profile dev" in sso.message
    token = failure_from_exception(
        bx.TokenRetrievalError(provider="sso", error_msg="x"), profile="p", sso=True
    )
    assert "aws sso login --profile p" in token.message
    none = failure_from_exception(bx.NoCredentialsError(), profile=None, sso=False)
    assert isinstance(none, CredentialsFailure) and "\n" not in none.message
    timeout = failure_from_exception(bx.ReadTimeoutError(endpoint_url="http://x"), profile=None, sso=False)
    assert isinstance(timeout, NetworkFailure)
    closed = failure_from_exception(
        bx.ConnectionClosedError(endpoint_url="http://x"), profile=None, sso=False
    )
    assert isinstance(closed, NetworkFailure)


def test_one_line_neutralises_terminal_sequences() -> None:
    hostile = "done\x1b]0;pwned\x07\r\nrm\u202eevil\x9b2J"
    shown = one_line(hostile)
    assert shown == "done␛]0;pwned␇ rm\\u202eevil\\x9b2J"
    assert shown.isprintable()
    assert one_line("plain text, é ü 日本") == "plain text, é ü 日本"


SSO_CONFIG = """\
[profile sso-dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Dev
region = us-east-1

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
"""

PROBE = """
import asyncio, sys
from tui.aws.client import make_client
from tui.aws.failures import ApiFailure
from tui.core.settings import Settings
try:
    client = make_client(Settings(profile=sys.argv[1] or None, endpoint_url=sys.argv[2] or None), max_attempts=1)
    asyncio.run(client.list_tasks("EngagementFromOpportunity"))
except ApiFailure as failure:
    print(type(failure).__name__, failure.message)
"""


@pytest.mark.parametrize(
    ("profile", "endpoint", "expected"),
    [
        (
            "sso-dev",
            "http://127.0.0.1:9",
            "CredentialsFailure SSO session expired or missing — run: aws sso login --profile sso-dev",
        ),
        ("", "", "CredentialsFailure no AWS credentials found — set AWS_PROFILE or --profile"),
        ("nope", "", "CredentialsFailure The config profile (nope) could not be found — check --profile"),
    ],
)
def test_credential_problems_through_the_real_chain(
    tmp_path, profile: str, endpoint: str, expected: str
) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    (tmp_path / "config").write_text(SSO_CONFIG)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", PROBE, profile, endpoint],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.startswith(expected), out.stdout + out.stderr

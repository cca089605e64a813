"""The SQS queue pcwatch reads Partner Central's events from (an EventBridge rule sends them there).

`EventQueue` is a thin, synchronous wrapper over boto3's SQS client: long-poll receive (up to 10 messages,
`WaitTimeSeconds` 20), batch delete, the queue's depth. The engine runs it in a thread. Reading a queue
costs nothing from the Partner Central quota; `calls` counts the SQS requests (the benchmark reports
them). Failures are `ApiFailure`s like every other call's; a throttled or missing queue says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from schemas.events import QueueMessage
from tui.core.settings import Settings, is_loopback
from tui.core.text_safety import visible

from .call_count import CallCount
from .errors import failure_from_exception
from .failures import ApiFailure

#: Long polling: SQS answers as soon as a message arrives, or empty after this many seconds.
WAIT_SECONDS = 20
_AWS_QUEUE_HOST = re.compile(r"^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$")
_THROTTLED = {"RequestThrottled", "ThrottlingException", "Throttling", "KmsThrottled"}
_MISSING = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}


@dataclass(frozen=True)
class QueueDepth:
    visible: int
    in_flight: int
    delayed: int


def queue_name(queue_url: str) -> str:
    return urlsplit(queue_url).path.rstrip("/").rsplit("/", 1)[-1]


def queue_endpoint(queue_url: str, settings: Settings) -> tuple[str | None, str]:
    """(endpoint URL for boto3, region) of a queue URL. An AWS queue URL names its region; any other
    host (a local SQS, a VPC endpoint) is the endpoint itself. Raises ApiFailure for a URL that would
    send signed requests in clear text to another machine (unless `--allow-insecure-endpoint`)."""
    parts = urlsplit(queue_url)
    host = (parts.hostname or "").lower()
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host or not parts.path.strip("/"):
        raise ApiFailure(
            f"--events-queue {visible(queue_url, limit=200)}: not an SQS queue URL", retryable=False
        )
    if scheme == "http" and not is_loopback(host) and not settings.allow_insecure_endpoint:
        raise ApiFailure(
            f"--events-queue {visible(queue_url, limit=200)}: plain http:// to another host would carry "
            "signed requests unencrypted; use https://",
            retryable=False,
        )
    match = _AWS_QUEUE_HOST.match(host)
    if match:
        return None, match.group(1)
    return f"{parts.scheme}://{parts.netloc}", settings.region


class EventQueue:
    """One queue. Thread-safe counters; the boto3 client is used from one thread at a time."""

    def __init__(
        self,
        boto_client: Any,
        queue_url: str,
        *,
        wait_seconds: int = WAIT_SECONDS,
        profile: str | None = None,
    ) -> None:
        self._sqs = boto_client
        self.url = queue_url
        self.wait_seconds = wait_seconds
        self.profile = profile
        self._calls = CallCount()

    @property
    def calls(self) -> int:
        """SQS requests sent so far."""
        return self._calls.value

    def _call(self, method: str, **params: Any) -> dict[str, Any]:
        self._calls.add()
        try:
            response: dict[str, Any] = getattr(self._sqs, method)(QueueUrl=self.url, **params)
        except Exception as exc:
            raise _queue_failure(exc, self.url, self.profile) from exc
        return response

    def receive(self, max_messages: int = 10) -> list[QueueMessage]:
        """Up to `max_messages`, waiting up to `wait_seconds` for the first (long polling)."""
        response = self._call(
            "receive_message",
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=self.wait_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        out = []
        for m in response.get("Messages") or ():
            count = (m.get("Attributes") or {}).get("ApproximateReceiveCount", "1")
            out.append(
                QueueMessage(
                    message_id=str(m.get("MessageId", "")),
                    receipt_handle=str(m.get("ReceiptHandle", "")),
                    body=str(m.get("Body", "")),
                    receive_count=int(count) if str(count).isdigit() else 1,
                )
            )
        return out

    def delete(self, messages: Sequence[QueueMessage]) -> list[str]:
        """Delete messages (10 per request); returns the ids SQS did not delete (they come back later)."""
        failed: list[str] = []
        for i in range(0, len(messages), 10):
            chunk = messages[i : i + 10]
            response = self._call(
                "delete_message_batch",
                Entries=[{"Id": str(n), "ReceiptHandle": m.receipt_handle} for n, m in enumerate(chunk)],
            )
            failed.extend(chunk[int(f["Id"])].message_id for f in response.get("Failed") or ())
        return failed

    def depth(self) -> QueueDepth:
        names = [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ]
        attrs = self._call("get_queue_attributes", AttributeNames=names).get("Attributes") or {}
        visible_, in_flight, delayed = (int(attrs.get(n, 0)) for n in names)
        return QueueDepth(visible_, in_flight, delayed)

    def close(self) -> None:
        close = getattr(self._sqs, "close", None)
        if close is not None:
            close()


def _queue_failure(exc: BaseException, queue_url: str, profile: str | None) -> ApiFailure:
    failure = failure_from_exception(exc, profile=profile, sso=False)
    code = str((getattr(exc, "response", None) or {}).get("Error", {}).get("Code", ""))
    name = visible(queue_name(queue_url), limit=80)
    if code in _MISSING:
        return ApiFailure(f"events queue {name} does not exist (deleted?)", retryable=True)
    if code in _THROTTLED:
        return ApiFailure(f"events queue {name}: SQS throttled ({code})", retryable=True, throttled=True)
    return ApiFailure(f"events queue {name}: {failure.message}", retryable=failure.retryable)


def make_event_queue(settings: Settings, queue_url: str, *, wait_seconds: int = WAIT_SECONDS) -> EventQueue:
    """An `EventQueue` on the standard credential chain (the demo's local credentials with `--demo` or a
    local queue). Raises ApiFailure, and ForeignListener for a plain http:// loopback queue another user
    listens on."""
    import boto3
    from botocore.config import Config

    from .client import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY, listener_guard

    endpoint, region = queue_endpoint(queue_url, settings)
    config = Config(
        region_name=region,
        retries={"mode": "standard", "max_attempts": 2},
        connect_timeout=5,
        read_timeout=wait_seconds + 10,  # longer than the long poll
        user_agent_extra="pcwatch",
    )
    local = endpoint is not None and is_loopback(urlsplit(endpoint).hostname or "")
    guard = None if settings.demo else listener_guard(endpoint)  # another user's port: ForeignListener
    try:
        if settings.demo and local:
            session = boto3.session.Session(
                aws_access_key_id=LOCAL_ACCESS_KEY, aws_secret_access_key=LOCAL_SECRET_KEY, region_name=region
            )
        else:
            session = boto3.session.Session(profile_name=settings.profile, region_name=region)
            if local and session.get_credentials() is None:
                session = boto3.session.Session(
                    aws_access_key_id=LOCAL_ACCESS_KEY,
                    aws_secret_access_key=LOCAL_SECRET_KEY,
                    region_name=region,
                )
        sqs = session.client("sqs", endpoint_url=endpoint, config=config)
        if guard is not None:
            sqs.meta.events.register("before-send", guard)
    except Exception as exc:
        raise failure_from_exception(exc, profile=settings.profile, sso=False) from exc
    return EventQueue(sqs, queue_url, wait_seconds=wait_seconds, profile=settings.profile)

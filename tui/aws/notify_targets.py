"""Where pcwatch publishes task and job outcomes (issue 28): an EventBridge bus (`PutEvents`, up to 10
entries a call, each entry's own result), an SNS topic (`Publish`, with message attributes kind, status
and catalog for subscription filters) or a local command (no shell; the event JSON on stdin; a
timeout). Each target is synchronous (the publisher runs it in a thread) and says, per event, whether it
was accepted: `SendResult`. Its own calls (EventBridge, SNS) are counted: no Partner Central call here.
"""

from __future__ import annotations

import logging
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from schemas.notify import NotifyEvent, encode_event
from tui.core.settings import Settings, is_loopback
from tui.core.text_safety import one_line, visible

from .call_count import CallCount
from .errors import failure_from_exception

log = logging.getLogger(__name__)

#: PutEvents takes at most this many entries a call.
MAX_BATCH = 10


@dataclass
class SendResult:
    """What one send did: the ids accepted, and the error of each one that was not (to retry)."""

    accepted: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    #: Throttled (all or some): the publisher backs off.
    throttled: bool = False


class NotifyTarget(Protocol):
    #: What it is, for the status and the log ("EventBridge bus pcwatch", "command notify.sh").
    name: str

    @property
    def calls(self) -> int: ...

    def send(self, events: Sequence[NotifyEvent]) -> SendResult: ...

    def close(self) -> None: ...


def _all_failed(events: Sequence[NotifyEvent], exc: BaseException, profile: str | None) -> SendResult:
    failure = failure_from_exception(exc, profile=profile, sso=False)
    return SendResult(failed={e.id: failure.message for e in events}, throttled=failure.throttled)


_THROTTLED_CODES = {"ThrottlingException", "Throttling", "TooManyRequestsException"}


class EventBusTarget:
    """`PutEvents` to one bus; an entry the bus refused (its `ErrorCode`) is failed, the others accepted."""

    def __init__(self, client: Any, bus: str, *, profile: str | None = None) -> None:
        self._calls = CallCount()
        self._client = client
        self.bus = bus
        self.profile = profile
        self.name = f"EventBridge bus {visible(bus.rsplit('/', 1)[-1], limit=80)}"

    @property
    def calls(self) -> int:
        return self._calls.value

    def send(self, events: Sequence[NotifyEvent]) -> SendResult:
        result = SendResult()
        for start in range(0, len(events), MAX_BATCH):
            chunk = events[start : start + MAX_BATCH]
            entries = [
                {
                    "Source": e.source,
                    "DetailType": e.detail_type,
                    "Detail": encode_event_detail(e),
                    "Time": e.time,
                    "EventBusName": self.bus,
                }
                for e in chunk
            ]
            self._calls.add()
            try:
                response = self._client.put_events(Entries=entries)
            except Exception as exc:
                failed = _all_failed(chunk, exc, self.profile)
                result.failed.update(failed.failed)
                result.throttled |= failed.throttled
                continue
            answers = response.get("Entries") or []
            for n, event in enumerate(chunk):
                answer = answers[n] if n < len(answers) else {"ErrorCode": "NoAnswer"}
                code = answer.get("ErrorCode")
                if code:
                    result.failed[event.id] = one_line(f"{code}: {answer.get('ErrorMessage') or ''}")
                    result.throttled |= code in _THROTTLED_CODES
                else:
                    result.accepted.append(event.id)
        return result

    def close(self) -> None:
        _close(self._client)


def encode_event_detail(event: NotifyEvent) -> str:
    """The event's `detail` as PutEvents' `Detail` (a JSON string)."""
    import msgspec

    return msgspec.json.encode(event.detail).decode()


class SnsTarget:
    """`Publish` of each event (the whole event as the message) to one topic, with attributes to filter
    subscriptions by; a FIFO topic dedups by the event's id."""

    def __init__(self, client: Any, topic_arn: str, *, profile: str | None = None) -> None:
        self._calls = CallCount()
        self._client = client
        self.topic_arn = topic_arn
        self.profile = profile
        self.name = f"SNS topic {visible(topic_arn.rsplit(':', 1)[-1], limit=80)}"

    @property
    def calls(self) -> int:
        return self._calls.value

    def send(self, events: Sequence[NotifyEvent]) -> SendResult:
        result = SendResult()
        fifo = self.topic_arn.endswith(".fifo")
        for event in events:
            attributes = {
                name: {"DataType": "String", "StringValue": value}
                for name, value in (
                    ("kind", event.detail.kind),
                    ("status", event.detail.status),
                    ("catalog", event.detail.catalog),
                    ("detail_type", event.detail_type),
                )
                if value
            }
            params: dict[str, Any] = {
                "TopicArn": self.topic_arn,
                "Message": encode_event(event).decode(),
                "MessageAttributes": attributes,
            }
            if fifo:
                params["MessageGroupId"] = event.detail.subject_id
                params["MessageDeduplicationId"] = event.id
            self._calls.add()
            try:
                self._client.publish(**params)
            except Exception as exc:
                failed = _all_failed([event], exc, self.profile)
                result.failed.update(failed.failed)
                result.throttled |= failed.throttled
            else:
                result.accepted.append(event.id)
        return result

    def close(self) -> None:
        _close(self._client)


class ExecTarget:
    """A local command, once per event, the event's JSON on its stdin (no shell: `shlex.split`). Exit 0
    is accepted; any other status, a timeout or a command that cannot start is a failure, logged with
    its stderr."""

    calls = 0  # (no AWS call)

    def __init__(self, command: str, *, timeout: float) -> None:
        self.argv = shlex.split(command)
        if not self.argv:
            raise ValueError("--notify-exec: an empty command")
        self.timeout = timeout
        self.name = f"command {visible(self.argv[0], limit=80)}"

    def send(self, events: Sequence[NotifyEvent]) -> SendResult:
        result = SendResult()
        for event in events:
            error = self._run(encode_event(event))
            if error is None:
                result.accepted.append(event.id)
            else:
                result.failed[event.id] = error
        return result

    def _run(self, body: bytes) -> str | None:
        try:
            done = subprocess.run(  # (no shell: the user's own command, split)
                self.argv, input=body, capture_output=True, timeout=self.timeout, check=False
            )
        except subprocess.TimeoutExpired:
            log.warning("%s: timed out after %g s", self.name, self.timeout)
            return f"{self.name} timed out after {self.timeout:g} s"
        except OSError as exc:
            log.warning("%s: did not start: %s", self.name, exc)
            return one_line(f"{self.name} did not start: {exc.strerror or exc}")
        stderr = visible(done.stderr.decode(errors="replace"), limit=2000)
        if done.returncode != 0:
            log.warning("%s: exit status %d: %s", self.name, done.returncode, stderr)
            return one_line(f"{self.name}: exit status {done.returncode}: {stderr}", limit=300)
        if stderr.strip():
            log.info("%s: %s", self.name, stderr)
        return None

    def close(self) -> None:
        pass


class AllTargets:
    """Several targets at once: an event is accepted once every target accepted it (one that failed
    anywhere is sent again everywhere: at least once)."""

    def __init__(self, targets: Sequence[NotifyTarget]) -> None:
        self.targets = list(targets)
        self.name = ", ".join(t.name for t in self.targets)

    @property
    def calls(self) -> int:
        return sum(t.calls for t in self.targets)

    def send(self, events: Sequence[NotifyEvent]) -> SendResult:
        results = [t.send(events) for t in self.targets]
        failed: dict[str, str] = {}
        for r in results:
            for event_id, error in r.failed.items():
                failed.setdefault(event_id, error)
        accepted = [e.id for e in events if e.id not in failed]
        return SendResult(accepted, failed, any(r.throttled for r in results))

    def close(self) -> None:
        for t in self.targets:
            t.close()


def _close(client: Any) -> None:
    close = getattr(client, "close", None)
    if close is not None:
        close()


def _region_of(name_or_arn: str, default: str) -> str:
    """An ARN names its region (arn:aws:events:REGION:…); a name is in the settings' region."""
    parts = name_or_arn.split(":")
    return parts[3] if name_or_arn.startswith("arn:") and len(parts) > 3 and parts[3] else default


def boto_client(settings: Settings, service: str, region: str) -> Any:
    """A boto3 client of EventBridge or SNS on the standard credential chain, at
    `--notify-endpoint-url` if given (a loopback one with the local credentials when there are none, as
    the events queue's)."""
    import boto3
    from botocore.config import Config

    from .client import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY, listener_guard

    endpoint = settings.notify_endpoint_url
    local = endpoint is not None and is_loopback(urlsplit(endpoint).hostname or "")
    config = Config(
        region_name=region,
        retries={"mode": "standard", "max_attempts": 2},
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        user_agent_extra="pcwatch",
    )
    guard = None if settings.demo else listener_guard(endpoint)
    if local and settings.demo:
        session = boto3.session.Session(
            aws_access_key_id=LOCAL_ACCESS_KEY, aws_secret_access_key=LOCAL_SECRET_KEY, region_name=region
        )
    else:
        session = boto3.session.Session(profile_name=settings.profile, region_name=region)
        if local and session.get_credentials() is None:
            session = boto3.session.Session(
                aws_access_key_id=LOCAL_ACCESS_KEY, aws_secret_access_key=LOCAL_SECRET_KEY, region_name=region
            )
    client = session.client(service, endpoint_url=endpoint, config=config)
    if guard is not None:
        client.meta.events.register("before-send", guard)
    return client


def make_notify_target(settings: Settings) -> NotifyTarget | None:
    """The target(s) the settings name; None: publishing is off. Raises ApiFailure (a client that cannot
    be made) or ValueError (an empty command)."""
    targets: list[NotifyTarget] = []
    try:
        if settings.notify_event_bus:
            region = _region_of(settings.notify_event_bus, settings.region)
            targets.append(
                EventBusTarget(
                    boto_client(settings, "events", region),
                    settings.notify_event_bus,
                    profile=settings.profile,
                )
            )
        if settings.notify_sns_topic:
            region = _region_of(settings.notify_sns_topic, settings.region)
            targets.append(
                SnsTarget(
                    boto_client(settings, "sns", region), settings.notify_sns_topic, profile=settings.profile
                )
            )
    except Exception as exc:
        raise failure_from_exception(exc, profile=settings.profile, sso=False) from exc
    if settings.notify_exec:
        targets.append(ExecTarget(settings.notify_exec, timeout=settings.notify_exec_timeout))
    if not targets:
        return None
    return targets[0] if len(targets) == 1 else AllTargets(targets)

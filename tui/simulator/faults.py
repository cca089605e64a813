"""Fault injection: what can go wrong between pcwatch and the service, at a chosen rate per request.

Transport faults decide how (or whether) a response is sent; data faults rewrite a successful response's
body into something a newer, sloppier or hostile service could send. Each request draws from one seeded
RNG, so a run with the same seed and the same request sequence misbehaves the same way.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, fields, replace
from typing import Any

import msgspec

from .texts import HOSTILE_STRINGS

TRANSPORT_FAULTS = (
    "connection_reset",
    "hang",
    "slow",
    "internal_error",
    "throttle",
    "non_json_body",
    "truncated_body",
    "reset_after_processing",
    "deep_body",
    "deep_error_body",
    "huge_body",
    "huge_unsized_body",
)
DATA_FAULTS = ("unknown_enum", "unknown_field", "missing_optional", "huge_message", "hostile_text")
HUGE_MESSAGE_BYTES = 1 << 20


@dataclass(frozen=True)
class Faults:
    """Per-request probabilities (0.0–1.0) of each fault, and the parameters of the timed ones."""

    throttle: float = 0.0
    #: A throttle comes in bursts: this many consecutive requests are refused.
    throttle_burst: int = 3
    internal_error: float = 0.0
    connection_reset: float = 0.0
    slow: float = 0.0
    slow_seconds: float = 2.0
    #: A hang outlasts a client's read timeout (botocore's default is 60 s), then the connection is
    #: dropped without a response. Closing the endpoint ends it at once.
    hang: float = 0.0
    hang_seconds: float = 65.0
    truncated_body: float = 0.0
    #: The request is carried out (a task started, an invitation rejected), then the connection is reset
    #: instead of answering: the client cannot know whether it acted, and a retry must not act twice.
    reset_after_processing: float = 0.0
    non_json_body: float = 0.0
    #: A 200 whose JSON nests `deep_levels` arrays deep (in a field a client does not know), and the same
    #: inside a 400 ValidationException: a recursive parser dies of it.
    deep_body: float = 0.0
    deep_error_body: float = 0.0
    deep_levels: int = 200_000
    #: A 200 of `huge_body_bytes` (valid JSON: one task with a long Message), with its Content-Length,
    #: and the same without one (the body ends when the connection closes).
    huge_body: float = 0.0
    huge_unsized_body: float = 0.0
    huge_body_bytes: int = 50_000_000
    unknown_enum: float = 0.0
    unknown_field: float = 0.0
    missing_optional: float = 0.0
    huge_message: float = 0.0
    hostile_text: float = 0.0

    @classmethod
    def parse(cls, text: str | None) -> Faults:
        """`"throttle=0.1,internal_error=0.05,slow_seconds=5"` -> Faults. Raises ValueError on a bad item."""
        known = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        for item in (text or "").split(","):
            item = item.strip()
            if not item:
                continue
            name, sep, raw = item.partition("=")
            name = name.strip().replace("-", "_")
            if name not in known:
                raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(known))}")
            if not sep:
                raise ValueError(f"fault {name!r} needs a value, e.g. {name}=0.1")
            number = float(raw)
            if name in ("throttle_burst", "deep_levels", "huge_body_bytes"):
                values[name] = max(1, int(number))
            elif name.endswith("_seconds"):
                values[name] = max(0.0, number)
            else:
                if not 0.0 <= number <= 1.0:
                    raise ValueError(f"fault rate {name}={raw} must be between 0 and 1")
                values[name] = number
        return replace(cls(), **values)

    def active(self) -> bool:
        return any(getattr(self, n) > 0 for n in (*TRANSPORT_FAULTS, *DATA_FAULTS))


@dataclass
class FaultPlan:
    """The faults drawn for one request."""

    transport: str | None = None
    data: list[str] = field(default_factory=list)
    delay: float = 0.0
    #: Seeds the rewriting of the body by the data faults.
    seed: int = 0


class FaultPicker:
    def __init__(self, seed: int | str) -> None:
        self._rng = random.Random(f"faults:{seed}")
        self._lock = threading.Lock()
        self._burst_left = 0

    def draw(self, faults: Faults) -> FaultPlan:
        plan = FaultPlan()
        with self._lock:
            if self._burst_left > 0:
                self._burst_left -= 1
                plan.transport = "throttle"
                return plan
            if not faults.active():
                return plan
            rng = self._rng.random
            for name in TRANSPORT_FAULTS:
                rate = getattr(faults, name)
                if rate > 0 and rng() < rate and plan.transport is None:
                    plan.transport = name
            for name in DATA_FAULTS:
                rate = getattr(faults, name)
                if rate > 0 and rng() < rate:
                    plan.data.append(name)
            if plan.transport == "throttle":
                self._burst_left = faults.throttle_burst - 1
            if plan.data:
                plan.seed = self._rng.randrange(1 << 30)
        if plan.transport == "slow":
            plan.delay = faults.slow_seconds
        elif plan.transport == "hang":
            plan.delay = faults.hang_seconds
        return plan


_LIST_KEYS = (
    "TaskSummaries",
    "EngagementInvitationSummaries",
    "ResourceSnapshotJobSummaries",
    "OpportunityBulkJobSummaries",
    "items",
    "Results",
    "Engagements",
)
#: What a client needs to tell records apart.
_PROTECTED = frozenset({"TaskId", "Id", "Catalog", "JobId", "RequestId", "EngagementIdentifier"})
_TEXT_FIELDS = (
    "Message",
    "EngagementTitle",
    "SenderCompanyName",
    "LastFailure",
    "InvitationMessage",
    "ErrorMessage",
    "FailureReason",
    "TaskName",
    "FileName",
)


#: Where a huge text goes, by what the item has (else a Message).
_HUGE_FIELDS = ("LastFailure", "ErrorMessage", "FailureReason", "Message")


def _items(body: dict[str, Any]) -> list[dict[str, Any]]:
    for key in _LIST_KEYS:
        if isinstance(body.get(key), list):
            return [item for item in body[key] if isinstance(item, dict)]
    return [body]


def _unknown_enums(item: dict[str, Any]) -> None:
    """Values of the item's enums that this version of the model does not have."""
    if "TaskStatus" in item or ("TaskId" in item and "TaskName" not in item):
        item["TaskStatus"] = "PAUSED"
        item["ReasonCode"] = "NewReasonFromTheFuture"
    elif "RequestId" in item:  # a bulk job's record
        item["Status"] = "SKIPPED"
    elif "EngagementIdentifier" in item:  # a prospecting task's engagement
        item["Status"] = "DEFERRED"
        item["ReasonCode"] = "NewReasonFromTheFuture"
    elif "ReportStatus" in item:
        item["ReportStatus"] = "ARCHIVED"
        item["ReportType"] = "SOME_RECORDS"
    elif "TotalRecords" in item or "JobId" in item:  # a bulk job
        item["Status"] = "PAUSED"
        if "OperationType" in item:
            item["OperationType"] = "BULK_DELETE"
    elif "Status" in item:
        item["Status"] = "WITHDRAWN" if "ParticipantType" in item or "PayloadType" in item else "Paused"
    if "PayloadType" in item:
        item["PayloadType"] = "FuturePayloadType"


def huge_text(size: int = HUGE_MESSAGE_BYTES) -> str:
    unit = "This message is far longer than any real one; a client must cut it before showing it. "
    return (unit * (size // len(unit) + 1))[:size]


def apply_data_faults(body: dict[str, Any], names: list[str], rng: random.Random) -> dict[str, Any]:
    """Rewrite a decoded success body in place with the named data faults; returns it."""
    items = _items(body)
    if not items:
        return body
    for name in names:
        if name == "unknown_enum":
            for item in items:
                _unknown_enums(item)
        elif name == "unknown_field":
            body["FieldFromTheFuture"] = {"Nested": [1, 2, 3], "Flag": True}
            for item in items:
                item["NewAttribute"] = "added by a newer service"
                item["NewStructure"] = {"Depth": {"Level": 2}, "Values": ["a", "b"]}
        elif name == "missing_optional":
            for item in items:
                for key in [k for k in item if k not in _PROTECTED]:
                    if rng.random() < 0.6:
                        del item[key]
        elif name == "huge_message":
            target = items[0]
            key = next((k for k in _HUGE_FIELDS if k in target), "Message")
            if "ResourceType" in target:
                key = "LastFailure"
            target[key] = huge_text()
        elif name == "hostile_text":
            for i, item in enumerate(items):
                hostile = HOSTILE_STRINGS[(i + rng.randrange(len(HOSTILE_STRINGS))) % len(HOSTILE_STRINGS)]
                placed = False
                for key in _TEXT_FIELDS:
                    if key in item:
                        item[key] = hostile
                        placed = True
                if not placed:
                    item["Message"] = hostile
                if "ReasonCode" in item:
                    item["ReasonCode"] = "\x1b[31mRed\x1b[0m[bold]Reason[/bold]"
    return body


def deep_json(levels: int, **members: Any) -> bytes:
    """A JSON object with `members` and a field nested `levels` arrays deep."""
    head = msgspec.json.encode(members)[:-1]
    return head + (b"," if members else b"") + b'"Nested":' + b"[" * levels + b"]" * levels + b"}"


def huge_json(size: int) -> bytes:
    """A valid list response of about `size` bytes: one task whose Message is long."""
    head = b'{"TaskSummaries":[{"TaskId":"task-huge0000000","TaskStatus":"FAILED","Message":"'
    tail = b'"}]}'
    return head + b"x" * max(0, size - len(head) - len(tail)) + tail


NON_JSON_BODY = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>proxy</center>\r\n</body>\r\n</html>\r\n"
)

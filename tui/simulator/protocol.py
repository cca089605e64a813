"""awsJson1_0 as the service speaks it: the target header, JSON bodies, error bodies and paging tokens."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any

import msgspec

from schemas import ThrottlingException, ValidationException, ValidationExceptionError

TARGET_PREFIX = "AWSPartnerCentralSelling."
CONTENT_TYPE = "application/x-amz-json-1.0"


@dataclass
class Reply:
    """What to send back for one request. `action` says how: respond normally, `reset` the connection
    without a response, `truncate` the body, `hang` (wait `delay`, then drop the connection), or send
    the body `unsized` (no Content-Length; it ends when the connection closes)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    action: str = "respond"
    delay: float = 0.0
    operation: str = ""


class ServiceFault(Exception):
    """Raised by an operation to answer with the service's error. `error` is a schemas error struct
    (or anything with `type`, `message`, `HTTP_STATUS` / `status`)."""

    def __init__(self, error: Any, status: int | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.status = status if status is not None else getattr(error, "HTTP_STATUS", 400)


@dataclass
class RawError:
    """An error outside the model: protocol-level ones such as UnknownOperationException."""

    type: str
    message: str
    HTTP_STATUS: int = 400


def request_id() -> str:
    return str(uuid.uuid4())


def json_reply(body: bytes, operation: str = "") -> Reply:
    return Reply(200, body, {"Content-Type": CONTENT_TYPE}, operation=operation)


def error_reply(error: Any, status: int | None = None, operation: str = "") -> Reply:
    """The body `{"__type": …, "message": …, <members>}` with the `x-amzn-ErrorType` header."""
    payload: dict[str, Any] = {"__type": error.type, "message": getattr(error, "message", None) or ""}
    if hasattr(error, "to_dict"):
        for key, value in error.to_dict().items():
            if key != "Message":
                payload[key] = value
    status = status if status is not None else getattr(error, "HTTP_STATUS", 400)
    headers = {"Content-Type": CONTENT_TYPE, "x-amzn-ErrorType": error.type}
    return Reply(status, msgspec.json.encode(payload), headers, operation=operation)


def validation_error(
    field_name: str, message: str, code: str = "INVALID_VALUE", *, business: bool = False
) -> ServiceFault:
    return ServiceFault(
        ValidationException(
            message=message,
            reason="BUSINESS_VALIDATION_FAILED" if business else "REQUEST_VALIDATION_FAILED",
            error_list=[ValidationExceptionError(field_name=field_name, message=message, code=code)],
        )
    )


def request_invalid(errors: list[Any]) -> ServiceFault:
    """A ValidationException listing every invalid field (FieldError from `validation`)."""
    summary = "; ".join(e.message for e in errors)
    return ServiceFault(
        ValidationException(
            message=f"{len(errors)} validation error{'s' if len(errors) != 1 else ''} detected: {summary}",
            reason="REQUEST_VALIDATION_FAILED",
            error_list=[
                ValidationExceptionError(field_name=e.field_name, message=e.message, code=e.code)
                for e in errors
            ],
        )
    )


def throttled() -> ServiceFault:
    return ServiceFault(ThrottlingException(message="Rate exceeded"))


def fingerprint(*parts: Any) -> str:
    """A stable digest of request parts (for idempotency and for binding paging tokens)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return f"{zlib.crc32(text.encode()):08x}"


def encode_token(position: int, binding: str, epoch: str) -> str:
    """An opaque NextToken: the cursor, the request it belongs to and the simulator run, checksummed."""
    raw = json.dumps({"p": position, "b": binding, "e": epoch}, separators=(",", ":")).encode()
    check = zlib.crc32(raw).to_bytes(4, "big")
    return base64.urlsafe_b64encode(check + raw).decode().rstrip("=")


def decode_token(token: str, binding: str, epoch: str) -> int:
    """The cursor in `token`; a garbled token, or one from another request or run, is a
    ValidationException as the service gives for an invalid token."""
    bad = validation_error("NextToken", "The NextToken is invalid or has expired. Start again without it.")
    try:
        blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        check, raw = blob[:4], blob[4:]
        if zlib.crc32(raw).to_bytes(4, "big") != check:
            raise bad
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(data, dict) or data.get("b") != binding or data.get("e") != epoch:
        raise bad
    position = data.get("p")
    if not isinstance(position, int) or position < -1:
        raise bad
    return position

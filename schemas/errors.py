"""The service's error shapes and `decode_error`, which follows awsJson1_0's rules for finding the type.

Every error the service documents is a struct with its fields; anything else (a type this version does not
know, a body that is not JSON) becomes `UnknownServiceError`. Decoding an error never raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import msgspec

from ._base import WireStruct


class _ServiceErrorBase(WireStruct):
    TYPE: ClassVar[str] = ""
    HTTP_STATUS: ClassVar[int] = 400
    RETRYABLE: ClassVar[bool] = False

    message: str | None = None

    @property
    def type(self) -> str:
        return self.TYPE

    @property
    def retryable(self) -> bool:
        """True where waiting and trying again can succeed (throttling, the service's own faults)."""
        return self.RETRYABLE

    def to_json(self) -> bytes:
        """The error body as the service sends it: the type in `__type`, then the members."""
        return msgspec.json.encode({"__type": self.type, **self.to_dict()})

    def __str__(self) -> str:
        return f"{self.type}: {self.message}" if self.message else self.type


class AccessDeniedException(_ServiceErrorBase):
    TYPE: ClassVar[str] = "AccessDeniedException"
    HTTP_STATUS: ClassVar[int] = 403
    reason: str | None = None


class ConflictException(_ServiceErrorBase):
    TYPE: ClassVar[str] = "ConflictException"
    HTTP_STATUS: ClassVar[int] = 409


class InternalServerException(_ServiceErrorBase):
    TYPE: ClassVar[str] = "InternalServerException"
    HTTP_STATUS: ClassVar[int] = 500
    RETRYABLE: ClassVar[bool] = True


class ResourceNotFoundException(_ServiceErrorBase):
    TYPE: ClassVar[str] = "ResourceNotFoundException"
    HTTP_STATUS: ClassVar[int] = 404


class ServiceQuotaExceededException(_ServiceErrorBase):
    TYPE: ClassVar[str] = "ServiceQuotaExceededException"
    HTTP_STATUS: ClassVar[int] = 402


class ThrottlingException(_ServiceErrorBase):
    TYPE: ClassVar[str] = "ThrottlingException"
    HTTP_STATUS: ClassVar[int] = 429
    RETRYABLE: ClassVar[bool] = True


class ValidationExceptionError(WireStruct):
    """One invalid field: which one, what is wrong with it, and a code."""

    field_name: str | None = None
    message: str | None = None
    code: str | None = None


class ValidationException(_ServiceErrorBase):
    TYPE: ClassVar[str] = "ValidationException"
    HTTP_STATUS: ClassVar[int] = 400
    reason: str | None = None
    error_list: list[ValidationExceptionError] | None = None


class UnknownServiceError(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An error whose type this version does not know, or a body that could not be read.

    The seed module's `Unknown_operation_error of type * message option`.
    """

    type: str
    message: str | None = None
    status: int | None = None

    @property
    def retryable(self) -> bool:
        # 5xx are the service's faults and worth another try later; 4xx will fail the same way again.
        return self.status is not None and self.status >= 500

    def to_json(self) -> bytes:
        body: dict[str, Any] = {"__type": self.type}
        if self.message is not None:
            body["message"] = self.message
        return msgspec.json.encode(body)

    def __str__(self) -> str:
        return f"{self.type}: {self.message}" if self.message else self.type


ServiceError = (
    AccessDeniedException
    | ConflictException
    | InternalServerException
    | ResourceNotFoundException
    | ServiceQuotaExceededException
    | ThrottlingException
    | ValidationException
    | UnknownServiceError
)

ERROR_TYPES: dict[str, type[ServiceError]] = {
    cls.TYPE: cls
    for cls in (
        AccessDeniedException,
        ConflictException,
        InternalServerException,
        ResourceNotFoundException,
        ServiceQuotaExceededException,
        ThrottlingException,
        ValidationException,
    )
}


def sanitize_error_type(raw: str) -> str:
    """`aws.protocols#ThrottlingException:http://…` -> `ThrottlingException` (awsJson1_0's rule)."""
    raw = raw.split(":", 1)[0]
    return raw.rsplit("#", 1)[-1].strip()


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def decode_error(
    body: bytes | str | Mapping[str, Any] | None,
    headers: Mapping[str, str] | None = None,
    status: int | None = None,
) -> ServiceError:
    """Decode an error response into its struct; never raises.

    The type comes from the `x-amzn-ErrorType` header, else the body's `__type` or `code`; the message
    from `message` or `Message`. A body that is not a JSON object gives `UnknownServiceError`.
    """
    parsed: Any
    if isinstance(body, Mapping):
        parsed = dict(body)
    else:
        try:
            parsed = msgspec.json.decode(body or b"{}")
        except msgspec.DecodeError:
            parsed = None
    header_type = _header(headers, "x-amzn-errortype")
    if not isinstance(parsed, dict):
        preview = body[:200] if isinstance(body, (bytes, str)) else None
        if isinstance(preview, bytes):
            preview = preview.decode("utf-8", "replace")
        err_type = sanitize_error_type(header_type) if header_type else f"HTTP{status or 'Error'}"
        return UnknownServiceError(
            type=err_type, message=f"unreadable error body: {preview!r}" if preview else None, status=status
        )
    raw_type = header_type or parsed.get("__type") or parsed.get("code") or parsed.get("Code") or ""
    err_type = sanitize_error_type(str(raw_type)) or (f"HTTP{status}" if status else "UnknownError")
    message = parsed.get("message", parsed.get("Message"))
    message = None if message is None else str(message)
    cls = ERROR_TYPES.get(err_type)
    if cls is None:
        return UnknownServiceError(type=err_type, message=message, status=status)
    fields = {k: v for k, v in parsed.items() if k not in ("__type", "code", "message", "Message")}
    fields["Message"] = message
    try:
        return msgspec.convert(fields, cls)
    except msgspec.ValidationError as exc:
        # A known type with a malformed member: keep what is certain rather than lose the error.
        return UnknownServiceError(
            type=err_type, message=f"{message} (malformed error body: {exc})", status=status
        )

"""Validation of JSON values against botocore's service model, as the service validates requests.

The same walker checks responses in the tests (`validate(output_shape, body)`), so what the simulator
sends is held to the model it claims to speak.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import botocore.session
from botocore.model import ServiceModel, Shape

SERVICE_NAME = "partnercentral-selling"

# Python's `re` has no Unicode property classes. The model uses them only inside character classes that
# also allow `_`, so `\w` (Unicode letters, digits, underscore) stands for letters and numbers.
_UNICODE_CLASSES = {
    r"\p{L}": r"\w",
    r"\p{N}": r"\d",
    r"\p{Z}": " \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000",
}


@dataclass(frozen=True)
class FieldError:
    """One invalid field, in the service's ValidationExceptionError terms."""

    field_name: str
    message: str
    code: str


@lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    translated = pattern
    for prop, chars in _UNICODE_CLASSES.items():
        translated = translated.replace(prop, chars)
    try:
        return re.compile(translated)
    except re.error:  # a construct Python cannot express: skip the check rather than refuse good input
        return None


def _is_iso8601(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def validate(shape: Shape, value: Any, path: str = "") -> list[FieldError]:
    """All the ways `value` breaks `shape` (empty when it conforms). Unknown members are ignored, as
    awsJson services ignore them."""
    errors: list[FieldError] = []
    _check(shape, value, path, errors)
    return errors


def _check(shape: Shape, value: Any, path: str, errors: list[FieldError]) -> None:
    kind = shape.type_name
    name = path or shape.name
    if kind == "structure":
        if not isinstance(value, dict):
            errors.append(FieldError(name, f"Value at '{name}' must be an object", "INVALID_VALUE"))
            return
        for member in shape.required_members:
            if value.get(member) is None:
                field = f"{path}.{member}" if path else member
                errors.append(FieldError(field, f"{field} is required", "REQUIRED_FIELD_MISSING"))
        if shape.metadata.get("union") and sum(v is not None for v in value.values()) > 1:
            errors.append(FieldError(name, f"Exactly one member of '{name}' may be set", "INVALID_VALUE"))
        for member, sub in shape.members.items():
            if value.get(member) is not None:
                _check(sub, value[member], f"{path}.{member}" if path else member, errors)
        return
    if kind == "list":
        if not isinstance(value, list):
            errors.append(FieldError(name, f"Value at '{name}' must be a list", "INVALID_VALUE"))
            return
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and len(value) < low:
            errors.append(FieldError(name, f"'{name}' must have at least {low} item(s)", "NOT_ENOUGH_VALUES"))
        if high is not None and len(value) > high:
            errors.append(FieldError(name, f"'{name}' must have at most {high} item(s)", "TOO_MANY_VALUES"))
        for i, item in enumerate(value):
            _check(shape.member, item, f"{name}[{i}]", errors)
        return
    if kind == "map":
        if not isinstance(value, dict):
            errors.append(FieldError(name, f"Value at '{name}' must be an object", "INVALID_VALUE"))
            return
        for key, item in value.items():
            _check(shape.value, item, f"{name}.{key}", errors)
        return
    if kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(FieldError(name, f"Value at '{name}' must be an integer", "INVALID_VALUE"))
            return
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            errors.append(
                FieldError(
                    name,
                    f"Value '{value}' at '{name}' failed to satisfy constraint: Member must be between "
                    f"{low} and {high}",
                    "VALUE_OUT_OF_RANGE",
                )
            )
        return
    if kind in ("double", "float"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            errors.append(FieldError(name, f"Value at '{name}' must be a number", "INVALID_VALUE"))
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            errors.append(FieldError(name, f"Value at '{name}' must be a boolean", "INVALID_VALUE"))
        return
    if kind == "timestamp":
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
            isinstance(value, str) and _is_iso8601(value)
        )
        if not ok:
            errors.append(FieldError(name, f"Value at '{name}' must be a timestamp", "INVALID_VALUE"))
        return
    if kind == "string":
        _check_string(shape, value, name, errors)
        return
    if kind == "blob" and not isinstance(value, str):
        errors.append(FieldError(name, f"Value at '{name}' must be base64 text", "INVALID_VALUE"))


def _check_string(shape: Shape, value: Any, name: str, errors: list[FieldError]) -> None:
    if not isinstance(value, str):
        errors.append(FieldError(name, f"Value at '{name}' must be a string", "INVALID_VALUE"))
        return
    enum = shape.enum
    if enum and value not in enum:
        errors.append(
            FieldError(
                name,
                f"Value '{value}' at '{name}' failed to satisfy constraint: Member must satisfy enum value "
                f"set: [{', '.join(enum)}]",
                "INVALID_ENUM_VALUE",
            )
        )
        return
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if (low is not None and len(value) < low) or (high is not None and len(value) > high):
        errors.append(
            FieldError(
                name,
                f"Value at '{name}' failed to satisfy constraint: Member must have length between {low} "
                f"and {high}",
                "INVALID_STRING_FORMAT",
            )
        )
        return
    pattern = shape.metadata.get("pattern")
    compiled = _compiled(pattern) if pattern else None
    if compiled is not None and compiled.fullmatch(value) is None:
        errors.append(
            FieldError(
                name,
                f"Value at '{name}' failed to satisfy constraint: Member must satisfy regular expression "
                f"pattern: {pattern}",
                "INVALID_STRING_FORMAT",
            )
        )


def validate_request(operation: str, body: dict[str, Any]) -> list[FieldError]:
    return validate(service_model().operation_model(operation).input_shape, body)


def validate_response(operation: str, body: dict[str, Any]) -> list[FieldError]:
    """Check a response body against the operation's output shape (an operation without one takes `{}`)."""
    shape = service_model().operation_model(operation).output_shape
    if shape is None:
        return [] if body == {} else [FieldError("", "operation has no output", "INVALID_VALUE")]
    return validate(shape, body)

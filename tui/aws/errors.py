"""What can go wrong on a call, as exceptions the poller and the commands can act on.

Every botocore exception becomes one `ApiFailure` with a one-line, terminal-safe message that says what
to do: service errors keep their `schemas` struct; credential problems say how to fix them (for an SSO
profile, the `aws sso login --profile …` to run); network faults and malformed bodies are retryable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemas import ThrottlingException, decode_error

from .failures import (
    ApiFailure,
    CredentialsFailure,
    MalformedResponse,
    NetworkFailure,
    ServiceFailure,
    credentials_hint,
)

_CREDENTIAL_ERROR_CODES = {
    "ExpiredTokenException",
    "ExpiredToken",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "IncompleteSignatureException",
    "MissingAuthenticationTokenException",
}


def failure_from_client_error(response: Mapping[str, Any], *, profile: str | None, sso: bool) -> ApiFailure:
    """A botocore `ClientError.response` (Error code/message plus the parsed members) -> ApiFailure."""
    error = dict(response.get("Error") or {})
    meta = response.get("ResponseMetadata") or {}
    status = meta.get("HTTPStatusCode")
    code = str(error.get("Code") or "")
    if code in _CREDENTIAL_ERROR_CODES:
        what = "credentials expired" if "Expired" in code else f"credentials rejected ({code})"
        return CredentialsFailure(f"{what} — {credentials_hint(profile, sso=sso)}", retryable=False)
    body: dict[str, Any] = {
        k: v for k, v in response.items() if k not in ("Error", "ResponseMetadata", "message", "Message")
    }
    body["__type"] = code
    if error.get("Message") is not None:
        body["message"] = error["Message"]
    service_error = decode_error(body, meta.get("HTTPHeaders") or {}, status)
    throttled = isinstance(service_error, ThrottlingException) or code in (
        "ThrottlingException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
    )
    retryable = throttled or service_error.retryable or (status is not None and status >= 500)
    return ServiceFailure(
        str(service_error), service_error=service_error, retryable=retryable, throttled=throttled
    )


def never_connected(exc: BaseException | None) -> bool:
    """True for an attempt that never reached the service: no connection opened (refused, a name that
    does not resolve, a connect timeout, a proxy out of reach: botocore's `ConnectionError`). A read
    timeout or a connection closed mid-answer may have reached it (the request was sent): False."""
    from botocore import exceptions as bx

    return isinstance(exc, bx.ConnectionError)


def failure_from_exception(exc: BaseException, *, profile: str | None, sso: bool) -> ApiFailure:
    """Map any exception a botocore call raises to an ApiFailure (never raises itself)."""
    from botocore import exceptions as bx
    from botocore.parsers import ResponseParserError

    if isinstance(exc, ApiFailure):
        return exc
    if isinstance(exc, bx.ClientError):
        return failure_from_client_error(exc.response, profile=profile, sso=sso)
    sso_errors = tuple(
        getattr(bx, name)
        for name in ("UnauthorizedSSOTokenError", "TokenRetrievalError", "SSOTokenLoadError", "SSOError")
        if hasattr(bx, name)
    )
    if isinstance(exc, sso_errors):
        login = f"aws sso login --profile {profile}" if profile else "aws sso login"
        return CredentialsFailure(f"SSO session expired or missing — run: {login}", retryable=False)
    if isinstance(exc, bx.NoCredentialsError):
        return CredentialsFailure(
            f"no AWS credentials found — {credentials_hint(profile, sso=sso)}", retryable=False
        )
    if isinstance(exc, (bx.PartialCredentialsError, bx.CredentialRetrievalError)):
        return CredentialsFailure(
            f"credentials could not be loaded ({exc}) — {credentials_hint(profile, sso=sso)}",
            retryable=False,
        )
    if isinstance(exc, bx.ProfileNotFound):
        return CredentialsFailure(f"{exc} — check --profile or AWS_PROFILE", retryable=False)
    if isinstance(exc, (bx.ConnectTimeoutError, bx.ReadTimeoutError)):
        return NetworkFailure(f"timed out: {exc}")
    if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectionClosedError, bx.HTTPClientError)):
        return NetworkFailure(f"network error: {exc}")
    if isinstance(exc, ResponseParserError):
        return MalformedResponse(f"unreadable response: {exc}")
    if isinstance(exc, bx.ParamValidationError):
        return ApiFailure(f"invalid request: {exc}", retryable=False)
    if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
        return NetworkFailure(f"network error: {exc}")
    return ApiFailure(f"{type(exc).__name__}: {exc}", retryable=True)

"""What went wrong with a call, in one line a user can act on. No botocore here: the dashboard and the
write paths import these without loading the AWS SDK (`tui.aws.errors` maps botocore's exceptions)."""

from __future__ import annotations

from schemas import ServiceError


def _escape_char(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def escape_control(text: str) -> str:
    """Show control, bidi and other invisible characters as `\\xNN`/`\\uNNNN`, so untrusted text (a task's
    Message) printed to a terminal cannot move the cursor, retitle the window or reorder text."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else _escape_char(c) for c in text)


def one_line(text: str, limit: int = 300) -> str:
    text = escape_control(" ".join(str(text).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ApiFailure(Exception):
    """A call that did not return data. `message` is one line and safe to print."""

    category = "error"

    def __init__(
        self,
        message: str,
        *,
        service_error: ServiceError | None = None,
        retryable: bool = True,
        throttled: bool = False,
    ) -> None:
        self.message = one_line(message)
        self.service_error = service_error
        self.retryable = retryable
        self.throttled = throttled
        super().__init__(self.message)


class ServiceFailure(ApiFailure):
    """The service answered with an error (throttling, a 5xx fault, validation, access denied…)."""

    category = "service"


class CredentialsFailure(ApiFailure):
    """Missing, expired or rejected credentials: nothing works until the user acts."""

    category = "credentials"


class NetworkFailure(ApiFailure):
    """No answer: connection refused or reset, timeout."""

    category = "network"


class MalformedResponse(ApiFailure):
    """An answer that is not the JSON the operation promises (truncated, not JSON, wrong types)."""

    category = "malformed"


def credentials_hint(profile: str | None, *, sso: bool) -> str:
    if sso:
        return f"run: aws sso login --profile {profile}" if profile else "run: aws sso login"
    if profile:
        return f"refresh the credentials of profile {profile} (aws configure --profile {profile})"
    return "set AWS_PROFILE or --profile, or configure credentials (aws configure)"

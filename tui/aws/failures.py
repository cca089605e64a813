"""What went wrong with a call, in one line a user can act on. No botocore here: the dashboard and the
write paths import these without loading the AWS SDK (`tui.aws.errors` maps botocore's exceptions)."""

from __future__ import annotations

from schemas import ServiceError
from tui.core.text_safety import one_line


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


class SdkTooOld(Exception):
    """The installed botocore is older than the first whose model has every operation pcwatch calls: the
    message says which version it needs, in one line. Not an `ApiFailure` (no retry, no later call, can
    help): the commands exit 2 with it, as for a setting pcwatch will not use."""


def credentials_hint(profile: str | None, *, sso: bool) -> str:
    if sso:
        return f"run: aws sso login --profile {profile}" if profile else "run: aws sso login"
    if profile:
        return f"refresh the credentials of profile {profile} (aws configure --profile {profile})"
    return "set AWS_PROFILE or --profile, or configure credentials (aws configure)"

"""Access to the Partner Central Selling API through boto3. No Textual here."""

from .client import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY, PartnerCentralClient, is_local_endpoint, make_client
from .errors import (
    ApiFailure,
    CredentialsFailure,
    MalformedResponse,
    NetworkFailure,
    ServiceFailure,
    failure_from_client_error,
    failure_from_exception,
    one_line,
)

__all__ = [
    "LOCAL_ACCESS_KEY",
    "LOCAL_SECRET_KEY",
    "ApiFailure",
    "CredentialsFailure",
    "MalformedResponse",
    "NetworkFailure",
    "PartnerCentralClient",
    "ServiceFailure",
    "failure_from_client_error",
    "failure_from_exception",
    "is_local_endpoint",
    "make_client",
    "one_line",
]

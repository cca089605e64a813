"""Why a write failed, in words: what happened, whether anything was done, and what to do next.

Every string that came from the service is passed through `one_line` (control characters escaped), so a
hostile Message cannot drive the terminal.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from schemas import (
    WRITE_TARGETS,
    AccessDeniedException,
    ConflictException,
    GetEngagementInvitationResponse,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ThrottlingException,
    ValidationException,
)
from tui.aws.failures import ApiFailure, CredentialsFailure
from tui.aws.retry import may_retry
from tui.core.text_safety import one_line, visible
from tui.core.timefmt import MINUTE, instant


class WriteError(Exception):
    """A write that did not succeed. `lines[0]` is the summary; the rest are details, all safe to print.

    `definitive`: the service refused, nothing was done. Otherwise the outcome is unknown and running the
    same request again resends the same ClientToken."""

    def __init__(
        self,
        lines: list[str],
        *,
        failure: ApiFailure | None = None,
        definitive: bool = True,
        throttled: bool = False,
        client_token: str | None = None,
    ) -> None:
        self.lines = lines
        self.failure = failure
        self.definitive = definitive
        self.throttled = throttled
        self.client_token = client_token
        super().__init__(lines[0] if lines else "write failed")


class WritesDisabled(WriteError):
    """Read-only mode: no write is sent."""


class LedgerNotWritten(WriteError):
    """The write ledger could not record a write before it was sent (a full disk, a read-only file):
    nothing was sent, for without the record a lost answer could make the next attempt act twice."""


def ledger_refused(path: Path, reason: str) -> list[str]:
    """The one line of a write the ledger at `path` could not record (`reason`: `not_written`'s words)."""
    where = visible(str(path), limit=500)
    if reason == "the disk is full":
        fix = "free some space on its file system, then try again"
    elif reason == "it is read-only":
        fix = "make it writable (or use --journal OTHER_PATH: the ledger sits beside it), then try again"
    else:
        fix = "try again once it can be written"
    return [
        f"the write ledger {where} cannot record this write ({visible(reason, limit=300)}), so nothing was sent: {fix}"
    ]


def answer_not_recorded(path: Path, reason: str) -> str:
    """The remark on a write that was sent and answered but whose answer the ledger could not record."""
    return (
        f"the answer was not recorded in the write ledger {visible(str(path), limit=500)} "
        f"({visible(reason, limit=300)}); pcwatch keeps it and records it at the next write or at exit "
        "(until then a repeat of this write resends the same ClientToken: the service answers with the "
        "same task)"
    )


READ_ONLY_MESSAGE = (
    "writes are turned off (read-only mode: --read-only, PCWATCH_READ_ONLY=1); nothing was sent. "
    "Run without --read-only to act."
)


def read_only_message(source: str | None) -> str:
    """The refusal of a write in read-only mode, naming what turned it on (`Settings.read_only_source`:
    the flag, the variable, the config file's line) and so what to change; the general one if unknown."""
    if source is None:
        return READ_ONLY_MESSAGE
    shown = visible(source, limit=300)
    if source.startswith("flag "):
        undo = f"run without {shown.removeprefix('flag ')} to act"
    elif source.startswith("environment "):
        undo = f"unset {shown.removeprefix('environment ')} to act"
    else:
        undo = "remove read_only there (or set it to false) to act"
    return f"writes are turned off (read-only mode, set by {shown}); nothing was sent. {undo[:1].upper()}{undo[1:]}."


def is_definitive(failure: ApiFailure) -> bool:
    """True if the request certainly did nothing (the service refused it, or it was never sent): what
    the retry policy would not try again."""
    return not may_retry(failure)


def invitation_state(invitation: GetEngagementInvitationResponse, now: datetime | None) -> str:
    """`ACCEPTED`, `EXPIRED on …`, `PENDING (being accepted)`… for messages."""
    status = one_line(str(invitation.status or "unknown"), 40)
    expires = invitation.expiration_date
    if status == "PENDING" and expires is not None and now is not None and expires <= now:
        status = "EXPIRED"
    if status == "EXPIRED" and expires is not None:
        return f"EXPIRED (on {instant(expires, MINUTE, utc=True)})"
    return status


def explain(
    failure: ApiFailure,
    *,
    operation: str,
    target_id: str,
    catalog: str,
    invitation: GetEngagementInvitationResponse | None = None,
    now: datetime | None = None,
) -> list[str]:
    """The failure of `operation` on `target_id`, in words. `invitation` (a GetEngagementInvitation
    response, if one could be read) lets a conflict say what state the invitation is in."""
    what = WRITE_TARGETS.get(operation, "resource")
    target = one_line(target_id, 255)
    error = failure.service_error
    said = f"service said: {one_line(error.message, 500)}" if error is not None and error.message else None
    lines: list[str]
    if isinstance(error, ConflictException):
        if invitation is not None:
            state = invitation_state(invitation, now)
            verb = "accepted" if operation.startswith("Start") else "rejected"
            if state.startswith("PENDING"):
                lines = [
                    f"{what} {target} cannot be {verb} now: it is already being accepted (a task is running)"
                ]
            else:
                lines = [f"{what} {target} is no longer pending: it is {state}; it cannot be {verb}"]
        else:
            lines = [f"conflict: {what} {target} is not in a state that allows {operation}"]
        lines.append("nothing was changed by this request")
    elif isinstance(error, ResourceNotFoundException):
        lines = [f"{what} {target} was not found in catalog {catalog} (check the id and --catalog)"]
    elif isinstance(error, AccessDeniedException):
        reason = f" ({one_line(error.reason, 100)})" if error.reason else ""
        lines = [
            f"access denied{reason}: these credentials may not call {operation} on catalog {catalog}",
            f"check the IAM policy allows partnercentral:{operation} and that the account is linked to"
            " Partner Central; nothing was changed",
        ]
    elif isinstance(error, ValidationException):
        reason = f" ({one_line(error.reason, 100)})" if error.reason else ""
        lines = [f"the service refused the request as invalid{reason}; nothing was changed"]
        for item in error.error_list or ():
            field = one_line(item.field_name or "(field not named)", 200)
            message = one_line(item.message or "invalid", 500)
            code = f" [{one_line(item.code, 60)}]" if item.code else ""
            lines.append(f"  {field}: {message}{code}")
    elif isinstance(error, ThrottlingException) or failure.throttled:
        lines = [
            "throttled: the partner account's write quota (1 request/s, 10,000 a day, shared by everything"
            " the partner runs) is used up right now",
            "run the same command again in a few seconds: pcwatch resends the same ClientToken, so the"
            " service cannot act twice",
        ]
    elif isinstance(error, ServiceQuotaExceededException):
        lines = [
            f"a service quota is exceeded in catalog {catalog}; nothing was started",
            "wait for running tasks to finish, then try again",
        ]
    elif isinstance(failure, CredentialsFailure):
        lines = [failure.message]
    elif is_definitive(failure):
        lines = [f"{operation} failed: {failure.message}"]
    else:
        lines = [
            f"no definitive answer ({failure.message}): the request may or may not have been carried out",
            "run the same command again: pcwatch resends the same ClientToken, so the service will not"
            " act twice",
        ]
    if said and said not in lines[0]:
        lines.append(said)
    return lines

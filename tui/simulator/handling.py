"""What every operation handler shares: the `Context` of a request (the world, the time, the run's id and
speed, where the endpoint is reached) and the small helpers of list operations (the body, the cursor of a
NextToken, the sort order, an identifier out of an ARN). Handlers take the validated request and return
the response body (bytes), or raise `ServiceFault`; callers hold `world.lock`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import msgspec

from schemas import ConflictException

from .protocol import ServiceFault, decode_token, fingerprint
from .world import CatalogWorld


class Context:
    """What a handler needs besides the request: the world, the time, the simulator's run id and speed,
    the most tasks and bulk jobs that may run at once, and the endpoint's address as the client reached it
    (where a report's URL points)."""

    def __init__(
        self,
        world: CatalogWorld,
        now: float,
        epoch: str,
        speed: float,
        max_in_progress: int = 1000,
        *,
        max_bulk_in_progress: int = 5,
        base_url: str = "http://127.0.0.1",
    ) -> None:
        self.world = world
        self.now = now
        self.epoch = epoch
        self.speed = speed
        self.max_in_progress = max_in_progress
        self.max_bulk_in_progress = max_bulk_in_progress
        self.base_url = base_url


Handler = Callable[[Context, dict[str, Any]], bytes]


def last_part(identifier: str) -> str:
    """The id at the end of an ARN (or the id itself)."""
    return identifier.rsplit("/", 1)[-1]


def descending(sort: dict[str, Any] | None) -> bool:
    # Unsorted requests get the newest first, as ListResourceSnapshotJobs documents for itself.
    return bool((sort or {}).get("SortOrder", "DESCENDING") == "DESCENDING")


def list_body(key: str, parts: list[bytes], token: str | None) -> bytes:
    """`{"<key>": [<parts>], "NextToken": …}` from already encoded items."""
    body = b'{"' + key.encode() + b'":[' + b",".join(parts) + b"]"
    if token is not None:
        body += b',"NextToken":' + msgspec.json.encode(token)
    return body + b"}"


def cursor(ctx: Context, req: dict[str, Any], binding: str) -> int | None:
    """The position the request's NextToken continues after (None: the first page)."""
    token = req.get("NextToken")
    return None if token is None else decode_token(token, binding, ctx.epoch)


def moment_of(value: Any) -> datetime:
    """A request timestamp (validated: ISO 8601 text or epoch seconds) as an aware datetime (compare it
    with the times the service shows, to the microsecond, not with the floats behind them)."""
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:  # a time without an offset is UTC, as the service reads it
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def _request_print(req: dict[str, Any], kind: str) -> str:
    return fingerprint(kind, {k: v for k, v in req.items() if k != "ClientToken"})


def replayed_seq(world: CatalogWorld, req: dict[str, Any], kind: str) -> int | None:
    """What an earlier start with this request's ClientToken started (its seq in `kind`'s table), when the
    request is the same again; None for a new token. A token used before with another request (or another
    operation) is the service's ConflictException."""
    seen = world.client_tokens.get(req["ClientToken"])
    if seen is None:
        return None
    if seen[0] != _request_print(req, kind) or seen[1] != kind:
        raise ServiceFault(
            ConflictException(
                message="The ClientToken was already used with a different request. Use a new "
                "ClientToken for a new request."
            )
        )
    return seen[2]


def remember_token(world: CatalogWorld, req: dict[str, Any], kind: str, seq: int) -> None:
    """Record what this request's ClientToken started, for `replayed_seq`."""
    world.client_tokens[req["ClientToken"]] = (_request_print(req, kind), kind, seq)

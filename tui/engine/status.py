"""A poller's status: `StatusBoard` keeps the current `PollerStatus` and tells its subscribers of each
change (the poller's, and a viewer's that shares it); `LeaderReport` is what the polling viewer publishes
of it in the journal for the others (`status_to_json`, `status_from_json`; see `tui.engine.sharing`), and
what `pcwatch stats` reads of the budget (`read_report`).

The report is generated from PollerStatus's own fields, so a new field reaches the followers without a
line here. Two of them travel in another form: `last_service_error` (a union of error Structs that
msgspec cannot decode untagged) as the error body the service would send (`ServiceError.to_json`, read
back with `schemas.decode_error`, which never raises); and a state (a `Literal`) as a plain string, so
that a state another pcwatch version knows and this one does not costs that field, not the whole report.
"""

from __future__ import annotations

import os
import types
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal, Union, cast, get_args, get_origin

import msgspec

from schemas import decode_error
from tui.core.subscribers import Subscribers

from .types import PollerStatus, PollingState


class StatusBoard:
    """The current status, and the callbacks told of each change (an equal status is no change)."""

    def __init__(self, status: PollerStatus) -> None:
        self._status = status
        self._subscribers: Subscribers[PollerStatus] = Subscribers("status")

    @property
    def current(self) -> PollerStatus:
        return self._status

    def subscribe(self, callback: Callable[[PollerStatus], None]) -> Callable[[], None]:
        return self._subscribers.add(callback)

    def set(self, status: PollerStatus) -> None:
        if status == self._status:
            return
        self._status = status
        self._subscribers.notify(status)

    def update(self, **changes: Any) -> None:
        """The current status with `changes` (fields of PollerStatus)."""
        self.set(msgspec.structs.replace(self._status, **changes))


#: Where the polling viewer publishes its status (`status_to_json`) in the journal's meta table.
LEADER_KEY = "viewer:leader"
#: The states a follower shows as the leader's; otherwise it shows its own ("following", "paused").
LEADER_STATES_SHOWN = ("stale", "backoff", "paused")
#: The PollerStatus field carried as the error body JSON.
SERVICE_ERROR_FIELD = "last_service_error"


class ReportHead(msgspec.Struct, kw_only=True):
    """Who published a `LeaderReport`, and when (the rest of it is the status's fields, generated)."""

    pid: int = 0
    #: (with its zone: a report without one is not this format)
    published_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None


def _allowed(field_type: Any) -> tuple[Any, ...] | None:
    """The values a `Literal` field admits (None among them if it is optional); None for other types."""
    if get_origin(field_type) is Literal:
        return get_args(field_type)
    if get_origin(field_type) not in (Union, types.UnionType):
        return None
    values: list[Any] = []
    for member in get_args(field_type):
        if member is type(None):
            values.append(None)
        elif get_origin(member) is Literal:
            values.extend(get_args(member))
        else:
            return None
    return tuple(values)


def _wire_type(field: msgspec.structs.FieldInfo) -> Any:
    """A field's type in the report: the error body for the error, a string for a state."""
    if field.name == SERVICE_ERROR_FIELD:
        return str | None
    allowed = _allowed(field.type)
    if allowed is not None:
        return str | None if None in allowed else str
    return field.type


def _wire_default(field: msgspec.structs.FieldInfo) -> Any:
    if field.default_factory is not msgspec.NODEFAULT:
        return msgspec.field(default_factory=field.default_factory)
    return field.default


#: The fields a follower judges for itself: the report never carries them.
FOLLOWER_FIELDS = frozenset({"leader_silent_since"})
_STATUS_FIELDS = tuple(f for f in msgspec.structs.fields(PollerStatus) if f.name not in FOLLOWER_FIELDS)
#: field -> the values its Literal admits (the states): another value reads as the field's default.
_LITERALS = {f.name: allowed for f in _STATUS_FIELDS if (allowed := _allowed(f.type)) is not None}

#: The leader's report: `ReportHead` and every field of PollerStatus, flat (as the first format was).
LeaderReport = cast(
    "type[ReportHead]",
    msgspec.defstruct(
        "LeaderReport",
        [(f.name, _wire_type(f), _wire_default(f)) for f in _STATUS_FIELDS],
        bases=(ReportHead,),
        kw_only=True,
        module=__name__,
    ),
)
_report_decoder = msgspec.json.Decoder(LeaderReport)


def status_to_json(status: PollerStatus, now: datetime) -> str:
    """The report this process publishes of `status` at `now`."""
    carried = msgspec.structs.asdict(status)
    for name in FOLLOWER_FIELDS:
        del carried[name]
    error = status.last_service_error
    carried[SERVICE_ERROR_FIELD] = error.to_json().decode() if error is not None else None
    report = LeaderReport(pid=os.getpid(), published_at=now, **carried)
    return msgspec.json.encode(report).decode()


def read_report(text: str | None) -> tuple[ReportHead, PollerStatus] | None:
    """A published report: who published it and when, and the status as the leader had it (a state this
    version does not know left at its default); None if there is none or it cannot be read (another
    version's format). Never raises."""
    if not text:
        return None
    try:
        report = _report_decoder.decode(text)
    except msgspec.DecodeError:  # (a ValidationError too)
        return None
    carried = {f.name: getattr(report, f.name) for f in _STATUS_FIELDS}
    error = carried[SERVICE_ERROR_FIELD]
    carried[SERVICE_ERROR_FIELD] = decode_error(error) if error is not None else None
    for name, allowed in _LITERALS.items():
        if carried[name] not in allowed:
            del carried[name]
    return report, PollerStatus(**carried)


def status_from_json(text: str | None, state: PollingState) -> PollerStatus:
    """A follower's status: the leader's, published in the journal, in the follower's own `state` unless
    the leader's is one of LEADER_STATES_SHOWN. A report that cannot be read gives the follower's state
    alone. (Whether the leader is silent is the follower's to judge: `tui.engine.sharing`.)"""
    read = read_report(text)
    if read is None:
        return PollerStatus(state=state)
    leader = read[1]
    shown = leader.state if leader.state in LEADER_STATES_SHOWN else state
    return msgspec.structs.replace(leader, state=shown)

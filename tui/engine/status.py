"""A poller's status: `StatusBoard` keeps the current `PollerStatus` and tells its subscribers of each
change (the poller's, and a viewer's that shares it); `status_to_json` and `status_from_json` carry the
polling viewer's status through the journal to the others (see `tui.engine.sharing`)."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tui.core.subscribers import Subscribers
from tui.core.timefmt import CLOCK, instant, iso

from .types import PollerStatus


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
        self.set(dataclasses.replace(self._status, **changes))


#: Where the polling viewer publishes its status (`status_to_json`) in the journal's meta table.
LEADER_KEY = "viewer:leader"


def status_to_json(status: PollerStatus, now: datetime) -> str:
    def iso_or_none(value: datetime | None) -> str | None:
        return iso(value) if value else None

    return json.dumps(
        {
            "pid": os.getpid(),
            "published_at": iso(now),
            "state": status.state,
            "calls_last_hour": status.calls_last_hour,
            "calls_left_today": status.calls_left_today,
            "next_poll_at": iso_or_none(status.next_poll_at),
            "last_success": {k: iso(v) for k, v in status.last_success.items()},
            "last_error": status.last_error,
            "stale_since": iso_or_none(status.stale_since),
            "backfilling": status.backfilling,
            "history_fetched": status.history_fetched,
            "scanned": {k: iso(v) for k, v in status.scanned.items()},
            "active_tasks": status.active_tasks,
            "calls_total": status.calls_total,
            "watched": status.watched,
            "failing": [list(pair) for pair in status.failing],
            "scan_every": status.scan_every,
            "saving": status.saving,
            "budget_resumes_at": iso_or_none(status.budget_resumes_at),
            "call_started_at": iso_or_none(status.call_started_at),
            "events": status.events,
            "last_event_at": iso_or_none(status.last_event_at),
            "events_error": status.events_error,
        }
    )


def status_from_json(
    text: str | None, state: str, now: datetime | None = None, silent_after: float | None = None
) -> PollerStatus:
    """A follower's status: the leader's, published in the journal. A leader that has published nothing
    for `silent_after` seconds while holding the lock (a suspended process) makes it stale."""
    if not text:
        return PollerStatus(state=state)
    try:
        data = json.loads(text)

        def dt(value: Any) -> datetime | None:
            return datetime.fromisoformat(value) if isinstance(value, str) else None

        leader_state = data.get("state")
        published = dt(data.get("published_at"))
        silent = (
            now is not None
            and silent_after is not None
            and published is not None
            and (now - published).total_seconds() > silent_after
        )
        if silent:
            assert published is not None
            return PollerStatus(
                state="stale",
                calls_last_hour=int(data.get("calls_last_hour", 0)),
                calls_left_today=int(data.get("calls_left_today", 0)),
                last_error=(
                    f"the polling viewer (process {int(data.get('pid', 0))}) has been silent since"
                    f" {instant(published, CLOCK, utc=True)} (suspended?); closing it lets this viewer poll"
                ),
                stale_since=published,
            )
        return PollerStatus(
            state=leader_state if leader_state in ("stale", "backoff", "paused") else state,
            calls_last_hour=int(data.get("calls_last_hour", 0)),
            calls_left_today=int(data.get("calls_left_today", 0)),
            next_poll_at=dt(data.get("next_poll_at")),
            last_success={k: v for k, s in data.get("last_success", {}).items() if (v := dt(s))},
            last_error=data.get("last_error"),
            stale_since=dt(data.get("stale_since")),
            backfilling=bool(data.get("backfilling")),
            history_fetched={str(k): int(v) for k, v in data.get("history_fetched", {}).items()},
            scanned={k: v for k, s in data.get("scanned", {}).items() if (v := dt(s))},
            active_tasks=int(data.get("active_tasks", 0)),
            calls_total=int(data.get("calls_total", 0)),
            watched=bool(data.get("watched")),
            failing=tuple(
                (str(pair[0]), str(pair[1]))
                for pair in data.get("failing") or ()
                if isinstance(pair, list) and len(pair) == 2
            ),
            scan_every=float(data.get("scan_every") or 0.0),
            saving=bool(data.get("saving")),
            budget_resumes_at=dt(data.get("budget_resumes_at")),
            call_started_at=dt(data.get("call_started_at")),
            events=data.get("events") if isinstance(data.get("events"), str) else None,
            last_event_at=dt(data.get("last_event_at")),
            events_error=data.get("events_error") if isinstance(data.get("events_error"), str) else None,
        )
    except (ValueError, TypeError, AttributeError):  # a newer pcwatch's format: show what we can
        return PollerStatus(state=state)

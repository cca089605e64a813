"""Every time and duration pcwatch shows, formatted in one place.

Instants are UTC (pcwatch keeps every time in UTC, as the service sends it) and come in a few named forms,
each used for one kind of place. Durations are compact (`45s`, `3m05s`, `2h03m`, `1d02h`); a running task's
age in the table is coarser (`<1m`, then whole minutes) so that its row changes at most once a minute.
Nothing here reads the clock: callers pass `now`, from their injected clock.
"""

from __future__ import annotations

import math
from datetime import datetime

#: The header's last poll, the activity pane, a silent leader's last word.
CLOCK = "%H:%M:%S"
#: Details, the write ledger, `pcwatch list`, the notebook's table.
SECOND = "%Y-%m-%d %H:%M:%S"
#: Invitation dates and expiries.
MINUTE = "%Y-%m-%d %H:%M"
#: The snapshot jobs pane.
SHORT_SECOND = "%m-%d %H:%M:%S"
#: The task table's start column.
SHORT_MINUTE = "%m-%d %H:%M"
#: Export file names.
FILE_STAMP = "%Y%m%d-%H%M%S"
#: The suffix of a journal moved aside.
ASIDE_STAMP = "%Y%m%dT%H%M%SZ"


def instant(when: datetime | None, form: str = SECOND, *, utc: bool = False, missing: str = "") -> str:
    """`when` in `form` (one of the forms above), with " UTC" after it if `utc`; `missing` for None."""
    if when is None:
        return missing
    text = when.strftime(form)
    return f"{text} UTC" if utc else text


def iso(when: datetime | None) -> str:
    """ISO 8601, as the service's wire format and pcwatch's exports have it ("" for None)."""
    return when.isoformat() if when is not None else ""


def duration(seconds: float | None) -> str:
    """`45s`, `3m05s`, `2h03m`, `1d02h`; "" when unknown (None, negative, not finite)."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return ""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def running(seconds: float | None) -> str:
    """A running task's age, coarse enough that a row changes at most once a minute as the clock ticks:
    "<1m", then whole minutes (the details pane has the exact figure, to the second)."""
    if seconds is not None and 0 <= seconds < 60:
        return "<1m"
    if seconds is not None and 60 <= seconds < 3600:
        return f"{int(seconds) // 60}m"
    return duration(seconds)


def time_left(expiration: datetime | None, now: datetime) -> str:
    """`3d 4h left`, `2h 05m left`, `12m left`, or `expired 1d 2h ago`."""
    if expiration is None:
        return "no expiry"
    seconds = (expiration - now).total_seconds()
    days, rem = divmod(int(abs(seconds)), 86400)
    hours, rem = divmod(rem, 3600)
    minutes = rem // 60
    text = f"{days}d {hours}h" if days else f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"
    return f"{text} left" if seconds > 0 else f"expired {text} ago"


def relative(when: datetime | None, now: datetime) -> str:
    """`when` relative to `now`: `just now`, `3m05s ago`, `in 2h03m`; "" for None."""
    if when is None:
        return ""
    seconds = (now - when).total_seconds()
    if abs(seconds) < 1:
        return "just now"
    return f"{duration(seconds)} ago" if seconds > 0 else f"in {duration(-seconds)}"

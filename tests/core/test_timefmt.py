"""Every time and duration pcwatch shows comes from tui.core.timefmt: the forms, and their edges."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tui.core import timefmt

T0 = datetime(2026, 11, 28, 9, 5, 7, tzinfo=timezone.utc)


def test_durations() -> None:
    assert timefmt.duration(5) == "5s"
    assert timefmt.duration(125) == "2m05s"
    assert timefmt.duration(3 * 3600 + 120) == "3h02m"
    assert timefmt.duration(2 * 86400 + 3600) == "2d01h"
    assert timefmt.duration(float("nan")) == ""
    assert timefmt.duration(float("inf")) == ""
    assert timefmt.duration(None) == ""


def test_a_running_age_changes_at_most_once_a_minute() -> None:
    assert [timefmt.running(s) for s in (0, 59.9, 60, 61, 3599)] == ["<1m", "<1m", "1m", "1m", "59m"]
    assert timefmt.running(3600) == timefmt.duration(3600) == "1h00m"
    assert timefmt.running(None) == "" and timefmt.running(-5) == ""


def test_instants_in_their_named_forms() -> None:
    assert timefmt.instant(T0, timefmt.CLOCK) == "09:05:07"
    assert timefmt.instant(T0) == "2026-11-28 09:05:07"
    assert timefmt.instant(T0, timefmt.MINUTE, utc=True) == "2026-11-28 09:05 UTC"
    assert timefmt.instant(T0, timefmt.SHORT_SECOND) == "11-28 09:05:07"
    assert timefmt.instant(T0, timefmt.SHORT_MINUTE) == "11-28 09:05"
    assert timefmt.instant(T0, timefmt.FILE_STAMP) == "20261128-090507"
    assert timefmt.instant(T0, timefmt.ASIDE_STAMP) == "20261128T090507Z"
    assert timefmt.instant(None) == "" and timefmt.instant(None, missing="—") == "—"
    assert timefmt.iso(T0) == "2026-11-28T09:05:07+00:00" and timefmt.iso(None) == ""


def test_time_left_before_and_after_expiry() -> None:
    assert timefmt.time_left(T0 + timedelta(days=2, hours=3), T0) == "2d 3h left"
    assert timefmt.time_left(T0 + timedelta(hours=2, minutes=5), T0) == "2h 05m left"
    assert timefmt.time_left(T0 + timedelta(minutes=12, seconds=30), T0) == "12m left"
    assert timefmt.time_left(T0 - timedelta(days=1, hours=2), T0) == "expired 1d 2h ago"
    assert timefmt.time_left(None, T0) == "no expiry"

"""The leader's status through the journal to a follower (`tui.engine.status.LeaderReport`). The status
tested is generated from PollerStatus's own fields and types, each given a value that is not its
default: a field added to PollerStatus is covered here without a new test, and one the report drops
fails it."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import types
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import msgspec

from tests.support.dashboard import FakePoller
from tests.support.engine import T0, FakeClient
from tui.core.clock import MockClock
from tui.core.settings import Settings
from tui.engine.sharing import SharedEngine, make_engine
from tui.engine.stats import budget_stats
from tui.engine.status import FOLLOWER_FIELDS, status_from_json, status_to_json
from tui.engine.types import PollerStatus


def _value(t: Any, n: int) -> Any:
    """A value of type `t` (the n-th field's: values differ between fields), never a default."""
    origin, args = get_origin(t), get_args(t)
    if t is str:
        return f"text {n}"
    if t is bool:
        return True
    if t is int:
        return 1000 + n
    if t is float:
        return 0.5 + n
    if t is datetime:
        return T0 - timedelta(hours=n + 1)  # (long before now: a call this old is a hang, and published)
    if origin is Literal:
        return args[-1]
    if origin in (Union, types.UnionType):  # the first member that is not None
        return _value(next(a for a in args if a is not type(None)), n)
    if origin is dict:
        return {f"key {n}": _value(args[1], n)}
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return (_value(args[0], n),)
    if origin is tuple:
        return tuple(_value(a, n + i) for i, a in enumerate(args))
    if isinstance(t, type) and issubclass(t, msgspec.Struct):
        return t(**{f.name: _value(f.type, n + i) for i, f in enumerate(msgspec.structs.fields(t))})
    raise TypeError(f"no value for a field of type {t}: teach this test the new type")


def generated_status() -> PollerStatus:
    """Every field of PollerStatus set to a value that is not its default. The state is one a follower
    shows as the leader's ("backoff"; otherwise it shows its own)."""
    fields = msgspec.structs.fields(PollerStatus)
    status = PollerStatus(**{f.name: _value(f.type, i) for i, f in enumerate(fields)})
    status = msgspec.structs.replace(status, state="backoff")
    default = PollerStatus()
    same = [f.name for f in fields if getattr(status, f.name) == getattr(default, f.name)]
    assert same == [], f"fields left at their default: {same}"
    return status


def differences(a: PollerStatus, b: PollerStatus) -> list[str]:
    return [f for f in PollerStatus.__struct_fields__ if getattr(a, f) != getattr(b, f)]


def leaders_part(status: PollerStatus) -> PollerStatus:
    """What the leader says of itself: a follower judges the rest (whether the leader is silent)."""
    return msgspec.structs.replace(status, **{f: getattr(PollerStatus(), f) for f in FOLLOWER_FIELDS})


async def _leading(engine: SharedEngine) -> asyncio.Future[None]:
    running = asyncio.ensure_future(engine.run())
    for _ in range(100):
        if engine.role == "leader":
            break
        await asyncio.sleep(0)
    assert engine.role == "leader"
    return running


async def test_every_field_of_the_leaders_status_reaches_a_follower_through_the_journal(
    tmp_path: Path,
) -> None:
    clock = MockClock(T0)
    settings = Settings(journal_path=tmp_path / "j.sqlite3", endpoint_url="http://127.0.0.1:9")
    poller = FakePoller(PollerStatus())
    store, leader = make_engine(
        settings,
        clock,
        client_factory=lambda _s: FakeClient(),
        poller_factory=lambda *_args: poller,  # type: ignore[arg-type,return-value]
    )
    store.load()
    running = await _leading(leader)
    follower_store, follower = make_engine(settings, clock)
    follower_store.load()
    try:
        published = generated_status()
        assert published.last_service_error is not None
        poller.set_status(**msgspec.structs.asdict(published))  # the leader publishes it at once
        follower.follow_once()
        assert follower.role == "follower"
        # (who polls is what the leader says of itself, whatever its poller's status held)
        published = msgspec.structs.replace(
            leaders_part(published), leader_pid=os.getpid(), leader_host=socket.gethostname()
        )
        assert differences(follower.status, published) == []
        assert follower.status == published
        # The error is the same object while it lasts (the dashboard compares it by identity).
        error = follower.status.last_service_error
        poller.set_status(next_poll_at=T0 + timedelta(seconds=5), calls_total=published.calls_total + 1)
        follower.follow_once()
        assert follower.status.calls_total == published.calls_total + 1
        assert follower.status.last_service_error is error
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        leader.close()
        follower.close()


def test_a_follower_shows_its_own_state_unless_the_leader_is_stale_backing_off_or_paused() -> None:
    for leader_state, expected in [
        ("live", "following"),
        ("starting", "following"),
        ("stale", "stale"),
        ("backoff", "backoff"),
        ("paused", "paused"),
    ]:
        text = status_to_json(PollerStatus(state=leader_state, calls_total=5), T0)  # type: ignore[arg-type]
        shown = status_from_json(text, "following")
        assert (shown.state, shown.calls_total) == (expected, 5)
    assert status_from_json(None, "paused").state == "paused"


def test_another_versions_report_shows_what_it_can_and_never_raises() -> None:
    report = json.loads(status_to_json(generated_status(), T0))
    # A state and an events state this version does not know, and a field it has never heard of.
    newer = {**report, "state": "hibernating", "events": "sleepy", "mood": "calm"}
    shown = status_from_json(json.dumps(newer), "following")
    assert shown.state == "following" and shown.events is None
    assert shown.calls_total == report["calls_total"] and shown.last_error == report["last_error"]
    # An error body this version cannot read is still an error, said as unknown.
    odd = status_from_json(json.dumps({**report, "last_service_error": "not json"}), "following")
    assert odd.last_service_error is not None and odd.last_error == report["last_error"]
    for junk in ("{not json", "[1, 2]", "null", json.dumps({**report, "calls_total": "many"})):
        assert status_from_json(junk, "following") == PollerStatus(state="following")
    # A report without a zone on its time is not this format either (it could not be compared).
    naive = json.dumps({**report, "published_at": "2026-11-28T09:00:00"})
    assert status_from_json(naive, "following") == PollerStatus(state="following")


def test_the_budget_figures_come_from_the_same_report() -> None:
    status = generated_status()
    leader = budget_stats(None, status_to_json(status, T0)).leader
    assert leader is not None
    assert (leader.published_at, leader.calls_last_hour, leader.calls_left_today, leader.calls_total) == (
        T0,
        status.calls_last_hour,
        status.calls_left_today,
        status.calls_total,
    )


def test_the_report_is_one_flat_object_as_the_first_format_was() -> None:
    """Who, when, then the status's fields at the top level: a report of the hand-written first format
    (no error body, times with +00:00) reads the same, and older followers read this one."""
    report = json.loads(status_to_json(generated_status(), T0))
    carried = [f for f in PollerStatus.__struct_fields__ if f not in FOLLOWER_FIELDS]
    assert list(report) == ["pid", "published_at", *carried]
    first_format = {
        "pid": 42,
        "published_at": T0.isoformat(),
        "state": "stale",
        "calls_last_hour": 7,
        "calls_left_today": 99,
        "next_poll_at": None,
        "last_success": {"jobs": T0.isoformat()},
        "last_error": "boom",
        "failing": [["jobs", "boom"]],
        "scan_every": 180,
        "events": None,
    }
    shown = status_from_json(json.dumps(first_format), "following")
    assert shown == PollerStatus(
        state="stale",
        calls_last_hour=7,
        calls_left_today=99,
        last_success={"jobs": T0},
        last_error="boom",
        failing=(("jobs", "boom"),),
        scan_every=180.0,
    )

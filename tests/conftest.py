"""Fixtures every layer's tests share. Helpers that tests import (fakes, builders, subprocess runners) are
in `tests/support/`; fixtures of one layer in that layer's `conftest.py` (the simulator's).

- `hermetic_environment` (autouse): no test sees the developer's PCWATCH_* or AWS profile settings, and
  the state directory (journals, write ledgers) and the config directory (config.toml) are fresh
  temporary ones, for every test and the pcwatch processes it starts;
- `clock`: a MockClock at T0;
- `served_simulator`: a simulator on the real clock served on 127.0.0.1, with a few running tasks;
- the write endpoint and what points at it: `sim_clock`, `write_sim`, `write_endpoint`, `write_settings`,
  `write_client`, `ledger`, `actions`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.writes import T0, FaultOnceSimulator
from tui.aws.client import make_client
from tui.core.clock import MockClock, SystemClock
from tui.core.settings import Settings
from tui.simulator import Endpoint, Simulator, serve
from tui.writes.actions import WriteActions
from tui.writes.ledger import WriteLedger


@pytest.fixture(autouse=True)
def hermetic_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs as on a fresh machine: pcwatch's own variables and the AWS profile unset (a
    developer's PCWATCH_READ_ONLY or AWS_PROFILE must not change what a test sees), and the user's state
    directory a new temporary one (no journal or write ledger of the developer's is read or written)."""
    for name in list(os.environ):
        if name.startswith("PCWATCH_") or name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            monkeypatch.delenv(name)
    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    # No config file of the developer's either: the user's config directory is a new, empty one.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    return state


@pytest.fixture
def clock() -> MockClock:
    return MockClock(T0)


@pytest.fixture
def served_simulator() -> Iterator[tuple[Simulator, Endpoint]]:
    sim = Simulator(seed=7, history=150, clock=SystemClock())
    for _ in range(3):
        sim.add_task(duration=3600.0)
    with serve(sim, port=0) as endpoint:
        yield sim, endpoint


@pytest.fixture
def sim_clock() -> MockClock:
    return MockClock(T0)


@pytest.fixture
def write_sim(sim_clock: MockClock) -> FaultOnceSimulator:
    return FaultOnceSimulator(seed=11, history=200, clock=sim_clock, enforce_quotas=False)


@pytest.fixture
def write_endpoint(write_sim: FaultOnceSimulator) -> Iterator[Endpoint]:
    with serve(write_sim, port=0) as ep:
        yield ep


@pytest.fixture
def write_settings(write_endpoint: Endpoint, tmp_path: Path) -> Settings:
    return Settings(endpoint_url=write_endpoint.url, journal_path=tmp_path / "journal.sqlite3")


@pytest.fixture
def write_client(write_settings: Settings) -> Iterator[Any]:
    client = make_client(write_settings, connect_timeout=2.0, read_timeout=5.0)
    yield client
    client.close()


@pytest.fixture
def ledger(write_settings: Settings) -> Iterator[WriteLedger]:
    with WriteLedger.for_settings(write_settings, clock=MockClock(T0)) as led:
        yield led


@pytest.fixture
def actions(write_client: Any, ledger: WriteLedger) -> WriteActions:
    return WriteActions(write_client, ledger, clock=MockClock(T0))

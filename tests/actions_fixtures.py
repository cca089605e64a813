"""Fixtures for the write tests: the write simulator on a MockClock served over HTTP, and the pcwatch
client, ledger and actions pointed at it. Use with `pytest_plugins = ("tests.actions_fixtures",)`;
helpers live in tests/writes_support.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tui.aws.client import make_client
from tui.core.clock import MockClock
from tui.core.settings import Settings
from tui.simulator import Endpoint, serve
from tui.writes.actions import WriteActions
from tui.writes.ledger import WriteLedger

from .writes_support import T0, FaultOnceSimulator


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

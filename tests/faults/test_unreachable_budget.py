"""What the daily budget is charged while the endpoint cannot be reached (issue 27, item 5): a request that
never connected (refused, connect timeout, a name that does not resolve) never reached the service's quota
and is not charged; one that was sent and got no answer (a read timeout) may have, and is. The truth is
the local endpoint's own count of the requests it received."""

from __future__ import annotations

import asyncio
import socket

import pytest

from tui.aws.client import PartnerCentralClient, make_client
from tui.aws.failures import NetworkFailure
from tui.core.clock import MockClock
from tui.core.settings import Budget, Settings
from tui.engine.budget import RequestBudget
from tui.simulator import Faults, Simulator, serve

ALLOWANCE = Budget(rate_per_second=1000.0, daily_calls=10_000, burst=1000)


def nothing_listening() -> int:
    """A loopback port no one listens on: connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def client_at(url: str) -> PartnerCentralClient:
    return make_client(Settings(endpoint_url=url, demo=True), connect_timeout=0.5, read_timeout=0.5)


def list_once(budget: RequestBudget, client: PartnerCentralClient) -> None:
    asyncio.run(
        budget.spend_on(lambda: client.attempts, lambda: client.list_engagement_invitations(max_results=10))
    )


def test_connections_refused_are_not_charged() -> None:
    budget = RequestBudget(ALLOWANCE, MockClock())
    client = client_at(f"http://127.0.0.1:{nothing_listening()}")
    try:
        for _ in range(3):
            with pytest.raises(NetworkFailure):
                list_once(budget, client)
    finally:
        client.close()
    assert budget.calls_last_day == 0 and client.attempts == 0


def test_the_budget_charges_what_the_endpoint_received_through_answers_timeouts_and_an_outage() -> None:
    budget = RequestBudget(ALLOWANCE, MockClock())
    simulator = Simulator(seed=3, history=20)
    with serve(simulator, port=0) as endpoint:
        client = client_at(endpoint.url)
        try:
            for _ in range(3):
                list_once(budget, client)
            simulator.faults = Faults(hang=1.0, hang_seconds=1.5)  # sent, never answered: may have counted
            with pytest.raises(NetworkFailure):
                list_once(budget, client)
            received = sum(simulator.stats.calls.values())
        finally:
            simulator.faults = Faults()
    try:
        for _ in range(2):  # the endpoint gone: each attempt refused
            with pytest.raises(NetworkFailure):
                list_once(budget, client)
    finally:
        client.close()
    assert simulator.stats.outcomes["hang"] >= 1  # the timed-out requests reached it (botocore retried them)
    assert budget.calls_last_day == received

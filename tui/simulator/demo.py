"""`--demo`: the local endpoint, in-process, with a generated history and tasks that keep starting."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from tui.core.clock import Clock, SystemClock
from tui.core.settings import Settings

if TYPE_CHECKING:
    from . import Endpoint, Faults, Simulator

DEMO_ACTIVITY_PER_MINUTE = 6.0


def start_demo_endpoint(
    seed: int = 1,
    history: int = 1000,
    speed: float = 1.0,
    *,
    clock: Clock | None = None,
    activity_per_minute: float = DEMO_ACTIVITY_PER_MINUTE,
    faults: Faults | None = None,
) -> tuple[Endpoint, Simulator]:
    """Start the simulator on 127.0.0.1 (any free port) in a daemon thread. `endpoint.close()` stops it."""
    from . import Simulator, serve

    simulator = Simulator(
        seed=seed, history=history, speed=speed, clock=clock or SystemClock(), faults=faults
    )
    if activity_per_minute > 0:
        simulator.demo_activity(activity_per_minute)
    return serve(simulator, port=0), simulator


def demo_settings(settings: Settings, endpoint: Endpoint) -> Settings:
    """The settings pointed at a demo endpoint (fixed local credentials, its URL)."""
    return dataclasses.replace(settings, endpoint_url=endpoint.url, demo=True)

"""The demo, started in one place: `--demo` for the dashboard, `pcwatch serve` and the headless commands,
and `Watch(demo=…)` in a notebook all call `start_demo`. It runs the local endpoint in-process (a daemon
thread, 127.0.0.1, any free port) with a generated history and tasks that keep starting, and points the
settings at it (the endpoint's fixed local credentials)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from tui.core.clock import Clock, SystemClock
from tui.core.settings import Settings

from .faults import Faults
from .server import Endpoint, serve
from .simulator import Simulator


@dataclass(frozen=True)
class DemoWorld:
    """What the demo's endpoint holds: a seeded history and new tasks every minute."""

    seed: int = 1
    #: Tasks in the history of each catalog.
    history: int = 20_000
    #: New tasks started each minute (each then completes or fails), 0 for none.
    activity_per_minute: float = 12.0
    #: Time scale of the simulated tasks (10: every task ends ten times sooner).
    speed: float = 1.0


#: The demo every `--demo` shows: a large history, tasks starting and ending while you watch.
DEMO = DemoWorld()


@dataclass
class Demo:
    """A running demo endpoint; `close()` stops it."""

    endpoint: Endpoint
    simulator: Simulator
    #: The settings pointed at it.
    settings: Settings

    def close(self) -> None:
        self.endpoint.close()


def wants_demo(settings: Settings) -> bool:
    """`--demo` without an endpoint of its own: the embedded endpoint must be started."""
    return settings.demo and not settings.endpoint_url


def start_demo(
    settings: Settings,
    world: DemoWorld = DEMO,
    *,
    clock: Clock | None = None,
    faults: Faults | None = None,
) -> Demo:
    """Start the demo endpoint for `settings` and return it with the settings pointed at it."""
    simulator = Simulator(
        seed=world.seed, history=world.history, speed=world.speed, clock=clock or SystemClock(), faults=faults
    )
    if world.activity_per_minute > 0:
        simulator.demo_activity(world.activity_per_minute)
    endpoint = serve(simulator, port=0)
    return Demo(endpoint, simulator, dataclasses.replace(settings, endpoint_url=endpoint.url, demo=True))

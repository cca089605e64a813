"""Wiring the dashboard to the real engine: journal, store, client, poller — or, with `--demo`, to the
in-process local endpoint with a lively scenario. Kept apart from `tui.dashboard.app` so the app module (and the
tests that build it around fakes) never import boto3."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import Any

from tui.core.clock import Clock, SystemClock
from tui.core.settings import Settings

#: The demo: a large history, tasks starting (and completing or failing) all the time.
DEMO_HISTORY = 20_000
DEMO_ACTIVITY_PER_MINUTE = 12.0


def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    demo_seed: int = 1,
    demo_history: int = DEMO_HISTORY,
    demo_activity: float = DEMO_ACTIVITY_PER_MINUTE,
    demo_speed: float = 1.0,
    toasts: bool = True,
    driver_class: type[Any] | None = None,
) -> tuple[Any, Callable[[], None]]:
    """The app and a cleanup to call after it exits (closes the client, the journal, the endpoint)."""
    from tui.aws.client import make_client
    from tui.dashboard.app import PcwatchApp
    from tui.engine.sharing import make_engine
    from tui.writes.actions import build_write_actions, writes_allowed

    clock = clock or SystemClock()
    simulator = None
    cleanups: list[Callable[[], Any]] = []

    def cleanup() -> None:
        for step in reversed(cleanups):
            with contextlib.suppress(Exception):
                step()

    try:
        if settings.demo and not settings.endpoint_url:
            from tui.simulator.demo import demo_settings, start_demo_endpoint

            endpoint, simulator = start_demo_endpoint(
                seed=demo_seed,
                history=demo_history,
                speed=demo_speed,
                clock=clock,
                activity_per_minute=demo_activity,
            )
            cleanups.append(endpoint.close)
            settings = demo_settings(settings, endpoint)
        client = make_client(settings)  # for the user's writes; polling uses it only while leading
        cleanups.append(client.close)
        # One poller, many viewers: with a journal, this dashboard polls only if no other viewer of the
        # same account and catalog does; otherwise it follows that one through the journal (tui.engine.sharing).
        store, poller = make_engine(settings, clock, client_factory=lambda _settings: client)
        cleanups.append(poller.close)
        actions = None
        if writes_allowed(settings):
            actions = build_write_actions(client, store, settings, clock)
            cleanups.append(actions.ledger.close)
        app = PcwatchApp(
            store,
            poller,
            settings,
            clock,
            load=store.load if store.journal is not None else None,
            toasts=toasts,
            driver_class=driver_class,
            actions=actions,
        )
        app.demo_simulator = simulator  # for scripts that stage a scenario (screenshots)
    except BaseException:
        cleanup()
        raise
    return app, cleanup


def forget_inherited_terminal_size() -> None:
    """Make the terminal itself the only source of its size.

    Textual and Rich read the size with `shutil.get_terminal_size()`, which prefers COLUMNS and LINES
    from the environment. A shell that exports them passes on the size they had when the command
    started, and JupyterLab's terminal always exports them (terminado sets both): the dashboard then
    took every resize for the old size, repainted nothing, and the screen stayed blank or garbled.
    Without a terminal (textual-serve runs pcwatch on pipes and passes the page's size in them) they stay.
    """
    import sys

    try:
        os.get_terminal_size(sys.__stdout__.fileno())
    except (AttributeError, ValueError, OSError):
        return
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)


def run(args: Any, settings: Any) -> int:
    """`pcwatch` with no command: the dashboard on the configured account (or the demo endpoint)."""
    import sys

    from tui.dashboard.widgets.safe_text import clean

    forget_inherited_terminal_size()  # before the app exists: its console reads them once, at creation
    try:
        app, cleanup = build_app(settings)
    except Exception as exc:  # e.g. an unknown profile: say so in one line, no traceback
        print(f"pcwatch: {clean(str(exc), limit=500)}", file=sys.stderr)
        return 2
    try:
        result = app.run()
    finally:
        cleanup()
    return int(result or 0)

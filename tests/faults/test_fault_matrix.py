"""The fault matrix (issue 15, Build 7): every fault the local endpoint and its proxy can inject, run
against the engine (shared engine, poller, journal; no Textual) and against the dashboard (Pilot). In
each: the app stays up, the header says the truth while the fault lasts, and once it is over every
transition the endpoint made is in the journal (compared with the endpoint's own record).

The clock is a MockClock shared by the endpoint and pcwatch; the HTTP calls are real (botocore through
the local endpoint), with short connect/read timeouts so a hang takes a second, not a minute."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from tests.support.dashboard import T0
from tests.support.fault_matrix import (
    FAULTS,
    REAL_PAUSE,
    FaultyEndpoint,
    matrix_settings,
    run_scenario,
)
from tui.core.clock import MockClock
from tui.dashboard.header import header_state
from tui.simulator import serve

SEED = 15


@pytest.mark.parametrize("name", sorted(FAULTS))
async def test_the_engine_survives_says_the_truth_and_journals_every_transition(
    name: str, tmp_path: Path
) -> None:
    from tui.engine.sharing import make_engine

    fault = FAULTS[name]
    clock = MockClock(T0)
    endpoint = FaultyEndpoint(seed=SEED, history=12, clock=clock, enforce_quotas=False)
    with serve(endpoint) as served:
        settings = matrix_settings(served.url, tmp_path / "j.sqlite3")
        store, engine = make_engine(settings, clock)
        store.load()
        engine.watching()  # (as a dashboard runs it: the scenario's timings are the watched cadences)
        run = asyncio.ensure_future(engine.run())

        def state_now() -> str:
            assert not run.done(), f"the engine stopped: {run.exception() if run.done() else ''}"
            return header_state(settings, engine.status, None, clock.now()).state

        def trouble_now() -> str | None:
            return header_state(settings, engine.status, None, clock.now()).trouble()

        async def pause() -> None:
            await asyncio.sleep(REAL_PAUSE)

        try:
            outcome = await run_scenario(
                fault,
                endpoint,
                clock,
                store=store,
                engine=engine,
                settings=settings,
                state_now=state_now,
                pause=pause,
                trouble_now=trouble_now,
            )
        finally:
            run.cancel()
            await asyncio.gather(run, return_exceptions=True)
            engine.close()
    assert outcome.faulted_requests > 0 or fault.data_only
    assert outcome.state_during_fault in fault.states, outcome
    assert outcome.lied_steps == 0, outcome
    assert outcome.lost == [], outcome.lost
    assert outcome.trouble_after is None, outcome  # recovered: the header names nothing failing


@pytest.mark.parametrize("name", sorted(FAULTS))
async def test_the_dashboard_survives_says_the_truth_and_journals_every_transition(
    name: str, tmp_path: Path
) -> None:
    from tui.commands.dashboard import build_app

    fault = FAULTS[name]
    clock = MockClock(T0)
    endpoint = FaultyEndpoint(seed=SEED, history=12, clock=clock, enforce_quotas=False)
    with serve(endpoint) as served:
        settings = matrix_settings(served.url, tmp_path / "j.sqlite3")
        dashboard = build_app(settings, clock=clock, toasts=False)
        app = dashboard.app
        try:
            async with app.run_test(size=(160, 40)) as pilot:

                def state_now() -> str:
                    """The state the header shows (checked against the endpoint by the scenario)."""
                    assert app.is_running
                    shown = app.query_one("#header").plain_lines[1]
                    match = re.search(r"● (over budget|\w+)", shown)
                    assert match, shown
                    return match.group(1)

                async def pause() -> None:
                    await pilot.pause(REAL_PAUSE)

                outcome = await run_scenario(
                    fault,
                    endpoint,
                    clock,
                    store=app.store,
                    engine=app.poller,
                    settings=settings,
                    state_now=state_now,
                    pause=pause,
                )
        finally:
            dashboard.close()
    assert outcome.state_during_fault in fault.states, outcome
    assert outcome.lied_steps == 0, outcome
    assert outcome.lost == [], outcome.lost

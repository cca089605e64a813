"""The fault matrix (issue 15, Build 7): every fault the local endpoint and its proxy can inject, run
against the engine (shared engine, poller, journal; no Textual) and against the dashboard (Pilot). In
each: the app stays up, the header says the truth while the fault lasts, and once it is over every
transition the endpoint made is in the journal (compared with the endpoint's own record).

The clock is a MockClock shared by the endpoint and pcwatch; the HTTP calls are real (botocore through
the local endpoint), with short connect/read timeouts so a hang takes a second, not a minute.

The host's faults (a full disk under the journal, under the log) run against the engine only: the
journal and the log file are the engine's; what the dashboard shows of them is the header's
(tests/dashboard/test_header_trouble.py)."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

import pytest

from tests.support.clocks import SteppedWall
from tests.support.dashboard import T0
from tests.support.fault_matrix import (
    FAULTS,
    REAL_PAUSE,
    Disks,
    FaultyEndpoint,
    matrix_settings,
    run_scenario,
)
from tests.support.full_disk import LogOnDisk, journal_on
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
    wall = endpoint.pcwatch_clock = SteppedWall(clock)
    # The host's disks, at the file layer: the journal's connections and the log file's stream.
    disks = Disks()
    log_said: list[str | None] = []
    log_file = LogOnDisk(
        tmp_path / "pcwatch.log", disks.log, on_trouble=log_said.append, clock=clock.monotonic
    )
    logs_to = logging.getLogger("tui")
    logs_to.addHandler(log_file)
    # (setLevel, not `.level =`: it clears the loggers' cached isEnabledFor, which an earlier test in
    # this worker may have filled while INFO was off)
    level = logs_to.level
    logs_to.setLevel(logging.INFO)
    with serve(endpoint) as served:
        settings = matrix_settings(served.url, tmp_path / "j.sqlite3")
        store, engine = make_engine(settings, wall, journal=journal_on(tmp_path / "j.sqlite3", disks.journal))
        store.load()
        engine.watching()  # (as a dashboard runs it: the scenario's timings are the watched cadences)
        run = asyncio.ensure_future(engine.run())

        def state_now() -> str:
            assert not run.done(), f"the engine stopped: {run.exception() if run.done() else ''}"
            return header_state(settings, engine.status, None, wall.now()).state

        def trouble_now() -> str | None:
            return header_state(settings, engine.status, None, wall.now()).trouble()

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
                disks=disks,
                trouble_now=trouble_now,
            )
        finally:
            run.cancel()
            await asyncio.gather(run, return_exceptions=True)
            engine.close()
            logs_to.removeHandler(log_file)
            logs_to.setLevel(level)
            log_file.close()
    assert outcome.faulted_requests > 0 or fault.data_only
    assert outcome.state_during_fault in fault.states, outcome
    assert outcome.lied_steps == 0, outcome
    assert outcome.lost == [], outcome.lost
    if fault.fills is not None:  # a full disk never stops the watching
        assert outcome.calls_during_fault >= 10, outcome
        assert disks.journal.writes_refused + disks.log.writes_refused > 0, "the disk was never met"
    if fault.fills == "journal":
        assert outcome.journal_said == f"disk full ({tmp_path / 'j.sqlite3'})", outcome
    else:
        assert outcome.journal_said is None, outcome
    if fault.fills == "log":
        assert log_said[:1] == ["disk full"] and log_said.count("disk full") == 1, log_said  # said once
    assert outcome.wrong_durations == [], outcome.wrong_durations
    assert outcome.trouble_after is None, outcome  # recovered: the header names nothing failing


@pytest.mark.parametrize("name", sorted(n for n, f in FAULTS.items() if f.fills is None))
async def test_the_dashboard_survives_says_the_truth_and_journals_every_transition(
    name: str, tmp_path: Path
) -> None:
    from tui.commands.dashboard import build_app

    fault = FAULTS[name]
    clock = MockClock(T0)
    endpoint = FaultyEndpoint(seed=SEED, history=12, clock=clock, enforce_quotas=False)
    wall = endpoint.pcwatch_clock = SteppedWall(clock)
    with serve(endpoint) as served:
        settings = matrix_settings(served.url, tmp_path / "j.sqlite3")
        dashboard = build_app(settings, clock=wall, toasts=False)
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
    assert outcome.wrong_durations == [], outcome.wrong_durations

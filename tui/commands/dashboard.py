"""`pcwatch` with no command: the dashboard, wired to the engine — the journal, the store, a client and
the poller (or a follower of another viewer's), the write ledger — or, with `--demo`, to the in-process
local endpoint with a lively scenario (`tui.simulator.demo`). The composition lives here, above the
dashboard, so that `tui.dashboard` (and the tests that build the app around fakes) never import boto3."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.core import logs
from tui.core.clock import Clock, SystemClock
from tui.core.exit_status import ExitStatus
from tui.core.lifeline import Lifeline
from tui.core.settings import Settings
from tui.core.sqlite_files import StateFileUnavailable
from tui.core.text_safety import visible
from tui.simulator.demo import DEMO, Demo, DemoWorld

if TYPE_CHECKING:
    from textual.driver import Driver

    from tui.dashboard.app import PcwatchApp
    from tui.dashboard.clipboard import Clipboard


@dataclass
class Dashboard:
    """The app, and what to close after it exits (the client, the journal, the ledger, the endpoint)."""

    app: PcwatchApp
    #: The demo's endpoint when `--demo` started one (scripts stage scenarios on its simulator).
    demo: Demo | None = None
    _cleanups: list[Callable[[], object]] = field(default_factory=list)
    #: Why the journal or the ledger is not used (the app asked whether to go on without it).
    journal_problems: list[str] = field(default_factory=list)

    def close(self) -> None:
        for step in reversed(self._cleanups):
            with contextlib.suppress(Exception):
                step()
        self._cleanups.clear()


def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    demo: DemoWorld = DEMO,
    toasts: bool = True,
    driver_class: type[Driver] | None = None,
) -> Dashboard:
    """The dashboard for `settings`; `Dashboard.close()` after it exits. `demo`: the world `--demo` starts."""
    from tui.aws.client import make_client
    from tui.dashboard.app import PcwatchApp
    from tui.engine.sharing import make_engine
    from tui.simulator.demo import start_demo, wants_demo
    from tui.writes.actions import WriteActions, writes_allowed
    from tui.writes.ledger import WriteLedger

    clock = clock or SystemClock()
    cleanups: list[Callable[[], object]] = []
    try:
        started = None
        if wants_demo(settings):
            started = start_demo(settings, demo, clock=clock)
            cleanups.append(started.close)
            settings = started.settings
        # The ledger first: on its first open it moves its rows out of a journal of the previous layout,
        # before the journal may be found corrupt and moved aside.
        # A journal or ledger pcwatch may not write is left untouched; the app offers to go on without.
        problems: list[str] = []
        ledger = None
        if writes_allowed(settings):
            try:
                ledger = WriteLedger.for_settings(settings, clock=clock)
                cleanups.append(ledger.close)
            except StateFileUnavailable as problem:
                problems.append(str(problem))
        client = make_client(settings)  # for the user's writes; polling uses it only while leading
        cleanups.append(client.close)
        # One poller, many viewers: with a journal, this dashboard polls only if no other viewer of the
        # same account and catalog does; otherwise it follows that one through the journal.
        try:
            store, engine = make_engine(settings, clock, client_factory=lambda _settings: client)
        except StateFileUnavailable as problem:
            problems.append(str(problem))
            settings = dataclasses.replace(settings, no_journal=True)
            store, engine = make_engine(settings, clock, client_factory=lambda _settings: client)
        cleanups.append(engine.close)
        actions = None
        if ledger is not None:
            actions = WriteActions.for_settings(
                client, ledger, settings, store=store, clock=clock, engine=engine
            )
        app = PcwatchApp(
            store,
            engine,
            settings,
            clock,
            load=store.load if store.journal is not None else None,
            toasts=toasts,
            driver_class=driver_class,
            actions=actions,
            warnings=ledger.warnings if ledger is not None else (),
            clipboard=session_clipboard(os.environ),
            journal_problems=problems,
        )
    except BaseException:
        for step in reversed(cleanups):
            with contextlib.suppress(Exception):
                step()
        raise
    return Dashboard(app, started, cleanups, problems)


def session_clipboard(environ: Mapping[str, str]) -> Clipboard:
    """Where `c` copies to in this terminal. In tmux, tmux is asked once whether it takes OSC 52 into its
    paste buffer (`set-clipboard`); where it does not, each copy is handed to `tmux load-buffer`."""
    from tui.dashboard.clipboard import TMUX_LOAD, TMUX_SET_CLIPBOARD, Clipboard, clipboard_reach

    answer = None
    if environ.get("TMUX"):
        done = _run_tmux(TMUX_SET_CLIPBOARD, environ)
        answer = done.stdout.decode(errors="replace") if done is not None and done.returncode == 0 else None
    reach = clipboard_reach(environ, answer)
    if reach != TMUX_LOAD:
        return Clipboard(reach)
    return Clipboard(reach, load_tmux_buffer=lambda text: _load_tmux_buffer(text, environ))


def _load_tmux_buffer(text: str, environ: Mapping[str, str]) -> bool:
    from tui.dashboard.clipboard import TMUX_LOAD_BUFFER

    done = _run_tmux(TMUX_LOAD_BUFFER, environ, text.encode())
    if done is not None and done.returncode != 0:  # a tmux before 3.2 has no -w: the buffer alone
        done = _run_tmux(tuple(a for a in TMUX_LOAD_BUFFER if a != "-w"), environ, text.encode())
    return done is not None and done.returncode == 0


def _run_tmux(
    argv: tuple[str, ...], environ: Mapping[str, str], stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes] | None:
    """tmux's answer (None: no tmux, or no answer within a second); what it prints on stderr is dropped."""
    try:
        return subprocess.run(
            argv, input=stdin, capture_output=True, timeout=1.0, env=dict(environ), check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None


def forget_inherited_terminal_size() -> None:
    """Make the terminal itself the only source of its size.

    Textual and Rich read the size with `shutil.get_terminal_size()`, which prefers COLUMNS and LINES
    from the environment. A shell that exports them passes on the size they had when the command
    started, and JupyterLab's terminal always exports them (terminado sets both): the dashboard then
    took every resize for the old size, repainted nothing, and the screen stayed blank or garbled.
    Without a terminal (textual-serve runs pcwatch on pipes and passes the page's size in them) they stay.
    """
    stdout = sys.__stdout__
    if stdout is None:
        return
    try:
        os.get_terminal_size(stdout.fileno())
    except (AttributeError, ValueError, OSError):
        return
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    """`pcwatch` with no command: the dashboard on the configured account (or the demo endpoint)."""
    forget_inherited_terminal_size()  # before the app exists: its console reads them once, at creation
    try:
        dashboard = build_app(settings)
    except Exception as exc:  # e.g. an unknown profile: say so in one line, no traceback
        print(f"pcwatch: {visible(str(exc), limit=500)}", file=sys.stderr)
        return ExitStatus.USAGE
    from tui.dashboard import fatal

    app = dashboard.app
    for note in dashboard.demo.notes if dashboard.demo is not None else ():
        print(f"pcwatch: {note}", file=sys.stderr)  # (shown again when the app leaves the screen)
    crashed: BaseException | None = None
    # A lost terminal, closed pipes or a dead parent end the app; whatever way it ends, the process
    # ends within a few seconds more (a call hanging in botocore must not keep it, and the leader lock,
    # alive).
    lifeline = Lifeline(lambda reason: app.call_from_thread(app.exit, ExitStatus.HUNG_UP)).start()
    status = ExitStatus.OK
    fatal.keep_off_the_terminal(app)
    try:
        status = ExitStatus(app.run() or ExitStatus.OK)
        crashed = fatal.stopped_on(app)
        if crashed is not None:  # Textual caught it and ended the app: never exit 0 then
            status = ExitStatus.ERROR
    finally:
        lifeline.stop()
        lifeline.exit_later(ExitStatus.HUNG_UP if lifeline.reason else status)
        dashboard.close()
    if crashed is not None:
        print(visible(logs.unexpected("pcwatch", crashed), limit=2000), file=sys.stderr)
    if status == ExitStatus.USAGE:  # the user chose to quit rather than go on without the journal
        for problem in dashboard.journal_problems:
            print(f"pcwatch: {visible(problem, limit=2000)}", file=sys.stderr)
    return status

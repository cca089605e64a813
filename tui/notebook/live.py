"""`watch.live()`: a view in the cell that the engine keeps current: counts by status, the running
tasks, the recent failures and the budget line, redrawn in place (one display handle, `cell.CellOutput`)
after each change the engine makes (at most once per `min_gap` seconds) and every `refresh_every`
seconds for the relative times.

A `LiveView` runs on the watch's engine loop from `start()` until `stop()` (or `watch.close()`, or the
kernel's end). While it runs it is counted in `Watch.live_views`: someone is watching.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from schemas import TaskRecord, TaskStatus, short_name
from tui.core.clock import Clock, sleep_or_wake
from tui.core.text_safety import visible
from tui.core.timefmt import CLOCK, duration, instant, relative
from tui.engine.api import PollerStatus, StoreView, Viewer

from . import html
from .cell import CellOutput, bundle


@dataclass(frozen=True)
class LiveState:
    """What one drawing of the view shows."""

    now: datetime
    counts: dict[str, int]
    running: list[TaskRecord]
    failures: list[tuple[TaskRecord, datetime | None]]
    status: PollerStatus
    role: str
    catalog: str
    stopped: bool = False


def live_state(
    store: StoreView,
    status: PollerStatus,
    *,
    now: datetime,
    kinds: frozenset[str] | None,
    statuses: frozenset[str] | None,
    rows: int,
    role: str,
    catalog: str,
) -> LiveState:
    counts: dict[str, int] = {}
    for kind, by_status in store.counts().items():
        if kinds is None or kind in kinds:
            for name, n in by_status.items():
                if statuses is None or name in statuses:
                    counts[name] = counts.get(name, 0) + n
    running: list[TaskRecord] = []
    failed: list[tuple[TaskRecord, datetime | None]] = []
    for record in store.tasks():
        if kinds is not None and record.kind not in kinds:
            continue
        if statuses is not None and record.task_status not in statuses:
            continue
        if record.task_status == TaskStatus.IN_PROGRESS:
            running.append(record)
        elif record.task_status == TaskStatus.FAILED:
            done = store.completion(record.task_id or "")
            failed.append((record, done.observed_end if done is not None and done.observed_live else None))
    oldest = datetime.min.replace(tzinfo=now.tzinfo)
    running.sort(key=lambda r: r.start_time or oldest, reverse=True)
    # Seen failing most recently first; those first seen already failed after them, newest start first.
    failed.sort(key=lambda f: (f[1] is not None, f[1] or f[0].start_time or oldest), reverse=True)
    return LiveState(now, dict(sorted(counts.items())), running[:rows], failed[:rows], status, role, catalog)


def _budget_line(state: LiveState) -> str:
    s = state.status
    parts = [f"● {s.state}", state.role, f"{s.calls_last_hour:,} calls in the last hour"]
    parts.append(f"{s.calls_left_today:,} left today")
    if s.next_poll_at is not None and s.state not in ("paused", "following"):
        parts.append(f"next poll {relative(s.next_poll_at, state.now)}")
    return " · ".join(parts)


def live_html(state: LiveState) -> str:
    now = state.now
    counts = " · ".join(f"{html.status(name)} {n:,}" for name, n in state.counts.items()) or "no tasks"
    head = f"<b>pcwatch</b> · {html.text(state.catalog)} · {counts}<br>" + html.muted(
        html.text(_budget_line(state)) + f" · updated {instant(now, CLOCK)} UTC"
    )
    if state.status.last_error:
        head += f'<br><span style="color:#c62828">{html.text(state.status.last_error)}</span>'
    if state.stopped:
        head += "<br>" + html.muted("stopped: this view no longer updates")
    running = html.table(
        f"Running ({len(state.running)} newest)",
        ["Task id", "Kind", "Started", "Running for"],
        [
            [html.text(r.task_id), html.kind(r.kind), html.when(r.start_time, now), _running_for(r, now)]
            for r in state.running
        ],
    )
    failures = html.table(
        f"Recent failures ({len(state.failures)})",
        ["Task id", "Kind", "Reason", "Message", "Seen failed"],
        [
            [
                html.text(r.task_id),
                html.kind(r.kind),
                html.status(r.reason_code) if r.reason_code else "",
                html.long_text(r.message, 60),
                html.when(seen, now) if seen else html.muted("before pcwatch looked"),
            ]
            for r, seen in state.failures
        ],
    )
    return f'<div class="pcwatch-live">{head}{running}{failures}</div>'


def _running_for(record: TaskRecord, now: datetime) -> str:
    return duration((now - record.start_time).total_seconds()) if record.start_time else ""


def live_text(state: LiveState) -> str:
    counts = ", ".join(f"{name} {n:,}" for name, n in state.counts.items()) or "no tasks"
    lines = [f"pcwatch {visible(state.catalog)}: {counts}", f"  {_budget_line(state)}"]
    lines += [
        f"  running  {visible(r.task_id)}  {short_name(r.kind) or visible(r.kind)}" for r in state.running
    ]
    lines += [f"  failed   {visible(r.task_id)}  {visible(r.reason_code)}" for r, _ in state.failures]
    if state.stopped:
        lines.append("  (stopped)")
    return "\n".join(lines)


class LiveView:
    """A live view of a watch's tasks in the cell that displays it (see the module docstring).

    It reads the watch's store and engine, and is given the two things it needs of the watch itself:
    `run_on_engine` (a callback runs on the engine's loop, where the store changes) and `on_stop` (the
    view no longer counts as someone watching)."""

    def __init__(
        self,
        store: StoreView,
        engine: Viewer,
        clock: Clock,
        catalog: str,
        *,
        run_on_engine: Callable[[Callable[[], None]], None],
        on_stop: Callable[[LiveView], None],
        kinds: frozenset[str] | None = None,
        statuses: frozenset[str] | None = None,
        rows: int = 10,
        min_gap: float = 1.0,
        refresh_every: float = 15.0,
    ) -> None:
        self._store = store
        self._engine = engine
        self._clock = clock
        self._catalog = catalog
        self._run_on_engine = run_on_engine
        self._on_stop = on_stop
        self.kinds = kinds
        self.statuses = statuses
        self.rows = rows
        self.min_gap = min_gap
        self.refresh_every = refresh_every
        self.output = CellOutput()
        #: The latest drawing (HTML and text), also what a new display of the view shows.
        self.state: LiveState | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        self.running = False

    # --- IPython shows it by calling this (as a cell's value, or `display(view)`) --------------------------

    def _ipython_display_(self) -> None:
        self.output.show(self._bundle())

    def __repr__(self) -> str:
        return self._bundle()["text/plain"]

    def _bundle(self) -> dict[str, str]:
        state = self.state or self._draw()
        return bundle(live_html(state), live_text(state))

    def _draw(self, *, stopped: bool = False) -> LiveState:
        state = live_state(
            self._store,
            self._engine.status,
            now=self._clock.now(),
            kinds=self.kinds,
            statuses=self.statuses,
            rows=self.rows,
            role=self._engine.role,
            catalog=self._catalog,
        )
        if stopped:
            state = dataclasses.replace(state, stopped=True)
        self.state = state
        return state

    # --- running on the engine's loop ---------------------------------------------------------------------

    def start(self) -> LiveView:
        """Start updating (on the watch's engine thread). Returns the view."""
        if self.running:
            return self
        self.running = True
        self._draw()
        self._run_on_engine(self._begin)
        return self

    def _begin(self) -> None:  # on the engine's loop
        if not self.running:
            return
        wake = self._wake = asyncio.Event()
        self._unsubscribe = [
            self._store.subscribe(lambda _change: wake.set()),
            self._engine.subscribe_status(lambda _status: wake.set()),
            self._engine.watching(),  # someone looks: the poller spends as for a dashboard
        ]
        self._task = asyncio.ensure_future(self._run(wake))

    async def _run(self, wake: asyncio.Event) -> None:
        clock = self._clock
        while True:
            await sleep_or_wake(clock, self.refresh_every, wake)
            wake.clear()
            self._push()
            await clock.sleep(self.min_gap)  # bursts of changes: one drawing per gap

    def _push(self, *, stopped: bool = False) -> None:
        state = self._draw(stopped=stopped)
        self.output.update(bundle(live_html(state), live_text(state)))

    def stop(self) -> None:
        """Stop updating; the view says it stopped. (Also done by `watch.close()`.)"""
        if not self.running:
            return
        self.running = False
        self._run_on_engine(self._end)
        self._on_stop(self)

    def _end(self) -> None:  # on the engine's loop
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        if self._task is not None:
            self._task.cancel()
            self._task = None
        with contextlib.suppress(Exception):
            self._push(stopped=True)


__all__ = ["LiveState", "LiveView", "live_html", "live_state", "live_text"]

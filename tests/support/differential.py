"""The screen is the truth: a differential check of what the dashboard writes to the terminal.

A walk drives the real app (the real `Store`, a poller stub, an injected `MockClock`) through steps —
keys, filter text, data changes (tasks start, end and fail; pages of history; rows inserted above the
cursor; bulk jobs advancing, ending and starting, shown in the jobs view `b`), clock ticks and polls,
resizes. Everything the app writes goes into a `pyte` terminal, exactly
the bytes a user's terminal would receive. After every step the terminal is compared, cell by cell
(what it looks like: character, colours, attributes; a blank by its background), with a fresh full
render of the same state at the same size: every visible widget rendered again with empty render caches
(Textual's line caches and the widgets' own) through the same compositor, each segment's attributes read
by `pyte` from Textual's own escape sequence for it. Each scrollbar must also show its widget's
position (a scrollbar is drawn from its own state, which a fresh render would repeat).

A divergence means the incremental output left something on screen that the state does not say. A walk
that diverges is shrunk to the shortest step list that still diverges, which is printed to replay it.

The fresh render and the comparison are `fresh_screen`. Used by `tests/dashboard/test_differential.py`
(a short walk in the suite) and `tests/bench/bench_differential.py` (20,000 steps and more).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import msgspec
from textual import events
from textual.geometry import Size

from tests.support.dashboard import (
    T0,
    CountingDriver,
    FakePoller,
    bulk_jobs,
    make_bulk_job,
    make_prospecting_task,
    make_records,
    make_task,
)
from tui.core.clock import MockClock
from tui.core.settings import Settings
from tui.dashboard.widgets.partial_update import stock_rendering
from tui.engine.store import Store

from .fresh_screen import Terminal, differences, fresh_screen

#: One step: a tuple whose first item names it (see `Walk.apply`). Steps carry their own random
#: seeds, so any subset of a step list replays the same way (what shrinking needs).
Step = tuple[Any, ...]

#: Terminal sizes a walk moves between: both layouts (the switch is at 120 columns), tiny to large.
SIZES = ((160, 48), (120, 40), (119, 40), (80, 24), (200, 60), (100, 30), (60, 20), (140, 14))
MOVE_KEYS = ("up", "down", "pageup", "pagedown", "home", "end", "left", "right")
VIEW_KEYS = ("s", "p", "1", "2", "3", "4", "5", "6", "7", "0")
#: Screens over the table (help, the record, invitations, the jobs view) and the key that leaves them;
#: focus moving to the panes (whose keys then scroll the details) and back.
SCREEN_KEYS = ("question_mark", "enter", "i", "b", "escape", "escape", "tab", "shift+tab")
FILTERS = ("task-00000001", "throttl", "o10000", "zzz-no-match", "")
#: No more history steps once the store holds this many tasks: above 20,000 the filter waits for a
#: pause in typing (a real-time debounce), which a deterministic walk does not want.
MAX_TASKS = 15_000


def random_steps(seed: int, count: int) -> list[Step]:
    """A random but reproducible walk of `count` steps."""
    rng = random.Random(seed)
    choices: list[tuple[int, Callable[[], Step]]] = [
        (30, lambda: ("key", rng.choice(MOVE_KEYS))),
        (8, lambda: ("key", rng.choice(("pagedown", "pageup", "end", "home")))),
        (6, lambda: ("key", rng.choice(VIEW_KEYS))),
        (3, lambda: ("filter", rng.choice(FILTERS))),
        (2, lambda: ("key", rng.choice(SCREEN_KEYS))),
        (8, lambda: ("start", rng.choice((1, 1, 2, 5)), rng.randrange(1 << 30))),
        (8, lambda: ("end", rng.randrange(1000), rng.choice(("COMPLETE", "FAILED")), rng.randrange(1 << 30))),
        (3, lambda: ("history", rng.choice((3, 40, 250, 2000)), rng.randrange(1 << 30))),
        (4, lambda: ("bulk", rng.choice((1, 1, 3, 40)), rng.randrange(1 << 30))),
        (12, lambda: ("tick", rng.choice((1, 1, 1, 2, 7, 61, 3600)))),
        (6, lambda: ("poll",)),
        (2, lambda: ("stale", rng.random() < 0.5)),
        (4, lambda: ("resize", *rng.choice(SIZES))),
    ]
    weights = [w for w, _ in choices]
    makers = [m for _, m in choices]
    return [rng.choices(makers, weights)[0]() for _ in range(count)]


@dataclass
class Divergence:
    """The first step after which the terminal and a fresh render differed, and how."""

    step: int
    steps: list[Step]
    size: tuple[int, int]
    cells: list[tuple[int, int, Any, Any]]  # (y, x, terminal char, fresh char), the first few
    terminal: list[str] = field(default_factory=list)
    fresh: list[str] = field(default_factory=list)

    def report(self) -> str:
        lines = [f"diverged after step {self.step} of {len(self.steps)} at {self.size[0]}x{self.size[1]}:"]
        lines += [f"  {i:>3}  {step!r}" for i, step in enumerate(self.steps[: self.step + 1])]
        rows = sorted({y for y, _, _, _ in self.cells if y >= 0})
        for y in rows[:6]:
            lines.append(f"  line {y} terminal: {self.terminal[y]!r}")
            lines.append(f"  line {y} fresh:    {self.fresh[y]!r}")
        for y, x, ours, fresh in [c for c in self.cells if c[0] >= 0][:4]:
            lines.append(f"  cell ({x},{y}) terminal {ours} fresh {fresh}")
        for _, _, ours, fresh in [c for c in self.cells if c[0] < 0]:
            lines.append(f"  {ours} but {fresh}")
        return "\n".join(lines)


class Walk:
    """The dashboard around a real `Store`, a poller stub and a mock clock, and the steps that drive it."""

    #: A small row cache, so that walks keep crossing the limit where the table empties it.
    strip_cache_rows = 60

    def __init__(self, tasks: int = 300, seed: int = 3) -> None:
        from tui.dashboard.app import PcwatchApp

        self.clock = MockClock(T0)
        self.store = Store(journal=None, clock=self.clock)
        self.store.apply_tasks(make_records(tasks, seed=seed), T0, backfill=True)
        # A few prospecting tasks (the fourth kind) and bulk jobs of both families (the jobs view, `b`).
        self.store.apply_tasks(
            [
                make_prospecting_task(0, completed=4, failed=1, ended=False),
                make_prospecting_task(1, completed=7, failed=3),
            ],
            T0,
            backfill=True,
        )
        self.store.apply_bulk_jobs(bulk_jobs(), T0)
        self.next_job = len(bulk_jobs())
        self.poller = FakePoller()
        self.app = PcwatchApp(
            self.store, self.poller, Settings(), self.clock, toasts=False, driver_class=CountingDriver
        )
        self.next_id = tasks
        self.calls = 0
        self.terminal: Terminal | None = None
        self.pilot: Any = None

    async def start(self, pilot: Any, size: tuple[int, int]) -> None:
        self.pilot = pilot
        self.terminal = Terminal(self.app, *size)
        # Animated scrolling runs on real time; a walk must replay exactly (the end state is the same).
        self.app.animation_level = "none"
        table = self.app.table
        table.size_update_delay = 0.001  # settled within the step: the walk must replay exactly
        table.strip_cache_rows = self.strip_cache_rows
        self.app.screen.refresh()  # one full paint into the terminal; after that, whatever the app sends
        await self.settle()

    async def settle(self) -> None:
        """Until the app has painted everything it has to: two rounds in a row with no message waiting,
        nothing dirty and nothing written. (Pilot's own pause also waits for 20 ms of CPU idleness,
        which would make a 20,000-step walk take an hour.)"""
        assert self.terminal is not None
        app, pilot = self.app, self.pilot
        quiet = 0
        for _ in range(2000):
            before = self.terminal.written
            if app._resize_timer is not None or app.table._size_timer is not None:
                # Textual coalesces resizes for 1/120 s (real time): wait for it.
                quiet = 0
                await asyncio.sleep(0.002)
                continue
            await asyncio.sleep(0)
            await pilot._wait_for_screen()
            busy = bool(app._message_queue.qsize())
            # A screen under a modal one passes its changes up on its own timer: run that too, when it
            # has changes (it keeps `_repaint_required` set while covered, so that flag says nothing).
            for screen in app._background_screens:
                if screen._dirty_widgets or screen._compositor._dirty_regions:
                    screen._on_timer_update()
                busy = busy or bool(screen._dirty_widgets or screen._compositor._dirty_regions)
                busy = busy or any(
                    node._message_queue.qsize() for node in screen.walk_children(with_self=True)
                )
            screen = app.screen
            screen._on_timer_update()
            busy = busy or bool(
                screen._dirty_widgets
                or screen._layout_required
                or screen._scroll_required
                or screen._repaint_required
                or screen._compositor._dirty_regions
                or any(node._message_queue.qsize() for node in screen.walk_children(with_self=True))
            )
            quiet = 0 if busy or self.terminal.written != before else quiet + 1
            if quiet == 2:
                return
        raise AssertionError("the app did not settle")

    async def press(self, key: str) -> None:
        """A key as the driver's input thread delivers it (Pilot.press also waits 40 ms for idleness)."""
        char = {"slash": "/", "question_mark": "?"}.get(key, key if len(key) == 1 else None)
        self.app._driver.send_message(events.Key(key, char))
        await self.settle()

    def _new_task(self, status: str, rng: random.Random, age: float) -> Any:
        n = self.next_id
        self.next_id += 1
        record = make_task(n, rng, status=status)
        return msgspec.structs.replace(record, start_time=self.clock.now() - timedelta(seconds=age))

    async def apply(self, step: Step) -> None:
        kind = step[0]
        app, store, clock = self.app, self.store, self.clock
        if kind == "key":
            await self.press(step[1])
        elif kind == "filter":
            await self.press("slash")
            box = app.query_one("#filter")
            box.value = step[1]
            await self.press("enter")
        elif kind == "start":
            rng = random.Random(step[2])
            store.apply_tasks(
                [self._new_task("IN_PROGRESS", rng, rng.uniform(0, 50)) for _ in range(step[1])]
            )
        elif kind == "end":
            running = sorted(store.active_ids())
            if running:
                record = store.task(running[step[1] % len(running)])
                rng = random.Random(step[3])
                failed = step[2] == "FAILED"
                store.apply_tasks(
                    [
                        msgspec.structs.replace(
                            record,
                            task_status=step[2],
                            reason_code=rng.choice(("ContextNotFound", "RequestThrottled"))
                            if failed
                            else None,
                            message="The request could not be completed." if failed else None,
                        )
                    ]
                )
        elif kind == "history":
            if len(store) < MAX_TASKS:
                rng = random.Random(step[2])
                page = [
                    self._new_task(
                        rng.choice(("COMPLETE", "COMPLETE", "FAILED")), rng, rng.uniform(3600, 90 * 86400)
                    )
                    for _ in range(step[1])
                ]
                store.apply_tasks(page, backfill=True)
        elif kind == "bulk":
            self._advance_bulk_jobs(step[1], random.Random(step[2]))
        elif kind == "tick":
            clock.advance(step[1])
        elif kind == "poll":
            self.calls += 1
            self.poller.set_status(calls_last_hour=self.calls, last_success={"all": clock.now()})
        elif kind == "stale":
            self.poller.set_status(
                state="stale" if step[1] else "live", stale_since=clock.now() if step[1] else None
            )
        elif kind == "resize":
            assert self.terminal is not None
            if (step[1], step[2]) != (self.terminal.screen.columns, self.terminal.screen.lines):
                # A terminal tells of a new size only (SIGWINCH); the same size is no event at all.
                self.terminal.resize(step[1], step[2])
                size = Size(step[1], step[2])
                app._driver._size = size
                app.post_message(events.Resize(size, size))
        else:
            raise ValueError(f"unknown step {step!r}")
        await self.settle()

    def _advance_bulk_jobs(self, polls: int, rng: random.Random) -> None:
        """`polls` polls' worth of progress for every running bulk job (37 records a poll, some failing),
        which ends it once its records are done; with none running, a new one starts."""
        store = self.store
        running = [j for j in store.bulk_jobs() if not j.is_terminal]
        if not running:
            self.next_job += 1
            store.apply_bulk_jobs(
                [
                    make_bulk_job(
                        self.next_job,
                        "SUBMITTED",
                        total=rng.choice((50, 400, 5_000)),
                        created=self.clock.now(),
                    )
                ],
                self.clock.now(),
            )
            return
        moved = []
        for job in running:
            total = job.total_records or 400
            processed = min(total, (job.processed_records or 0) + 37 * polls)
            failed = min(processed, (job.failure_count or 0) + rng.randrange(0, 2 * polls + 1))
            status = (
                ("COMPLETED" if rng.random() < 0.8 else "FAILED") if processed >= total else "IN_PROGRESS"
            )
            moved.append(
                msgspec.structs.replace(
                    job,
                    status=status,
                    total_records=total,
                    processed_records=processed,
                    success_count=processed - failed,
                    failure_count=failed,
                    started_at=job.started_at or job.created_at,
                    completed_at=self.clock.now() if status != "IN_PROGRESS" else None,
                )
            )
        store.apply_bulk_jobs(moved, self.clock.now())

    def check(self) -> list[tuple[int, int, Any, Any]]:
        """What differs between the terminal and a fresh render; then any scrollbar that does not show
        its widget's scroll position (the render draws a scrollbar from the scrollbar's own state, so
        a stale one would look right to the comparison)."""
        assert self.terminal is not None
        out = differences(self.terminal.screen, fresh_screen(self.app))
        for widget in self.app.screen._compositor.visible_widgets:
            if getattr(widget, "show_vertical_scrollbar", False) and widget.styles.scrollbar_size_vertical:
                bar = widget.vertical_scrollbar
                if (bar.position, bar.window_virtual_size) != (widget.scroll_y, widget.virtual_size.height):
                    shown = (f"scrollbar of {widget!r}", bar.position, bar.window_virtual_size)
                    out.append(
                        (-2, -2, shown, ("scroll_y, height", widget.scroll_y, widget.virtual_size.height))
                    )
        return out


async def run_walk(
    steps: Sequence[Step], size: tuple[int, int] = (160, 48), tasks: int = 300, *, patched: bool = True
) -> Divergence | None:
    """Run `steps` on a new app, checking after each; the first divergence, or None. `patched=False`:
    with Textual's own screen updates instead of `partial_update`'s."""
    if not patched:
        with stock_rendering():
            return await run_walk(steps, size, tasks, patched=True)
    walk = Walk(tasks)
    async with walk.app.run_test(size=size, headless=False) as pilot:
        await walk.start(pilot, size)
        current = size
        cells = walk.check()
        for i, step in enumerate(steps):
            if cells:
                return _divergence(walk, i - 1, steps, current, cells)
            await walk.apply(step)
            if step[0] == "resize" and (step[1], step[2]) != current:
                current = (step[1], step[2])
            cells = walk.check()
        if cells:
            return _divergence(walk, len(steps) - 1, steps, current, cells)
    return None


def _divergence(
    walk: Walk, step: int, steps: Sequence[Step], size: tuple[int, int], cells: list[Any]
) -> Divergence:
    assert walk.terminal is not None
    return Divergence(
        step,
        list(steps),
        size,
        cells,
        list(walk.terminal.screen.display),
        list(fresh_screen(walk.app).display),
    )


async def shrink(
    steps: Sequence[Step],
    size: tuple[int, int] = (160, 48),
    tasks: int = 300,
    *,
    patched: bool = True,
    budget: float = 120.0,
) -> list[Step]:
    """The shortest step list found (within `budget` seconds) that still diverges: cut after the first
    divergence, then remove chunks of halving length while the walk still diverges (delta debugging)."""
    found = await run_walk(steps, size, tasks, patched=patched)
    if found is None:
        return list(steps)
    current = list(steps[: found.step + 1])
    deadline = time.monotonic() + budget
    chunk = max(1, len(current) // 2)
    while chunk >= 1 and time.monotonic() < deadline:
        i = 0
        removed = False
        while i < len(current) and time.monotonic() < deadline:
            candidate = current[:i] + current[i + chunk :]
            result = await run_walk(candidate, size, tasks, patched=patched) if candidate else None
            if result is not None:
                current = candidate[: result.step + 1]
                removed = True
            else:
                i += chunk
        if not removed:
            chunk //= 2
    return current


async def run_against_fresh_start(
    steps: Sequence[Step], size: tuple[int, int], tasks: int = 300, *, patched: bool = True
) -> Divergence | None:
    """Run `steps` from `size`, checked after each as `run_walk` does; then start a new app at the size
    the steps end at and give it the same steps but the resizes: what the first terminal shows must
    equal the second's. That is, a resize leaves what shows as a fresh start at the new size would
    show it, whatever screens it happened behind. The first divergence, or None."""
    if not patched:
        with stock_rendering():
            return await run_against_fresh_start(steps, size, tasks, patched=True)
    walked = Walk(tasks)
    current = size
    async with walked.app.run_test(size=size, headless=False) as pilot:
        await walked.start(pilot, size)
        for i, step in enumerate(steps):
            await walked.apply(step)
            if step[0] == "resize":
                current = (step[1], step[2])
            cells = walked.check()
            if cells:
                return _divergence(walked, i, steps, current, cells)
        assert walked.terminal is not None
        shown = walked.terminal.screen
    fresh = Walk(tasks)
    async with fresh.app.run_test(size=current, headless=False) as pilot:
        await fresh.start(pilot, current)
        for step in steps:
            if step[0] != "resize":
                await fresh.apply(step)
        assert fresh.terminal is not None
        started = fresh.terminal.screen
    cells = differences(shown, started)
    if not cells:
        return None
    return Divergence(len(steps) - 1, list(steps), current, cells, list(shown.display), list(started.display))

"""The dashboard benchmark's measurements (run by `bench_dashboard.py`, which prints the table): the apps
measured (the dashboard, its table alone, a Textual `DataTable` baseline), a byte-counting meter, and one
coroutine per row of the table. Not a test module."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from tests.support.dashboard import T0, CountingDriver, FakePoller, make_records, with_status
from tui.core.clock import MockClock
from tui.core.settings import Settings
from tui.dashboard import task_rows
from tui.dashboard.app import PcwatchApp
from tui.dashboard.widgets.partial_update import install as install_partial_update
from tui.dashboard.widgets.task_table import TaskTable
from tui.engine.store import Store

SIZE = (160, 48)
LATENCY_DETAIL: dict[str, str] = {}
_RECORDS: dict[int, list[Any]] = {}


def records(n: int) -> list[Any]:
    if n not in _RECORDS:
        _RECORDS[n] = make_records(n, seed=11)
    return _RECORDS[n]


def store_with(n: int) -> Store:
    store = Store(journal=None, clock=MockClock(T0))
    store.apply_tasks(records(n), T0, backfill=True)
    return store


class Meter:
    """Counts bytes and remembers when the last write happened."""

    def __init__(self, app: App[Any]) -> None:
        self.bytes = 0
        self.writes: list[float] = []
        driver = app._driver
        original = driver.write
        self.on_write: Any = None

        def write(data: str) -> None:
            self.bytes += len(data.encode("utf-8", "surrogateescape"))
            self.writes.append(time.perf_counter())
            if self.on_write is not None:
                self.on_write()
            original(data)

        driver.write = write


class TableOnly(App[None]):
    """The task table alone, for the comparison with DataTable."""

    def __init__(self, store: Store) -> None:
        install_partial_update()
        super().__init__(driver_class=CountingDriver)
        self.store = store

    def compose(self) -> ComposeResult:
        yield TaskTable(self.store, id="tasks")

    def on_mount(self) -> None:
        table = self.query_one(TaskTable)
        table.configure(sort="start")
        table.focus()


class DataTableApp(App[None]):
    """The baseline: a DataTable with the same columns, cells updated with `update_cell`."""

    def __init__(self, store: Store) -> None:
        super().__init__(driver_class=CountingDriver)
        self.store = store

    def compose(self) -> ComposeResult:
        yield DataTable(id="tasks", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for column in task_rows.COLUMNS:
            table.add_column(column.title or " ", key=column.key)
        ordered = sorted(self.store.tasks(), key=lambda r: task_rows.sort_key(r, None, "start"))
        table.add_rows(
            ([cell.rstrip() for cell in task_rows.cells(r, None, T0)] for r in ordered),
        )
        self.ids = [r.task_id for r in ordered]
        table.focus()

    def show_change(self, task_id: str) -> None:
        table = self.query_one(DataTable)
        row_key = table.ordered_rows[self.ids.index(task_id)].key
        new = task_rows.cells(self.store.task(task_id), None, T0)
        for i, column in enumerate(task_rows.COLUMNS):
            if column.key in ("mark", "status", "reason", "duration"):
                table.update_cell(row_key, column.key, new[i].rstrip())


def dashboard(store: Store, poller: FakePoller | None = None) -> PcwatchApp:
    return PcwatchApp(store, poller or FakePoller(), Settings(), MockClock(T0), driver_class=CountingDriver)


def visible_ids(app: App[Any], count: int) -> list[str]:
    if isinstance(app, DataTableApp):
        return app.ids[:count]
    table = app.query_one(TaskTable)
    return [table.id_at(i) for i in range(count)]


async def _settle(pilot: Any, meter: Meter, quiet: float = 0.15, limit: float = 5.0) -> None:
    """Wait until nothing has been written for `quiet` seconds."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        await pilot.pause(0.03)
        if not meter.writes or time.perf_counter() - meter.writes[-1] > quiet:
            return


async def bytes_per_change(kind: str, n: int = 10_000, changes: int = 20) -> float:
    store = store_with(n)
    app: App[Any] = {"table": TableOnly, "datatable": DataTableApp, "dashboard": dashboard}[kind](store)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        meter = Meter(app)
        if kind == "dashboard":
            await pilot.press("s")  # sort by start, like the others: a change keeps its row
        await _settle(pilot, meter, limit=30)
        targets = [t for t in visible_ids(app, 40) if store.task(t).task_status == "COMPLETE"][:changes]
        total = 0
        for task_id in targets:
            meter.bytes = 0
            record = with_status(store.task(task_id), "FAILED", reason_code="InternalError", message="boom")
            if kind == "dashboard":
                store.apply_tasks([record], T0)
            else:
                store.apply_tasks([record], T0)
                if kind == "table":
                    app.query_one(TaskTable).update_tasks([task_id])
                else:
                    app.show_change(task_id)
            await _settle(pilot, meter)
            total += meter.bytes
        return total / max(1, len(targets))


async def idle_bytes(kind: str, seconds: float = 5.0) -> tuple[float, float]:
    """Bytes per idle second (real time, nothing changes), and per poll that changed nothing (dashboard
    only)."""
    store = store_with(10_000)
    poller = FakePoller()
    app: App[Any] = dashboard(store, poller) if kind == "dashboard" else DataTableApp(store)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        meter = Meter(app)
        await _settle(pilot, meter, limit=30)
        meter.bytes = 0
        await pilot.pause(seconds)
        idle = meter.bytes / seconds
        per_poll = float("nan")
        if kind == "dashboard":
            polls = 10
            meter.bytes = 0
            for i in range(polls):  # what each poll changes when no task changes: the call counter
                app.clock.advance(5)
                poller.set_status(calls_last_hour=100 + i, last_success={"all": app.clock.now()})
                await _settle(pilot, meter)
            per_poll = meter.bytes / polls
        return idle, per_poll


async def ticking_bytes(running_shown: bool, seconds: int = 120) -> float:
    """Bytes per second of the app's clock with no task changing, the clock ticking as a real one does.
    `running_shown`: the default view (the first 40 rows running tasks, one of them selected, so the
    details pane's "Took … so far" changes every second and each row's age once a minute); otherwise
    running tasks hidden (`1`) and a finished task selected: no shown time changes."""
    store = store_with(10_000)
    app = dashboard(store)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        meter = Meter(app)
        if not running_shown:
            await pilot.press("1")
        await _settle(pilot, meter, limit=30)
        meter.bytes = 0
        for _ in range(seconds):
            app.clock.advance(1)
            await _settle(pilot, meter, quiet=0.03)
        return meter.bytes / seconds


async def cpu_per_refresh(kind: str, n: int, changes: int = 10, rounds: int = 5) -> float:
    store = store_with(n)
    app: App[Any] = dashboard(store) if kind == "dashboard" else DataTableApp(store)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        meter = Meter(app)
        await _settle(pilot, meter, limit=120)
        pool = [t for t in visible_ids(app, 40) if store.task(t).task_status == "COMPLETE"]
        samples = []
        for r in range(rounds):
            targets = pool[r % 2 :: 2][:changes]
            status = "FAILED" if r % 2 == 0 else "COMPLETE"
            updated = [
                with_status(
                    store.task(t), status, reason_code="InternalError" if status == "FAILED" else None
                )
                for t in targets
            ]
            started = time.process_time()
            store.apply_tasks(updated, T0)
            if isinstance(app, DataTableApp):
                for t in targets:
                    app.show_change(t)
            await _settle(pilot, meter, quiet=0.1)
            samples.append(time.process_time() - started)
        return statistics.median(samples) * 1000


async def keypress_latency(kind: str, pages: int = 100, page: int = 1000) -> float:
    """p99 ms from a key press to the repaint showing the moved cursor, while pages of history arrive."""
    store = store_with(1000)
    app: App[Any] = dashboard(store) if kind == "dashboard" else DataTableApp(store)
    history = make_records(pages * page + 1000, seed=12)[1000:]
    async with app.run_test(size=SIZE, headless=False) as pilot:
        meter = Meter(app)
        await _settle(pilot, meter, limit=30)

        async def load_history() -> None:
            for i in range(pages):
                chunk = history[i * page : (i + 1) * page]
                store.apply_tasks(chunk, T0, backfill=True)
                if isinstance(app, DataTableApp):
                    app.query_one(DataTable).add_rows(
                        [c.rstrip() for c in task_rows.cells(r, None, T0)] for r in chunk
                    )
                await asyncio.sleep(0.1)

        loader = asyncio.create_task(load_history())
        latencies = []
        cursor = (
            (lambda: app.query_one(TaskTable).selected_id)
            if kind == "dashboard"
            else (lambda: app.query_one(DataTable).cursor_row)
        )
        key = "down"
        while not loader.done():
            before = cursor()
            seen: list[float] = []
            meter.on_write = lambda: seen.append(time.perf_counter()) if cursor() != before else None  # noqa: B023
            # The key goes straight into the app's queue, as the driver's input thread would put it
            # (Pilot.press also waits for the app to go idle, which is not part of what a user waits for).
            started = time.perf_counter()
            app.post_message(events.Key(key, None))
            for _ in range(1000):
                if seen:
                    break
                await asyncio.sleep(0.001)
            if seen:
                latencies.append(seen[0] - started)
            key = "up" if key == "down" else "down"
            await asyncio.sleep(0.02)
        meter.on_write = None
        latencies.sort()
        if not latencies:
            return float("nan")
        LATENCY_DETAIL[kind] = (
            f"n={len(latencies)} p50={latencies[len(latencies) // 2] * 1000:.1f} ms "
            f"p90={latencies[int(0.9 * (len(latencies) - 1))] * 1000:.1f} ms max={latencies[-1] * 1000:.1f} ms"
        )
        return latencies[int(0.99 * (len(latencies) - 1))] * 1000


async def bytes_per_job_update(selected: bool, updates: int = 20) -> float:
    """Bytes per poll that moves a running bulk job, the jobs view open at 160×48 (the tasks screen under
    it draws nothing). The job advances 37 records a poll (one failing every third poll), 5 clock
    seconds apart. `selected`: the job is the selected one, so its details (progress, rate, time left)
    change too; otherwise only its row does."""
    from tests.support.dashboard import bulk_store, make_bulk_job

    clock = MockClock(T0)
    store = bulk_store(200, clock=clock)
    app = PcwatchApp(store, FakePoller(), Settings(), clock, driver_class=CountingDriver, toasts=False)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        meter = Meter(app)
        await pilot.press("b")
        await _settle(pilot, meter, limit=30)
        screen = app.screen
        running = "bulkjob-0000000000000"
        target = running if selected else "bulkjob-0000000000004"
        while screen.table.selected_id != target:  # type: ignore[attr-defined]
            await pilot.press("down")
        await _settle(pilot, meter)
        processed, failed = 1_234, 34
        total = 0
        for i in range(updates):
            processed += 37
            failed += 1 if i % 3 == 0 else 0
            clock.advance(5)
            meter.bytes = 0
            store.apply_bulk_jobs(
                [make_bulk_job(0, processed=processed, failed=failed, file_name="crm-export-2026-11.csv")]
            )
            await _settle(pilot, meter)
            total += meter.bytes
        return total / updates


async def jobs_view_idle_bytes(seconds: int = 60) -> float:
    """Bytes per second of the app's clock with the jobs view open and nothing changing (a running job
    selected: nothing of it moves with the clock alone)."""
    from tests.support.dashboard import bulk_store

    clock = MockClock(T0)
    store = bulk_store(200, clock=clock)
    app = PcwatchApp(store, FakePoller(), Settings(), clock, driver_class=CountingDriver, toasts=False)
    async with app.run_test(size=SIZE, headless=False) as pilot:
        meter = Meter(app)
        await pilot.press("b", "down")
        await _settle(pilot, meter, limit=30)
        meter.bytes = 0
        for _ in range(seconds):
            clock.advance(1)
            await _settle(pilot, meter, quiet=0.03)
        return meter.bytes / seconds

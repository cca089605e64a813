"""pcwatch in a Jupyter notebook (or any Python program): the engine without Textual.

    from tui.notebook import Watch
    watch = Watch(catalog="Sandbox", profile="partner")   # or Watch(settings), or Watch(demo=True)
    watch.tasks(kind="EngagementByAcceptingInvitation", status="FAILED")  # list[schemas.TaskRecord]
    watch.table(status="IN_PROGRESS")     # a rich Table: renders in the cell
    watch.stats(since="7d")               # what failed and why, durations, per hour (docs/stats.md)
    record = await watch.follow(task_id, timeout=600)   # in a cell: returns once the task has finished
    watch.close()

A `Watch` is a viewer like a dashboard: it shares the journal of the same endpoint, account and catalog,
so with a dashboard (or another notebook) already open it makes no calls of its own; otherwise it polls for
every viewer (see `tui.engine.sharing`). The engine runs on a background thread with its own event loop, so the
kernel's loop stays free and `await watch.follow(...)` works from a cell.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemas import TASK_KINDS, TaskRecord, TaskStatus

from .core.clock import Clock, SystemClock
from .core.settings import DEFAULT_REGION, Budget, Settings, check_settings
from .core.text_safety import visible
from .core.timefmt import SECOND, instant
from .engine.api import PollerStatus, StoreChange, StoreView, Viewer
from .engine.sharing import TAIL_INTERVAL, make_engine
from .engine.status import LEADER_KEY
from .simulator.demo import DEMO, Demo, DemoWorld, start_demo

if TYPE_CHECKING:
    from rich.table import Table

    from .engine.stats import Stats

#: Columns of `Watch.table`: header -> TaskRecord field.
TABLE_COLUMNS: dict[str, Callable[[TaskRecord], str | None]] = {
    "Task id": lambda r: r.task_id,
    "Kind": lambda r: r.kind,
    "Status": lambda r: r.task_status,
    "Started (UTC)": lambda r: instant(r.start_time, SECOND),
    "Reason": lambda r: r.reason_code,
    "Message": lambda r: r.message,
}
STATUS_STYLES = {TaskStatus.IN_PROGRESS: "yellow", TaskStatus.COMPLETE: "green", TaskStatus.FAILED: "red"}


class Watch:
    """A live view of one account's tasks, for notebooks and scripts."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        catalog: str = "Sandbox",
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        local_endpoint: bool = False,
        journal: str | Path | None = None,
        no_journal: bool = False,
        max_rate: float = 1.0,
        daily_calls: int = 10_000,
        clock: Clock | None = None,
        tail_interval: float = TAIL_INTERVAL,
        demo: DemoWorld | bool = False,
        **settings_fields: Any,
    ) -> None:
        """`settings`, or the same choices as the command line's global options. `local_endpoint=True`
        uses the local endpoint's fixed credentials (`pcwatch simulate`); `demo` starts the demo endpoint
        in this process (`True`: the dashboard's `--demo` world; or a `DemoWorld`), its simulator in
        `watch.demo.simulator`. Other settings fields (e.g. `fast_interval`) may be given by name."""
        if settings is None:
            settings = Settings(
                catalog=catalog,
                profile=profile,
                endpoint_url=endpoint_url,
                demo=local_endpoint,
                journal_path=Path(journal) if journal is not None else None,
                no_journal=no_journal,
                budget=Budget(rate_per_second=max_rate, daily_calls=daily_calls),
                region=region or DEFAULT_REGION,
                **settings_fields,
            )
        check_settings(settings)  # SettingsError (a ValueError): a misspelt catalog, http:// to another host
        clock = clock or SystemClock()
        self._clock = clock
        #: The demo endpoint this watch started (`demo=`), else None.
        self.demo: Demo | None = None
        if demo:
            self.demo = start_demo(settings, DEMO if demo is True else demo, clock=clock)
            settings = self.demo.settings
        elif settings.demo and not settings.endpoint_url:
            raise ValueError(
                "local_endpoint needs endpoint_url (start one with `pcwatch simulate`), or use demo=True"
            )
        self.settings = settings
        store, engine = make_engine(settings, clock, tail_interval=tail_interval)
        self._load = store.load
        self.store: StoreView = store
        self.engine: Viewer = engine
        self._ready = threading.Event()
        self._started = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._task: asyncio.Task[None] | None = None
        self.engine.subscribe_status(self._on_status)
        self._thread = threading.Thread(target=self._run, name="pcwatch-watch", daemon=True)
        self._thread.start()
        self._started.wait()

    # --- the background engine ----------------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._load()
            task = self._task = self._loop.create_task(self.engine.run())
        finally:
            self._started.set()  # (a load that raised leaves no task: `close` has nothing to stop)
        with contextlib.suppress(asyncio.CancelledError):
            self._loop.run_until_complete(task)
        self._loop.close()

    def _on_status(self, status: PollerStatus) -> None:
        following_a_poller = status.state == "following" and self.store.meta(LEADER_KEY) is not None
        if following_a_poller or status.state in ("live", "stale", "backoff"):
            self._ready.set()

    def wait_ready(self, timeout: float | None = 30.0) -> bool:
        """Block until the first poll is in (or the first look at a poll another viewer made)."""
        return self._ready.wait(timeout)

    @property
    def status(self) -> PollerStatus:
        """The poller's status (for a follower: the leader's, with state "following")."""
        return self.engine.status

    @property
    def role(self) -> str:
        return self.engine.role

    def refresh(self) -> None:
        """Poll as soon as the budget allows (a follower asks the polling viewer)."""
        self._loop.call_soon_threadsafe(self.engine.refresh_now)

    def close(self) -> None:
        """Stop (another viewer takes over the polling, if any)."""
        if self._task is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(timeout=10)
        self.engine.close()
        if self.demo is not None:
            self.demo.close()

    def __enter__(self) -> Watch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading ------------------------------------------------------------------------------------

    def tasks(
        self, kind: str | None = None, status: str | Iterable[str] | None = None, *, wait: float = 30.0
    ) -> list[TaskRecord]:
        """The tasks known now, newest first, as `schemas.TaskRecord` structs (read them, don't modify
        them). Waits up to `wait` seconds for the first poll."""
        if wait:
            self.wait_ready(wait)
        statuses = {status} if isinstance(status, str) else (set(status) if status is not None else None)
        records = [
            r
            for r in self.store.tasks()
            if (kind is None or r.kind == kind) and (statuses is None or r.task_status in statuses)
        ]
        records.sort(key=lambda r: (r.start_time is not None, r.start_time), reverse=True)
        return records

    def task(self, task_id: str) -> TaskRecord | None:
        return self.store.task(task_id)

    def table(
        self, kind: str | None = None, status: str | Iterable[str] | None = None, *, limit: int | None = 50
    ) -> Table:
        """The tasks as a rich Table (Jupyter renders it as a cell's output). Text from the service is
        shown literally: no markup, control characters made visible."""
        from rich.table import Table
        from rich.text import Text

        records = self.tasks(kind, status)
        shown = records[:limit] if limit else records
        title = f"{len(records)} tasks" + (
            f" (newest {len(shown)} shown)" if len(shown) < len(records) else ""
        )
        table = Table(title=title, title_justify="left")
        # A notebook cell is ~115 columns: ids keep their full width (people copy them), the rest folds.
        id_width = min(40, max((len(r.task_id or "") for r in shown), default=7))
        for header in TABLE_COLUMNS:
            if header == "Task id":
                table.add_column(header, no_wrap=True, min_width=id_width)
            else:
                table.add_column(header, overflow="fold")
        for record in shown:
            cells = []
            for header, cell in TABLE_COLUMNS.items():
                value = cell(record)
                style = STATUS_STYLES.get(value or "", "") if header == "Status" else ""
                cells.append(Text(visible(value, limit=300), style=style))
            table.add_row(*cells)
        return table

    def stats(
        self, since: str = "7d", kind: str | Iterable[str] | None = None, *, wait: float = 30.0
    ) -> Stats:
        """What failed and why, how long tasks took, how many finished an hour: the numbers of `pcwatch
        stats` (`tui.engine.stats`, docs/stats.md) over the tasks this watch knows, started within `since`
        (30m, 24h, 7d, 2w, or all). `.to_json()` gives the object of `pcwatch stats --json`."""
        from .engine.stats import compute_stats, parse_window

        window = parse_window(since)  # WindowError (a ValueError) for anything else
        kinds = [kind] if isinstance(kind, str) else list(kind) if kind is not None else None
        unknown = [k for k in kinds or () if k not in TASK_KINDS]
        if unknown:
            raise ValueError(
                f"not a task kind: {visible(', '.join(unknown))}; one of {', '.join(TASK_KINDS)}"
            )
        if wait:
            self.wait_ready(wait)
        return compute_stats(
            self.store.task_rows(),
            self._clock.now(),
            since=window,
            kinds=kinds,
            leader_status=self.store.meta(LEADER_KEY),
        )

    async def follow(self, task_id: str, timeout: float | None = None) -> TaskRecord:
        """Wait (asynchronously: `await` it in a cell) until the task has finished; its final record.
        Raises TimeoutError after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[TaskRecord] = loop.create_future()

        def settle(record: TaskRecord) -> None:
            if not finished.done():
                finished.set_result(record)

        def check(_change: StoreChange | None = None) -> None:  # on the engine's thread
            record = self.store.task(task_id)
            if record is not None and record.task_status in TaskStatus.TERMINAL:
                loop.call_soon_threadsafe(settle, record)

        unsubscribe = self.store.subscribe(check)
        try:
            check()
            if self.store.task(task_id) is None:
                self.refresh()  # a task started a moment ago: look for it now
            return await asyncio.wait_for(finished, timeout)
        finally:
            unsubscribe()

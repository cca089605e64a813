"""`Watch`: the engine in a notebook (or any Python program), without Textual.

A `Watch` is a viewer like a dashboard: it shares the journal of the same endpoint, account and catalog,
so with a dashboard (or another kernel's notebook) already open it makes no calls of its own; otherwise
it polls for every viewer (see `tui.engine.sharing`). The engine runs on a background thread with its own
event loop, so the kernel's loop stays free and `await watch.follow(...)` works from a cell. A `Watch`
nobody looks at costs almost nothing (running tasks once a minute, new ones every 15 minutes); while a
live view is shown or `follow` waits, it is watched (`watching()`) and polls as fast as a dashboard.

One per key per kernel: a second `Watch` of the same endpoint, account and catalog in this process (the
cell that made it, run again) stops the first, whose methods then raise `WatchClosed`. `close()` (or
the `with` block's end, or the kernel's) stops the engine, the live views and `dashboard()`'s server.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemas import (
    BULK,
    BULK_KINDS,
    TASK_KINDS,
    BulkJobRecord,
    BulkJobStatus,
    EngagementInvitationSummary,
    TaskRecord,
    TaskStatus,
)
from tui.core.clock import Clock, SystemClock
from tui.core.settings import DEFAULT_REGION, Settings, check_settings
from tui.core.text_safety import visible
from tui.core.timefmt import SECOND, instant
from tui.engine.api import PollerStatus, StoreChange, StoreView, Viewer
from tui.engine.sharing import TAIL_INTERVAL, make_engine
from tui.engine.status import LEADER_KEY
from tui.simulator.demo import DEMO, Demo, DemoWorld, start_demo

from .errors import JobNotFound, TaskNotFound, WatchClosed
from .filters import JobKindFilter, JobStatusFilter, KindFilter, StatusFilter, check_kinds, check_statuses
from .live import LiveView
from .progress import Loading, Progress, ProgressBar, ResultsLoading
from .results import BulkJobList, BulkResultList, InvitationList, JobList, TaskList

if TYPE_CHECKING:
    from rich.table import Table

    from schemas import BulkJobResult
    from tui.engine.stats import Stats

    from .server import DashboardServer

#: The open watches of this process, by `watch_key`.
_OPEN: dict[tuple[str, str, str], Watch] = {}
_OPEN_LOCK = threading.Lock()


def watch_key(settings: Settings, *, demo: bool = False) -> tuple[str, str, str]:
    """(endpoint, account, catalog): what a journal is per, and what one kernel watches once."""
    endpoint = "demo" if demo else (settings.endpoint_url or f"aws-{settings.region}")
    account = settings.profile or os.environ.get("AWS_PROFILE") or "default"
    return endpoint, account, settings.catalog


@atexit.register
def _close_all() -> None:  # the kernel's end: release the journal, stop the servers
    for watch in list(_OPEN.values()):
        with contextlib.suppress(Exception):
            watch.close()


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
                max_rate=max_rate,
                daily_calls=daily_calls,
                region=region or DEFAULT_REGION,
                **settings_fields,
            )
        check_settings(settings)  # SettingsError (a ValueError): a misspelt catalog, http:// to another host
        if not demo and settings.demo and not settings.endpoint_url:
            raise ValueError(
                "local_endpoint needs endpoint_url (start one with `pcwatch simulate`), or use demo=True"
            )
        self.key = watch_key(settings, demo=bool(demo))
        with _OPEN_LOCK:
            previous = _OPEN.pop(self.key, None)
        if previous is not None:  # the same cell run again: one engine per account in this kernel
            previous._close("replaced by a newer Watch of the same endpoint, account and catalog")
        self.clock = clock = clock or SystemClock()
        #: The demo endpoint this watch started (`demo=`), else None.
        self.demo: Demo | None = None
        if demo:
            self.demo = start_demo(settings, DEMO if demo is True else demo, clock=clock)
            settings = self.demo.settings
        self.settings = settings
        store, engine = make_engine(settings, clock, tail_interval=tail_interval)
        self._load = store.load
        #: Job id -> its failed records, of the jobs whose results were fetched (the statistics').
        self._failed_results = store.failed_results
        self.store: StoreView = store
        self.engine: Viewer = engine
        self._closed: str | None = None
        self._changed = threading.Event()
        self._started = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._task: asyncio.Task[None] | None = None
        self._live: list[LiveView] = []
        self._server: DashboardServer | None = None
        self.engine.subscribe_status(lambda _status: self._changed.set())
        self.store.subscribe(lambda _change: self._changed.set())
        self._thread = threading.Thread(target=self._run, name="pcwatch-watch", daemon=True)
        self._thread.start()
        self._started.wait()
        with _OPEN_LOCK:
            _OPEN[self.key] = self

    def __repr__(self) -> str:
        state = f"closed ({self._closed})" if self._closed else f"{self.role}, {self.status.state}"
        endpoint, account, catalog = self.key
        return f"<Watch {visible(catalog)} {visible(account)}@{visible(endpoint)}: {state}, {len(self.store):,} tasks>"

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
        # Let the live views' last drawings and cancellations run, then close.
        pending = [t for t in asyncio.all_tasks(self._loop) if not t.done()]
        for t in pending:
            t.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()

    def _run_on_engine(self, callback: Callable[[], None]) -> None:
        """Run `callback` on the engine's loop (where the store changes), soon."""
        with contextlib.suppress(RuntimeError):  # a closed loop: nothing runs there any more
            self._loop.call_soon_threadsafe(callback)

    def _check_open(self) -> None:
        if self._closed:
            raise WatchClosed(f"this Watch was closed: {self._closed}; make a new one")

    @property
    def status(self) -> PollerStatus:
        """The poller's status (for a follower: the leader's, with state "following")."""
        return self.engine.status

    @property
    def role(self) -> str:
        return self.engine.role

    def refresh(self) -> None:
        """Poll as soon as the budget allows (a follower asks the polling viewer)."""
        self._check_open()
        self._run_on_engine(self.engine.refresh_now)

    def watching(self) -> Callable[[], None]:
        """Someone looks (a live view, `follow`): the poller spends as fast as for a dashboard while tasks
        run. A `Watch` nobody looks at costs almost nothing. Call the result when nobody looks any more."""
        self._check_open()
        releases: list[Callable[[], None]] = []

        def add() -> None:  # on the engine's loop, like everything that touches the engine
            releases.append(self.engine.watching())

        def drop() -> None:  # (after `add`: the loop runs them in order)
            while releases:
                releases.pop()()

        self._run_on_engine(add)
        return lambda: self._run_on_engine(drop)

    def close(self) -> None:
        """Stop (another viewer takes over the polling, if any), with the live views and the dashboard
        server of this watch. Closing twice is harmless."""
        self._close("close() was called")

    def _close(self, reason: str) -> None:
        if self._closed:
            return
        self._closed = reason
        with _OPEN_LOCK:
            if _OPEN.get(self.key) is self:
                del _OPEN[self.key]
        for view in list(self._live):
            view.stop()
        if self._server is not None:
            self._server.stop()
        task = self._task
        if task is not None:

            def stop_engine() -> None:
                task.cancel()

            self._run_on_engine(stop_engine)
        self._thread.join(timeout=10)
        self.engine.close()
        if self.demo is not None:
            self.demo.close()

    def __enter__(self) -> Watch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- waiting for the tasks, with a progress bar in the cell ---------------------------------------

    def _history_complete(self, kind: str) -> bool:
        return self.store.meta(f"history_complete:{kind}") == "1"

    def _first_look_in(self) -> bool:
        """The running tasks and the newest page of every kind are in (or the poller failed: show what
        there is, and why)."""
        status = self.status
        if status.state in ("stale", "backoff", "paused"):
            return True
        if status.state == "following" and self.store.meta(LEADER_KEY) is None:
            return False  # no word from the polling viewer yet
        # Every kind listed (its running tasks) and its history's newest page fetched, by this viewer's
        # poller or, for a follower, by the leader whose status it carries. ("live" alone is not it:
        # the poller is live from its first listing of one kind.)
        return all(
            kind in status.last_success
            and (self._history_complete(kind) or status.history_fetched.get(kind, 0) > 0)
            for kind in TASK_KINDS
        )

    def _all_loaded(self) -> bool:
        return all(self._history_complete(kind) for kind in TASK_KINDS) and self._first_look_in()

    def _loading(self, goal: str) -> Loading:
        status = self.status
        if goal == FIRST_LOOK:
            done = sum(
                kind in status.last_success
                and (self._history_complete(kind) or status.history_fetched.get(kind, 0) > 0)
                for kind in TASK_KINDS
            )
        else:
            done = sum(self._history_complete(kind) for kind in TASK_KINDS)
        error = status.last_error if status.state in ("stale", "backoff") else None
        return Loading(goal, len(self.store), done, len(TASK_KINDS), error)

    def _wait(
        self,
        done: Callable[[], bool],
        timeout: float | None,
        progress: Callable[[], Progress],
        summary: Callable[[bool], str],
    ) -> bool:
        """Block until `done()` (True) or `timeout` seconds (False), with a progress bar in the cell
        (`progress()` says how far; `summary(ok)` replaces the bar at the end)."""
        bar = ProgressBar()
        deadline = None if timeout is None else self.clock.monotonic() + timeout
        while not (ok := done()):
            self._check_open()
            bar.update(progress())
            if deadline is not None and self.clock.monotonic() >= deadline:
                break
            self._changed.wait(0.2)
            self._changed.clear()
        bar.finish(summary(ok))
        return ok

    def _wait_for_tasks(self, done: Callable[[], bool], goal: str, timeout: float | None) -> bool:
        def summary(ok: bool) -> str:
            tasks = self._loading(goal).tasks
            return f"{tasks:,} tasks in" if ok else f"still loading after {timeout} s: {tasks:,} tasks so far"

        return self._wait(done, timeout, lambda: self._loading(goal), summary)

    def wait_ready(self, timeout: float | None = 30.0) -> bool:
        """Block until the first look is in: the running tasks and the newest page of every kind (or the
        first poll failed). A progress bar shows in the cell meanwhile. False after `timeout` seconds."""
        self._check_open()
        return self._wait_for_tasks(self._first_look_in, FIRST_LOOK, timeout)

    def wait_loaded(self, timeout: float | None = None) -> bool:
        """Block until the whole history is in (a large account's takes a while on the first run; the
        journal keeps it for the next). A progress bar shows in the cell meanwhile."""
        self._check_open()
        return self._wait_for_tasks(self._all_loaded, WHOLE_HISTORY, timeout)

    def _note(self) -> str:
        status = self.status
        if status.state in ("stale", "backoff") and status.last_error:
            return f"the last poll failed (data may be out of date): {status.last_error}"
        if not all(self._history_complete(kind) for kind in TASK_KINDS):
            return (
                f"the history is still loading ({len(self.store):,} tasks so far): call again for more, "
                "or watch.wait_loaded() to wait for all of it"
            )
        return ""

    # --- reading ------------------------------------------------------------------------------------

    def tasks(self, kind: KindFilter = None, status: StatusFilter = None, *, wait: float = 30.0) -> TaskList:
        """The tasks known now, newest first: a `TaskList` of `schemas.TaskRecord` structs (read them,
        don't modify them) that shows itself as a table in a cell and has `to_pandas()`. Waits up to
        `wait` seconds for the first look (see `wait_ready`); on a large account it returns with the
        newest tasks of each kind while older ones load (the list's note says so).

        Raises ValueError for a `kind` or `status` that is none of the valid values (listed)."""
        self._check_open()
        kinds = check_kinds(kind)
        statuses = check_statuses(status, seen=self._statuses_seen())
        if wait:
            self.wait_ready(wait)
        records = [
            r
            for r in self.store.tasks()
            if (kinds is None or r.kind in kinds) and (statuses is None or r.task_status in statuses)
        ]
        records.sort(key=lambda r: (r.start_time is not None, r.start_time), reverse=True)
        completions = {
            r.task_id: done
            for r in records
            if r.task_id and r.is_terminal and (done := self.store.completion(r.task_id)) is not None
        }
        return TaskList(records, now=self.clock.now(), completions=completions, note=self._note())

    def _statuses_seen(self) -> set[str]:
        return {status for by_status in self.store.counts().values() for status in by_status}

    def task(self, task_id: str) -> TaskRecord | None:
        self._check_open()
        return self.store.task(task_id)

    def jobs(self) -> JobList:
        """The resource snapshot jobs fetched so far (those of tasks seen running, and any a dashboard
        opened), newest first: a `JobList` of `schemas.GetResourceSnapshotJobResponse`."""
        self._check_open()
        jobs = sorted(self.store.jobs(), key=lambda j: (j.created_at is not None, j.created_at), reverse=True)
        return JobList(jobs, now=self.clock.now())

    # --- bulk jobs ----------------------------------------------------------------------------------

    def _jobs_listed(self) -> bool:
        """Every bulk job kind listed (by this viewer's poller or the leader whose status it carries), or
        the poller failing (show what there is, and why)."""
        status = self.status
        if status.state in ("stale", "backoff", "paused"):
            return True
        if status.state == "following" and self.store.meta(LEADER_KEY) is None:
            return False
        return all(kind in status.last_success for kind in BULK_KINDS)

    def _wait_for_jobs(self, timeout: float | None) -> bool:
        def progress() -> Loading:
            done = sum(kind in self.status.last_success for kind in BULK_KINDS)
            jobs = len(self.store.bulk_jobs())
            return Loading(BULK_FIRST_LOOK, jobs, done, len(BULK_KINDS), self._error(), noun="bulk jobs")

        def summary(ok: bool) -> str:
            jobs = len(self.store.bulk_jobs())
            return (
                f"{jobs:,} bulk jobs in"
                if ok
                else f"still listing after {timeout} s: {jobs:,} bulk jobs so far"
            )

        return self._wait(self._jobs_listed, timeout, progress, summary)

    def _error(self) -> str | None:
        status = self.status
        return status.last_error if status.state in ("stale", "backoff") else None

    def bulk_jobs(
        self, kind: JobKindFilter = None, status: JobStatusFilter = None, *, wait: float = 30.0
    ) -> BulkJobList:
        """The bulk jobs known now (opportunities and customer accounts imported from CSV files), the
        newest created first: a `BulkJobList` of `schemas.BulkJobRecord` structs that shows itself as a
        table with each job's progress (processed of total, records a minute, time left) and has
        `to_pandas()`. Waits up to `wait` seconds for the first listing of the bulk jobs. Each call also
        asks for a look at every family (`Engine.want_bulk_jobs`: two calls, at most every 30 s), so a job
        started elsewhere is in the list of the next call a few seconds later.

        Raises ValueError for a `kind` (`opp-bulk`, `acct-bulk`) or `status` that is none of the valid
        values (listed)."""
        self._check_open()
        kinds = check_kinds(kind, family=BULK)
        seen = {j.status for j in self.store.bulk_jobs() if j.status}
        statuses = check_statuses(status, seen=seen, known=BulkJobStatus.KNOWN)
        self._run_on_engine(self.engine.want_bulk_jobs)
        if wait:
            self._wait_for_jobs(wait)
        jobs = [
            j
            for j in self.store.bulk_jobs()
            if (kinds is None or j.kind in kinds) and (statuses is None or j.status in statuses)
        ]
        jobs.sort(key=lambda j: (j.created_at is not None, j.created_at), reverse=True)
        error = self._error()
        note = f"the last poll failed (data may be out of date): {error}" if error else ""
        return BulkJobList(jobs, now=self.clock.now(), note=note)

    def results(self, job_id: str, *, failed: bool = False, wait: float = 60.0) -> BulkResultList:
        """A bulk job's per-record results (`failed=True`: only the failed records), in the service's
        order: a `BulkResultList` of `schemas.BulkJobResult` that shows itself as a table and has
        `to_pandas()`. They are fetched now (every page, from the shared budget; the journal keeps
        them), not before: this waits up to `wait` seconds for them with a progress bar in the cell, and
        returns what has come if that is not all (its note says so; call again for the rest).

        Raises `JobNotFound` (a LookupError) for an id that is no bulk job the engine knows, once the
        bulk jobs have been listed; `TimeoutError` if they could not be listed within `wait`."""
        self._check_open()
        job = self.store.bulk_job(job_id)
        if job is None and wait:
            self._wait_for_jobs(wait)
            job = self.store.bulk_job(job_id)
        if job is None:
            if not self._jobs_listed():
                raise TimeoutError(f"the bulk jobs were not listed within {wait} s; try again")
            raise JobNotFound(
                job_id,
                f"no bulk job {visible(job_id)!r} in {self.settings.catalog}: every bulk job kind was "
                "listed; check the id and the catalog",
            )
        first: BulkJobRecord = job

        def fetched() -> tuple[BulkJobResult, ...] | None:
            have = self.store.bulk_results(job_id)
            if have is None or (have.failed_only and not failed):
                return None
            return have.results

        def done() -> bool:
            have = self.store.bulk_results(job_id)
            return have is not None and have.complete and (failed or not have.failed_only)

        def progress() -> ResultsLoading:
            known = self.store.bulk_job(job_id) or first
            expected = known.failure_count if failed else known.processed_records
            return ResultsLoading(job_id, len(fetched() or ()), expected, failed, self._error())

        def summary(ok: bool) -> str:
            n = len(fetched() or ())
            return f"{n:,} results in" if ok else f"still fetching after {wait} s: {n:,} results so far"

        if not done():
            stop_watching = self.watching()
            self._run_on_engine(lambda: self.engine.want_results(job_id, failed_only=failed))
            try:
                self._wait(done, wait, progress, summary)
            finally:
                stop_watching()
        results = list(fetched() or ())
        if failed:
            results = [r for r in results if r.status == "FAILED"]
        job = self.store.bulk_job(job_id) or job
        return BulkResultList(results, now=self.clock.now(), job=job, note=_results_note(job, done()))

    def invitations(self) -> InvitationList:
        """The pending engagement invitations to this account, soonest to expire first: an
        `InvitationList` of `schemas.EngagementInvitationSummary`."""
        self._check_open()
        pending = sorted(self.store.invitations(), key=_expiry_order)
        return InvitationList(pending, now=self.clock.now())

    def stats(self, since: str = "7d", kind: KindFilter = None, *, wait: float = 30.0) -> Stats:
        """What failed and why, how long tasks took, how many finished an hour, how fast bulk jobs went
        and why their records failed: the numbers of `pcwatch stats` (`tui.engine.stats`, docs/stats.md)
        over the tasks and bulk jobs this watch knows, started within `since` (30m, 24h, 7d, 2w, or all;
        `kind=` a task kind: those tasks alone, no bulk job). `.to_json()` gives the object of `pcwatch
        stats --json`.

        Raises ValueError for a window or a `kind` it does not know."""
        from tui.engine.stats import compute_stats, parse_window

        self._check_open()
        window = parse_window(since)  # WindowError, a ValueError
        kinds = check_kinds(kind)
        if wait:
            self.wait_ready(wait)
        return compute_stats(
            self.store.task_rows(),
            self.clock.now(),
            since=window,
            kinds=[k for k in TASK_KINDS if k in kinds] if kinds is not None else None,
            leader_status=self.store.meta(LEADER_KEY),
            bulk_jobs=self.store.bulk_jobs(),
            bulk_results=self._failed_results(),
        )

    def table(self, kind: KindFilter = None, status: StatusFilter = None, *, limit: int | None = 50) -> Table:
        """The tasks as a rich Table, for a terminal or a script (a cell shows `tasks()` better). Fits 100
        columns; text from the service is shown literally."""
        from .rich_table import task_table

        return task_table(self.tasks(kind, status), limit=limit)

    # --- live ---------------------------------------------------------------------------------------

    def live(
        self, status: StatusFilter = None, kind: KindFilter = None, *, rows: int = 10, min_gap: float = 1.0
    ) -> LiveView:
        """A view that updates itself in the cell that shows it (make it a cell's value, or `display` it):
        counts, the running tasks, recent failures and the budget. `view.stop()` or `watch.close()` stops
        it. Raises ValueError for an invalid `status` or `kind`."""
        self._check_open()
        view = LiveView(
            self.store,
            self.engine,
            self.clock,
            self.settings.catalog,
            run_on_engine=self._run_on_engine,
            on_stop=self._live_stopped,
            kinds=check_kinds(kind),
            statuses=check_statuses(status, seen=self._statuses_seen()),
            rows=rows,
            min_gap=min_gap,
        )
        self._live.append(view)
        return view.start()

    @property
    def live_views(self) -> tuple[LiveView, ...]:
        """The live views updating now: while there is one, someone is watching this account."""
        return tuple(self._live)

    def _live_stopped(self, view: LiveView) -> None:
        with contextlib.suppress(ValueError):
            self._live.remove(view)

    # --- the dashboard in the notebook -----------------------------------------------------------------

    def dashboard(
        self, *, height: int = 600, host: str = "127.0.0.1", port: int | None = None
    ) -> DashboardServer:
        """The full dashboard in the cell: starts `pcwatch serve` for this account on loopback (or reuses
        the one this watch started) and shows it in an IFrame, with its token. `host`: the name your
        browser reaches this machine's loopback by (the one Jupyter's own URL has)."""
        self._check_open()
        from .server import DashboardServer

        if self._server is None or not self._server.alive:
            self._server = DashboardServer.start(self.settings, host=host, port=port)
        self._server.height = height
        return self._server

    # --- following one task -------------------------------------------------------------------------

    def _looked_since(self, asked_at: datetime) -> bool:
        """Every kind listed newest first by requests sent after `asked_at`, with the whole history in:
        a task started before then would be known. (A listing that was already on its way when asked
        does not count, nor does one of the running tasks only.)"""
        scanned = self.status.scanned
        return all(
            self._history_complete(k) and (t := scanned.get(k)) is not None and t > asked_at
            for k in TASK_KINDS
        )

    async def follow(self, task_id: str, timeout: float | None = None) -> TaskRecord:
        """Wait (asynchronously: `await` it in a cell) until the task has finished; its final record.

        Raises `TaskNotFound` (a LookupError) if the engine, having looked (a poll of every kind since
        this call, new tasks included, with the whole history in), does not know the id; `TimeoutError`
        after `timeout` seconds for a task that has not finished (or could not be looked for)."""
        self._check_open()
        loop = asyncio.get_running_loop()
        outcome: asyncio.Future[TaskRecord] = loop.create_future()
        asked_at = self.clock.now()

        def settle(record: TaskRecord | None) -> None:
            if outcome.done():
                return
            if record is not None:
                outcome.set_result(record)
            else:
                looked = instant(max(self.status.scanned.values(), default=None), SECOND)
                outcome.set_exception(
                    TaskNotFound(
                        task_id,
                        f"no task {visible(task_id)!r} in {self.settings.catalog}: every kind was listed "
                        f"(last at {looked} UTC) and the whole history is in; check the id and the catalog",
                    )
                )

        def check(_change: StoreChange | PollerStatus | None = None) -> None:  # on the engine's thread
            record = self.store.task(task_id)
            if record is not None and record.task_status in TaskStatus.TERMINAL:
                loop.call_soon_threadsafe(settle, record)
            elif record is None and self._looked_since(asked_at):
                loop.call_soon_threadsafe(settle, None)

        unsubscribe = [self.store.subscribe(check), self.engine.subscribe_status(check), self.watching()]
        try:
            check()
            if self.store.task(task_id) is None:
                self.refresh()  # started a moment ago, or unknown: look for it now
            try:
                return await asyncio.wait_for(asyncio.shield(outcome), timeout)
            except asyncio.TimeoutError:
                record = self.store.task(task_id)
                where = f"still {record.task_status}" if record is not None else "not seen yet"
                raise TimeoutError(f"{visible(task_id)} after {timeout} s: {where}") from None
        finally:
            for stop in unsubscribe:
                stop()


FIRST_LOOK = "the newest tasks of each kind"
WHOLE_HISTORY = "the whole history"
BULK_FIRST_LOOK = "the bulk jobs of each kind"


def _results_note(job: BulkJobRecord, complete: bool) -> str:
    notes = []
    if not complete:
        notes.append("still fetching: call again for the rest")
    if not job.is_terminal:
        notes.append(
            f"the job is {job.status or 'not started'}: these are the results of the records processed so far"
        )
    return "; ".join(notes)


def _expiry_order(inv: EngagementInvitationSummary) -> tuple[bool, str]:
    expiry = inv.expiration_date
    return (expiry is None, expiry.isoformat() if expiry is not None else "")


__all__ = ["Watch", "watch_key"]

"""The dashboard app. Collaborators come in through the constructor, typed by the engine's API
(`tui.engine.api`: a `StoreView`, an `Engine`) and the writes' (`tui.writes.api.WriteService`), so tests
build the same app around fakes. The engine runs as a worker on the app's loop; the store's and the
engine's callbacks become messages (`messages`), which coalesce when they arrive in bursts. The record,
copy and export actions are in `task_actions`; the once-a-second tick of every shown running time in
`ticks`; the header's state in `header`."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.driver import Driver
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input
from textual.worker import Worker, WorkerState

from schemas import TaskRecord
from tui.core.clock import Clock
from tui.core.settings import Settings
from tui.engine.api import Engine, PollerStatus, StoreChange, StoreView, Transition
from tui.writes.api import WriteService

from .clipboard import OSC52
from .header import header_state
from .messages import PollerStatusChanged, StoreLoaded, TasksChanged
from .palette import STATUS_KEYS, dashboard_commands, finished_toasts
from .screens.help import HelpScreen
from .task_actions import TaskActions
from .task_rows import KIND_KEYS, kind_label
from .ticks import ClockTicks
from .view_actions import ViewActions
from .widgets.activity import ActivityLog
from .widgets.error_details import ErrorDetails
from .widgets.header_status import HeaderStatus
from .widgets.partial_update import install as install_partial_update
from .widgets.safe_text import clean
from .widgets.snapshot_jobs import SnapshotJobs
from .widgets.task_table import PreparedView, TaskTable
from .widgets.view_bar import ViewBar

#: Actions that only make sense while the tasks table is on screen.
TASK_VIEW_ACTIONS = frozenset(
    {
        "filter",
        "cycle_sort",
        "show_record",
        "copy_task_id",
        "copy_job_id",
        "export",
        "toggle_status",
        "toggle_kind",
        "clear_view",
        "invitations",
        "stats",
    }
)
#: Toasts stay this long; each one on screen is repainted when another comes or goes.
TOAST_SECONDS = 4.0
#: Below this width the side panes go under the table and the activity pane is hidden.
NARROW = 120


#: Seconds after start (first rows painted) to take what is alive out of the cyclic GC's full passes.
GC_FREEZE_AFTER = 1.0


def _freeze_long_lived() -> None:
    """Modules, widgets and the loaded history live as long as the app: freezing them keeps a full
    collection (every ~second while history pages arrive) from costing 20-60 ms between two keys.
    No `gc.collect()` first: that would be one such pause; startup's few cycles wait for unmount."""
    gc.freeze()


class PcwatchApp(ViewActions, TaskActions, ClockTicks, App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "pcwatch"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar = [
        Binding("slash", "filter", "Filter"),
        Binding("s", "cycle_sort", "Sort"),
        # "Record" is left out of the footer so that Help and Quit still fit at 80 columns.
        Binding("enter", "show_record", "Record", show=False),
        Binding("c", "copy_task_id", "Copy"),
        Binding("y", "copy_job_id", "Copy job", show=False),
        # Export is in the help and the palette; the footer keeps Help and Quit visible at 80 columns.
        Binding("e", "export", "Export", show=False),
        Binding("i", "invitations", "Invites"),
        # The stats view is in the help and the palette (the footer keeps Help and Quit at 80 columns).
        Binding("t", "stats", "Stats", show=False),
        Binding("r", "refresh", "Refresh"),
        Binding("p", "toggle_pause", "Pause"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        *(Binding(k, f"toggle_status('{k}')", f"status {v}", show=False) for k, v in STATUS_KEYS.items()),
        *(
            Binding(k, f"toggle_kind('{k}')", f"kind {kind_label(v)}", show=False)
            for k, v in KIND_KEYS.items()
        ),
        Binding("0", "clear_view", "Show all", show=False),
    ]

    def __init__(
        self,
        store: StoreView,
        poller: Engine | None,
        settings: Settings,
        clock: Clock,
        *,
        load: Callable[[], None] | None = None,
        toasts: bool = True,
        driver_class: type[Driver] | None = None,
        actions: WriteService | None = None,
        warnings: Sequence[str] = (),
        clipboard: str = OSC52,
        journal_problems: Sequence[str] = (),
    ) -> None:
        """`warnings`: what the wiring has to say (a write ledger that could not be moved), shown with
        the journal's once the view starts. `clipboard`: whether the terminal honours OSC 52
        (`clipboard.clipboard_reach`; a browser session always does). `journal_problems`: the journal or
        ledger could not be opened for writing (the app was built without it): asked about before
        anything starts."""
        install_partial_update()
        super().__init__(driver_class=driver_class)
        self.store = store
        self.poller = poller
        self.settings = settings
        self.clock = clock
        self._load = load
        self._toasts = toasts
        #: The write service (accept/reject); None in read-only mode, which leaves no write path.
        self.actions = actions
        self._warnings = list(warnings)
        self.clipboard_reach = clipboard
        self.journal_problems = list(journal_problems)
        self.status: PollerStatus | None = poller.status if poller is not None else None
        self.loaded = load is None
        self._unsubscribe: list[Callable[[], None]] = []
        self._filter_timer: Timer | None = None

    # ---- layout ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield HeaderStatus(id="header")
        yield ViewBar(id="viewbar")
        with Horizontal(id="main"):
            yield TaskTable(self.store, id="tasks")
            with Vertical(id="side"):
                yield ErrorDetails(id="details")
                yield SnapshotJobs(id="jobs")
        yield ActivityLog(id="activity")
        yield Input(
            placeholder="filter: task/job/opportunity/engagement id, reason code, message", id="filter"
        )
        yield Footer(compact=True)

    @property
    def table(self) -> TaskTable:
        return self.query_one(TaskTable)

    def on_mount(self) -> None:
        self.query_one("#details").border_title = "Details"
        self.query_one("#jobs").border_title = "Snapshot jobs · invitations"
        self.query_one("#activity").border_title = "Activity"
        self._apply_width(self.size.width)
        self._unsubscribe.append(self.store.subscribe(self._on_store_change))
        if self.poller is not None:
            self._unsubscribe.append(self.poller.subscribe_status(self._on_poller_status))
        if not self.is_headless:
            # SSH dropped or the tmux pane closed: leave instead of writing into a dead terminal.
            with contextlib.suppress(NotImplementedError, RuntimeError, AttributeError, ValueError):
                asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.exit, 0)
        self.table.focus()
        if self.journal_problems:
            from .screens.journal_problem import JournalProblemScreen

            screen = JournalProblemScreen(self.journal_problems, writes_off=self.actions is None)
            self.push_screen(screen, self._on_journal_answer)
        else:
            self._begin()

    def _on_journal_answer(self, go_on: bool | None) -> None:
        if go_on:
            self._begin()
        else:
            self.exit(2)

    def _begin(self) -> None:
        """Load the journal (in a thread) or start at once."""
        if self._load is not None:
            self._update_header()
            self.query_one(ViewBar).show_loading()
            self._run_load()
        else:
            self._start()

    @work(thread=True, group="load", exit_on_error=False)
    def _run_load(self) -> None:
        error = None
        try:
            assert self._load is not None
            self._load()
        except Exception as exc:  # a broken journal must not stop the live view
            error = f"journal not loaded: {exc}"
        # Sort the loaded history here too, off the event loop (nothing changes the store yet).
        self._prepared = self.table.prepare_view()
        # The loaded history and its sorted view (~100,000 new objects each, made with the GC paused)
        # live as long as the app: freeze them now, or the next young collection scans them all
        # (~40 ms on the event loop just before the first rows are painted).
        gc.freeze()
        self.post_message(StoreLoaded(error))

    def on_store_loaded(self, message: StoreLoaded) -> None:
        self.loaded = True
        if message.error:
            self.notify(clean(message.error, limit=300), severity="error", markup=False)
        self._start()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The poller should never end; if it does, say so instead of silently showing old data.
        if event.worker.group == "poller" and event.state == WorkerState.ERROR:
            error = clean(f"polling stopped: {event.worker.error}", limit=300)
            self.notify(error + " — restart pcwatch", severity="error", markup=False, timeout=30)

    #: The view sorted off the event loop while the journal loaded (`TaskTable.prepare_view`).
    _prepared: PreparedView | None = None

    def _start(self) -> None:
        for warning in [*self.store.warnings, *self._warnings]:
            self.notify(clean(warning, limit=300), severity="warning", markup=False, timeout=10)
        self.table.set_now(self.clock.now())
        self.table.rebuild(self._prepared)
        self._prepared = None
        self._refresh_panes(all_panes=True)
        self._start_ticks()
        if self.poller is not None:
            # A dashboard (a terminal, a browser tab) is a watcher: the poller spends fast while tasks run.
            self._unsubscribe.append(self.poller.watching())
            self.run_worker(self.poller.run(), group="poller", name="poller", exit_on_error=False)
        self.set_timer(GC_FREEZE_AFTER, _freeze_long_lived)

    def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribe:
            with contextlib.suppress(Exception):
                unsubscribe()
        # What was frozen (this app's widgets among it) is collectable again once the app is gone
        # (a process that runs several apps, such as the tests, must not keep them all).
        gc.unfreeze()

    def on_resize(self, event: events.Resize) -> None:
        self._apply_width(event.size.width)

    def _apply_width(self, width: int) -> None:
        self.screen.set_class(width < NARROW, "-narrow")

    # ---- engine callbacks -> messages -> panes ---------------------------------------------------

    def _on_store_change(self, change: StoreChange) -> None:
        self.post_message(TasksChanged.from_change(change))

    def _on_poller_status(self, status: PollerStatus) -> None:
        self.post_message(PollerStatusChanged(status))

    def _panes_gone(self) -> bool:
        """The panes are going (the app is shutting down) while the engine's last messages arrive,
        whichever went first."""
        panes = (HeaderStatus, ViewBar, TaskTable, ErrorDetails, SnapshotJobs, ActivityLog)
        return not all(self.query(pane) for pane in panes)

    def on_tasks_changed(self, message: TasksChanged) -> None:
        if not self.loaded or self._panes_gone():
            return  # the rebuild after loading reads everything anyway
        table = self.table
        table.update_tasks(message.task_ids)
        table.set_now(self.clock.now())
        selected = table.selected_id
        record = self.store.task(selected) if selected else None
        job_id = record.resource_snapshot_job_id if record is not None else None
        if selected in message.task_ids:
            self._refresh_details()
        if (
            selected in message.task_ids
            or message.job_ids
            or message.invitation_ids
            or job_id in message.job_ids
        ):
            self._refresh_jobs()
        if message.transitions:
            self.query_one(ActivityLog).show(reversed(self.store.recent_transitions(200)))
            self._toast(message.transitions)
        self._update_header()
        self._update_view_bar()

    def on_poller_status_changed(self, message: PollerStatusChanged) -> None:
        previous = self.status
        self.status = status = message.status
        if self._panes_gone():
            return
        self._update_header()
        if self.loaded:
            self.table.set_now(self.clock.now())
        if (
            previous is None
            or status.last_service_error is not previous.last_service_error
            or status.last_error != previous.last_error
        ):
            self._refresh_details()

    def on_task_table_selected(self, message: TaskTable.Selected) -> None:
        if self._panes_gone():
            return
        self._refresh_details()
        self._refresh_jobs()
        record = self._selected_record()
        job_id = record.resource_snapshot_job_id if record is not None else None
        if job_id and self.store.job(job_id) is None and self.poller is not None:
            self.poller.want_job(job_id)  # the user is looking at it: fetch it at the next tick

    def _selected_record(self) -> TaskRecord | None:
        selected = self.table.selected_id
        return self.store.task(selected) if selected else None

    def _refresh_details(self) -> None:
        record = self._selected_record()
        completion = self.store.completion(record.task_id) if record is not None and record.task_id else None
        status = self.status
        api_error = status.last_service_error if status is not None else None
        poll_error = status.last_error if status is not None else None
        self.query_one(ErrorDetails).show(record, completion, self.table.now, api_error, poll_error)

    def _refresh_jobs(self) -> None:
        record = self._selected_record()
        job_id = record.resource_snapshot_job_id if record is not None else None
        job = self.store.job(job_id) if job_id else None
        self.query_one(SnapshotJobs).show(
            record, job, list(self.store.jobs()), list(self.store.invitations())
        )

    def _refresh_panes(self, all_panes: bool = False) -> None:
        self._update_header()
        self._update_view_bar()
        self._refresh_details()
        self._refresh_jobs()
        if all_panes:
            self.query_one(ActivityLog).show(reversed(self.store.recent_transitions(200)))

    def _update_header(self) -> None:
        counts = self.store.counts() if self.loaded else None
        state = header_state(self.settings, self.status, counts, self.clock.now())
        self.query_one(HeaderStatus).show(state, self.clock.now())

    def _update_view_bar(self) -> None:
        table = self.table
        self.query_one(ViewBar).show(table, len(self.store))

    def _toast(self, transitions: Iterable[Transition]) -> None:
        if self._toasts:
            for message, severity in finished_toasts(transitions, self.store):
                self.notify(message, severity=severity, markup=False, timeout=TOAST_SECONDS)

    # ---- actions ---------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        if self.poller is None:
            self.notify("No poller (offline view).", severity="warning")
            return
        self.poller.refresh_now()
        self.notify("Refreshing…", timeout=1.5)

    def action_toggle_pause(self) -> None:
        if self.poller is None:
            return
        if self.poller.status.state == "paused":
            self.poller.resume()
        else:
            self.poller.pause()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The task keys act on the tasks table; on the invitations view they are hidden, not misleading.
        return not (action in TASK_VIEW_ACTIONS and self.screen.has_class("-no-task-keys"))

    def action_invitations(self) -> None:
        from .screens.invitations import InvitationsScreen

        self.push_screen(InvitationsScreen(self.store, self.actions, self.settings.catalog, self.clock))

    def action_stats(self) -> None:
        from .screens.stats import StatsScreen

        self.push_screen(StatsScreen(self.store, self.clock))

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        self.exit(0)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from dashboard_commands(self)

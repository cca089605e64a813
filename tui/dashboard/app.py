"""The dashboard app. Collaborators come in through the constructor, typed by the engine's API
(`tui.engine.api`: a `StoreView`, an `Engine`) and the writes' (`tui.writes.api.WriteService`), so tests
build the same app around fakes. The engine runs as a worker on the app's loop; the store's and the
engine's callbacks become messages (`messages`), which coalesce when they arrive in bursts, and the app
hands each to the tasks screen (`screens.tasks.TasksScreen`, the main view, which owns the table's view
and task actions and their keys). The once-a-second tick is `ticks.SecondHand`; the header's state is
`header`."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.notifications import SeverityLevel
from textual.screen import Screen, SystemModalScreen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from tui.core.clock import Clock
from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings
from tui.engine.api import Engine, PollerStatus, StoreChange, StoreView
from tui.writes.api import WriteService

from .clipboard import Clipboard
from .messages import PollerStatusChanged, StoreLoaded, TasksChanged
from .notices import Notices, notice_text
from .palette import dashboard_commands, jobs_view_commands
from .screens.bulk_jobs import BulkJobsScreen
from .screens.help import HelpScreen
from .screens.tasks import NARROW, TasksScreen
from .ticks import SecondHand
from .widgets.invitations import InvitationsPane
from .widgets.notice_line import NoticeLine
from .widgets.partial_update import install as install_partial_update
from .widgets.safe_text import clean
from .widgets.task_table import PreparedView, TaskTable

#: Seconds after start (first rows painted) to take what is alive out of the cyclic GC's full passes.
GC_FREEZE_AFTER = 1.0


def _freeze_long_lived() -> None:
    """Modules, widgets and the loaded history live as long as the app: freezing them keeps a full
    collection (every ~second while history pages arrive) from costing 20-60 ms between two keys.
    No `gc.collect()` first: that would be one such pause; startup's few cycles wait for unmount."""
    gc.freeze()


class PcwatchApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "pcwatch"
    ENABLE_COMMAND_PALETTE = True
    # The keys of every screen. The table's (filter, sort, toggles, record, copy, export, and the
    # invitations and stats views opened from it) are the tasks screen's.
    BINDINGS: ClassVar = [
        Binding("r", "refresh", "Refresh"),
        Binding("p", "toggle_pause", "Pause"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
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
        clipboard: Clipboard | None = None,
        journal_problems: Sequence[str] = (),
    ) -> None:
        """`warnings`: what the wiring has to say (a write ledger that could not be moved), shown with
        the journal's once the view starts. `clipboard`: where a copy goes in this session and how
        (`clipboard.Clipboard`; by default OSC 52 to the terminal). `journal_problems`: the journal or
        ledger could not be opened for writing (the app was built without it): asked about before
        anything starts."""
        install_partial_update()
        super().__init__(driver_class=driver_class)
        self.store = store
        self.poller = poller
        self.settings = settings
        self.clock = clock
        self._load = load
        #: The write service (accept/reject); None in read-only mode, which leaves no write path.
        self.actions = actions
        self._warnings = list(warnings)
        self.journal_problems = list(journal_problems)
        self._unsubscribe: list[Callable[[], None]] = []
        self._clipboard_out = clipboard if clipboard is not None else Clipboard()
        #: What the app has to say (`notify`), shown in each screen's notice row, never over data.
        self.notices = Notices()
        self._notice_timer: Timer | None = None
        #: The main view, the first screen (`get_default_screen`): every other screen goes over it.
        self.tasks_screen = TasksScreen(
            store,
            settings,
            clock,
            status=poller.status if poller is not None else None,
            want_job=poller.want_job if poller is not None else None,
            want_prospecting=poller.want_prospecting if poller is not None else None,
            loaded=load is None,
            toasts=toasts,
            clipboard=self._clipboard_out,
        )

    def get_default_screen(self) -> Screen[Any]:
        return self.tasks_screen

    @property
    def table(self) -> TaskTable:
        """The tasks screen's table (what tests and benchmarks look at)."""
        return self.tasks_screen.table

    def on_mount(self) -> None:
        self.screen_change_signal.subscribe(self, self._on_screen_change)

    def on_tasks_screen_ready(self, message: TasksScreen.Ready) -> None:
        self._unsubscribe.append(self.store.subscribe(self._on_store_change))
        if self.poller is not None:
            self._unsubscribe.append(self.poller.subscribe_status(self._on_poller_status))
        if not self.is_headless:
            # SSH dropped or the tmux pane closed: leave instead of writing into a dead terminal.
            with contextlib.suppress(NotImplementedError, RuntimeError, AttributeError, ValueError):
                asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.exit, 0)
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
            self.exit(ExitStatus.USAGE)

    def _begin(self) -> None:
        """Load the journal (in a thread) or start at once."""
        if self._load is not None:
            self.tasks_screen.show_loading()
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
        self._prepared = self.tasks_screen.prepare_view()
        # The loaded history and its sorted view (~100,000 new objects each, made with the GC paused)
        # live as long as the app: freeze them now, or the next young collection scans them all
        # (~40 ms on the event loop just before the first rows are painted).
        gc.freeze()
        self.post_message(StoreLoaded(error))

    def on_store_loaded(self, message: StoreLoaded) -> None:
        if message.error:
            self.notify(clean(message.error, limit=300), severity="error", markup=False)
        self._start()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The poller should never end; if it does, say so instead of silently showing old data.
        if event.worker.group == "poller" and event.state == WorkerState.ERROR:
            error = clean(f"polling stopped: {event.worker.error}", limit=300)
            self.notify(error + " — restart pcwatch", severity="error", markup=False, timeout=30)

    #: The view sorted off the event loop while the journal loaded (`TasksScreen.prepare_view`).
    _prepared: PreparedView | None = None

    def _start(self) -> None:
        for warning in [*self.store.warnings, *self._warnings]:
            self.notify(clean(warning, limit=300), severity="warning", markup=False, timeout=10)
        self.tasks_screen.start(self._prepared)
        self._prepared = None
        # A failing tick is a bug like any handler's: it ends the app with its traceback.
        self.run_worker(SecondHand(self.clock, self._tick).run(), group="ticks", name="ticks")
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
        # Every screen is laid out for the new size, not only the one on top: a screen under a modal
        # one shows (dimmed) meanwhile, and any other shows again when those over it close.
        for screen in self.screen_stack:
            if isinstance(screen, TasksScreen):
                screen.lay_out(event.size)
            else:  # (the stats view stacks its plots)
                screen.set_class(event.size.width < NARROW, "-narrow")

    def _tick(self) -> None:
        """Every time shown relative to now moves on: the tasks screen's, the invitations', the jobs
        view's header and its report's expiry."""
        self.tasks_screen.tick()
        for pane in self.screen.query(InvitationsPane):
            pane.tick()
        if isinstance(self.screen, BulkJobsScreen):
            self._show_header(self.screen)
            self.screen.tick()

    def _jobs_screens(self) -> list[BulkJobsScreen]:
        return [s for s in self.screen_stack if isinstance(s, BulkJobsScreen)]

    def _show_header(self, screen: BulkJobsScreen) -> None:
        screen.show_header(self.tasks_screen.header_state(), self.clock.now())

    # ---- engine callbacks -> messages -> the tasks screen ----------------------------------------

    def _on_store_change(self, change: StoreChange) -> None:
        self.post_message(TasksChanged.from_change(change))

    def _on_poller_status(self, status: PollerStatus) -> None:
        self.post_message(PollerStatusChanged(status))

    def on_tasks_changed(self, message: TasksChanged) -> None:
        self.tasks_screen.show_change(message)
        for screen in self._jobs_screens():
            screen.show_change(message.bulk_job_ids)
            if message.task_ids:
                self._show_header(screen)  # (the task counts)

    def on_poller_status_changed(self, message: PollerStatusChanged) -> None:
        self.tasks_screen.show_status(message.status)
        for screen in self._jobs_screens():
            self._show_header(screen)

    # ---- notices: every `notify` of the app, its screens and widgets -----------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A notice in the notice row of the screen shown (`notices`, `widgets.notice_line`), never a
        toast over data. The text is always literal, whatever `markup` says: it can carry strings from
        the service. Thread-safe, as Textual's is (`call_later` posts a message)."""
        del markup  # (never read as markup)
        self.call_later(self._post_notice, notice_text(message, title), severity, timeout)

    def _post_notice(self, text: str, severity: SeverityLevel, timeout: float | None) -> None:
        self.notices.post(text, severity, timeout, self.clock.monotonic())
        self._show_notices()

    def expire_notices(self) -> None:
        """Notices whose time is up go (the notice timer; tests call it after moving the clock)."""
        if self.notices.expire(self.clock.monotonic()):
            self._show_notices()
        else:
            self._arm_notice_timer()

    def _show_notices(self) -> None:
        front = self.notices.front()
        for screen in self._screens_seen():
            for line in screen.query(NoticeLine):
                line.show(front)
        self._arm_notice_timer()

    def _arm_notice_timer(self) -> None:
        if self._notice_timer is not None:
            self._notice_timer.stop()
            self._notice_timer = None
        until = self.notices.next_expiry()
        if until is not None:
            seconds = until - self.clock.monotonic()
            self._notice_timer = self.set_timer(max(0.05, seconds), self.expire_notices)

    def _screens_seen(self) -> list[Screen[Any]]:
        """The screen on top and, under dialogs, the screens that show through them (a covered full
        screen draws nothing: updating it would repaint the one on top, `TasksScreen._covered`)."""
        seen: list[Screen[Any]] = []
        for screen in reversed(self.screen_stack):
            seen.append(screen)
            if not screen.is_modal:
                break
        return seen

    def on_notice_line_mounted(self, message: NoticeLine.Mounted) -> None:
        message.line.show(self.notices.front())

    def _on_screen_change(self, screen: Screen[Any]) -> None:
        """Back on a screen: its notice row shows the notice now. A dialog gets a notice row of its own
        in the same row, undimmed, so a dialog never hides the notice (`_give_notice_line`)."""
        for line in screen.query(NoticeLine):
            line.show(self.notices.front())
        if screen.is_modal and not isinstance(screen, SystemModalScreen):
            # After the dialog's compose (a screen runs its compose and mount before its messages).
            screen.call_later(self._give_notice_line, screen)

    def _give_notice_line(self, screen: Screen[Any]) -> None:
        if screen.is_attached and not screen.query(NoticeLine):
            screen.mount(NoticeLine())

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

    def action_invitations(self) -> None:
        from .screens.invitations import InvitationsScreen

        self.push_screen(InvitationsScreen(self.store, self.actions, self.settings.catalog, self.clock))

    def action_stats(self) -> None:
        from .screens.stats import StatsScreen

        self.push_screen(StatsScreen(self.store, self.clock))

    def action_bulk_jobs(self) -> None:
        if isinstance(self.screen, BulkJobsScreen):
            return
        screen = BulkJobsScreen(self.store, self.poller, self.clock, clipboard=self._clipboard_out)
        self.push_screen(screen)
        self._show_header(screen)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        self.exit(0)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from dashboard_commands(self.tasks_screen, self, writes_allowed=self.actions is not None)
        if isinstance(screen, BulkJobsScreen):
            yield from jobs_view_commands(screen)

"""The tasks screen, the dashboard's main view: the header, the view bar, the task table, the details and
snapshot-job panes, the activity, the filter box and the footer.

It owns what acts on the table: the view (`/` filter, `s` sort, `1`–`3` status and `4`… kind toggles,
`0`) and the selected task or the view (`enter` record, `c`/`y` copy, `e` export), with their keys; other
screens (invitations, stats, bulk jobs, help) never see those keys. The app feeds it and never reaches into it:
`start` once the store is whole, then `show_change`, `show_status` and `tick`. What it needs of the
app's things (the store, the engine, the settings, the clock) comes through its constructor."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input

from schemas import TaskRecord, TaskStatus
from tui.core import logs
from tui.core.clock import Clock
from tui.core.private_files import PathRefused
from tui.core.settings import Settings
from tui.engine.api import PollerStatus, StoreView, Transition

from ..clipboard import Clipboard, copy_toast
from ..header import HeaderState, header_state
from ..job_wait import job_wait
from ..messages import TasksChanged, folded
from ..palette import STATUS_KEYS, finished_toasts
from ..recent_jobs import RecentJobs
from ..task_rows import KIND_KEYS, SORTS, kind_label
from ..widgets.activity import ActivityLog
from ..widgets.error_details import ErrorDetails
from ..widgets.header_status import HeaderStatus
from ..widgets.keys_footer import KeysFooter
from ..widgets.notice_line import NoticeLine
from ..widgets.safe_text import clean
from ..widgets.snapshot_jobs import SnapshotJobs
from ..widgets.task_table import PreparedView, TaskTable
from ..widgets.view_bar import ViewBar
from .export import ExportScreen, default_export_path, export_text, export_view
from .export_overwrite import OverwriteScreen
from .record import RecordScreen, record_json

#: A finished task's notice stays this long (a failure's at least `notices.ERROR_SECONDS`).
TOAST_SECONDS = 4.0
#: Below this width the side panes go under the table, and the activity pane shows only on a tall
#: terminal (`TALL`) or when asked for (`l`).
NARROW = 120
#: From this height a narrow terminal shows the activity pane too: the table keeps 18 rows beside it
#: (at 80x24 it would keep 2 of its 10).
TALL = 40
#: With more tasks than this, filtering waits for a pause in typing instead of running per keystroke.
DEBOUNCE_ABOVE = 20_000


class TasksScreen(Screen[None]):
    BINDINGS: ClassVar = [
        Binding("slash", "filter", "Filter"),
        Binding("s", "cycle_sort", "Sort"),
        # "Record" is left out of the footer so that Help and Quit still fit at 80 columns.
        Binding("enter", "show_record", "Record", show=False),
        Binding("c", "copy_task_id", "Copy"),
        Binding("y", "copy_job_id", "Copy job", show=False),
        # Export is in the help and the palette; the footer keeps Help and Quit visible at 80 columns.
        Binding("e", "export", "Export", show=False),
        # The invitations and stats views are the app's; they are opened from here only.
        Binding("i", "app.invitations", "Invites"),
        # The stats view is in the help and the palette (the footer keeps Help and Quit at 80 columns).
        Binding("t", "app.stats", "Stats", show=False),
        # So is the jobs view: with it in the footer, Help and Quit no longer fit at 80 columns.
        Binding("b", "app.bulk_jobs", "Bulk jobs", show=False),
        *(Binding(k, f"toggle_status('{k}')", f"status {v}", show=False) for k, v in STATUS_KEYS.items()),
        *(
            Binding(k, f"toggle_kind('{k}')", f"kind {kind_label(v)}", show=False)
            for k, v in KIND_KEYS.items()
        ),
        Binding("0", "clear_view", "Show all", show=False),
        # In the help and the palette; shown by default when there is room (`activity_by_default`).
        Binding("l", "toggle_activity", "Activity", show=False),
    ]

    class Ready(Message):
        """The screen's panes are mounted: the app may start feeding them."""

    def __init__(
        self,
        store: StoreView,
        settings: Settings,
        clock: Clock,
        *,
        status: PollerStatus | None,
        want_job: Callable[[str], None] | None,
        want_prospecting: Callable[[str], None] | None = None,
        loaded: bool,
        toasts: bool = True,
        clipboard: Clipboard,
    ) -> None:
        """`status`: the poller's when the screen is made (then `show_status`; None: no poller).
        `want_job`: asks the poller for the snapshot job of the task the user selects (None: an offline
        view); `want_prospecting` for a selected prospecting task's outcome per engagement.
        `loaded`: the store is whole already (no journal to load first), so the header may count it.
        `toasts`: a notice for each task seen to finish. `clipboard`: where a copy goes and how
        (`clipboard.Clipboard`)."""
        super().__init__()
        self.store = store
        self._want_job = want_job
        self._want_prospecting = want_prospecting
        self.settings = settings
        self.clock = clock
        self.loaded = loaded
        self._toasts = toasts
        self.clipboard = clipboard
        #: The poller's latest status, as the app passed it on (`show_status`).
        self.status = status
        self._filter_timer: Timer | None = None
        #: The recent tasks' snapshot jobs (the jobs pane lists them, whatever is selected).
        self._recent_jobs = RecentJobs()
        #: What changed while another screen covered this one (`_covered`).
        self._waiting: TasksChanged | None = None
        #: Whether the user asked for the activity pane (`l`); None: as the terminal's size has it.
        self._activity_asked: bool | None = None
        #: The snapshot job last asked for (a task that ends while selected asks once).
        self._job_asked: str | None = None

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
        yield NoticeLine()  # the notices' own row: they never cover data
        yield KeysFooter()

    @property
    def table(self) -> TaskTable:
        return self.query_one(TaskTable)

    def lay_out(self, size: Size) -> None:
        """Laid out for a terminal of `size` (the app calls it on every resize, whether this screen is on
        top or under others): side panes beside the table or under it, the activity pane or not."""
        self.set_class(size.width < NARROW, "-narrow")
        shown = activity_by_default(size) if self._activity_asked is None else self._activity_asked
        self.set_class(not shown, "-no-activity")

    def action_toggle_activity(self) -> None:
        """Show or hide the activity pane at any size, until asked again; asked back to what this size
        shows by itself, it follows the size again (`activity_by_default`)."""
        size = self.app.size
        shown = self.has_class("-no-activity")
        self._activity_asked = None if shown == activity_by_default(size) else shown
        self.lay_out(size)

    def on_mount(self) -> None:
        self.query_one("#details").border_title = "Details"
        self.query_one("#jobs").border_title = "Snapshot jobs · invitations"
        self.query_one("#activity").border_title = "Activity"
        self.lay_out(self.app.size)
        self.table.focus()
        self.post_message(self.Ready())

    # ---- what the app feeds ----------------------------------------------------------------------

    def prepare_view(self) -> PreparedView:
        """The table's view sorted, and the recent tasks' snapshot jobs found (a walk of every task: ~0.1 s
        at 100,000), safe in a thread while nothing changes the store (`TaskTable.prepare_view`)."""
        self._recent_jobs.rebuild(self.store.tasks())
        return self.table.prepare_view()

    def show_loading(self) -> None:
        self._update_header()
        self.query_one(ViewBar).show_loading()

    def start(self, prepared: PreparedView | None) -> None:
        """The store is whole: build the table (from `prepared` if it still fits) and every pane."""
        self.loaded = True
        self.table.set_now(self.clock.now())
        self.table.rebuild(prepared)
        if prepared is None:  # (else `prepare_view` found the recent jobs with it)
            self._recent_jobs.rebuild(self.store.tasks())
        self._refresh_panes(all_panes=True)

    def _panes_gone(self) -> bool:
        """The panes are going (the app is shutting down) while the engine's last messages arrive,
        whichever went first."""
        panes = (HeaderStatus, ViewBar, TaskTable, ErrorDetails, SnapshotJobs, ActivityLog)
        return not all(self.query(pane) for pane in panes)

    def _covered(self) -> bool:
        """A full screen (invitations, stats, bulk jobs) is over this one: nothing of this one shows, yet
        Textual 8.2 repaints the whole top screen whenever any region of the screen under it changes (it
        stays one of the app's `_background_screens`): 10 KB a second at 160×48 while its times tick.
        So while covered its changes wait (`_waiting`) and are shown when it is again
        (`on_screen_resume`). Under a modal screen (help, a record, a dialog) it shows, dimmed, and
        stays live."""
        stack = self.app.screen_stack
        if self not in stack:
            return False
        return any(not screen.is_modal for screen in stack[stack.index(self) + 1 :])

    def on_screen_resume(self) -> None:
        """Shown again: what changed meanwhile shown (its layout followed every resize: `lay_out`)."""
        waiting, self._waiting = self._waiting, None
        if not self.loaded or self._panes_gone():
            return
        if waiting is not None:
            self._show_change(waiting, toast=False)
        self.tick()

    def show_change(self, message: TasksChanged) -> None:
        """Tasks, jobs or invitations changed in the store."""
        if not self.loaded or self._panes_gone():
            return  # the rebuild after loading reads everything anyway
        if self._covered():
            self._toast(message.transitions)  # (a toast shows over any screen)
            self._waiting = message if self._waiting is None else folded(self._waiting, message)
            return
        self._show_change(message, toast=True)

    def _show_change(self, message: TasksChanged, *, toast: bool) -> None:
        table = self.table
        table.update_tasks(message.task_ids)
        table.set_now(self.clock.now())
        selected = table.selected_id
        record = self.store.task(selected) if selected else None
        recent_changed = self._recent_jobs.update(self.store.task(t) for t in message.task_ids)
        if selected in message.task_ids:
            if any(t.task_id == selected and t.to_status in TaskStatus.TERMINAL for t in message.transitions):
                self._want_engagements(record)  # it ended: its final outcome per engagement
            self._want_snapshot_job(record, selected_now=False)  # (its job id comes with its end)
            self._refresh_details()
        if selected in message.task_ids or message.job_ids or message.invitation_ids or recent_changed:
            self._refresh_jobs()
        if message.transitions:
            self.query_one(ActivityLog).show(reversed(self.store.recent_transitions(200)))
            if toast:
                self._toast(message.transitions)
        self._update_header()
        self._update_view_bar()

    def show_status(self, status: PollerStatus) -> None:
        """The poller's state, budget or last error changed."""
        previous = self.status
        self.status = status
        if self._panes_gone() or self._covered():
            return  # (shown when the screen is again: `on_screen_resume`)
        self._update_header()
        if self.loaded:
            self.table.set_now(self.clock.now())
            if self._selected_job_missing():
                self._refresh_jobs()  # (what its fetch waits for)
        if (
            previous is None
            or status.last_service_error is not previous.last_service_error
            or status.last_error != previous.last_error
        ):
            self._refresh_details()

    def tick(self) -> None:
        """Show every running time as of the clock's now (the app's `SecondHand`, once a second)."""
        if self._covered():
            return
        self.table.set_now(self.clock.now())
        self._refresh_details()
        self._update_header()
        if self._selected_job_missing():
            self._refresh_jobs()  # (a wait's countdown)

    # ---- the panes -------------------------------------------------------------------------------

    def on_task_table_selected(self, message: TaskTable.Selected) -> None:
        if self._panes_gone():
            return
        self._refresh_details()
        self._refresh_jobs()
        record = self._selected_record()
        self._want_snapshot_job(record, selected_now=True)
        self._want_engagements(record)

    def _want_snapshot_job(self, record: TaskRecord | None, *, selected_now: bool) -> None:
        """The selected task's snapshot job is fetched at once (the engine wakes for it) if the store has
        not got it: when the user selects the task, and when its job id appears as it ends while
        selected (asked once then: its later changes do not ask again)."""
        job_id = record.resource_snapshot_job_id if record is not None else None
        if not job_id or self._want_job is None or self.store.job(job_id) is not None:
            return
        if selected_now or job_id != self._job_asked:
            self._job_asked = job_id
            self._want_job(job_id)

    def _selected_job_missing(self) -> bool:
        """The selected task names a snapshot job the store has not got (the pane says what it waits for)."""
        record = self._selected_record()
        job_id = record.resource_snapshot_job_id if record is not None else None
        return job_id is not None and job_id != "" and self.store.job(job_id) is None

    def _want_engagements(self, record: TaskRecord | None) -> None:
        """A prospecting task's outcome per engagement is fetched when the user selects it (the engine
        fetches it again while it runs and stays selected) and once more when it ends. Fetched after
        its end it is final: not asked for again."""
        if record is None or not record.task_id or record.total_engagement_count is None:
            return
        outcome = self.store.prospecting(record.task_id)
        if (outcome is None or outcome.end_time is None) and self._want_prospecting is not None:
            self._want_prospecting(record.task_id)

    def _selected_record(self) -> TaskRecord | None:
        selected = self.table.selected_id
        return self.store.task(selected) if selected else None

    def _refresh_details(self) -> None:
        record = self._selected_record()
        completion = self.store.completion(record.task_id) if record is not None and record.task_id else None
        status = self.status
        api_error = status.last_service_error if status is not None else None
        poll_error = status.last_error if status is not None else None
        engagements = None
        if record is not None and record.task_id and record.total_engagement_count is not None:
            engagements = self.store.prospecting(record.task_id)
        self.query_one(ErrorDetails).show(
            record,
            completion,
            self.table.now,
            api_error,
            poll_error,
            engagements,
            fetching=self._want_prospecting is not None,
        )

    def _refresh_jobs(self) -> None:
        record = self._selected_record()
        job_id = record.resource_snapshot_job_id if record is not None else None
        job = self.store.job(job_id) if job_id else None
        fetches = self._want_job is not None
        waiting = job_wait(job_id, self.status, self.clock.now(), fetches=fetches) if job_id else ""
        self.query_one(SnapshotJobs).show(
            record,
            job,
            list(self.store.jobs()),
            list(self.store.invitations()),
            self._recent_jobs.job_ids(),
            self.store.job,
            waiting=waiting,
        )

    def _refresh_panes(self, all_panes: bool = False) -> None:
        self._update_header()
        self._update_view_bar()
        self._refresh_details()
        self._refresh_jobs()
        if all_panes:
            self.query_one(ActivityLog).show(reversed(self.store.recent_transitions(200)))

    def header_state(self) -> HeaderState:
        """What the header says now (the jobs view shows the same header)."""
        counts = self.store.counts() if self.loaded else None
        return header_state(
            self.settings, self.status, counts, self.clock.now(), log_file=logs.file_trouble()
        )

    def _update_header(self) -> None:
        self.query_one(HeaderStatus).show(self.header_state(), self.clock.now())

    def _update_view_bar(self) -> None:
        self.query_one(ViewBar).show(self.table, len(self.store))

    def _toast(self, transitions: tuple[Transition, ...]) -> None:
        """A notice for the tasks seen to finish, of the statuses and kinds the view shows."""
        if self._toasts:
            table = self.table
            shown = finished_toasts(transitions, self.store, statuses=table.statuses, kinds=table.kinds)
            for message, severity in shown:
                self.notify(message, severity=severity, markup=False, timeout=TOAST_SECONDS)

    # ---- the view: filter, sort, toggles ---------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-shown")
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "filter":
            return
        if self._filter_timer is not None:
            self._filter_timer.stop()
        if len(self.store) > DEBOUNCE_ABOVE:
            self._filter_timer = self.set_timer(0.25, lambda: self._set_needle(event.value))
        else:
            self._set_needle(event.value)

    def _set_needle(self, value: str) -> None:
        self.table.configure(needle=value.strip())
        self._update_view_bar()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self._set_needle(event.value)
            if not event.value.strip():
                event.input.remove_class("-shown")
            self.table.focus()

    def on_key(self, event: events.Key) -> None:
        box = self.query_one("#filter", Input)
        if event.key == "escape" and box.has_focus:
            box.value = ""
            box.remove_class("-shown")
            self._set_needle("")
            self.table.focus()
            event.stop()

    def action_cycle_sort(self) -> None:
        self.set_sort(SORTS[(SORTS.index(self.table.sort) + 1) % len(SORTS)])

    def set_sort(self, sort: str) -> None:
        self.table.configure(sort=sort)
        self._update_view_bar()

    def action_toggle_status(self, key: str) -> None:
        shown = _toggled(self.table.statuses, STATUS_KEYS[key], set(STATUS_KEYS.values()))
        self.table.configure(statuses=shown)
        self._update_view_bar()

    def action_toggle_kind(self, key: str) -> None:
        shown = _toggled(self.table.kinds, KIND_KEYS[key], set(KIND_KEYS.values()))
        self.table.configure(kinds=shown)
        self._update_view_bar()

    def action_clear_view(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("-shown")
        self.table.configure(statuses=None, kinds=None, needle="")
        self._update_view_bar()

    # ---- the selected task and the view: record, copy, export ------------------------------------

    def action_show_record(self) -> None:
        record = self._selected_record()
        if record is None:
            self.notify("No task selected.", severity="warning")
            return
        job = self.store.job(record.resource_snapshot_job_id) if record.resource_snapshot_job_id else None
        transitions = self.store.transitions_of(record.task_id) if record.task_id else []
        self.app.push_screen(RecordScreen(record_json(record, job, transitions)))

    def action_copy_task_id(self) -> None:
        record = self._selected_record()
        if record is None or not record.task_id:
            self.notify("No task selected.", severity="warning")
            return
        self._copy("task id", record.task_id)

    def action_copy_job_id(self) -> None:
        record = self._selected_record()
        if record is None or not record.resource_snapshot_job_id:
            self.notify("The selected task has no snapshot job id.", severity="warning")
            return
        self._copy("snapshot job id", record.resource_snapshot_job_id)

    def _copy(self, what: str, value: str) -> None:
        # What is copied is what the dashboard shows: a control or format character in an id is copied
        # as its visible escape, so pasting it into a shell or a document cannot act or hide anything.
        # (OSC 52 carries it base64-encoded, so it cannot inject sequences on the way either.)
        shown = clean(value, limit=None)
        reach = self.clipboard.copy(shown, self.app.copy_to_clipboard, browser=self.app.is_web)
        message, seconds = copy_toast(what, clean(value, limit=128), reach)
        self.notify(message, markup=False, timeout=seconds)

    def action_export(self) -> None:
        rows = self.table.row_count
        default = default_export_path(self.clock.now())
        self.app.push_screen(ExportScreen(rows, default, download=self.app.is_web), self._export_chosen)

    def _export_chosen(self, choice: tuple[Path, str] | None) -> None:
        if choice is None:
            return
        path, fmt = choice
        ids = self.table.row_ids()
        records = [r for r in (self.store.task(t) for t in ids) if r is not None]
        if self.app.is_web:
            self._deliver_export(records, path.name, fmt)
        elif path.exists() or path.is_symlink():
            self._confirm_overwrite(records, path, fmt)
        else:
            self._write_export(records, path, fmt, overwrite=False)

    def _confirm_overwrite(self, records: list[TaskRecord], path: Path, fmt: str) -> None:
        def chosen(replace: bool | None) -> None:
            if replace:
                self._write_export(records, path, fmt, overwrite=True)
            else:
                self.notify(f"Not exported: {clean(path, limit=300)} kept", markup=False, timeout=5)

        self.app.push_screen(OverwriteScreen(path), chosen)

    def _deliver_export(self, records: list[TaskRecord], name: str, fmt: str) -> None:
        """A browser session: the file goes to the browser as a download, nothing is written here."""
        text, count = export_text(records, self.store.completion, fmt)
        mime = "text/csv" if fmt == "csv" else "application/json"
        self.app.deliver_text(io.StringIO(text), save_filename=name, mime_type=mime, encoding="utf-8")
        self.notify(f"Sent {count:,} tasks to your browser as {name}", markup=False, timeout=8)

    @work(thread=True, group="export", exit_on_error=False)
    def _write_export(self, records: list[TaskRecord], path: Path, fmt: str, *, overwrite: bool) -> None:
        call = self.app.call_from_thread
        try:
            count = export_view(records, self.store.completion, path, fmt, overwrite=overwrite)
        except FileExistsError:  # it appeared after the question: ask again
            call(self._confirm_overwrite, records, path, fmt)
            return
        except (OSError, PathRefused) as exc:  # (PathRefused: another user's file or directory, a link)
            message = f"Export failed: {clean(exc, limit=300)}"
            call(self.notify, message, severity="error", markup=False)
            return
        shown = clean(path, limit=300)
        call(self.notify, f"Exported {count:,} tasks to {shown}", markup=False, timeout=8)


def activity_by_default(size: Size) -> bool:
    """Whether the activity pane shows on a terminal of `size` before the user says (`l`)."""
    return size.width >= NARROW or size.height >= TALL


def _toggled(current: frozenset[str] | None, value: str, universe: set[str]) -> frozenset[str] | None:
    """The shown values after toggling `value` (None: no filter)."""
    shown = set(universe if current is None else current)
    shown ^= {value}
    # All shown again means "no filter", which also shows values this version does not know.
    return None if shown >= universe else frozenset(shown)

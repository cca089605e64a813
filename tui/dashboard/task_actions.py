"""The dashboard's actions on the selected task and the current view: show its record, copy its ids,
export the view (to a file here, never replacing one unasked; to the browser in a `pcwatch serve` tab). A mixin of `PcwatchApp` (`tui.dashboard.app`), which supplies the store, clock and table.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work

from schemas import TaskRecord

from .clipboard import BROWSER, copy_toast
from .screens.export import ExportScreen, default_export_path, export_text, export_view
from .screens.export_overwrite import OverwriteScreen
from .screens.record import RecordScreen, record_json
from .widgets.safe_text import clean

if TYPE_CHECKING:
    from textual.app import App

    from tui.core.clock import Clock
    from tui.engine.api import StoreView

    from .widgets.task_table import TaskTable

    _AppBase = App[int]
else:
    _AppBase = object


class TaskActions(_AppBase):
    """Record, copy and export actions; the app provides `store`, `clock`, `table`, `_selected_record`."""

    if TYPE_CHECKING:
        store: StoreView
        clock: Clock
        #: Where a copy goes in a terminal (`clipboard.clipboard_reach`).
        clipboard_reach: str

        @property
        def table(self) -> TaskTable: ...

        def _selected_record(self) -> TaskRecord | None: ...

    def action_show_record(self) -> None:
        record = self._selected_record()
        if record is None:
            self.notify("No task selected.", severity="warning")
            return
        job = self.store.job(record.resource_snapshot_job_id) if record.resource_snapshot_job_id else None
        transitions = self.store.transitions_of(record.task_id) if record.task_id else []
        self.push_screen(RecordScreen(record_json(record, job, transitions)))

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
        self.copy_to_clipboard(shown)
        reach = BROWSER if self.is_web else self.clipboard_reach
        message, seconds = copy_toast(what, clean(value, limit=128), reach)
        self.notify(message, markup=False, timeout=seconds)

    def action_export(self) -> None:
        rows = self.table.row_count
        default = default_export_path(self.clock.now())
        self.push_screen(ExportScreen(rows, default, download=self.is_web), self._export_chosen)

    def _export_chosen(self, choice: tuple[Path, str] | None) -> None:
        if choice is None:
            return
        path, fmt = choice
        ids = self.table.row_ids()
        records = [r for r in (self.store.task(t) for t in ids) if r is not None]
        if self.is_web:
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

        self.push_screen(OverwriteScreen(path), chosen)

    def _deliver_export(self, records: list[TaskRecord], name: str, fmt: str) -> None:
        """A browser session: the file goes to the browser as a download, nothing is written here."""
        text, count = export_text(records, self.store.completion, fmt)
        mime = "text/csv" if fmt == "csv" else "application/json"
        self.deliver_text(io.StringIO(text), save_filename=name, mime_type=mime, encoding="utf-8")
        self.notify(f"Sent {count:,} tasks to your browser as {name}", markup=False, timeout=8)

    @work(thread=True, group="export", exit_on_error=False)
    def _write_export(self, records: list[TaskRecord], path: Path, fmt: str, *, overwrite: bool) -> None:
        try:
            count = export_view(records, self.store.completion, path, fmt, overwrite=overwrite)
        except FileExistsError:  # it appeared after the question: ask again
            self.call_from_thread(self._confirm_overwrite, records, path, fmt)
            return
        except OSError as exc:
            message = f"Export failed: {clean(exc, limit=300)}"
            self.call_from_thread(self.notify, message, severity="error", markup=False)
            return
        shown = clean(path, limit=300)
        self.call_from_thread(self.notify, f"Exported {count:,} tasks to {shown}", markup=False, timeout=8)

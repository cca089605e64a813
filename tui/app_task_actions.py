"""The dashboard's actions on the selected task and the current view: show its record, copy its ids,
export the view. A mixin of `PcwatchApp` (`tui.app`), which supplies the store, clock and table.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work

from .screens.export import ExportScreen, default_export_path, export_view
from .screens.record import RecordScreen, record_json
from .widgets.safe_text import clean

if TYPE_CHECKING:
    from textual.app import App

    from .widgets.task_table import TaskTable

    _AppBase = App[int]
else:
    _AppBase = object


class TaskActions(_AppBase):
    """Record, copy and export actions; the app provides `store`, `clock`, `table`, `_selected_record`."""

    if TYPE_CHECKING:
        store: Any
        clock: Any

        @property
        def table(self) -> TaskTable: ...

        def _selected_record(self) -> Any: ...

    def action_show_record(self) -> None:
        record = self._selected_record()
        if record is None:
            self.notify("No task selected.", severity="warning")
            return
        job = self.store.job(record.resource_snapshot_job_id) if record.resource_snapshot_job_id else None
        self.push_screen(RecordScreen(record_json(record, job, self.store.transitions_of(record.task_id))))

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
        # The value goes base64-encoded into OSC 52, so even a hostile id cannot inject sequences.
        self.copy_to_clipboard(value)
        self.notify(f"Copied {what} {clean(value, limit=128)} (OSC 52)", markup=False, timeout=3)

    def action_export(self) -> None:
        rows = self.table.row_count
        self.push_screen(ExportScreen(rows, default_export_path(self.clock.now())), self._export_chosen)

    def _export_chosen(self, choice: tuple[Path, str] | None) -> None:
        if choice is not None:
            path, fmt = choice
            ids = self.table.row_ids()
            records = [r for r in (self.store.task(t) for t in ids) if r is not None]
            self._write_export(records, path, fmt)

    @work(thread=True, group="export", exit_on_error=False)
    def _write_export(self, records: list[Any], path: Path, fmt: str) -> None:
        try:
            count = export_view(records, self.store.completion, path, fmt)
        except OSError as exc:
            self.call_from_thread(self.notify, f"Export failed: {exc}", severity="error", markup=False)
            return
        self.call_from_thread(self.notify, f"Exported {count:,} tasks to {path}", markup=False, timeout=8)

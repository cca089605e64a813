"""`b`: the jobs view. One row per bulk job of both families (opportunity and customer-account), running
first: status, kind, a progress bar (processed / total), successes and failures, records per minute,
time left, the job id, its file and when it was created. The header is the tasks screen's (the same
state: a failing listing of bulk jobs is named there like any failing source).

While shown, it asks the engine to look for new jobs of every family (`Engine.want_bulk_jobs`) when it
opens and every `BULK_LOOK_EVERY` seconds: a job started elsewhere shows within two minutes.

Selecting a job asks the engine for its failed records (`Engine.want_results`, failed only) and, once the
job has ended with failures, for the report URL (`Engine.want_report_url`); the details under the table
show them as they arrive. `c` copies the report URL (OSC 52, as `c` copies a task id). The app feeds the
screen (`show_change`, `show_header`, `tick`) and never reaches into its widgets."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from schemas import BulkJobRecord
from tui.core.clock import Clock
from tui.engine.api import BULK_LOOK_EVERY, Engine, StoreView

from ..clipboard import Clipboard, url_copy_toast
from ..header import HeaderState
from ..widgets.bulk_details import BulkJobDetails, failed_records_text, job_summary_text
from ..widgets.bulk_table import BulkJobTable
from ..widgets.header_status import HeaderStatus
from ..widgets.keys_footer import KeysFooter
from ..widgets.line_pane import LinePane
from ..widgets.notice_line import NoticeLine
from ..widgets.safe_text import clean

#: What the engine was asked for: (job id, "results" or "report", whether the job had ended then).
Asked = tuple[str, str, bool]


def title_line(jobs: list[BulkJobRecord]) -> Text:
    running = sum(1 for j in jobs if not j.is_terminal)
    line = Text(" Bulk jobs", style="bold", end="")
    line.append(f" · {running:,} running · {len(jobs) - running:,} ended")
    line.append(" · → more columns", style="dim")
    return line


class BulkJobsScreen(Screen[None]):
    BINDINGS: ClassVar = [
        Binding("escape,b", "app.pop_screen", "Back"),
        Binding("c", "copy_report_url", "Copy report URL"),
    ]
    DEFAULT_CSS = """
    BulkJobsScreen #bulk-title { height: 1; background: $boost; }
    BulkJobsScreen #bulk-table { height: auto; min-height: 4; max-height: 50%; }
    BulkJobsScreen #bulk-details {
        height: 1fr; border-top: solid $primary-muted; border-title-color: $text-primary;
        border-title-style: bold; padding: 0 1;
    }
    BulkJobsScreen #bulk-details:focus { border-top: solid $accent; }
    """

    def __init__(
        self, store: StoreView, engine: Engine | None, clock: Clock, *, clipboard: Clipboard
    ) -> None:
        """`engine`: what fetches a job's results and report (None: an offline view, nothing is
        fetched). `clipboard`: where a copy goes and how (`clipboard.Clipboard`)."""
        super().__init__()
        self.store = store
        self.engine = engine
        self.clock = clock
        self.clipboard = clipboard
        self._asked: set[Asked] = set()
        #: When the report shown for a job expired (the store forgets it then).
        self._expired: dict[str, datetime] = {}
        #: The expiry of the report shown for the selected job (`tick` looks at it).
        self._shown_expiry: datetime | None = None
        self._header: tuple[HeaderState, datetime] | None = None
        #: When (monotonic) this view last asked for a look at the bulk job families.
        self._looked_at: float | None = None

    def compose(self) -> ComposeResult:
        yield HeaderStatus(id="header")
        yield LinePane(id="bulk-title")
        yield BulkJobTable(self.store, self.clock, id="bulk-table")
        yield BulkJobDetails(id="bulk-details")
        yield NoticeLine()  # the notices' own row: they never cover data
        yield KeysFooter()

    @property
    def table(self) -> BulkJobTable:
        return self.query_one(BulkJobTable)

    @property
    def details(self) -> BulkJobDetails:
        return self.query_one(BulkJobDetails)

    def on_mount(self) -> None:
        self.query_one("#bulk-details").border_title = "Selected job"
        if self._header is not None:
            self.query_one(HeaderStatus).show(*self._header)
        self.table.show_all()
        self._update_title()
        self._refresh_details()
        self.table.focus()

    def on_screen_resume(self) -> None:
        self._look_for_new_jobs()

    def _look_for_new_jobs(self) -> None:
        """While shown: jobs started elsewhere appear within `BULK_LOOK_EVERY` (the slow lane alone would
        take up to 90 minutes), two calls a look."""
        now = self.clock.monotonic()
        if self.engine is None or (self._looked_at is not None and now - self._looked_at < BULK_LOOK_EVERY):
            return
        self._looked_at = now
        self.engine.want_bulk_jobs()

    # ---- what the app feeds ----------------------------------------------------------------------

    def show_change(self, job_ids: set[str]) -> None:
        """Bulk jobs (their records, results or reports) changed in the store."""
        if not job_ids or not self.is_mounted:
            return
        table = self.table
        table.update_jobs(job_ids)
        self._update_title()
        selected = table.selected_id
        if selected in job_ids:
            self._ask(selected, selected_now=False)
            self._refresh_details()

    def show_header(self, state: HeaderState, now: datetime) -> None:
        """The tasks screen's header state (`TasksScreen.header_state`), as of `now` (before the screen
        is mounted: shown once it is)."""
        self._header = (state, now)
        if self.is_mounted:
            self.query_one(HeaderStatus).show(state, now)

    def tick(self) -> None:
        """Once a second: a report shown past its expiry is shown expired (nothing else moves with the
        clock: a job's figures are as of its last change); every `BULK_LOOK_EVERY`, a look for new jobs."""
        self._look_for_new_jobs()
        expiry = self._shown_expiry
        selected = self.table.selected_id if self.is_mounted else None
        if expiry is None or selected is None or self.clock.now() < expiry:
            return
        self._expired[selected] = expiry
        self._refresh_details()

    # ---- the selected job ------------------------------------------------------------------------

    def on_bulk_job_table_selected(self, message: BulkJobTable.Selected) -> None:
        if message.job_id is not None:
            self._expired.pop(message.job_id, None)
            self._ask(message.job_id, selected_now=True)
        self._refresh_details()

    def _ask(self, job_id: str, *, selected_now: bool) -> None:
        """Ask the engine for what the selected job's details need and the store lacks: its failed
        records (once while it runs, again once it has ended if some are missing) and, once it has
        ended with failures, the report URL. Selecting the job again may ask again (a report expires);
        a change of the job asks only what its new state needs, once."""
        engine = self.engine
        job = self.store.bulk_job(job_id)
        if engine is None or job is None:
            return
        if selected_now:
            self._asked = {a for a in self._asked if a[0] != job_id}
        ended = job.is_terminal
        failures = job.failure_count or 0
        if not failures:
            return
        results = self.store.bulk_results(job_id)
        short = results is not None and results.complete and len(results.results) < failures
        if (results is None or (short and ended)) and self._first_ask((job_id, "results", ended)):
            engine.want_results(job_id, failed_only=True)
        if ended and self.store.report_url(job_id) is None and self._first_ask((job_id, "report", True)):
            engine.want_report_url(job_id)

    def _first_ask(self, asked: Asked) -> bool:
        if asked in self._asked:
            return False
        self._asked.add(asked)
        return True

    def _refresh_details(self) -> None:
        selected = self.table.selected_id
        job = self.store.bulk_job(selected) if selected is not None else None
        if job is None:
            self._shown_expiry = None
            empty = (
                "No bulk job known yet. pcwatch lists them with the tasks; start one with "
                "pcwatch start-bulk-import FILE_URI."
                if not self.table.ids
                else "No job selected."
            )
            self.details.show(None, Text(empty, style="dim"), Text(""))
            return
        report = self.store.report_url(job.job_id)
        self._shown_expiry = report.expires_at if report is not None and report.url else None
        asked = self.engine is not None
        summary = job_summary_text(
            job,
            self.table.as_of(job.job_id),
            report,
            report_asked=asked,
            expired_at=self._expired.get(job.job_id),
        )
        records = failed_records_text(job, self.store.bulk_results(job.job_id), asked=asked)
        self.details.show(job.job_id, summary, records)

    def _update_title(self) -> None:
        self.query_one("#bulk-title", LinePane).set_lines([title_line(self.store.bulk_jobs())])

    # ---- c: copy the report URL ------------------------------------------------------------------

    def action_copy_report_url(self) -> None:
        selected = self.table.selected_id
        job = self.store.bulk_job(selected) if selected is not None else None
        if job is None:
            self.notify("No bulk job selected.", severity="warning")
            return
        report = self.store.report_url(job.job_id)
        if report is None or not report.url:
            why = "no record failed" if job.is_terminal and not job.failure_count else "none yet"
            self.notify(f"No report URL for {clean(job.job_id, limit=64)}: {why}.", severity="warning")
            return
        # What is copied is what is shown: a control or format character comes out as its visible
        # escape (OSC 52 carries it base64-encoded). The URL itself is never put in a toast or a log.
        url = clean(report.url, limit=None)
        reach = self.clipboard.copy(url, self.app.copy_to_clipboard, browser=self.app.is_web)
        message, seconds = url_copy_toast(clean(job.job_id, limit=64), report.expires_at, reach)
        self.notify(message, markup=False, timeout=seconds)

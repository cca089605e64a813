"""The dashboard's command-palette entries and the toasts for finished tasks, kept out of `tui.dashboard.app`.

The palette names every action of the tasks screen and of the app (and of the jobs view while it is
shown): it takes each through a narrow interface (`TaskViewCommands`, `AppCommands`, `JobsViewCommands`),
so it imports none of them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from textual.app import SystemCommand
from textual.notifications import SeverityLevel

from schemas import TASK_KINDS, TaskStatus
from tui.engine.api import StoreView, Transition

from .task_rows import KIND_KEYS, SORT_TITLES, SORTS, kind_label
from .widgets.safe_text import clean

STATUS_KEYS = {"1": TaskStatus.IN_PROGRESS, "2": TaskStatus.COMPLETE, "3": TaskStatus.FAILED}

#: Failed tasks named in one toast; more are counted.
FAILURES_NAMED = 3


def finished_toasts(
    transitions: Iterable[Transition],
    store: StoreView,
    *,
    statuses: frozenset[str] | None = None,
    kinds: frozenset[str] | None = None,
) -> list[tuple[str, SeverityLevel]]:
    """At most one (message, severity) per update for tasks seen to finish: a notice a second would be
    noise on a busy account. First sightings (history) make none, and neither does a task whose status
    or kind the view hides (`statuses`, `kinds`: the table's shown ones, None for all)."""
    finished = [
        t
        for t in transitions
        if t.from_status is not None
        and t.to_status in TaskStatus.TERMINAL
        and (statuses is None or t.to_status in statuses)
        and (kinds is None or t.kind in kinds)
    ]
    if not finished:
        return []
    failed = [t for t in finished if t.to_status == TaskStatus.FAILED]
    if len(finished) == 1:
        t = finished[0]
        label = kind_label(t.kind)
        task_id = clean(t.task_id, limit=64)
        if failed:
            record = store.task(t.task_id)
            reason = clean(record.reason_code, limit=64) if record is not None else ""
            return [(f"✗ {label} {task_id} failed: {reason}", "error")]
        return [(f"✓ {label} {task_id} complete", "information")]
    parts = []
    if len(finished) > len(failed):
        parts.append(f"✓ {len(finished) - len(failed)} completed")
    if failed:
        named = ", ".join(clean(t.task_id, limit=64) for t in failed[:FAILURES_NAMED])
        more = f" +{len(failed) - FAILURES_NAMED}" if len(failed) > FAILURES_NAMED else ""
        parts.append(f"✗ {len(failed)} failed: {named}{more}")
    return [(" · ".join(parts), "error" if failed else "information")]


class TaskViewCommands(Protocol):
    """What the palette asks of the tasks screen (`screens.tasks.TasksScreen`)."""

    def action_filter(self) -> None: ...
    def set_sort(self, sort: str) -> None: ...
    def action_toggle_status(self, key: str) -> None: ...
    def action_toggle_kind(self, key: str) -> None: ...
    def action_clear_view(self) -> None: ...
    def action_show_record(self) -> None: ...
    def action_copy_task_id(self) -> None: ...
    def action_copy_job_id(self) -> None: ...
    def action_export(self) -> None: ...
    def action_toggle_activity(self) -> None: ...


class AppCommands(Protocol):
    """What the palette asks of the app (`app.PcwatchApp`)."""

    def action_invitations(self) -> None: ...
    def action_stats(self) -> None: ...
    def action_bulk_jobs(self) -> None: ...
    def action_refresh(self) -> None: ...
    def action_toggle_pause(self) -> None: ...
    def action_help(self) -> None: ...


def dashboard_commands(
    view: TaskViewCommands, app: AppCommands, *, writes_allowed: bool
) -> Iterator[SystemCommand]:
    """Every dashboard action by name, for the command palette (ctrl+p). `writes_allowed`: invitations
    can be accepted and rejected (not in read-only mode)."""
    yield SystemCommand(
        "Filter tasks", "Filter by id, reason code, message or a kind's short name (/)", view.action_filter
    )
    for sort in SORTS:
        yield SystemCommand(f"Sort: {sort}", SORT_TITLES[sort], lambda s=sort: view.set_sort(s))
    for key, status in STATUS_KEYS.items():
        yield SystemCommand(
            f"Show/hide {status}",
            f"Toggle {status} tasks ({key})",
            lambda k=key: view.action_toggle_status(k),
        )
    for key, kind in KIND_KEYS.items():
        yield SystemCommand(
            f"Show/hide {kind_label(kind)}",
            f"Toggle {kind_label(kind)} tasks: {TASK_KINDS[kind].label} ({key})",
            lambda k=key: view.action_toggle_kind(k),
        )
    yield SystemCommand("Show all tasks", "Clear the filter and toggles (0)", view.action_clear_view)
    yield SystemCommand(
        "Show record as JSON", "The selected task's full record (enter)", view.action_show_record
    )
    yield SystemCommand(
        "Copy task id",
        "Copy the selected task id: OSC 52, or tmux's paste buffer (c)",
        view.action_copy_task_id,
    )
    yield SystemCommand(
        "Copy snapshot job id", "Copy the selected task's job id (y)", view.action_copy_job_id
    )
    yield SystemCommand(
        "Engagement invitations",
        "Pending invitations; accept or reject them (i)" if writes_allowed else "Pending invitations (i)",
        app.action_invitations,
    )
    yield SystemCommand(
        "Statistics",
        "Failures by reason, durations, tasks finished per hour, with plots (t)",
        app.action_stats,
    )
    yield SystemCommand(
        "Bulk jobs",
        "Opportunity and customer-account bulk jobs: progress, rate, time left, failed records (b)",
        app.action_bulk_jobs,
    )
    yield SystemCommand("Export view", "Write the current view to CSV or JSON (e)", view.action_export)
    yield SystemCommand(
        "Show/hide activity",
        "The status changes seen, newest first, below the panes; at any size (l)",
        view.action_toggle_activity,
    )
    yield SystemCommand("Refresh now", "Poll now, within the budget (r)", app.action_refresh)
    yield SystemCommand("Pause/resume polling", "Stop or restart polling (p)", app.action_toggle_pause)
    # (Textual's own "Keys" is its panel of the focused widget's keys: this one is named apart)
    yield SystemCommand("Help: keys and columns", "Every key and column explained (?)", app.action_help)


class JobsViewCommands(Protocol):
    """What the palette asks of the jobs view (`screens.bulk_jobs.BulkJobsScreen`), while it is shown."""

    def action_copy_report_url(self) -> None: ...


def jobs_view_commands(view: JobsViewCommands) -> Iterator[SystemCommand]:
    """The jobs view's own actions, offered while it is shown."""
    yield SystemCommand(
        "Copy report URL",
        "Copy the selected bulk job's failed-records report URL: OSC 52, or tmux's buffer (c)",
        view.action_copy_report_url,
    )

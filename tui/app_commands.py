"""The dashboard's command-palette entries and the toasts for finished tasks, kept out of `tui.app`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from textual.app import SystemCommand

from schemas import TaskKind, TaskStatus

from .widgets.safe_text import clean
from .widgets.task_rows import KIND_LABELS, SORT_TITLES, SORTS

STATUS_KEYS = {"1": TaskStatus.IN_PROGRESS, "2": TaskStatus.COMPLETE, "3": TaskStatus.FAILED}
KIND_KEYS = {
    "4": TaskKind.ACCEPT_INVITATION,
    "5": TaskKind.ENGAGEMENT_FROM_OPPORTUNITY,
    "6": TaskKind.OPPORTUNITY_FROM_ENGAGEMENT,
}
#: More finished tasks than this in one update become one summary toast.
TOASTS_PER_UPDATE = 3


def finished_toasts(transitions: Iterable[Any], store: Any) -> list[tuple[str, str]]:
    """(message, severity) for tasks seen to finish; first sightings (history) make no toast."""
    finished = [t for t in transitions if t.from_status is not None and t.to_status in TaskStatus.TERMINAL]
    failed = [t for t in finished if t.to_status == TaskStatus.FAILED]
    if len(finished) > TOASTS_PER_UPDATE:
        summary = f"{len(finished) - len(failed)} tasks completed, {len(failed)} failed"
        return [(summary, "error" if failed else "information")]
    toasts = []
    for t in finished:
        label = KIND_LABELS.get(t.kind) or clean(t.kind, limit=32)
        task_id = clean(t.task_id, limit=64)
        if t.to_status == TaskStatus.FAILED:
            record = store.task(t.task_id)
            reason = clean(record.reason_code, limit=64) if record is not None else ""
            toasts.append((f"✗ {label} {task_id} failed: {reason}", "error"))
        else:
            toasts.append((f"✓ {label} {task_id} complete", "information"))
    return toasts


def dashboard_commands(app: Any) -> Iterator[SystemCommand]:
    """Every dashboard action by name, for the command palette (ctrl+p)."""
    yield SystemCommand("Filter tasks", "Filter by id, reason code or message (/)", app.action_filter)
    for sort in SORTS:
        yield SystemCommand(f"Sort: {sort}", SORT_TITLES[sort], lambda s=sort: app.set_sort(s))
    for key, status in STATUS_KEYS.items():
        yield SystemCommand(
            f"Show/hide {status}", f"Toggle {status} tasks ({key})", lambda k=key: app.action_toggle_status(k)
        )
    for key, kind in KIND_KEYS.items():
        yield SystemCommand(
            f"Show/hide {KIND_LABELS[kind]}",
            f"Toggle {kind} tasks ({key})",
            lambda k=key: app.action_toggle_kind(k),
        )
    yield SystemCommand("Show all tasks", "Clear the filter and toggles (0)", app.action_clear_view)
    yield SystemCommand(
        "Show record as JSON", "The selected task's full record (enter)", app.action_show_record
    )
    yield SystemCommand("Copy task id", "Copy the selected task id via OSC 52 (c)", app.action_copy_task_id)
    yield SystemCommand("Copy snapshot job id", "Copy the selected task's job id (y)", app.action_copy_job_id)
    yield SystemCommand("Export view", "Write the current view to CSV or JSON (e)", app.action_export)
    yield SystemCommand("Refresh now", "Poll now, within the budget (r)", app.action_refresh)
    yield SystemCommand("Pause/resume polling", "Stop or restart polling (p)", app.action_toggle_pause)
    yield SystemCommand("Keys", "Every key and column explained (?)", app.action_help)

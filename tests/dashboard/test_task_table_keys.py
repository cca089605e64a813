"""The table's fast sort keys on a real `Store` (terminal times read from its rows) order the view
exactly as `task_rows.sort_key` with `Store.completion()` does, for every sort and after changes."""

from __future__ import annotations

from datetime import timedelta

from tests.support.dashboard import T0, make_records, with_status
from tui.core.clock import MockClock
from tui.dashboard import task_rows
from tui.dashboard.widgets.task_table import TaskTable
from tui.engine.store import Store


def live_store() -> Store:
    """History loaded in bulk, then some running tasks seen to finish at different times."""
    store = Store(journal=None, clock=MockClock(T0))
    store.apply_tasks(make_records(600, seed=5), T0, backfill=True)
    running = sorted(store.active_ids())
    for i, task_id in enumerate(running[: len(running) // 2]):
        status = "FAILED" if i % 3 else "COMPLETE"
        store.apply_tasks([with_status(store.task(task_id), status)], T0 + timedelta(seconds=7 * i + 1))
    return store


def reference_ids(store: Store, sort: str, keep=lambda r: True) -> list[str]:
    records = [r for r in store.tasks() if keep(r)]
    records.sort(key=lambda r: task_rows.sort_key(r, store.completion(r.task_id), sort))
    return [r.task_id for r in records]


def test_observed_end_is_the_completion_end_of_tasks_seen_running() -> None:
    store = live_store()
    live = [r.task_id for r in store.tasks() if store.observed_end(r.task_id) is not None]
    assert live, "the fixture has tasks seen to finish"
    for record in store.tasks():
        completion = store.completion(record.task_id)
        end = store.observed_end(record.task_id)
        if completion is not None and completion.observed_live:
            assert end == completion.observed_end.timestamp()
        else:
            assert end is None
    assert store.observed_end("no-such-task") is None


def test_every_sort_orders_as_the_completion_based_key() -> None:
    store = live_store()
    table = TaskTable(store)
    for sort in task_rows.SORTS:
        table.sort = sort
        keys, key_of, active = table.compute_view()
        assert [k[-1] for k in keys] == reference_ids(store, sort)
        assert active == store.active_ids()
        assert all(table._key(store.task(t)) == key_of[t] for t in key_of)  # incremental keys agree


def test_filtered_view_orders_as_the_completion_based_key() -> None:
    store = live_store()
    table = TaskTable(store)
    table.statuses = frozenset({"FAILED", "IN_PROGRESS"})
    keys, _, _ = table.compute_view()
    expected = reference_ids(store, "default", lambda r: r.task_status in table.statuses)
    assert [k[-1] for k in keys] == expected

"""`SortedRows`, the task table's rows without Textual: after any series of moves, merges and removals
its keys are sorted, each row's id is where `row_of` says, and the running set is what was marked."""

from __future__ import annotations

import random

from tests.support.dashboard import T0, make_records, populated_store
from tui.dashboard.task_view import SortedRows, compute_view, row_key


def assert_consistent(rows: SortedRows) -> None:
    assert rows.keys == sorted(rows.keys)
    assert rows.ids() == [k[-1] for k in rows.keys]
    assert set(rows.key_of) == set(rows.ids())
    for row, task_id in enumerate(rows.ids()):
        assert rows.row_of(task_id) == row and rows.id_at(row) == task_id and task_id in rows


def test_moves_keep_the_rows_sorted_and_say_where_a_row_left_and_went() -> None:
    store = populated_store(120)
    rows = SortedRows()
    rows.replace(compute_view(store, "start", None, None, ""))
    rng = random.Random(3)
    ids = [r.task_id for r in store.tasks()]
    for _ in range(300):
        task_id = rng.choice(ids)
        before = rows.ids()
        new_key = None if rng.random() < 0.3 else (rng.randint(0, 2), rng.random(), task_id)
        left, reached = rows.move(task_id, new_key)
        assert left == (before.index(task_id) if task_id in before else None)
        assert reached == (rows.ids().index(task_id) if new_key is not None else None)
        assert (task_id in rows) == (new_key is not None)
        assert_consistent(rows)


def test_a_merged_page_lands_where_a_full_sort_puts_it() -> None:
    store = populated_store(80)
    rows = SortedRows()
    rows.replace(compute_view(store, "default", None, None, ""))
    more = make_records(140, seed=4)[80:]
    store.apply_tasks(more, T0, quiet=True)
    where, removed = rows.merge(
        [r.task_id for r in more], store.task, lambda r: row_key(store, r, "default"), None
    )
    assert not removed and len(where) == len(more)
    assert rows.keys == compute_view(store, "default", None, None, "")[0]
    assert rows.active == {r.task_id for r in store.tasks() if not r.is_terminal}
    assert_consistent(rows)


def test_out_of_range_rows_and_unknown_ids_have_no_place() -> None:
    rows = SortedRows()
    assert rows.id_at(0) is None and rows.id_at(-1) is None
    assert rows.row_of("nope") is None and rows.row_of(None) is None
    rows.mark_running("a", True)
    rows.mark_running("a", False)
    assert rows.active == set() and len(rows) == 0

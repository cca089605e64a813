"""The task table's view model: which tasks a view shows, in what order, without Textual.

Sort keys and visibility for one task, the whole view computed from a store, a sorted merge for a
page of new keys, the screen runs of a row's changed cells, and `SortedRows`, the view's rows in order,
which `task_table.TaskTable` owns and draws.
"""

from __future__ import annotations

import gc
from bisect import bisect_left
from collections.abc import Callable, Iterable
from typing import Any

from rich.cells import cell_len

from schemas import TaskRecord, TaskStatus
from tui.engine.api import StoreView

from . import task_rows
from .task_rows import OFFSETS

#: Unchanged cells between two changed ones are rewritten when that is cheaper than a cursor move.
MERGE_GAP = 8

#: A row's sort key: it ends with the task id (`task_rows.sort_key`).
Key = tuple[Any, ...]
#: A computed view: sorted keys, key by task id, and the ids of the running tasks in it.
View = tuple[list[Key], dict[str, Key], set[str]]


def changed_cells(old: tuple[str, ...], new: tuple[str, ...]) -> list[int]:
    """The cells of a row to rewrite: those whose text changed, and with a new status every cell the
    status colours."""
    style_changed = new[1] != old[1]
    return [
        i
        for i, key in enumerate(task_rows.COLUMN_KEYS)
        if new[i] != old[i] or (style_changed and key in task_rows.STATUS_STYLED)
    ]


def changed_runs(changed: list[int], old: tuple[str, ...], new: tuple[str, ...]) -> list[tuple[int, int]]:
    """x ranges covering the changed cells, neighbours merged when the gap between them is small.

    Trailing blanks that were blank before too are left out: a space looks the same in any foreground
    colour, so a status colour change need not rewrite the padding."""
    runs: list[tuple[int, int]] = []
    for i in changed:
        used = max(cell_len(old[i].rstrip()), cell_len(new[i].rstrip()))
        if used == 0:
            continue
        x1, x2 = OFFSETS[i], OFFSETS[i] + used
        if runs and x1 - runs[-1][1] <= MERGE_GAP:
            runs[-1] = (runs[-1][0], x2)
        else:
            runs.append((x1, x2))
    return runs


def merge_sorted(keys: list[Any], added: list[Any]) -> tuple[list[Any], list[int]]:
    """`keys` (sorted) with `added` merged in, and where each added key went (as an index into the old
    list). A bisect per added key and slice copies: a page of 1,000 into 100,000 rows costs a few
    milliseconds; re-sorting the whole list costs several times more."""
    added.sort()
    out: list[Any] = []
    where: list[int] = []
    previous = 0
    for key in added:
        i = bisect_left(keys, key, previous)
        out.extend(keys[previous:i])
        out.append(key)
        where.append(i)
        previous = i
    out.extend(keys[previous:])
    return out, where


def apply_changed(
    keys: list[Key],
    key_of: dict[str, Key],
    active: set[str],
    changed: Iterable[str],
    task: Callable[[str], TaskRecord | None],
    key_for: Callable[[TaskRecord], Key],
    shown: Callable[[TaskRecord], bool] | None,
) -> tuple[list[Key], list[int], bool]:
    """A page of changed tasks applied to a view at once: their old keys out, their new ones merged in
    (`key_of` and `active` updated in place; `shown` None: no filter). Returns the new keys, where each
    added key went (indexes into the old list) and whether any task was taken out."""
    changed = set(changed)
    removed = any(t in key_of for t in changed)
    if removed:
        keys = [k for k in keys if k[-1] not in changed]
    # else only new tasks (a page of history): nothing to take out, skip the pass over all rows
    added: list[Key] = []
    terminal = TaskStatus.TERMINAL
    for tid in changed:
        key_of.pop(tid, None)
        active.discard(tid)
        record = task(tid)
        if record is None or (shown is not None and not shown(record)):
            continue
        key = key_for(record)
        added.append(key)
        key_of[tid] = key
        if record.task_status not in terminal:
            active.add(tid)
    merged, where = merge_sorted(keys, added)
    return merged, where, removed


def is_visible(
    record: TaskRecord, statuses: frozenset[str] | None, kinds: frozenset[str] | None, needle: str
) -> bool:
    """Whether `record` passes the status and kind filters (None: all) and the search text."""
    if statuses is not None and (record.task_status or "") not in statuses:
        return False
    if kinds is not None and record.kind not in kinds:
        return False
    return task_rows.matches(record, needle)


def row_key(store: StoreView, record: TaskRecord, sort: str) -> tuple[Any, ...]:
    """The sort key of `record` under `sort` (ending with its task id): from the store's terminal time,
    no completion object per row."""
    if sort not in ("default", "duration") or record.task_id is None:
        return task_rows.sort_key_at(record, None, sort)
    return task_rows.sort_key_at(record, store.observed_end(record.task_id), sort)


def compute_view(
    store: StoreView, sort: str, statuses: frozenset[str] | None, kinds: frozenset[str] | None, needle: str
) -> View:
    """Sorted keys, key by id and the running ids of a view of `store`; reads the store only."""
    # 100,000 new key tuples, none of them garbage: without this the cyclic GC runs ~150 times
    # here, once as a full pass (tens of ms of a launch).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _compute_view(store, sort, statuses, kinds, needle)
    finally:
        if gc_was_enabled:
            gc.enable()


def _compute_view(
    store: StoreView, sort: str, statuses: frozenset[str] | None, kinds: frozenset[str] | None, needle: str
) -> View:
    terminal = TaskStatus.TERMINAL
    filtering = statuses is not None or kinds is not None or bool(needle)
    key_of: dict[str, tuple[Any, ...]] = {}
    active: set[str] = set()
    # The hot loop of a launch with a large journal: a finished task's end straight from its
    # row (what `observed_end` returns), no completion object or method call per row.
    key_at = task_rows.sort_key_at
    for row in store.task_rows():
        record = row.record
        tid = record.task_id
        if tid is None or (filtering and not is_visible(record, statuses, kinds, needle)):
            continue
        if record.task_status not in terminal:
            active.add(tid)
            if sort == "default":
                start = record.start_time
                key_of[tid] = (0, -start.timestamp() if start is not None else -0.0, tid)
                continue
        elif sort == "default":
            end = row.terminal_at if row.terminal_prev is not None else None
            if end is None:
                start = record.start_time
                end = start.timestamp() if start is not None else 0.0
            key_of[tid] = (1, -end, tid)
            continue
        key_of[tid] = key_at(record, row.terminal_at if row.terminal_prev is not None else None, sort)
    keys = sorted(key_of.values())
    return keys, key_of, active


class SortedRows:
    """The rows of a view in display order: the sorted keys (each ends with its task id, so a row's
    place is a bisect and a change a list insert, never a re-sort), the key of each shown task, and the
    shown tasks still running (their durations move with the clock)."""

    def __init__(self) -> None:
        self.keys: list[Key] = []
        self.key_of: dict[str, Key] = {}
        self.active: set[str] = set()

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, task_id: object) -> bool:
        return task_id in self.key_of

    def replace(self, view: View) -> None:
        """The whole view at once (`compute_view`)."""
        self.keys, self.key_of, self.active = view

    def ids(self) -> list[str]:
        """The task ids in display order."""
        return [k[-1] for k in self.keys]

    def id_at(self, row: int) -> str | None:
        return self.keys[row][-1] if 0 <= row < len(self.keys) else None

    def row_of(self, task_id: str | None) -> int | None:
        key = self.key_of.get(task_id) if task_id is not None else None
        if key is None:
            return None
        return bisect_left(self.keys, key)

    def mark_running(self, task_id: str, running: bool) -> None:
        if running:
            self.active.add(task_id)
        else:
            self.active.discard(task_id)

    def move(self, task_id: str, key: Key | None) -> tuple[int | None, int | None]:
        """Take the task's row out (if it is shown) and put it in at `key` (None: no longer shown).
        Returns the row it left and the row it went to (None where there is none)."""
        left = reached = None
        old = self.key_of.pop(task_id, None)
        if old is not None:
            left = bisect_left(self.keys, old)
            del self.keys[left]
        if key is not None:
            reached = bisect_left(self.keys, key)  # keys end with the task id: no equal key
            self.keys.insert(reached, key)
            self.key_of[task_id] = key
        return left, reached

    def merge(
        self,
        changed: Iterable[str],
        task: Callable[[str], TaskRecord | None],
        key_for: Callable[[TaskRecord], Key],
        shown: Callable[[TaskRecord], bool] | None,
    ) -> tuple[list[int], bool]:
        """A page of changed tasks at once (`apply_changed`): where each added key went (indexes into
        the rows before) and whether any task was taken out."""
        self.keys, where, removed = apply_changed(
            self.keys, self.key_of, self.active, changed, task, key_for, shown
        )
        return where, removed

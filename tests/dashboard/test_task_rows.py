"""Cells, sort keys and the filter of the task table, without Textual."""

from __future__ import annotations

import math
import random
from datetime import timedelta

from rich.cells import cell_len

from tests.support.dashboard import T0, make_task, with_status
from tui.dashboard import task_rows
from tui.dashboard.task_rows import COLUMNS, ROW_WIDTH
from tui.engine.api import Completion


def test_cells_fit_their_columns_even_with_wide_and_hostile_text() -> None:
    record = make_task(1, random.Random(1), status="FAILED", reason_code="原因コード" * 10, message="x")
    record = with_status(record, "FAILED", task_id="task-\x1b[2J" + "長" * 40)
    cells = task_rows.cells(record, None, T0)
    assert [cell_len(c) for c in cells] == [c.width for c in COLUMNS]
    assert "\x1b" not in "".join(cells)
    assert cells[COLUMNS.index(next(c for c in COLUMNS if c.key == "task"))].endswith("…")
    assert task_rows.OFFSETS[-1] + COLUMNS[-1].width == ROW_WIDTH


def test_running_duration_is_measured_to_the_given_time() -> None:
    record = make_task(0, random.Random(1), status="IN_PROGRESS")
    assert record.start_time is not None
    now = record.start_time + timedelta(seconds=75)
    column = task_rows.COLUMN_KEYS.index("duration")
    assert task_rows.cells(record, None, now)[column].strip() == "1m"  # whole minutes while running
    assert task_rows.cells(record, None, record.start_time + timedelta(seconds=42))[column].strip() == "<1m"
    done = with_status(record, "COMPLETE")
    completion = Completion(record.start_time, now, 5, 75.0)
    assert task_rows.cells(done, completion, now)[column].strip() == "1m15s"


def test_default_order_is_active_first_then_recently_finished() -> None:
    rng = random.Random(3)
    running = make_task(5, rng, status="IN_PROGRESS")
    done_early = make_task(1, rng, status="COMPLETE")
    done_late = make_task(9, rng, status="COMPLETE")
    completions = {
        done_early.task_id: Completion(done_early.start_time, T0 - timedelta(hours=2), 5, 10),
        done_late.task_id: Completion(done_late.start_time, T0, 5, 10),
    }
    ordered = sorted(
        [done_early, running, done_late],
        key=lambda r: task_rows.sort_key(r, completions.get(r.task_id), "default"),
    )
    assert [r.task_id for r in ordered] == [running.task_id, done_late.task_id, done_early.task_id]


def test_sort_keys_are_total_even_with_unknown_durations() -> None:
    rng = random.Random(4)
    records = [make_task(i, rng, status="COMPLETE") for i in range(5)]
    nan = Completion(None, T0, math.inf, math.nan)
    keys = [task_rows.sort_key(r, nan, s) for r in records for s in task_rows.SORTS]
    sorted(keys, key=repr)  # no exception
    for sort in task_rows.SORTS:
        ks = [task_rows.sort_key(r, nan, sort) for r in records]
        assert sorted(ks) == sorted(ks, key=lambda k: k)  # comparable
        assert all(k[-1] == r.task_id for k, r in zip(ks, records, strict=True))


def test_filter_matches_ids_reason_and_message_case_insensitively() -> None:
    record = make_task(
        2, random.Random(5), status="FAILED", reason_code="EngagementConflict", message="Quota Hit"
    )
    assert task_rows.matches(record, "engagementconflict")
    assert task_rows.matches(record, "quota hit")
    assert task_rows.matches(record, "task-0000000000002")
    assert not task_rows.matches(record, "nothing like it")
    assert task_rows.matches(record, "")

"""Cells, sort keys and the filter of the task table, without Textual."""

from __future__ import annotations

import math
import random
from datetime import timedelta

import msgspec
import pytest
from rich.cells import cell_len

from schemas import TaskRecord
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


def _sort_cases() -> tuple[dict[str, TaskRecord], dict[str, Completion]]:
    """Six tasks whose order differs in every sort mode: two running, one failed and three complete
    (one first seen already finished, so its end and duration are unknown)."""
    rng = random.Random(4)

    def task(name: str, status: str, minutes_ago: int, i: int) -> TaskRecord:
        record = with_status(make_task(i, rng, status=status), status, task_id=name)
        return msgspec.structs.replace(record, start_time=T0 - timedelta(minutes=minutes_ago))

    records = {
        "r1": task("r1", "IN_PROGRESS", 10, 0),
        "r2": task("r2", "IN_PROGRESS", 2, 2),
        "f1": task("f1", "FAILED", 30, 1),
        "c1": task("c1", "COMPLETE", 60, 0),
        "c2": task("c2", "COMPLETE", 15, 1),
        "c3": task("c3", "COMPLETE", 40, 2),
    }

    def seen_end(name: str, minutes_ago: int) -> Completion:
        start = records[name].start_time
        assert start is not None
        end = T0 - timedelta(minutes=minutes_ago)
        return Completion(start, end, 5.0, (end - start).total_seconds())

    completions = {
        "f1": seen_end("f1", 20),  # took 10 min
        "c1": seen_end("c1", 5),  # took 55 min
        "c3": seen_end("c3", 39),  # took 1 min
        # First seen finished: no observed end, no duration (NaN must not break the order).
        "c2": Completion(records["c2"].start_time, T0, math.inf, math.nan, observed_live=False),
    }
    return records, completions


#: What each sort mode promises (task_rows.SORT_TITLES), for `_sort_cases`.
PROMISED_ORDER = {
    # active first, newest start on top; then finished by when they were seen to finish, newest
    # first (one not seen running ranks by its start)
    "default": ["r2", "r1", "c1", "c2", "f1", "c3"],
    "start": ["r2", "r1", "c2", "f1", "c3", "c1"],  # newest first
    "status": ["f1", "r2", "r1", "c2", "c3", "c1"],  # failed, running, complete; newest first within
    # running first, the longest-running on top; then finished, longest first; unknown last
    "duration": ["r1", "r2", "c1", "f1", "c3", "c2"],
    # in the order of the kinds' keys (inv-to-eng, opp-to-eng, eng-to-opp), newest first within each
    "kind": ["r1", "c1", "c2", "f1", "r2", "c3"],
}


@pytest.mark.parametrize("sort", sorted(PROMISED_ORDER))
def test_each_sort_orders_rows_as_it_promises(sort: str) -> None:
    records, completions = _sort_cases()
    by_completion = sorted(records, key=lambda n: task_rows.sort_key(records[n], completions.get(n), sort))
    assert by_completion == PROMISED_ORDER[sort]

    def observed_end(name: str) -> float | None:  # what the store gives `sort_key_at`
        c = completions.get(name)
        return c.observed_end.timestamp() if c is not None and c.observed_live else None

    by_end = sorted(records, key=lambda n: task_rows.sort_key_at(records[n], observed_end(n), sort))
    assert by_end == PROMISED_ORDER[sort]


def test_every_sort_mode_has_a_promise_tested() -> None:
    assert set(task_rows.SORTS) == set(PROMISED_ORDER)


def test_filter_matches_ids_reason_and_message_case_insensitively() -> None:
    record = make_task(
        2, random.Random(5), status="FAILED", reason_code="EngagementConflict", message="Quota Hit"
    )
    assert task_rows.matches(record, "engagementconflict")
    assert task_rows.matches(record, "quota hit")
    assert task_rows.matches(record, "task-0000000000002")
    assert not task_rows.matches(record, "nothing like it")
    assert task_rows.matches(record, "")

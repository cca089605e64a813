"""The task statistics of a journal, computed by SQLite where the rows are, and what `pcwatch journal
compact` keeps of the tasks it drops so that they stay exactly what they were.

**Where the numbers come from** (`tally_journal`): the statistics are `tui.engine.stats`'s (`TaskTally.count`
counts a task, `duration_summary` summarizes the durations, `stats_of` puts them in order); SQLite only
picks the window's tasks (through the start-time index), works out per task what `stats.finished_at`,
`stats.bucket_start` and `stats.observed_duration` say in Python (from the v5 columns `reason_code` and
`observed_end`, `TaskRow.observed_end`), groups them and hands the durations over in order. Python holds a
row per (kind, status, reason code, bucket), never one per task, and decodes no task's row.

**What compact keeps** (`fold_into_summaries`, then the caller deletes the `FOLDABLE` tasks): a row of
`folded_tasks` per distinct facts the statistics read of a finished task (kind, status, reason code if it
failed, start, observed end), with how many tasks share them. Counts per hour would be smaller, but not
exact: a window starts at any instant (`--since` counts back from now), so the start must stay whole, and
p50, p95 and max are single durations, so each seen-live task's observed end must too. What goes is the
rest of the task (its row of every field, its ids and message, its transitions, its index entries): about
70 bytes on disk instead of about 650.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from itertools import groupby
from operator import itemgetter

from schemas import TaskStatus

from .stats import HOUR, Scope, TaskTally, duration_summary

_TERMINAL = "(" + ", ".join(f"'{s}'" for s in sorted(TaskStatus.TERMINAL)) + ")"

#: The tasks `fold_into_summaries(conn, before)` folds, with `before` as its one parameter: finished
#: ones that started before it. `pcwatch journal compact` deletes these (and their transitions) after.
FOLDABLE = f"status IN {_TERMINAL} AND start_time < ?"

# Per task, what stats.py says of a TaskRow, in SQL over the journal's columns:
#  status and the reason code of a failure ("" for none), as `tally_rows` gives `TaskTally.count`;
#  `finished`: `stats.finished_at`; `took`: `stats.observed_duration` (max(0.0, …) as a CASE: the same
#  float, never -0.0).
_PER_TASK = f"""
SELECT kind, coalesce(status, '') AS status, tasks,
    CASE WHEN status = '{TaskStatus.FAILED}' THEN coalesce(reason_code, '') ELSE '' END AS reason,
    CASE WHEN status IN {_TERMINAL} THEN coalesce(observed_end, start_time) END AS finished,
    CASE WHEN status IN {_TERMINAL} AND observed_end IS NOT NULL AND start_time IS NOT NULL THEN
        CASE WHEN observed_end - start_time > 0 THEN observed_end - start_time ELSE 0.0 END
    END AS took
FROM ({{facts}})
"""

# `stats.bucket_start` (at - at % size, the exact floor to a multiple of size) in SQL, whose % is an
# integer's: the quotient truncated, and one bucket back should the division ever round up across an
# edge. Grouped bucket first: the sort of every task of the window is the query's cost, and an integer
# compares fastest.
_COUNTS = f"""
SELECT kind, status, reason,
    CASE WHEN finished IS NULL THEN NULL WHEN down > finished THEN down - :size ELSE down END AS bucket,
    took IS NOT NULL AS timed, sum(tasks)
FROM (SELECT *, CAST(finished / :size AS INTEGER) * :size AS down FROM ({_PER_TASK}))
GROUP BY bucket, kind, status, reason, timed
"""

_DURATIONS = f"""
SELECT kind, took, sum(tasks) FROM ({_PER_TASK}) WHERE took IS NOT NULL
GROUP BY kind, took ORDER BY kind, took
"""


def _facts(scope: Scope) -> tuple[str, dict[str, object]]:
    """The scope's tasks, kept and folded, as (kind, status, reason_code, start_time, observed_end,
    tasks) rows, and their parameters."""
    params: dict[str, object] = {f"k{i}": kind for i, kind in enumerate(scope.kinds)}
    where = f"kind IN ({', '.join(':' + name for name in params)})"
    if scope.start is not None:
        where += " AND start_time >= :start"
        params["start"] = scope.start
    columns = "kind, status, reason_code, start_time, observed_end"
    return (
        f"SELECT {columns}, 1 AS tasks FROM tasks WHERE {where}"
        f" UNION ALL SELECT {columns}, tasks FROM folded_tasks WHERE {where}",
        params,
    )


def tally_journal(conn: sqlite3.Connection, scope: Scope, bucket_seconds: int = HOUR) -> TaskTally:
    """The numbers of the tasks of `scope` in the journal (schema 5 or later) on `conn`, kept or folded,
    counted by SQLite; the caller holds one read transaction around it."""
    facts, params = _facts(scope)
    params["size"] = bucket_seconds
    tally = TaskTally(scope, bucket_seconds)
    observed: Counter[str] = Counter()
    for kind, status, reason, bucket, timed, tasks in conn.execute(_COUNTS.format(facts=facts), params):
        tally.count(kind, status, reason, bucket, tasks)
        if timed:
            observed[kind] += tasks
    ascending = conn.execute(_DURATIONS.format(facts=facts), params)
    summaries = {
        kind: duration_summary(((took, n) for _, took, n in rows), observed[kind])
        for kind, rows in groupby(ascending, key=itemgetter(0))
    }
    tally.durations = {k: summaries.get(k) or duration_summary((), 0) for k in scope.kinds}
    return tally


def fold_into_summaries(conn: sqlite3.Connection, before_epoch: float) -> int:
    """Fold the `FOLDABLE` tasks (finished, started before `before_epoch`) into `folded_tasks`, in the
    caller's transaction; returns how many tasks were folded. The caller then deletes them: folded and
    kept again, a task would count twice."""
    folded: int = conn.execute(f"SELECT count(*) FROM tasks WHERE {FOLDABLE}", (before_epoch,)).fetchone()[0]
    conn.execute(
        "INSERT INTO folded_tasks (kind, status, reason_code, start_time, observed_end, tasks)"
        f" SELECT kind, status, CASE WHEN status = '{TaskStatus.FAILED}' THEN reason_code END, start_time,"
        f" observed_end, count(*) FROM tasks WHERE {FOLDABLE} GROUP BY 1, 2, 3, 4, 5",
        (before_epoch,),
    )
    return folded

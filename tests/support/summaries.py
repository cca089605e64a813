"""A fold for the compaction's own tests, in place of the statistics' `fold_into_summaries`: it records
which tasks it was given, in the caller's transaction, and answers how many (the real fold's own tests
are tests/engine/test_stats_journal.py; the command's run it: tests/commands/test_journal_command.py)."""

from __future__ import annotations

import sqlite3


def fold_into_summaries(conn: sqlite3.Connection, before_epoch: float) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS standin_folded (task_id TEXT PRIMARY KEY)")
    return conn.execute(
        "INSERT INTO standin_folded SELECT task_id FROM tasks"
        " WHERE status IN ('COMPLETE', 'FAILED') AND start_time < ?",
        (before_epoch,),
    ).rowcount


def folded(conn: sqlite3.Connection) -> set[str]:
    return {tid for (tid,) in conn.execute("SELECT task_id FROM standin_folded")}

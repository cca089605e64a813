"""The journal's SQLite schema, its version in `PRAGMA user_version`, and the migrations between versions:
v1 the tables, v2 the change sequence (in place, existing rows at change 0), v3 the calls spent against
the daily allowance (`tui.engine.call_ledger`), v4 the bulk jobs, their per-record results (a header row
per job and its pages) and the prospecting tasks' per-engagement outcomes, v5 the indexes a load reads
through (so that it costs what a viewer keeps, not the history: `Journal.load`), what the statistics read
of a task in columns of their own (SQLite computes them: `tui.engine.stats_summaries`) and the tasks
compact folded away, and the outbox of events to publish. The write ledger is not here: it has its own
file (`tui.writes.ledger`). A bulk job's report URL is never here (an expiring credential: memory only)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import msgspec

from .types import TaskRow

#: Told (steps done, steps in all) as a migration goes: before its first step and after each.
MigrationProgress = Callable[[int, int], None]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    task_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT,
    start_time REAL,
    row BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS transitions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    observed_at REAL NOT NULL,
    previous_observed_at REAL
);
CREATE INDEX IF NOT EXISTS transitions_by_task ON transitions (task_id);
CREATE TABLE IF NOT EXISTS jobs (job_id TEXT PRIMARY KEY, fetched_at REAL NOT NULL, row BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS invitations (invitation_id TEXT PRIMARY KEY, row BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# v1 -> v2: the change sequence. Existing rows get change 0 (a viewer loads them in full anyway).
_MIGRATE_V2 = """
ALTER TABLE tasks ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE transitions ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invitations ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invitations ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE meta ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS tasks_by_change ON tasks (change_seq);
CREATE INDEX IF NOT EXISTS transitions_by_change ON transitions (change_seq);
CREATE INDEX IF NOT EXISTS jobs_by_change ON jobs (change_seq);
CREATE INDEX IF NOT EXISTS invitations_by_change ON invitations (change_seq);
CREATE TABLE IF NOT EXISTS changes (id INTEGER PRIMARY KEY CHECK (id = 0), seq INTEGER NOT NULL);
INSERT OR IGNORE INTO changes VALUES (0, 0);
"""

# v2 -> v3: calls spent per one-minute slot (epoch seconds // 60), shared by every process of the journal.
_MIGRATE_V3 = """
CREATE TABLE IF NOT EXISTS calls (slot INTEGER PRIMARY KEY, calls INTEGER NOT NULL);
"""


# v3 -> v4: bulk jobs (BulkJobRecord blobs), their results (a header per job, pages of results by phase:
# FAILED first, then SUCCEEDED) and prospecting tasks' outcomes, all in the change sequence.
_MIGRATE_V4 = """
CREATE TABLE IF NOT EXISTS bulk_jobs (
    job_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT,
    created_at REAL,
    fetched_at REAL NOT NULL,
    row BLOB NOT NULL,
    change_seq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS bulk_jobs_by_change ON bulk_jobs (change_seq);
CREATE TABLE IF NOT EXISTS bulk_result_sets (
    job_id TEXT PRIMARY KEY,
    row BLOB NOT NULL,
    change_seq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS bulk_result_sets_by_change ON bulk_result_sets (change_seq);
CREATE TABLE IF NOT EXISTS bulk_results (
    job_id TEXT NOT NULL,
    phase TEXT NOT NULL,
    page INTEGER NOT NULL,
    row BLOB NOT NULL,
    change_seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, phase, page)
);
CREATE TABLE IF NOT EXISTS prospecting (
    task_id TEXT PRIMARY KEY,
    fetched_at REAL NOT NULL,
    row BLOB NOT NULL,
    change_seq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS prospecting_by_change ON prospecting (change_seq);
"""


# v4 -> v5: indexes, so that a viewer's load reads what it keeps, never the whole history. The running
# tasks (and those of a status this version does not know) are the entries of a partial index; the
# newest finished are read in order from (status, start time), one search per finished status merged;
# a window of start times (the statistics) from `tasks_by_start`. The same for bulk jobs, and the
# pending invitations apart from the tombstones of the removed ones. The kept tasks' transitions,
# snapshot jobs and prospecting outcomes are read as a range of their times (`*_by_time`, `*_by_fetch`):
# in the order they were written, not a random lookup by id each. (The partial indexes' WHERE is the
# very text of the queries that use them: SQLite uses such an index only for a query that says it.)
_MIGRATE_V5 = """
CREATE INDEX IF NOT EXISTS tasks_unfinished ON tasks (task_id)
    WHERE status IS NULL OR status NOT IN ('COMPLETE', 'FAILED');
CREATE INDEX IF NOT EXISTS tasks_by_status ON tasks (status, start_time, task_id);
CREATE INDEX IF NOT EXISTS tasks_by_start ON tasks (start_time);
CREATE INDEX IF NOT EXISTS bulk_jobs_unfinished ON bulk_jobs (job_id)
    WHERE status IS NULL OR status NOT IN ('COMPLETED', 'FAILED');
CREATE INDEX IF NOT EXISTS bulk_jobs_by_status ON bulk_jobs (status, created_at, job_id);
CREATE INDEX IF NOT EXISTS invitations_pending ON invitations (invitation_id) WHERE removed = 0;
CREATE INDEX IF NOT EXISTS transitions_by_time ON transitions (observed_at);
CREATE INDEX IF NOT EXISTS jobs_by_fetch ON jobs (fetched_at);
CREATE INDEX IF NOT EXISTS prospecting_by_fetch ON prospecting (fetched_at);
ALTER TABLE tasks ADD COLUMN reason_code TEXT;
ALTER TABLE tasks ADD COLUMN observed_end REAL;
CREATE TABLE IF NOT EXISTS folded_tasks (
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    reason_code TEXT,
    start_time REAL NOT NULL,
    observed_end REAL,
    tasks INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS folded_tasks_by_start ON folded_tasks (start_time);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    detail_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    created_at REAL NOT NULL,
    body BLOB NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    done_at REAL,
    error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_by_state ON outbox (state, seq);
"""
# (v5, for the statistics: the task's ReasonCode and observed end (`TaskRow.observed_end`) beside its row,
# filled from the rows of an older journal (`_fill_v5`): the statistics of a window are SQL over the
# window's rows. `folded_tasks`: the finished tasks `pcwatch journal compact` dropped, one row per distinct
# facts the statistics read (`tui.engine.stats_summaries.fold_into_summaries`).)
# (v5, the outbox (issue 28): the events waiting to be published, in the order written (`seq`), one row
# per event id (a repeat of an outcome is the same row); its SQL is `tui.engine.outbox_table`. Outside the
# change sequence: only the publishing leader reads it (`tui.engine.notify_publisher`). `state`: pending,
# sent, dropped (too old to send, `--notify-max-age`).)

_row_decoder = msgspec.msgpack.Decoder(TaskRow)
_FILL_BATCH = 5000


def task_columns(row: TaskRow) -> tuple[str | None, float | None]:
    """The v5 columns of a task's row: its ReasonCode and its observed end."""
    return row.record.reason_code, row.observed_end


#: Fills what a step's SQL added (new columns) from the rows already there.
Fill = Callable[[sqlite3.Connection], None]


def _fill_v5(conn: sqlite3.Connection) -> None:
    """The v5 columns of the rows already there, a batch of rows at a time (by rowid: no cursor left
    open over the table it updates)."""
    last = 0
    while True:
        batch = conn.execute(
            "SELECT rowid, row FROM tasks WHERE rowid > ? ORDER BY rowid LIMIT ?", (last, _FILL_BATCH)
        ).fetchall()
        if not batch:
            return
        last = batch[-1][0]
        updates = [(*task_columns(_row_decoder.decode(blob)), rowid) for rowid, blob in batch]
        conn.executemany(
            "UPDATE tasks SET reason_code = ?, observed_end = ? WHERE rowid = ?",
            [u for u in updates if u[0] is not None or u[1] is not None],
        )


#: Each version's step from the one before, in order: its SQL, then what fills the rows already there
#: (None: nothing to fill). A new version is one more entry (and a step may be added to before it is
#: released). Version 1 is `_SCHEMA`, made whole for a new file.
STEPS: tuple[tuple[int, str, Fill | None], ...] = (
    (1, _SCHEMA, None),
    (2, _MIGRATE_V2, None),
    (3, _MIGRATE_V3, None),
    (4, _MIGRATE_V4, None),
    (5, _MIGRATE_V5, _fill_v5),
)
SCHEMA_VERSION = STEPS[-1][0]


def tasks_about(conn: sqlite3.Connection) -> int:
    """About how many tasks a journal holds, without counting them (the largest rowid: one index
    lookup); 0 for a file without the table."""
    try:
        return int(conn.execute("SELECT max(rowid) FROM tasks").fetchone()[0] or 0)
    except sqlite3.OperationalError:  # (a new file: no table yet)
        return 0


def migrate(conn: sqlite3.Connection, version: int, progress: MigrationProgress | None = None) -> None:
    """From `version` (0: a new file) to SCHEMA_VERSION, in one transaction; another process opening
    the same journal at the same moment waits, then finds it migrated. `progress` is told each
    statement done (an index over a million tasks takes seconds)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        # (a fill is one item of the progress, after its step's statements)
        work: list[str | Fill] = []
        for step, script, fill in STEPS:
            if version < step:
                work += [statement for statement in script.split(";") if statement.strip()]
                if fill is not None:
                    work.append(fill)
        for done, item in enumerate(work):
            if progress is not None:
                progress(done, len(work))
            if isinstance(item, str):
                conn.execute(item)
            else:
                item(conn)
        if progress is not None:
            progress(len(work), len(work))
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise

"""Reading a journal without changing it, for the commands that only look back (`pcwatch stats`).

`Journal` opens its file to write: it creates a missing one, migrates an old one and moves a bad one
aside. A reader must do none of that (another viewer may be polling into the same file), so this opens
the file read-only (`mode=ro`), reads the numbers of the tasks of a `Scope` (counted by SQLite:
`stats_summaries.tally_journal`), the bulk jobs, the failed records of the jobs whose results were fetched,
and the meta table in one snapshot, and says in words what is wrong with a file it cannot read. (A journal
of an older schema has no bulk job tables: none, then; nor the columns SQLite counts from: its window's
rows are decoded and counted one at a time, `stats.tally_rows`.)
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import msgspec

from schemas import BulkJobRecord, BulkJobResult
from tui.core.private_files import check_sqlite_files, open_owned

from .bulk_contents import FAILED
from .journal_schema import SCHEMA_VERSION
from .stats import HOUR, Scope, TaskTally, tally_rows
from .stats_summaries import tally_journal
from .types import TaskRow

_task_decoder = msgspec.msgpack.Decoder(TaskRow)
_bulk_job_decoder = msgspec.msgpack.Decoder(BulkJobRecord)
_results_decoder = msgspec.msgpack.Decoder(list[BulkJobResult])


class JournalUnreadable(Exception):
    """The journal is missing, not a journal, or from a newer pcwatch; the message says which."""


@dataclass
class JournalSnapshot:
    path: Path
    #: The numbers of the tasks of the scope read.
    tally: TaskTally
    meta: dict[str, str] = field(default_factory=dict)
    bulk_jobs: list[BulkJobRecord] = field(default_factory=list)
    #: Job id -> its failed records, for the jobs whose results were fetched (`compute_stats`'s
    #: `bulk_results`).
    bulk_results: dict[str, list[BulkJobResult]] = field(default_factory=dict)


def read_journal(path: Path, scope: Scope | None = None, bucket_seconds: int = HOUR) -> JournalSnapshot:
    """The numbers of the tasks of `scope` (every task with None), the bulk jobs and the meta rows of the
    journal at `path`, read-only. Raises JournalUnreadable."""
    if not path.is_file():
        raise JournalUnreadable(f"no journal at {path}")
    os.close(open_owned(path, tighten=False))  # the user's own (PathRefused otherwise: exit 2)
    check_sqlite_files(path)
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.absolute()))}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error as exc:
        raise JournalUnreadable(f"{path}: cannot be opened ({exc})") from None
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise JournalUnreadable(f"{path}: written by a newer pcwatch (schema {version})")
        conn.execute("BEGIN")
        scope = scope or Scope.of(datetime.now(timezone.utc))
        if version >= 5:
            tally = tally_journal(conn, scope, bucket_seconds)
        else:
            tally = tally_rows(_window_rows(conn, scope), scope, bucket_seconds)
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        bulk_jobs: list[BulkJobRecord] = []
        bulk_results: dict[str, list[BulkJobResult]] = {}
        if version >= 4:
            bulk_jobs = [
                _bulk_job_decoder.decode(blob) for (blob,) in conn.execute("SELECT row FROM bulk_jobs")
            ]
            bulk_results = failed_results(conn)
        conn.execute("COMMIT")
    except (sqlite3.Error, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise JournalUnreadable(f"{path}: not a readable pcwatch journal ({exc})") from None
    finally:
        conn.close()
    return JournalSnapshot(path, tally, meta, bulk_jobs, bulk_results)


def _window_rows(conn: sqlite3.Connection, scope: Scope) -> Iterator[TaskRow]:
    """The rows of an older journal that started in the scope's window, decoded one at a time."""
    if scope.start is None:
        found = conn.execute("SELECT row FROM tasks")
    else:
        found = conn.execute("SELECT row FROM tasks WHERE start_time >= ?", (scope.start,))
    for (blob,) in found:
        yield _task_decoder.decode(blob)


def failed_results(conn: sqlite3.Connection) -> dict[str, list[BulkJobResult]]:
    """Job id -> its failed records, of every job whose results the journal holds (in one query)."""
    found: dict[str, list[BulkJobResult]] = {}
    for job_id, blob in conn.execute(
        "SELECT job_id, row FROM bulk_results WHERE phase = ? ORDER BY job_id, page", (FAILED,)
    ):
        found.setdefault(job_id, []).extend(_results_decoder.decode(blob))
    for (job_id,) in conn.execute("SELECT job_id FROM bulk_result_sets"):
        found.setdefault(job_id, [])  # (asked for, none failed)
    return found

"""The SQLite journal behind the store: what pcwatch saw, kept across restarts and dropped SSH sessions.

One file per endpoint, account and catalog, under the user's state directory. WAL mode with
`synchronous=NORMAL`: a committed transaction survives the process being killed at any instant (only a
power loss may drop the last few). Each poll batch is one transaction.

Rows are msgpack blobs of msgspec Structs (plus a few indexed columns), so loading 100,000 tasks is one
SELECT and one C-speed decode per row rather than column-by-column Python.

Every write transaction takes the next number of a change sequence (`changes.seq`) and stamps the rows
it writes with it (`change_seq`); a removed invitation stays as a tombstone with its number. Viewers that
share the journal without polling (`tui.engine.sharing`) read only the rows changed since the number they last
saw (`changes_since`). The calls spent against the daily allowance are in it too (`call_ledger`), outside
the change sequence.

The schema and its migrations are `journal_schema` (the version in `PRAGMA user_version`). A journal that
is corrupt, or written by a newer pcwatch, is renamed aside (with its -wal/-shm) and a fresh one started,
with a warning: never silently dropped, never a crash. A journal pcwatch may not open or write (file or
directory permissions, a read-only file or file system) is not corrupt: opening it raises
`StateFileUnavailable` naming the file and the fix, and leaves it untouched (`tui.core.sqlite_files`). The write ledger keeps its own file beside it
(`tui.writes.ledger`), so moving a journal aside never moves a pending write token.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import msgspec

from schemas import (
    BulkJobRecord,
    BulkJobResult,
    EngagementInvitationSummary,
    GetProspectingFromEngagementTaskResponse,
    GetResourceSnapshotJobResponse,
)
from tui.core.private_files import (
    PathRefused,
    check_sqlite_files,
    prepare_sqlite_file,
    private_parent,
    state_directory,
)
from tui.core.settings import Settings
from tui.core.sqlite_files import is_corruption, unavailable
from tui.core.timefmt import ASIDE_STAMP, instant

from .bulk_contents import ResultSet, ResultSetHead
from .call_ledger import JournalCallLedger
from .journal_schema import SCHEMA_VERSION, migrate, task_columns
from .store_retention import KEEP_ENDED_BULK_JOBS
from .types import TaskRow, TransitionRow

log = logging.getLogger(__name__)


def _any_rows(rows: JournalChanges | PendingWrites) -> bool:
    """Whether any of the row collections holds something (the change number is not a row)."""
    return any(getattr(rows, f.name) for f in fields(rows) if f.name != "change_seq")


#: A page of a job's results, as written: (job id, phase, page number, the page's results).
ResultPage = tuple[str, str, int, "list[BulkJobResult]"]


@dataclass
class JournalContents:
    tasks: list[TaskRow] = field(default_factory=list)
    transitions: list[TransitionRow] = field(default_factory=list)
    jobs: list[tuple[GetResourceSnapshotJobResponse, float]] = field(default_factory=list)
    invitations: list[EngagementInvitationSummary] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    #: The change sequence number these contents are as of.
    change_seq: int = 0
    #: Bulk jobs (every one not finished, the newest finished), with when each was observed.
    bulk_jobs: list[tuple[BulkJobRecord, float]] = field(default_factory=list)
    #: The outcomes of the prospecting tasks loaded, with when each was fetched. (A job's results are
    #: read when it is looked at: `Journal.result_set`.)
    prospecting: list[tuple[GetProspectingFromEngagementTaskResponse, float]] = field(default_factory=list)


@dataclass
class JournalChanges:
    """Rows changed after a change sequence number, up to `change_seq` (for viewers that tail)."""

    change_seq: int
    tasks: list[TaskRow] = field(default_factory=list)
    transitions: list[TransitionRow] = field(default_factory=list)
    jobs: list[tuple[GetResourceSnapshotJobResponse, float]] = field(default_factory=list)
    invitations: list[EngagementInvitationSummary] = field(default_factory=list)
    removed_invitations: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    bulk_jobs: list[tuple[BulkJobRecord, float]] = field(default_factory=list)
    #: Jobs whose results changed (their header row): a follower reads them again when it looks.
    result_sets: list[str] = field(default_factory=list)
    prospecting: list[tuple[GetProspectingFromEngagementTaskResponse, float]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return _any_rows(self)


@dataclass
class PendingWrites:
    """Changes not yet in the journal: the store collects them during a batch (a poll) and writes them
    in one transaction at its end."""

    tasks: dict[str, TaskRow] = field(default_factory=dict)
    transitions: list[TransitionRow] = field(default_factory=list)
    jobs: dict[str, tuple[GetResourceSnapshotJobResponse, float]] = field(default_factory=dict)
    invitations: dict[str, EngagementInvitationSummary] = field(default_factory=dict)
    removed_invitations: set[str] = field(default_factory=set)
    meta: dict[str, str] = field(default_factory=dict)
    bulk_jobs: dict[str, tuple[BulkJobRecord, float]] = field(default_factory=dict)
    #: Jobs whose results start over (their pages are deleted before the new ones are written).
    result_resets: set[str] = field(default_factory=set)
    result_heads: dict[str, ResultSetHead] = field(default_factory=dict)
    result_pages: list[ResultPage] = field(default_factory=list)
    prospecting: dict[str, tuple[GetProspectingFromEngagementTaskResponse, float]] = field(
        default_factory=dict
    )

    def __bool__(self) -> bool:
        return _any_rows(self)


def _probe_write(conn: sqlite3.Connection) -> None:
    """Fail now, not at the first poll, if SQLite opened the file but may not write it (it then opens
    read-only without a word, and every later write would fail)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("UPDATE changes SET seq = seq WHERE id = 0")
    finally:
        conn.execute("ROLLBACK")


_encoder = msgspec.msgpack.Encoder()
_TRANSITIONS = (
    "SELECT task_id, kind, from_status, to_status, observed_at, previous_observed_at FROM transitions"
)
_JOBS = "SELECT row, fetched_at FROM jobs"
#: Every task not finished (running, or a status this version does not know), and the newest ? finished.
_KEPT_TASKS = """
SELECT row FROM tasks WHERE status IS NULL OR status NOT IN ('COMPLETE', 'FAILED')
UNION ALL
SELECT row FROM tasks WHERE task_id IN (
    SELECT task_id FROM tasks WHERE status IN ('COMPLETE', 'FAILED') ORDER BY start_time DESC LIMIT ?
)
"""
_FINISHED_COUNT = "SELECT count(*) FROM tasks WHERE status IN ('COMPLETE', 'FAILED')"
#: Every bulk job not finished, and the newest ? finished by creation.
_KEPT_BULK_JOBS = """
SELECT row, fetched_at FROM bulk_jobs WHERE status IS NULL OR status NOT IN ('COMPLETED', 'FAILED')
UNION ALL
SELECT row, fetched_at FROM bulk_jobs WHERE job_id IN (
    SELECT job_id FROM bulk_jobs WHERE status IN ('COMPLETED', 'FAILED') ORDER BY created_at DESC LIMIT ?
)
"""
_PROSPECTING = "SELECT row, fetched_at FROM prospecting"


def _count(c: sqlite3.Connection, query: str) -> int:
    return int(c.execute(query).fetchone()[0])


_task_decoder = msgspec.msgpack.Decoder(TaskRow)
_job_decoder = msgspec.msgpack.Decoder(GetResourceSnapshotJobResponse)
_invitation_decoder = msgspec.msgpack.Decoder(EngagementInvitationSummary)
_bulk_job_decoder = msgspec.msgpack.Decoder(BulkJobRecord)
_prospecting_decoder = msgspec.msgpack.Decoder(GetProspectingFromEngagementTaskResponse)
_result_head_decoder = msgspec.msgpack.Decoder(ResultSetHead)
_result_page_decoder = msgspec.msgpack.Decoder(list[BulkJobResult])


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:80] or "default"


def default_journal_path(settings: Settings, account: str | None = None) -> Path:
    """`<user state dir>/pcwatch/journals/<endpoint>--<account>--<catalog>.sqlite3`.

    The account is the profile name unless given: it is known before any call, so the journal can be
    loaded before the first request.
    """
    endpoint = settings.endpoint_url or f"aws-{settings.region}"
    account = account or settings.profile or os.environ.get("AWS_PROFILE") or "default"
    name = f"{_slug(endpoint)}--{_slug(account)}--{_slug(settings.catalog)}.sqlite3"
    return state_directory() / "journals" / name


def journal_for(settings: Settings) -> Journal | None:
    """The journal the settings ask for: `--journal PATH`, else the default path; none with
    `--no-journal`, nor for `--demo` unless a path is given (the demo's world is new each run)."""
    if settings.no_journal or (settings.demo and settings.journal_path is None):
        return None
    return Journal(settings.journal_path or default_journal_path(settings))


class Journal:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        #: Human-readable warnings (a journal moved aside, a failed write); the app shows them.
        self.warnings: list[str] = []
        self._conn = self._open()

    # --- opening, and moving a bad journal aside ------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        prepare_sqlite_file(self.path)  # the user's own 0600 files, the -wal and -shm too
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
        try:
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            check_sqlite_files(self.path)  # nothing swapped in while SQLite opened them
        except BaseException:
            conn.close()
            raise
        return conn

    def _open(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = None
        try:
            private_parent(self.path)
            conn = self._connect()
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                conn.close()
                self._move_aside(f"newer-v{version}", f"it was written by a newer pcwatch (schema {version})")
                conn = self._connect()
                version = 0
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            if version < SCHEMA_VERSION:
                migrate(conn, version)
            _probe_write(conn)
            return conn
        except sqlite3.DatabaseError as exc:
            if not is_corruption(exc):
                raise self._unavailable(conn, exc) from None
            return self._restart_after(exc)
        except (OSError, PathRefused) as exc:
            raise self._unavailable(conn, exc) from None

    def _unavailable(self, conn: sqlite3.Connection | None, exc: BaseException) -> Exception:
        if conn is not None:
            conn.close()
        return unavailable(self.path, exc, "journal", fix="use --journal OTHER_PATH, or --no-journal")

    def _restart_after(self, exc: Exception) -> sqlite3.Connection:
        conn = getattr(self, "_conn", None)
        if conn is not None:
            conn.close()
        self._move_aside("corrupt", f"it could not be read ({exc})")
        conn = self._connect()
        migrate(conn, 0)
        return conn

    def _move_aside(self, tag: str, why: str) -> None:
        stamp = instant(datetime.now(timezone.utc), ASIDE_STAMP)
        target = self.path.with_name(f"{self.path.name}.{tag}-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.{tag}-{stamp}-{n}")
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.path}{suffix}")
            if suffix and source.exists() and source.stat().st_size == 0:
                source.unlink()  # (an empty one pcwatch made before SQLite opened the file: nothing in it)
            elif source.exists():
                os.replace(source, Path(f"{target}{suffix}"))
        message = f"journal {self.path} moved aside to {target.name}: {why}; starting a new one"
        self.warnings.append(message)
        log.warning("%s", message)

    # --- reading ------------------------------------------------------------------------------------

    def load(
        self, keep_ended: int | None = None, keep_ended_bulk: int = KEEP_ENDED_BULK_JOBS
    ) -> JournalContents:
        """Everything in the journal; with `keep_ended`, every unfinished task and only the newest
        `keep_ended` finished ones by start, with their transitions and snapshot jobs (what a store keeps:
        its load then costs what it keeps, however long the journal's history). A corrupt journal is
        moved aside; returns empty then. One that cannot be read now (locked, an I/O error) is left alone
        with a warning; returns empty too."""
        try:
            return self._load(keep_ended, keep_ended_bulk)
        except sqlite3.DatabaseError as exc:
            if not is_corruption(exc):
                self.warnings.append(f"journal {self.path} not read: {exc}")
                return JournalContents()
            self._conn = self._restart_after(exc)
            return JournalContents()
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:  # rows no pcwatch wrote
            self._conn = self._restart_after(exc)
            return JournalContents()

    def _load(self, keep_ended: int | None, keep_ended_bulk: int) -> JournalContents:
        c = self._conn
        decode = _task_decoder.decode
        c.execute("BEGIN")  # one snapshot: the rows and the change number agree
        try:
            seq = self._current_seq()
            if keep_ended is not None and keep_ended >= _count(c, _FINISHED_COUNT):
                keep_ended = None  # (all of it is kept: read it whole, the fast way)
            if keep_ended is None:
                tasks = [decode(blob) for (blob,) in c.execute("SELECT row FROM tasks")]
                transitions = c.execute(_TRANSITIONS + " ORDER BY seq").fetchall()
                jobs = [(_job_decoder.decode(blob), at) for blob, at in c.execute(_JOBS)]
                prospecting_query = _PROSPECTING
            else:
                tasks = [decode(blob) for (blob,) in c.execute(_KEPT_TASKS, (keep_ended,))]
                self._mark("task_ids", (row.record.task_id for row in tasks))
                transitions = c.execute(
                    _TRANSITIONS + " WHERE task_id IN (SELECT id FROM temp.task_ids) ORDER BY seq"
                ).fetchall()
                self._mark("job_ids", (row.record.resource_snapshot_job_id for row in tasks))
                jobs = [
                    (_job_decoder.decode(blob), at)
                    for blob, at in c.execute(_JOBS + " WHERE job_id IN (SELECT id FROM temp.job_ids)")
                ]
                prospecting_query = _PROSPECTING + " WHERE task_id IN (SELECT id FROM temp.task_ids)"
            prospecting = [
                (_prospecting_decoder.decode(blob), at) for blob, at in c.execute(prospecting_query)
            ]
            bulk_jobs = [
                (_bulk_job_decoder.decode(blob), at)
                for blob, at in c.execute(_KEPT_BULK_JOBS, (keep_ended_bulk,))
            ]
            invitations = [
                _invitation_decoder.decode(blob)
                for (blob,) in c.execute("SELECT row FROM invitations WHERE removed = 0")
            ]
            meta = dict(c.execute("SELECT key, value FROM meta").fetchall())
        finally:
            c.execute("COMMIT")
        return JournalContents(tasks, transitions, jobs, invitations, meta, seq, bulk_jobs, prospecting)

    def _mark(self, table: str, ids: Iterable[str | None]) -> None:
        """Fill a connection-private temporary table of ids (what the next query keeps)."""
        c = self._conn
        c.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} (id TEXT PRIMARY KEY)")
        c.execute(f"DELETE FROM temp.{table}")
        c.executemany(f"INSERT OR IGNORE INTO temp.{table} VALUES (?)", ((i,) for i in ids if i))

    def _current_seq(self) -> int:
        return int(self._conn.execute("SELECT seq FROM changes WHERE id = 0").fetchone()[0])

    def change_seq(self) -> int:
        """The number of the last committed write transaction."""
        return self._current_seq()

    def changes_since(self, seq: int) -> JournalChanges:
        """The rows written after change `seq` (one consistent snapshot). Cheap when nothing changed:
        one indexed lookup per table."""
        c = self._conn
        c.execute("BEGIN")
        try:
            now = self._current_seq()
            if now <= seq:
                return JournalChanges(now)
            args = (seq,)
            decode = _task_decoder.decode
            tasks = [
                decode(blob) for (blob,) in c.execute("SELECT row FROM tasks WHERE change_seq > ?", args)
            ]
            transitions = c.execute(
                "SELECT task_id, kind, from_status, to_status, observed_at, previous_observed_at"
                " FROM transitions WHERE change_seq > ? ORDER BY seq",
                args,
            ).fetchall()
            jobs = [
                (_job_decoder.decode(blob), at)
                for blob, at in c.execute("SELECT row, fetched_at FROM jobs WHERE change_seq > ?", args)
            ]
            invitations: list[EngagementInvitationSummary] = []
            removed: list[str] = []
            for inv_id, blob, gone in c.execute(
                "SELECT invitation_id, row, removed FROM invitations WHERE change_seq > ?", args
            ):
                if gone:
                    removed.append(inv_id)
                else:
                    invitations.append(_invitation_decoder.decode(blob))
            meta = dict(c.execute("SELECT key, value FROM meta WHERE change_seq > ?", args).fetchall())
            bulk_jobs = [
                (_bulk_job_decoder.decode(blob), at)
                for blob, at in c.execute("SELECT row, fetched_at FROM bulk_jobs WHERE change_seq > ?", args)
            ]
            result_sets = [
                job_id
                for (job_id,) in c.execute("SELECT job_id FROM bulk_result_sets WHERE change_seq > ?", args)
            ]
            prospecting = [
                (_prospecting_decoder.decode(blob), at)
                for blob, at in c.execute(
                    "SELECT row, fetched_at FROM prospecting WHERE change_seq > ?", args
                )
            ]
            return JournalChanges(
                now, tasks, transitions, jobs, invitations, removed, meta, bulk_jobs, result_sets, prospecting
            )
        finally:
            c.execute("COMMIT")

    def meta_since(self, prefix: str, seq: int) -> tuple[int, dict[str, str]]:
        """Meta rows whose key starts with `prefix` written after change `seq`, and the current change
        number (requests viewers leave for the polling one)."""
        c = self._conn
        c.execute("BEGIN")
        try:
            now = self._current_seq()
            rows = c.execute(
                "SELECT key, value FROM meta WHERE change_seq > ? AND substr(key, 1, ?) = ?",
                (seq, len(prefix), prefix),
            ).fetchall()
            return now, dict(rows)
        finally:
            c.execute("COMMIT")

    def meta_with_prefix(self, prefix: str) -> dict[str, str]:
        """Every meta row whose key starts with `prefix` (e.g. the viewers that say they are watching)."""
        rows = self._conn.execute(
            "SELECT key, value FROM meta WHERE substr(key, 1, ?) = ?", (len(prefix), prefix)
        ).fetchall()
        return dict(rows)

    def result_set(self, job_id: str) -> ResultSet | None:
        """A bulk job's results as far as they were fetched (None: never asked for). One snapshot."""
        with self._reader() as c:
            row = c.execute("SELECT row FROM bulk_result_sets WHERE job_id = ?", (job_id,)).fetchone()
            if row is None:
                return None
            found = ResultSet(_result_head_decoder.decode(row[0]))
            for phase, blob in c.execute(
                "SELECT phase, row FROM bulk_results WHERE job_id = ? ORDER BY phase, page", (job_id,)
            ):
                found.results.setdefault(phase, []).extend(_result_page_decoder.decode(blob))
            return found

    def failed_results(self) -> dict[str, list[BulkJobResult]]:
        """Job id -> its failed records, of every job whose results were fetched (for the statistics)."""
        from .journal_read import failed_results

        with self._reader() as c:
            return failed_results(c)

    @contextlib.contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        """A connection of its own, in one read snapshot: these reads come from any thread (a notebook's,
        the dashboard's workers) while the engine's thread may be inside a write on the main connection
        (sharing that one would fail: "cannot start a transaction within a transaction")."""
        uri = f"file:{quote(os.path.abspath(self.path))}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=10)
        try:  # (`timeout` is the busy timeout: a writer's lock is waited for, 10 s at most)
            conn.execute("BEGIN")
            yield conn
        finally:
            conn.close()

    def call_ledger(self) -> JournalCallLedger:
        """The calls spent against the daily allowance, shared with every process of this journal."""
        return JournalCallLedger(lambda: self._conn)

    def read_meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def integrity_check(self) -> str:
        return str(self._conn.execute("PRAGMA integrity_check").fetchone()[0])

    # --- writing ------------------------------------------------------------------------------------

    def write(
        self,
        *,
        tasks: Iterable[TaskRow] = (),
        transitions: Iterable[TransitionRow] = (),
        jobs: Iterable[tuple[GetResourceSnapshotJobResponse, float]] = (),
        invitations: Iterable[EngagementInvitationSummary] = (),
        removed_invitations: Iterable[str] = (),
        meta: Mapping[str, str] | None = None,
        bulk_jobs: Iterable[tuple[BulkJobRecord, float]] = (),
        result_resets: Iterable[str] = (),
        result_heads: Mapping[str, ResultSetHead] | None = None,
        result_pages: Iterable[ResultPage] = (),
        prospecting: Iterable[tuple[GetProspectingFromEngagementTaskResponse, float]] = (),
    ) -> None:
        """One transaction: all of it is committed, or (killed before the commit) none of it. A job in
        `result_resets` loses its result pages first (its results are fetched again)."""
        enc = _encoder.encode
        task_rows = [
            (
                r.record.task_id,
                r.record.kind,
                r.record.task_status,
                r.record.start_time.timestamp() if r.record.start_time else None,
                *task_columns(r),
                enc(r),
            )
            for r in tasks
        ]
        job_rows: list[tuple[Any, ...]] = [(j.id, at, enc(j)) for j, at in jobs if j.id]
        inv_rows = [(i.id, enc(i)) for i in invitations]
        bulk_rows = [
            (
                j.job_id,
                j.kind,
                j.status,
                j.created_at.timestamp() if j.created_at else None,
                at,
                enc(j),
            )
            for j, at in bulk_jobs
        ]
        head_rows = [(job_id, enc(head)) for job_id, head in (result_heads or {}).items()]
        page_rows = [(job_id, phase, page, enc(results)) for job_id, phase, page, results in result_pages]
        prospecting_rows = [(t.task_id, at, enc(t)) for t, at in prospecting if t.task_id]
        c = self._conn
        c.execute("BEGIN IMMEDIATE")
        try:
            c.execute("UPDATE changes SET seq = seq + 1 WHERE id = 0")
            seq = self._current_seq()
            c.executemany(
                "INSERT OR REPLACE INTO tasks (task_id, kind, status, start_time, reason_code, observed_end,"
                " row, change_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(*r, seq) for r in task_rows],
            )
            c.executemany(
                "INSERT INTO transitions (task_id, kind, from_status, to_status, observed_at,"
                " previous_observed_at, change_seq) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(*t, seq) for t in transitions],
            )
            c.executemany(
                "INSERT OR REPLACE INTO jobs (job_id, fetched_at, row, change_seq) VALUES (?, ?, ?, ?)",
                [(*j, seq) for j in job_rows],
            )
            c.executemany(
                "INSERT OR REPLACE INTO invitations (invitation_id, row, change_seq, removed)"
                " VALUES (?, ?, ?, 0)",
                [(*i, seq) for i in inv_rows],
            )
            # A tombstone, not a DELETE: viewers that tail the journal must learn of the removal too.
            c.executemany(
                "UPDATE invitations SET removed = 1, change_seq = ? WHERE invitation_id = ?",
                [(seq, i) for i in removed_invitations],
            )
            if meta:
                c.executemany(
                    "INSERT OR REPLACE INTO meta (key, value, change_seq) VALUES (?, ?, ?)",
                    [(k, v, seq) for k, v in meta.items()],
                )
            c.executemany(
                "INSERT OR REPLACE INTO bulk_jobs (job_id, kind, status, created_at, fetched_at, row,"
                " change_seq) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(*r, seq) for r in bulk_rows],
            )
            c.executemany("DELETE FROM bulk_results WHERE job_id = ?", [(j,) for j in result_resets])
            c.executemany(
                "INSERT OR REPLACE INTO bulk_results (job_id, phase, page, row, change_seq)"
                " VALUES (?, ?, ?, ?, ?)",
                [(*r, seq) for r in page_rows],
            )
            c.executemany(
                "INSERT OR REPLACE INTO bulk_result_sets (job_id, row, change_seq) VALUES (?, ?, ?)",
                [(*r, seq) for r in head_rows],
            )
            c.executemany(
                "INSERT OR REPLACE INTO prospecting (task_id, fetched_at, row, change_seq) VALUES (?, ?, ?, ?)",
                [(*r, seq) for r in prospecting_rows],
            )
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._conn.close()

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

A journal that opened and then takes no writes (a full disk) never stops the watching: the store keeps
what it refused and writes it with a later flush (`PendingWrites.absorb`), the poller's ledger counts in
memory (`FallbackCallLedger`), and `trouble` (`WriteTrouble`) says what is not written and why until it
is. The WAL is kept small (`WAL_AUTOCHECKPOINT`) so that a nearly full disk still takes a write.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
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
from tui.core.sqlite_files import is_corruption, unavailable, unwritable, write_failure_reason
from tui.core.text_safety import visible
from tui.core.timefmt import ASIDE_STAMP, instant

from . import outbox_table
from .bulk_contents import ResultSet, ResultSetHead
from .call_ledger import FallbackCallLedger, JournalCallLedger
from .journal_compact import Compaction, Fold, default_fold, drop, mark
from .journal_schema import (
    SCHEMA_VERSION,
    MigrationProgress,
    migrate,
    task_columns,
    tasks_about,
)
from .outbox import OutboxEntry
from .outbox_table import OutboxSummary
from .store_retention import KEEP_ENDED_BULK_JOBS, KEEP_UNWRITTEN_RESULTS
from .types import TaskRow, TransitionRow

log = logging.getLogger(__name__)

#: The WAL kept small, so that a nearly full disk still takes a write (issue 27 saw it reach 2.4 MB
#: before SQLite's default checkpoint, every 1,000 pages, ~4 MB): SQLite checkpoints every
#: WAL_AUTOCHECKPOINT pages (1 MiB at 4 KiB pages); a write that leaves the WAL over WAL_TRUNCATE_AT bytes
#: (a big batch: the history's first pages) is followed by a TRUNCATE checkpoint when no reader holds the
#: WAL (never waited for); a WAL checkpointed is cut back to JOURNAL_SIZE_LIMIT bytes when next reused.
WAL_AUTOCHECKPOINT = 256
WAL_TRUNCATE_AT = 1 << 20
JOURNAL_SIZE_LIMIT = 1 << 20
#: The command line's way around a journal that cannot be used.
JOURNAL_FIX = "use --journal OTHER_PATH, or --no-journal"

#: How long a write waits for another process's write transaction (milliseconds).
BUSY_TIMEOUT_MS = 10_000
#: How long a claim of the lead waits for the write lock (seconds): a follower looks again a second later.
CLAIM_WAIT = 0.2

#: Reads one meta row inside the transaction under way (None: no such row).
MetaReader = Callable[[str], "str | None"]
#: The leading viewer's check at the start of each of its write transactions: raises `Deposed` once
#: another viewer holds the lead (`tui.engine.viewer_lock.LeaderLease`).
Fence = Callable[[MetaReader], None]


class Deposed(Exception):
    """A write refused before anything was written: this process led, and another viewer took the lead
    while it was stopped (a suspended SSH session). Never retried: what it would have written is the new
    leader's to observe and write."""


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
    #: Events to publish, by id (`tui.engine.outbox`): written with the transitions they come from.
    outbox: dict[str, OutboxEntry] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return _any_rows(self)

    def absorb(self, newer: PendingWrites) -> PendingWrites:
        """These changes (not written) under `newer` ones, to be written together in order: rows by id,
        the newer winning; transitions and result pages appended; a job whose results start over in
        `newer` loses its older pages. Generic by field type, so that a new field merges too. Returns
        self."""
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(newer, f.name)
            if f.name == "result_pages":
                restarted = newer.result_resets
                self.result_pages = [
                    p for p in self.result_pages if p[0] not in restarted
                ] + newer.result_pages
            elif f.name == "invitations":
                for gone in newer.removed_invitations:
                    self.invitations.pop(gone, None)
                self.invitations.update(newer.invitations)
            elif f.name == "removed_invitations":
                self.removed_invitations = (self.removed_invitations - newer.invitations.keys()) | theirs
            elif isinstance(mine, dict):
                mine.update(theirs)
            elif isinstance(mine, list):
                mine.extend(theirs)
            elif isinstance(mine, set):
                mine |= theirs
            else:  # (a new kind of field: say how it merges above)
                raise TypeError(f"PendingWrites.{f.name}: no merge for {type(mine).__name__}")
        return self

    def bounded(self, results: int = KEEP_UNWRITTEN_RESULTS) -> list[str]:
        """Keep at most `results` result records unwritten: beyond, the latest jobs' unwritten result
        sets are let go whole (pages, header, reset: the journal keeps the set it had, and memory the
        whole set). Every transition and every row by id is kept: tasks are one row per task
        the store saw, the store's own objects. Returns the jobs let go."""
        kept = sum(len(page[3]) for page in self.result_pages)
        dropped: list[str] = []
        for job_id, *_ in reversed(self.result_pages):
            if kept <= results:
                break
            if job_id in dropped:
                continue
            dropped.append(job_id)
            kept -= sum(len(page[3]) for page in self.result_pages if page[0] == job_id)
        if dropped:
            self.result_pages = [p for p in self.result_pages if p[0] not in dropped]
            for job_id in dropped:
                self.result_heads.pop(job_id, None)
                self.result_resets.discard(job_id)
        return dropped


class WriteTrouble:
    """What of the journal could not be written lately, and why: each writer (`CHANGES`, the store's;
    `CALLS`, the call ledger's; `STATUS`, the leader's status) from its failed write until its next one
    that succeeds. The poller's status carries it to the header (`PollerStatus.journal_not_written`);
    it is logged once when it starts and once when it ends, never per write."""

    CHANGES = "changes"
    CALLS = "calls"
    STATUS = "status"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._failing: dict[str, str] = {}

    @property
    def reason(self) -> str | None:
        """Why the journal takes no writes now (`disk full`, `read-only`…); None while it does."""
        return next(iter(self._failing.values()), None)

    def failed(self, writer: str, exc: BaseException) -> None:
        reason = write_failure_reason(exc)
        if not self._failing:
            log.warning("journal %s not written (%s): %s; kept in memory until it is", self.path, reason, exc)
        self._failing[writer] = reason

    def written(self, writer: str) -> None:
        if self._failing.pop(writer, None) is not None and not self._failing:
            log.warning("journal %s written again", self.path)


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
# What a viewer's load keeps, read through the v5 indexes (`journal_schema`) so that it costs what is
# kept, however long the history. Every task not finished (running, or of a status this version does not
# know): the entries of the partial index `tasks_unfinished`, whose WHERE this is word for word (SQLite
# uses a partial index only for a query that says its condition).
_UNFINISHED_TASKS = "SELECT row FROM tasks WHERE status IS NULL OR status NOT IN ('COMPLETE', 'FAILED')"
#: The newest ? finished by start: one ordered search of `tasks_by_status` per finished status, merged
#: (no sort, no row read but those kept), then their rows by rowid.
_NEWEST_FINISHED_TASKS = """
SELECT row FROM tasks WHERE rowid IN (SELECT id FROM (
    SELECT rowid AS id, start_time FROM tasks WHERE status = 'COMPLETE'
    UNION ALL
    SELECT rowid, start_time FROM tasks WHERE status = 'FAILED'
    ORDER BY start_time DESC LIMIT ?
))
"""
#: The same for bulk jobs: every one not finished, and the newest ? finished by creation.
_UNFINISHED_BULK_JOBS = (
    "SELECT row, fetched_at FROM bulk_jobs WHERE status IS NULL OR status NOT IN ('COMPLETED', 'FAILED')"
)
_NEWEST_FINISHED_BULK_JOBS = """
SELECT row, fetched_at FROM bulk_jobs WHERE rowid IN (SELECT id FROM (
    SELECT rowid AS id, created_at FROM bulk_jobs WHERE status = 'COMPLETED'
    UNION ALL
    SELECT rowid, created_at FROM bulk_jobs WHERE status = 'FAILED'
    ORDER BY created_at DESC LIMIT ?
))
"""
#: The invitations still pending (the entries of `invitations_pending`), not the removed ones' tombstones.
_PENDING_INVITATIONS = "SELECT row FROM invitations WHERE removed = 0"
_PROSPECTING = "SELECT row, fetched_at FROM prospecting"
#: The kept tasks' other rows, by time (`journal_schema`'s `*_by_time`, `*_by_fetch`), with the id each
#: belongs to: what the range brings of tasks not kept is left out by that id.
_TRANSITIONS_SINCE = "SELECT seq, " + _TRANSITIONS.removeprefix("SELECT ") + " WHERE observed_at >= ?"
_JOBS_SINCE = "SELECT job_id, row, fetched_at FROM jobs WHERE fetched_at >= ?"
_PROSPECTING_SINCE = "SELECT task_id, row, fetched_at FROM prospecting WHERE fetched_at >= ?"
#: Those of the running tasks that started before the range (`_mark`ed): by id, few.
_TRANSITIONS_MARKED = (
    "SELECT seq, " + _TRANSITIONS.removeprefix("SELECT ") + " WHERE task_id IN (SELECT id FROM temp.task_ids)"
)
_JOBS_MARKED = "SELECT job_id, row, fetched_at FROM jobs WHERE job_id IN (SELECT id FROM temp.job_ids)"
_PROSPECTING_MARKED = (
    "SELECT task_id, row, fetched_at FROM prospecting WHERE task_id IN (SELECT id FROM temp.task_ids)"
)
#: Seconds the service's clock (a task's StartTime) may be ahead of this machine's (when pcwatch saw
#: its transitions and fetched its job): the range of times reaches back this much before the oldest
#: kept start.
_CLOCK_SKEW = 86_400.0


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


#: A journal of more tasks than this says on stderr that it is being migrated, and how far it got (the
#: v5 indexes take seconds over a million tasks), and leaves a warning the dashboard shows.
LARGE_JOURNAL = 100_000


def _to_stderr(line: str) -> None:
    """A progress line on stderr, rewritten in place on a terminal (one line per step elsewhere): a
    step's line ends in "…", the last one in "." and a newline."""
    if sys.stderr.isatty():
        sys.stderr.write(f"\r\x1b[K{line}")
        if line.endswith("."):
            sys.stderr.write("\n")
    else:
        sys.stderr.write(line + "\n")
    sys.stderr.flush()


class Journal:
    def __init__(
        self,
        path: Path | str,
        *,
        connection_class: type[sqlite3.Connection] = sqlite3.Connection,
        progress: Callable[[str], None] = _to_stderr,
    ) -> None:
        """`progress`: where a large journal's migration says how far it got (stderr by default)."""
        self.path = Path(path)
        #: Human-readable warnings (a journal moved aside); the app shows them after the load.
        self.warnings: list[str] = []
        #: Set while this process leads (`tui.engine.sharing`): every write transaction of the journal
        #: and of its call ledger starts with it, so a leader deposed while stopped writes nothing.
        self.fence: Fence | None = None
        #: What could not be written lately (a full disk…): the header says it until it is written.
        self.trouble = WriteTrouble(self.path)
        #: (the file layer: a test's connection makes the disk full)
        self._connection_class = connection_class
        self._progress = progress
        self._conn = self._open()

    # --- opening, and moving a bad journal aside ------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        prepare_sqlite_file(self.path)  # the user's own 0600 files, the -wal and -shm too
        conn = sqlite3.connect(
            self.path,
            isolation_level=None,
            check_same_thread=False,
            timeout=BUSY_TIMEOUT_MS / 1000,
            factory=self._connection_class,
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT}")
            conn.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
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
                migrate(conn, version, self._migration_progress(conn, version))
            _probe_write(conn)
            return conn
        except sqlite3.DatabaseError as exc:
            if not is_corruption(exc):
                raise self._unavailable(conn, exc) from None
            return self._restart_after(exc)
        except (OSError, PathRefused) as exc:
            raise self._unavailable(conn, exc) from None

    def _migration_progress(self, conn: sqlite3.Connection, version: int) -> MigrationProgress | None:
        """For a large journal of an older schema: progress lines, and a warning once it is done."""
        tasks = tasks_about(conn) if version >= 1 else 0
        if tasks <= LARGE_JOURNAL:
            return None
        started = time.monotonic()
        what = f"journal {visible(str(self.path))} ({tasks:,} tasks) to schema v{SCHEMA_VERSION}"

        def progress(done: int, total: int) -> None:
            if done < total:
                self._progress(f"pcwatch: migrating the {what}: step {done + 1} of {total}…")
                return
            message = f"migrated the {what} in {time.monotonic() - started:.1f} s."
            self._progress(f"pcwatch: {message}")
            self.warnings.append(message)

        return progress

    def _unavailable(self, conn: sqlite3.Connection | None, exc: BaseException) -> Exception:
        if conn is not None:
            conn.close()
        return unavailable(self.path, exc, "journal", fix=JOURNAL_FIX)

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
            finished: list[TaskRow] | None = None
            if keep_ended is not None:
                tasks = [decode(blob) for (blob,) in c.execute(_UNFINISHED_TASKS)]
                finished = [decode(blob) for (blob,) in c.execute(_NEWEST_FINISHED_TASKS, (keep_ended,))]
                tasks.extend(finished)
                if len(finished) < keep_ended:
                    finished = None  # (every task is kept: the rows below are read whole)
            else:
                tasks = [decode(blob) for (blob,) in c.execute("SELECT row FROM tasks")]
            if finished is None:
                transitions = c.execute(_TRANSITIONS + " ORDER BY seq").fetchall()
                jobs = [(_job_decoder.decode(blob), at) for blob, at in c.execute(_JOBS)]
                prospecting = [
                    (_prospecting_decoder.decode(blob), at) for blob, at in c.execute(_PROSPECTING)
                ]
            else:
                transitions, jobs, prospecting = self._read_kept(tasks, finished)
            bulk_jobs = [
                (_bulk_job_decoder.decode(blob), at)
                for query, args in (
                    (_UNFINISHED_BULK_JOBS, ()),
                    (_NEWEST_FINISHED_BULK_JOBS, (keep_ended_bulk,)),
                )
                for blob, at in c.execute(query, args)
            ]
            invitations = [_invitation_decoder.decode(blob) for (blob,) in c.execute(_PENDING_INVITATIONS)]
            meta = dict(c.execute("SELECT key, value FROM meta").fetchall())
        finally:
            c.execute("COMMIT")
        return JournalContents(tasks, transitions, jobs, invitations, meta, seq, bulk_jobs, prospecting)

    def _read_kept(
        self, tasks: list[TaskRow], finished: list[TaskRow]
    ) -> tuple[
        list[TransitionRow],
        list[tuple[GetResourceSnapshotJobResponse, float]],
        list[tuple[GetProspectingFromEngagementTaskResponse, float]],
    ]:
        """The transitions, snapshot jobs and prospecting outcomes of the kept `tasks` (`finished`, the
        newest finished, among them). Each was written after its task started, so those of the
        finished are in the range of times from the oldest kept start (less `_CLOCK_SKEW`), read in
        the order they were written; those of a running task that started earlier, by its id."""
        c = self._conn
        starts = [row.record.start_time for row in finished]
        since = float("-inf")
        if starts and None not in starts:
            since = min(start.timestamp() for start in starts if start) - _CLOCK_SKEW
        records = [row.record for row in tasks]
        early = [r for r in records if r.start_time is None or r.start_time.timestamp() < since]
        self._mark("task_ids", (r.task_id for r in early))
        self._mark("job_ids", (r.resource_snapshot_job_id for r in early))
        task_ids = {r.task_id for r in records}
        job_ids = {r.resource_snapshot_job_id for r in records}
        by_seq = {
            row[0]: row[1:]
            for query, args in ((_TRANSITIONS_SINCE, (since,)), (_TRANSITIONS_MARKED, ()))
            for row in c.execute(query, args)
            if row[1] in task_ids
        }
        jobs = {
            job_id: (_job_decoder.decode(blob), at)
            for query, args in ((_JOBS_SINCE, (since,)), (_JOBS_MARKED, ()))
            for job_id, blob, at in c.execute(query, args)
            if job_id in job_ids
        }
        prospecting = {
            task_id: (_prospecting_decoder.decode(blob), at)
            for query, args in ((_PROSPECTING_SINCE, (since,)), (_PROSPECTING_MARKED, ()))
            for task_id, blob, at in c.execute(query, args)
            if task_id in task_ids
        }
        return [by_seq[n] for n in sorted(by_seq)], list(jobs.values()), list(prospecting.values())

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

    def call_ledger(self, *, in_memory_while_unwritable: bool = False) -> JournalCallLedger:
        """The calls spent against the daily allowance, shared with every process of this journal. A
        poller's (`in_memory_while_unwritable`) counts in memory while the journal takes no writes, and
        writes what it counted once it does (`FallbackCallLedger`); a reservation checks the fence first (a
        deposed leader makes no call); a command's raises
        `StateFileUnwritable` naming the file (exit 3)."""
        if not in_memory_while_unwritable:
            return JournalCallLedger(
                lambda: self._conn,
                self._check_fence,
                unwritable=lambda exc: unwritable(self.path, exc, "journal", fix=JOURNAL_FIX),
            )
        trouble = self.trouble
        return FallbackCallLedger(
            lambda: self._conn,
            self._check_fence,
            on_failure=lambda exc: trouble.failed(trouble.CALLS, exc),
            on_written=lambda: trouble.written(trouble.CALLS),
        )

    def _check_fence(self, c: sqlite3.Connection) -> None:
        """The leader's fence, inside the write transaction `c` has begun (see `fence`)."""
        fence = self.fence
        if fence is not None:
            fence(lambda key: _meta_value(c, key))

    def update_meta(
        self, decide: Callable[[MetaReader], Mapping[str, str] | None], *, wait: float = CLAIM_WAIT
    ) -> bool:
        """Read meta rows, decide, write: one write transaction (`BEGIN IMMEDIATE`), so that of several
        processes deciding on the same rows one at a time sees the others' outcome (the lead's claim).
        `decide` gets a reader of rows and returns the rows to write, or None to write nothing. True if
        it wrote. Waits at most `wait` seconds for another writer (a stopped process may hold the
        write lock for as long as it is stopped): sqlite3.OperationalError then, the caller looks again
        later."""
        c = self._conn
        c.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
        try:
            c.execute("BEGIN IMMEDIATE")
        finally:
            c.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        try:
            rows = decide(lambda key: _meta_value(c, key))
            if rows is None:
                c.execute("ROLLBACK")
                return False
            c.execute("UPDATE changes SET seq = seq + 1 WHERE id = 0")
            seq = self._current_seq()
            c.executemany(
                "INSERT OR REPLACE INTO meta (key, value, change_seq) VALUES (?, ?, ?)",
                [(k, v, seq) for k, v in rows.items()],
            )
            c.execute("COMMIT")
            return True
        except BaseException:
            if c.in_transaction:
                c.execute("ROLLBACK")
            raise

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
        outbox: Iterable[OutboxEntry] = (),
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
            self._check_fence(c)
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
            outbox_table.insert(c, outbox)
            c.execute("COMMIT")
        except BaseException:
            if c.in_transaction:  # (SQLite rolls back itself after some errors: a full disk's)
                c.execute("ROLLBACK")
            raise
        self._keep_wal_small()

    def _keep_wal_small(self) -> None:
        """After a write that left the WAL big, a TRUNCATE checkpoint if no reader holds the WAL now
        (never waited for: a follower's read must not hold the poller up); else SQLite's own
        checkpoints shrink it later. A checkpoint that fails (the disk is full) is tried after the
        next big write."""
        try:
            if os.stat(f"{self.path}-wal").st_size <= WAL_TRUNCATE_AT:
                return
        except OSError:
            return
        c = self._conn
        try:
            c.execute("PRAGMA busy_timeout = 0")
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.Error as exc:
            log.info("journal %s: checkpoint not made now: %s", self.path, exc)
        finally:
            with contextlib.suppress(sqlite3.Error):
                c.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    # --- the outbox (tui.engine.outbox_table) ----------------------------------------------------------

    def outbox_pending(self, limit: int) -> list[OutboxEntry]:
        """The oldest `limit` events not published yet, in the order written."""
        return outbox_table.pending(self._conn, limit)

    def outbox_settle(
        self,
        *,
        sent: Iterable[str] = (),
        dropped: Mapping[str, str] | None = None,
        failed: Mapping[str, str] | None = None,
        at: float,
    ) -> None:
        """What a send did: accepted (`sent`), too old (`dropped`, why), failed this time (the error)."""
        outbox_table.settle(self._conn, sent=sent, dropped=dropped, failed=failed, at=at)

    def outbox_summary(self) -> OutboxSummary:
        return outbox_table.summary(self._conn)

    # --- keeping it small -------------------------------------------------------------------------------

    def compact(self, before: float, *, apply: bool, fold: Fold | None = None) -> Compaction:
        """The finished tasks that started before `before` (epoch seconds) and what goes with them
        (`tui.engine.journal_compact`): counted, and with `apply` folded into the statistics' summaries
        (`fold`, by default theirs) and dropped, in one transaction of the next change number. On a
        connection of its own, so from any thread. Raises CompactRefused (nothing dropped)."""
        fold = (fold or default_fold()) if apply else None
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE" if apply else "BEGIN")
            try:
                found = mark(conn, before)
                if fold is None or not found.tasks:
                    conn.execute("ROLLBACK")
                    return found
                done = drop(conn, found, fold)
                conn.execute("UPDATE changes SET seq = seq + 1 WHERE id = 0")
                conn.execute("COMMIT")
                return done
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        finally:
            conn.close()

    def vacuum(self) -> None:
        """Give the pages a compaction freed back to the disk: SQLite rewrites the whole file, holding
        the write lock meanwhile (why it is never automatic: `tui.engine.journal_compact`)."""
        self._conn.execute("VACUUM")
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self._conn.close()


def _meta_value(c: sqlite3.Connection, key: str) -> str | None:
    row = c.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])

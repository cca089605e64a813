"""The write ledger: every write pcwatch sends, recorded before it is sent, with its outcome after.

A write (Start…Task, RejectEngagementInvitation) gets a ClientToken that is committed to SQLite *before*
the request leaves. If the answer is lost — a reset connection, a timeout, the process killed — the
ledger still holds the token with no definitive outcome, and the next attempt at the same request
(same operation, catalog, target and parameters) sends the same token again, so the service, which
answers a repeated ClientToken with the task it already started, acts once. botocore's own retries
resend the same serialized request, hence the same token, too.

Entry states:
- `pending`: recorded, sent or about to be; no answer yet (or the process died waiting).
- `unknown`: the call ended without a definitive answer (network error, 5xx, throttled after retries,
  unreadable body): the service may or may not have acted. Reused like `pending`.
- `succeeded`: the service answered; `response` holds its JSON (wire names). Not sent again unless the
  caller asks for a new request (`fresh=True`).
- `failed`: the service refused the request definitively (validation, conflict, access denied, not
  found): nothing was done, so the next attempt gets a new token.

Where: its own SQLite file beside the journal, `<journal stem>.writes<suffix>` (e.g.
`…--Sandbox.writes.sqlite3`), so a corrupt journal moved aside (`tui.engine.journal`) never takes the
pending write tokens with it. Older pcwatch kept these tables inside the journal's file: on first open
their rows are copied here, then dropped there (`migrate_legacy`). With `--no-journal` the ledger still
needs a file, or a crash could make the next run act twice: it goes to
`<user state dir>/pcwatch/write-ledgers/<same name as the journal>`. `--demo` without `--journal` uses a
per-process temporary file (the demo's world is new each run, so there is nothing to resume).

A ledger that cannot be written (a full disk, a read-only file): `reserve` raises `LedgerNotWritten`, so
the write is not sent. An outcome that cannot be recorded (the request was sent, its answer came) is kept
in memory (`unrecorded`) and written before the next write and at `close`; until it is, the entry on file
stays open, so a repeat resends the same token and the service answers with what it already did.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import tempfile
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tui.core.clock import Clock, SystemClock
from tui.core.private_files import PathRefused, check_sqlite_files, prepare_sqlite_file, private_parent
from tui.core.settings import Settings
from tui.core.sqlite_files import not_written, unavailable
from tui.engine.journal import default_journal_path

from .errors import LedgerNotWritten, ledger_refused

log = logging.getLogger(__name__)

PENDING = "pending"
UNKNOWN = "unknown"
SUCCEEDED = "succeeded"
FAILED = "failed"
#: States in which the request may have been carried out without pcwatch knowing: reuse the token.
OPEN_STATES = (PENDING, UNKNOWN)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS write_requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    client_token TEXT NOT NULL UNIQUE,
    operation TEXT NOT NULL,
    catalog TEXT NOT NULL,
    target_id TEXT NOT NULL,
    params_hash TEXT NOT NULL,
    params TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_attempt_at REAL,
    outcome_at REAL,
    response TEXT,
    error_type TEXT,
    error_message TEXT
);
CREATE INDEX IF NOT EXISTS write_requests_by_identity
    ON write_requests (operation, catalog, target_id, params_hash);
"""

_COLUMNS = (
    "client_token, operation, catalog, target_id, params_hash, params, state, created_at, attempts,"
    " last_attempt_at, outcome_at, response, error_type, error_message"
)
#: The table the ledger kept inside the journal's file before it had its own.
LEGACY_TABLE = "write_requests"


def params_hash(params: dict[str, Any]) -> str:
    """A stable digest of a request's parameters (ClientToken left out: it is what varies)."""
    body = {k: v for k, v in params.items() if k != "ClientToken"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class WriteEntry:
    client_token: str
    operation: str
    catalog: str
    target_id: str
    params_hash: str
    #: The request's parameters as JSON (without the ClientToken).
    params: str
    state: str
    created_at: float
    #: How many times the request was (about to be) sent with this token, by pcwatch (not botocore).
    attempts: int
    last_attempt_at: float | None
    outcome_at: float | None
    #: The service's answer as JSON with wire names (for `succeeded`).
    response: str | None
    error_type: str | None
    error_message: str | None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def created(self) -> datetime:
        return datetime.fromtimestamp(self.created_at, timezone.utc)


@dataclass(frozen=True)
class Reservation:
    """What `WriteLedger.reserve` decided for one write."""

    entry: WriteEntry
    #: The token of an earlier attempt with no definitive outcome is being sent again.
    reused: bool
    #: An earlier attempt already succeeded: `entry.response` is its answer; nothing should be sent.
    already_done: bool


@dataclass(frozen=True)
class _Outcome:
    """An outcome the ledger's file did not take yet: written as `_finish` would have."""

    state: str
    outcome_at: float
    response: str | None = None
    error_type: str | None = None
    error_message: str | None = None


def ledger_beside(journal: Path) -> Path:
    """The ledger's file for a journal: `name.writes.sqlite3` beside `name.sqlite3`."""
    return journal.with_name(f"{journal.stem}.writes{journal.suffix}")


def ledger_path(settings: Settings) -> Path:
    """The ledger's file for these settings (see the module docstring)."""
    if settings.journal_path is not None and not settings.no_journal:
        return ledger_beside(Path(settings.journal_path))
    if settings.demo and settings.journal_path is None:
        fd, name = tempfile.mkstemp(prefix="pcwatch-demo-writes-", suffix=".sqlite3")
        os.close(fd)
        return Path(name)
    journal = default_journal_path(settings)
    if settings.no_journal:
        return journal.parent.parent / "write-ledgers" / journal.name
    return ledger_beside(journal)


def legacy_path(settings: Settings) -> Path | None:
    """The journal whose file may still hold this ledger's tables (pcwatch before the ledger's own file)."""
    if settings.no_journal or (settings.demo and settings.journal_path is None):
        return None
    return (
        Path(settings.journal_path) if settings.journal_path is not None else default_journal_path(settings)
    )


class WriteLedger:
    """The write ledger over one SQLite file. Thread-safe enough for one process (one connection, each
    operation one transaction); several processes coordinate through SQLite's write lock."""

    def __init__(
        self,
        path: Path | str,
        *,
        clock: Clock | None = None,
        temporary: bool = False,
        legacy: Path | None = None,
        connection_class: type[sqlite3.Connection] = sqlite3.Connection,
    ) -> None:
        """`legacy`: a journal file that may hold this ledger's rows from before (see `migrate_legacy`).
        `connection_class`: SQLite's connection to the file (the tests give one whose disk fills up)."""
        self.path = Path(path)
        self._connection_class = connection_class
        self._clock = clock or SystemClock()
        self._temporary = temporary
        #: Human-readable warnings (a legacy ledger that could not be read); the app shows them.
        self.warnings: list[str] = []
        #: Outcomes the file did not take yet, by token, oldest first (see the module docstring).
        self._unrecorded: dict[str, _Outcome] = {}
        #: Why the last write to the file failed (`not_written`'s words); None once one succeeds.
        self.problem: str | None = None
        self._conn = self._open()
        if legacy is not None:
            self.migrate_legacy(legacy)

    def _open(self) -> sqlite3.Connection:
        """The connection; raises StateFileUnavailable (naming the file and the fix) for a ledger that
        cannot be opened or written. The ledger is never moved aside: its pending tokens stay."""
        conn: sqlite3.Connection | None = None
        try:
            private_parent(self.path)
            prepare_sqlite_file(self.path)  # the user's own 0600 files, the -wal and -shm too
            conn = sqlite3.connect(
                self.path,
                isolation_level=None,
                check_same_thread=False,
                timeout=10,
                factory=self._connection_class,
            )
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA journal_mode = WAL")
            check_sqlite_files(self.path)  # nothing swapped in while SQLite opened them
            # FULL: a write recorded as about to be sent must survive even a power loss.
            conn.execute("PRAGMA synchronous = FULL")
            conn.executescript(_SCHEMA)
            return conn
        except (OSError, sqlite3.Error, PathRefused) as exc:
            if conn is not None:
                conn.close()
            raise unavailable(
                self.path, exc, "write ledger", fix="use --journal OTHER_PATH (the ledger sits beside it)"
            ) from None

    @classmethod
    def for_settings(cls, settings: Settings, *, clock: Clock | None = None) -> WriteLedger:
        temporary = settings.demo and settings.journal_path is None
        return cls(ledger_path(settings), clock=clock, temporary=temporary, legacy=legacy_path(settings))

    def migrate_legacy(self, journal: Path) -> int:
        """Move the rows an older pcwatch kept in `journal`'s file into this ledger; returns how many.

        Copied first (one transaction; a token already here is kept as it is), then the old table is
        dropped from the journal: a crash between the two only repeats the copy, which changes nothing.
        A journal that cannot be read leaves its rows where they are, with a warning.
        """
        c = self._conn
        if journal.is_symlink() or not journal.is_file():
            return 0  # (the journal itself refuses a symlink: nothing of ours is there)
        try:
            c.execute("ATTACH DATABASE ? AS legacy", (str(journal),))
        except sqlite3.Error as exc:
            self._warn(f"the write ledger in {journal} was not read ({exc})")
            return 0
        try:
            found = c.execute(
                "SELECT count(*) FROM legacy.sqlite_master WHERE type = 'table' AND name = ?", (LEGACY_TABLE,)
            ).fetchone()[0]
            if not found:
                return 0
            c.execute("BEGIN IMMEDIATE")
            try:
                before = c.execute("SELECT count(*) FROM main.write_requests").fetchone()[0]
                c.execute(
                    f"INSERT OR IGNORE INTO main.write_requests ({_COLUMNS})"
                    f" SELECT {_COLUMNS} FROM legacy.{LEGACY_TABLE} ORDER BY seq"
                )
                moved = int(c.execute("SELECT count(*) FROM main.write_requests").fetchone()[0] - before)
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise
            c.execute(f"DROP TABLE IF EXISTS legacy.{LEGACY_TABLE}")
            log.info("write ledger: %d entries moved from %s to %s", moved, journal, self.path)
            return moved
        except sqlite3.Error as exc:
            self._warn(f"the write ledger in {journal} was not moved to {self.path.name} ({exc})")
            return 0
        finally:
            with contextlib.suppress(sqlite3.Error):
                c.execute("DETACH DATABASE legacy")

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        log.warning("%s", message)

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def _row(self, row: tuple[Any, ...] | None) -> WriteEntry | None:
        return None if row is None else WriteEntry(*row)

    def get(self, client_token: str) -> WriteEntry | None:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM write_requests WHERE client_token = ?", (client_token,)
        ).fetchone()
        return self._row(row)

    def latest(
        self, operation: str, catalog: str, target_id: str, params: dict[str, Any]
    ) -> WriteEntry | None:
        """The most recent entry for exactly this request, if any."""
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM write_requests WHERE operation = ? AND catalog = ? AND target_id = ?"
            " AND params_hash = ? ORDER BY seq DESC LIMIT 1",
            (operation, catalog, target_id, params_hash(params)),
        ).fetchone()
        return self._row(row)

    def succeeded_targets(self, operation: str, catalog: str) -> set[str]:
        """Targets with a succeeded entry for this operation (e.g. invitations already accepted)."""
        rows = self._conn.execute(
            "SELECT DISTINCT target_id FROM write_requests WHERE operation = ? AND catalog = ? AND state = ?",
            (operation, catalog, SUCCEEDED),
        ).fetchall()
        kept = [token for token, outcome in self._unrecorded.items() if outcome.state == SUCCEEDED]
        return {r[0] for r in rows} | {
            e.target_id
            for e in map(self.get, kept)
            if e is not None and e.operation == operation and e.catalog == catalog
        }

    def entries(self, limit: int = 100) -> list[WriteEntry]:
        """The newest entries first."""
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM write_requests ORDER BY seq DESC LIMIT ?", (limit,)
        ).fetchall()
        return [WriteEntry(*r) for r in rows]

    def reserve(
        self,
        operation: str,
        catalog: str,
        target_id: str,
        params: dict[str, Any],
        *,
        fresh: bool = False,
    ) -> Reservation:
        """The token to send for this request, committed before returning.

        An earlier attempt without a definitive outcome gives its token again (attempts + 1). An
        earlier success is returned as `already_done` unless `fresh` (a deliberate new request). In
        every other case a new token is recorded as `pending`. Raises `LedgerNotWritten` (nothing may be
        sent) if the file does not take it.
        """
        self.write_unrecorded()  # "at the latest at the next write"
        try:
            return self._reserve(operation, catalog, target_id, params, fresh=fresh)
        except sqlite3.Error as exc:
            self.problem = not_written(exc)
            log.info("write ledger %s: a write was not recorded, so not sent: %s", self.path, exc)
            raise LedgerNotWritten(ledger_refused(self.path, self.problem)) from exc

    def _reserve(
        self, operation: str, catalog: str, target_id: str, params: dict[str, Any], *, fresh: bool
    ) -> Reservation:
        digest = params_hash(params)
        body = json.dumps(
            {k: v for k, v in params.items() if k != "ClientToken"}, sort_keys=True, default=str
        )
        now = self._now()
        c = self._conn
        c.execute("BEGIN IMMEDIATE")  # two pcwatch processes sending the same request pick one token
        try:
            row = c.execute(
                f"SELECT {_COLUMNS} FROM write_requests WHERE operation = ? AND catalog = ?"
                " AND target_id = ? AND params_hash = ? ORDER BY seq DESC LIMIT 1",
                (operation, catalog, target_id, digest),
            ).fetchone()
            previous = self._with_unrecorded(self._row(row))
            if previous is not None and previous.state == SUCCEEDED and not fresh:
                c.execute("COMMIT")
                return Reservation(previous, reused=False, already_done=True)
            if previous is not None and previous.is_open:
                c.execute(
                    "UPDATE write_requests SET attempts = attempts + 1, last_attempt_at = ?, state = ?"
                    " WHERE client_token = ?",
                    (now, PENDING, previous.client_token),
                )
                token, reused = previous.client_token, True
            else:
                token, reused = str(uuid.uuid4()), False
                c.execute(
                    "INSERT INTO write_requests (client_token, operation, catalog, target_id, params_hash,"
                    " params, state, created_at, attempts, last_attempt_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
                    (token, operation, catalog, target_id, digest, body, PENDING, now, now),
                )
            c.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        entry = self.get(token)
        assert entry is not None
        self.problem = None
        return Reservation(entry, reused=reused, already_done=False)

    def _with_unrecorded(self, entry: WriteEntry | None) -> WriteEntry | None:
        """`entry` with the outcome kept in memory for it, if any."""
        kept = self._unrecorded.get(entry.client_token) if entry is not None else None
        if entry is None or kept is None:
            return entry
        return replace(
            entry,
            state=kept.state,
            outcome_at=kept.outcome_at,
            response=kept.response,
            error_type=kept.error_type,
            error_message=kept.error_message,
        )

    def _rollback(self) -> None:
        # A COMMIT that failed on a full disk has already rolled the transaction back.
        with contextlib.suppress(sqlite3.Error):
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")

    def _finish(self, client_token: str, state: str, **values: Any) -> bool:
        """Record an outcome; False if the file did not take it (kept in memory, written later)."""
        self._unrecorded.pop(client_token, None)  # (a newer outcome of the same token replaces it)
        self._unrecorded[client_token] = _Outcome(state, self._now(), **values)
        self.write_unrecorded()
        return client_token not in self._unrecorded

    def write_unrecorded(self) -> bool:
        """Write the outcomes kept in memory to the file, oldest first; True once none is left."""
        while self._unrecorded:
            token, outcome = next(iter(self._unrecorded.items()))
            try:
                self._conn.execute(
                    "UPDATE write_requests SET state = ?, outcome_at = ?, response = ?, error_type = ?,"
                    " error_message = ? WHERE client_token = ?",
                    (
                        outcome.state,
                        outcome.outcome_at,
                        outcome.response,
                        outcome.error_type,
                        outcome.error_message,
                        token,
                    ),
                )
            except sqlite3.Error as exc:
                if self.problem is None:
                    log.info(
                        "write ledger %s: an answer was not recorded (kept in memory): %s", self.path, exc
                    )
                self.problem = not_written(exc)
                return False
            del self._unrecorded[token]
            self.problem = None
        return True

    @property
    def unrecorded(self) -> int:
        """How many outcomes are kept in memory, not yet on file."""
        return len(self._unrecorded)

    def record_success(self, client_token: str, response_json: bytes | str) -> bool:
        """The service's answer; False if only kept in memory for now (`problem` says why)."""
        text = response_json.decode() if isinstance(response_json, bytes) else response_json
        return self._finish(client_token, SUCCEEDED, response=text)

    def record_failure(self, client_token: str, error_type: str, message: str, *, definitive: bool) -> bool:
        """A refusal (`definitive`: nothing was done) or an attempt whose effect is unknown; False if only
        kept in memory for now."""
        state = FAILED if definitive else UNKNOWN
        return self._finish(client_token, state, error_type=error_type, error_message=message)

    def close(self) -> None:
        if not self.write_unrecorded():  # (the user was told when the answer came: see `answer_not_recorded`)
            log.info(
                "write ledger %s: %d answer(s) not recorded (%s); their entries stay open, so a repeat"
                " resends the same ClientToken",
                self.path,
                len(self._unrecorded),
                self.problem,
            )
        self._conn.close()
        if self._temporary:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    os.unlink(f"{self.path}{suffix}")

    def __enter__(self) -> WriteLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

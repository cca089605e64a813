"""The journal's `outbox` table (journal schema v5, tui/engine/journal_schema.py): the SQL of writing entries (in
`Journal.write`'s transaction), reading the pending ones in order, settling what a send did, and the
summary `pcwatch notify status` and the header say. Functions of a connection: the journal's own, or a
read-only one (`pcwatch notify status`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

import msgspec

from .outbox import OutboxEntry

#: Sent and dropped rows are kept this long (seconds) for the status, then deleted: far longer than any
#: `--notify-max-age`, so an outcome written again meanwhile is still one row.
KEEP_SETTLED = 7 * 24 * 3600.0


class OutboxSummary(msgspec.Struct, frozen=True):
    """How publishing is going, from the table: what `pcwatch notify status` prints."""

    backlog: int = 0
    sent: int = 0
    dropped: int = 0
    #: The last event sent: when (epoch seconds), its detail-type and what it was about.
    last_sent_at: float | None = None
    last_detail_type: str | None = None
    last_subject: str | None = None
    #: The newest error of an entry still pending (None: the last send went through).
    last_error: str | None = None
    #: When the oldest pending entry was observed (epoch seconds).
    oldest_pending_at: float | None = None


def insert(conn: sqlite3.Connection, entries: Iterable[OutboxEntry]) -> None:
    """New entries, in order; one already there (the same id) stays as it is."""
    conn.executemany(
        "INSERT OR IGNORE INTO outbox (id, detail_type, subject_id, created_at, body) VALUES (?, ?, ?, ?, ?)",
        [(e.id, e.detail_type, e.subject_id, e.created_at, e.body) for e in entries],
    )


def pending(conn: sqlite3.Connection, limit: int) -> list[OutboxEntry]:
    """The oldest `limit` entries not sent yet, in the order written."""
    rows = conn.execute(
        "SELECT id, detail_type, subject_id, created_at, body FROM outbox WHERE state = 'pending'"
        " ORDER BY seq LIMIT ?",
        (limit,),
    ).fetchall()
    return [OutboxEntry(i, t, s, c, bytes(b)) for i, t, s, c, b in rows]


def settle(
    conn: sqlite3.Connection,
    *,
    sent: Iterable[str] = (),
    dropped: Mapping[str, str] | None = None,
    failed: Mapping[str, str] | None = None,
    at: float,
) -> None:
    """One transaction: entries the service accepted, those dropped (too old, and why), and those that
    failed this time (their error; they stay pending)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(
            "UPDATE outbox SET state = 'sent', done_at = ?, error = NULL, attempts = attempts + 1 WHERE id = ?",
            [(at, i) for i in sent],
        )
        conn.executemany(
            "UPDATE outbox SET state = 'dropped', done_at = ?, error = ? WHERE id = ?",
            [(at, why, i) for i, why in (dropped or {}).items()],
        )
        conn.executemany(
            "UPDATE outbox SET error = ?, attempts = attempts + 1 WHERE id = ? AND state = 'pending'",
            [(why, i) for i, why in (failed or {}).items()],
        )
        conn.execute("DELETE FROM outbox WHERE state != 'pending' AND done_at < ?", (at - KEEP_SETTLED,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def summary(conn: sqlite3.Connection) -> OutboxSummary:
    counts = dict(conn.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
    last = conn.execute(
        "SELECT done_at, detail_type, subject_id FROM outbox WHERE state = 'sent' ORDER BY done_at DESC, seq DESC"
        " LIMIT 1"
    ).fetchone()
    error = conn.execute(
        "SELECT error FROM outbox WHERE state = 'pending' AND error IS NOT NULL ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    oldest = conn.execute("SELECT min(created_at) FROM outbox WHERE state = 'pending'").fetchone()
    return OutboxSummary(
        backlog=int(counts.get("pending", 0)),
        sent=int(counts.get("sent", 0)),
        dropped=int(counts.get("dropped", 0)),
        last_sent_at=last[0] if last else None,
        last_detail_type=last[1] if last else None,
        last_subject=last[2] if last else None,
        last_error=error[0] if error else None,
        oldest_pending_at=oldest[0] if oldest else None,
    )

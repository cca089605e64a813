"""The record of calls spent against the daily allowance: a rolling 24 hours, in one-minute slots.

Every pcwatch on the machine that watches the same endpoint, account and catalog (dashboards, CLI runs,
the notebook, the next leader) spends from one allowance: the calls are recorded in the journal's `calls`
table (`JournalCallLedger`), and `try_spend` checks and records in one SQLite write transaction
(`BEGIN IMMEDIATE`), the arbiter between processes: two of them never both spend the last calls. Without a
journal (`--no-journal`, `--demo`) the record is this process's alone (`MemoryCallLedger`).

A slot counts until a full day after it *ends* (a call made at 10:00:59 is counted until 10:01:00 the
next day), so the calls of any 24 hours never exceed the limit, at the cost of at most a minute's delay in
getting them back.

Times are epoch seconds of the wall clock (processes share no monotonic clock), carried across its steps
(`tui.core.clock.steady_wall`, what `RequestBudget` gives): a step forward ages the calls recorded by no
more than the time that really passed, so it is no second allowance. A call stamped later than now (by a
pcwatch that started on a clock ahead, then set back) was made no later than now: it counts as made now
(`_counted`) and is moved to now at the next spend (`_bring_back`), so it leaves the window a day from now,
never later: a step back locks nothing out for longer than the step.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Callable, Iterable
from typing import Protocol

DAY = 86_400.0
HOUR = 3_600.0
#: Seconds per slot.
SLOT = 60.0


def first_slot(now: float, window: float = DAY) -> int:
    """The oldest slot still counted at `now` for a window of `window` seconds."""
    return math.floor((now - window) / SLOT)


def slot_of(now: float) -> int:
    return math.floor(now / SLOT)


def returns_at(slot: int) -> float:
    """When a slot's calls leave the 24-hour window."""
    return (slot + 1) * SLOT + DAY


def free_at(slots: Iterable[tuple[int, int]], used: int, n: int, limit: int, now: float) -> float:
    """When `n` more calls fit under `limit`, given the counted `slots` (oldest first) totalling `used`:
    `now` if they fit already, else when enough of the oldest have left the window (inf if `n` > limit)."""
    if used + n <= limit:
        return now
    if n > limit:
        return math.inf
    freed = 0
    for slot, calls in slots:
        freed += calls
        if used - freed + n <= limit:
            return returns_at(slot)
    return math.inf  # (cannot happen: freeing every slot leaves 0 used)


class CallLedger(Protocol):
    """Calls spent over the rolling 24 hours. Every method takes the time (epoch seconds)."""

    def try_spend(self, n: int, limit: int, now: float) -> bool:
        """Record `n` calls now if the window then holds at most `limit`; False (nothing recorded) if not."""
        ...

    def charge(self, n: int, now: float) -> None:
        """Record `n` calls now whatever the limit (negative: give back part of a reservation)."""
        ...

    def used(self, now: float, window: float = DAY) -> int:
        """Calls counted over the last `window` seconds."""
        ...

    def free_at(self, n: int, limit: int, now: float) -> float:
        """When `n` more calls fit under `limit` (now if they do)."""
        ...

    def close(self) -> None: ...


def as_of(slots: Iterable[tuple[int, int]], now: float) -> list[tuple[int, int]]:
    """`slots` (oldest first) with those later than `now`'s counted in `now`'s slot (see the module)."""
    current = slot_of(now)
    out: list[tuple[int, int]] = []
    for slot, calls in slots:
        slot = min(slot, current)
        if out and out[-1][0] == slot:
            out[-1] = (slot, out[-1][1] + calls)
        else:
            out.append((slot, calls))
    return out


class _SlotReads:
    """`used` and `free_at`, the same over either ledger's slots (`_counted`, under `_lock`)."""

    _lock: threading.Lock

    def _counted(self, now: float, window: float = DAY) -> list[tuple[int, int]]:
        raise NotImplementedError

    def used(self, now: float, window: float = DAY) -> int:
        with self._lock:
            return sum(c for _, c in self._counted(now, window))

    def free_at(self, n: int, limit: int, now: float) -> float:
        with self._lock:
            slots = self._counted(now)
            return free_at(slots, sum(c for _, c in slots), n, limit, now)


class MemoryCallLedger(_SlotReads):
    """The ledger of one process (no journal): slot -> calls."""

    def __init__(self) -> None:
        self._slots: dict[int, int] = {}
        self._lock = threading.Lock()

    def _trim(self, now: float) -> None:
        oldest = first_slot(now)
        for slot in [s for s in self._slots if s < oldest]:
            del self._slots[slot]

    def _counted(self, now: float, window: float = DAY) -> list[tuple[int, int]]:
        oldest = first_slot(now, window)
        return as_of(sorted((s, c) for s, c in self._slots.items() if s >= oldest), now)

    def _bring_back(self, now: float) -> None:
        current = slot_of(now)
        for slot in [s for s in self._slots if s > current]:
            self._slots[current] = self._slots.get(current, 0) + self._slots.pop(slot)

    def try_spend(self, n: int, limit: int, now: float) -> bool:
        with self._lock:
            self._bring_back(now)
            self._trim(now)
            if sum(self._slots.values()) + n > limit:
                return False
            self._add(n, now)
            return True

    def charge(self, n: int, now: float) -> None:
        with self._lock:
            self._bring_back(now)
            self._add(n, now)

    def _add(self, n: int, now: float) -> None:
        slot = slot_of(now)
        self._slots[slot] = max(0, self._slots.get(slot, 0) + n)

    def close(self) -> None:
        pass


class JournalCallLedger(_SlotReads):
    """The ledger in a journal's `calls` table (see `journal_schema`), shared by every process that opens
    the same journal. `connection` gives the journal's current connection (autocommit mode; the ledger
    opens its own transactions; a journal moved aside reconnects). `fence` (the journal's, while this
    process leads) starts each spending transaction: a deposed leader reserves nothing, so sends nothing."""

    def __init__(
        self,
        connection: Callable[[], sqlite3.Connection],
        fence: Callable[[sqlite3.Connection], None] | None = None,
        *,
        unwritable: Callable[[sqlite3.Error], Exception] | None = None,
    ) -> None:
        self._connection = connection
        self._fence = fence
        self._lock = threading.Lock()
        #: What a failed write raises instead (a command's: one line naming the file), if given.
        self._unwritable = unwritable

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._connection()

    def try_spend(self, n: int, limit: int, now: float) -> bool:
        c = self._conn
        with self._lock:
            c.execute("BEGIN IMMEDIATE")  # the arbiter: one spender at a time, across processes
            try:
                if self._fence is not None:
                    self._fence(c)
                self._bring_back(now)
                (used,) = c.execute(
                    "SELECT coalesce(sum(calls), 0) FROM calls WHERE slot >= ?", (first_slot(now),)
                ).fetchone()
                if used + n > limit:
                    c.execute("ROLLBACK")
                    return False
                self._add(n, now)
                c.execute("COMMIT")
                return True
            except BaseException as exc:
                if c.in_transaction:
                    c.execute("ROLLBACK")
                self._raise_unwritable(exc)
                raise

    def charge(self, n: int, now: float) -> None:
        c = self._conn
        with self._lock:
            c.execute("BEGIN IMMEDIATE")
            try:
                self._bring_back(now)
                self._add(n, now)
                c.execute("COMMIT")
            except BaseException as exc:
                if c.in_transaction:  # (SQLite rolls back itself after some errors: a full disk's)
                    c.execute("ROLLBACK")
                self._raise_unwritable(exc)
                raise

    def _raise_unwritable(self, exc: BaseException) -> None:
        if self._unwritable is not None and isinstance(exc, sqlite3.Error):
            raise self._unwritable(exc) from exc

    def _add(self, n: int, now: float) -> None:
        slot = slot_of(now)
        self._conn.execute(
            "INSERT INTO calls (slot, calls) VALUES (?, max(0, ?))"
            " ON CONFLICT (slot) DO UPDATE SET calls = max(0, calls + ?)",
            (slot, n, n),
        )
        if n > 0 and slot % 60 == 0:  # about once an hour: forget slots no window counts any more
            self._conn.execute("DELETE FROM calls WHERE slot < ?", (first_slot(now),))

    def _bring_back(self, now: float) -> None:
        """Move the calls stamped later than now into now's slot (in the caller's transaction)."""
        current = slot_of(now)
        c = self._conn
        (later,) = c.execute(
            "SELECT coalesce(sum(calls), 0) FROM calls WHERE slot > ?", (current,)
        ).fetchone()
        if later:
            c.execute("DELETE FROM calls WHERE slot > ?", (current,))
            self._add(int(later), now)

    def _counted(self, now: float, window: float = DAY) -> list[tuple[int, int]]:
        rows = self._conn.execute(
            "SELECT slot, calls FROM calls WHERE slot >= ? ORDER BY slot", (first_slot(now, window),)
        ).fetchall()
        return as_of([(int(s), int(c)) for s, c in rows], now)

    def close(self) -> None:
        pass  # the journal owns the connection


class FallbackCallLedger(JournalCallLedger):
    """The journal's ledger for a poller, which a journal that takes no writes (a full disk, an I/O
    error) must never stop: its calls are then counted in memory, read together with the journal's
    (every process's) slots, and written to the journal, each in the slot it was spent in, as soon as it
    takes a write again. `on_failure` and `on_written` say when a write fails and succeeds."""

    def __init__(
        self,
        connection: Callable[[], sqlite3.Connection],
        fence: Callable[[sqlite3.Connection], None] | None = None,
        *,
        on_failure: Callable[[sqlite3.Error], None],
        on_written: Callable[[], None],
    ) -> None:
        super().__init__(connection, fence)
        self._on_failure = on_failure
        self._on_written = on_written
        #: Slot -> calls counted here and not yet in the journal (negative: a reservation given back).
        self._unwritten: dict[int, int] = {}

    def try_spend(self, n: int, limit: int, now: float) -> bool:
        if self._write_unwritten():
            try:
                spent = super().try_spend(n, limit, now)
            except sqlite3.Error as exc:
                self._on_failure(exc)
            else:
                self._on_written()
                return spent
        with self._lock:
            if sum(c for _, c in self._counted(now)) + n > limit:
                return False
            self._keep(n, now)
            return True

    def charge(self, n: int, now: float) -> None:
        if self._write_unwritten():
            try:
                super().charge(n, now)
            except sqlite3.Error as exc:
                self._on_failure(exc)
            else:
                self._on_written()
                return
        with self._lock:
            self._keep(n, now)

    def _keep(self, n: int, now: float) -> None:
        slot = slot_of(now)
        self._unwritten[slot] = self._unwritten.get(slot, 0) + n
        oldest = first_slot(now)
        for old in [s for s in self._unwritten if s < oldest]:  # (no window counts it any more)
            del self._unwritten[old]

    def _write_unwritten(self) -> bool:
        """Write the calls counted in memory to the journal; True once none is left."""
        with self._lock:
            waiting = sorted(self._unwritten.items())
        for slot, calls in waiting:
            try:
                super().charge(calls, slot * SLOT)
            except sqlite3.Error as exc:
                self._on_failure(exc)
                return False
            with self._lock:  # (calls counted meanwhile stay)
                left = self._unwritten.get(slot, 0) - calls
                if left:
                    self._unwritten[slot] = left
                else:
                    self._unwritten.pop(slot, None)
        return True

    def _counted(self, now: float, window: float = DAY) -> list[tuple[int, int]]:
        try:
            slots = dict(super()._counted(now, window))
        except sqlite3.Error:  # (not even readable: what this process counted is what it knows)
            slots = {}
        oldest = first_slot(now, window)
        for slot, calls in self._unwritten.items():
            if slot >= oldest:
                slots[slot] = max(0, slots.get(slot, 0) + calls)
        return sorted(slots.items())

"""The lock and the lease that elect the polling viewer of a journal (see `tui.engine.sharing`).

The **lease** decides who leads: a meta row of the journal (`viewer:lease`, a `Lease`) naming the
holder of the current **epoch**. A viewer leads from the write transaction that took the next epoch
(`LeaderLease.claim`, in `BEGIN IMMEDIATE`: of several followers claiming at once exactly one wins)
until a later epoch is written; every write transaction the leader makes (the journal's, and each call's
reservation in its call ledger) starts by checking that the epoch is still its own (the journal's
`fence`), so a leader deposed while it was stopped writes nothing and sends nothing once it runs again.

The **lock** says fast that a leader has ended: an `flock` on `<journal>.lock`, which the operating
system drops when its holder ends however it ends (kill -9 included). A leader takes it as soon as it can
and says so in its lease (`locked`); a follower that gets the lock while the lease says its holder had
it knows the holder has ended and claims at once (a follower tries every second). A leader that ends
cleanly marks its lease `released`. A stopped leader keeps its lock, so the lock cannot depose it: a
follower that has heard nothing from the lead for `takeover_after` seconds (the lease and the leader's
report unchanged, by its own monotonic clock: `LeaderSilence`) claims the next epoch without the lock,
and takes the lock when the deposed one lets it go. A follower that gets the lock while a live holder
leads without it lets it go at once (the holder takes it at its next look).

The lock file says who took it (pid, host, since when) for people looking, and `holder()` reads that
back; a holder that is alive but has lost its terminal ends itself (`tui.core.lifeline`)."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import msgspec

from tui.core.private_files import PathRefused, open_owned, open_private

from .journal import Deposed, Journal, MetaReader
from .status import LEADER_KEY

try:
    import fcntl

    HAVE_FLOCK = True
except ImportError:  # pragma: no cover - not POSIX: every viewer polls alone
    HAVE_FLOCK = False


class JournalLock:
    """The leader's lock: `flock(LOCK_EX | LOCK_NB)` on `<journal>.lock`, held while the file stays open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        if not HAVE_FLOCK:
            return True
        fd = open_private(self.path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        with contextlib.suppress(OSError):  # who leads, for people looking at the file
            os.ftruncate(fd, 0)
            since = datetime.now(timezone.utc).isoformat(timespec="seconds")
            os.write(fd, f"{os.getpid()} {socket.gethostname()} {since}\n".encode())
        self._fd = fd
        return True

    def holder(self) -> str | None:
        """ "PID HOST SINCE" of the viewer that took the lock last (it may have ended since)."""
        try:
            fd = open_owned(self.path, tighten=False)  # (read only through a checked descriptor)
        except (OSError, PathRefused):
            return None
        with os.fdopen(fd, encoding="utf-8", errors="replace") as fh:
            text = fh.read(4096).strip()
        return text or None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


#: The journal's meta row naming the holder of the current epoch (a `Lease`).
LEASE_KEY = "viewer:lease"


class Lease(msgspec.Struct, frozen=True, kw_only=True):
    """Who leads a journal: the holder of the current epoch (each claim takes the next)."""

    epoch: int
    pid: int = 0
    host: str = ""
    #: The holder held the lock when it wrote this: a follower that gets the lock knows it has ended.
    locked: bool = False
    #: The holder has ended cleanly: the next viewer to look leads.
    released: bool = False


_lease_decoder = msgspec.json.Decoder(Lease)


def read_lease(text: str | None) -> Lease | None:
    """The lease a meta row holds; None without one (or one no pcwatch wrote). Never raises."""
    if not text:
        return None
    try:
        return _lease_decoder.decode(text)
    except msgspec.DecodeError:
        return None


def _lease_text(lease: Lease) -> str:
    return msgspec.json.encode(lease).decode()


class LeaderSilence:
    """How long the lead has said nothing new, by this viewer's monotonic clock: since the lease and the
    leader's report (its heartbeat) last changed. Wall clocks are never compared: a leader's clock stepped
    by NTP or a VM resume says nothing of its liveness."""

    def __init__(self) -> None:
        self.heard: tuple[str | None, str | None] | None = None
        self._since = 0.0

    def hear(self, heartbeat: tuple[str | None, str | None], now: float) -> float:
        """Seconds since `heartbeat` (lease, report) was first seen as it is now."""
        if heartbeat != self.heard:
            self.heard, self._since = heartbeat, now
        return now - self._since

    def silent_for(self, now: float) -> float:
        """Seconds since what was last heard first came (0 before anything is heard)."""
        return 0.0 if self.heard is None else now - self._since


class LeaderLease:
    """This viewer's side of the election: claim the lead, keep it, check it, give it up."""

    def __init__(self, journal: Journal, lock: JournalLock, on_lost: Callable[[], None]) -> None:
        self.journal = journal
        self.lock = lock
        #: The lease this viewer holds (None: it does not lead).
        self.held: Lease | None = None
        #: Told when a write finds the lead taken (from the writing thread), before it is refused.
        self._on_lost = on_lost

    def claim(self, silent: tuple[str | None, str | None] | None = None) -> bool:
        """Take the next epoch if the lead is free: no lease, a released one, or (this viewer got the
        lock) one whose holder had the lock; or, with `silent` (the lease and report this viewer has seen
        unchanged for the takeover time), if they are still exactly that. True if this viewer leads."""
        locked = self.lock.try_acquire() and HAVE_FLOCK
        claimed: Lease | None = None

        def decide(read: MetaReader) -> dict[str, str] | None:
            nonlocal claimed
            text = read(LEASE_KEY)
            current = read_lease(text)
            free = current is None or current.released or (locked and current.locked)
            if not free and (silent is None or (text, read(LEADER_KEY)) != silent):
                return None
            claimed = Lease(
                epoch=(current.epoch if current is not None else 0) + 1,
                pid=os.getpid(),
                host=socket.gethostname(),
                locked=locked,
            )
            return {LEASE_KEY: _lease_text(claimed)}

        try:
            won = self.journal.update_meta(decide)
        finally:
            if claimed is None and locked:
                self.lock.release()  # (a live holder leads without it: it takes it at its next look)
        if won:
            self.held = claimed
            self.journal.fence = self._fence
        return won

    def _fence(self, read: MetaReader) -> None:
        """The journal's fence while this viewer leads: raises `Deposed` once the epoch is not its own."""
        if not self._is_mine(read(LEASE_KEY)):
            self._on_lost()
            raise Deposed(f"another viewer leads now ({self.leader_now(read(LEASE_KEY))})")

    def _is_mine(self, text: str | None) -> bool:
        current, held = read_lease(text), self.held
        return (
            held is not None and current is not None and current.epoch == held.epoch and not current.released
        )

    @staticmethod
    def leader_now(text: str | None) -> str:
        """`pid 4242 on jump-1`, of the lease in `text`."""
        current = read_lease(text)
        if current is None or current.released:
            return "none"
        return f"pid {current.pid} on {current.host}"

    def still_held(self) -> bool:
        """Read now: whether the current epoch is still this viewer's."""
        return self._is_mine(self.journal.read_meta(LEASE_KEY))

    def take_lock(self) -> None:
        """A leader without the lock (it took over from a stopped one) takes it once it is free, and says
        so in its lease: from then on its end is seen at once."""
        held = self.held
        if held is None or held.locked or not HAVE_FLOCK or not self.lock.try_acquire():
            return
        locked = msgspec.structs.replace(held, locked=True)

        def decide(read: MetaReader) -> dict[str, str] | None:
            return {LEASE_KEY: _lease_text(locked)} if self._is_mine(read(LEASE_KEY)) else None

        if self.journal.update_meta(decide):
            self.held = locked
        else:
            self.lock.release()

    def drop(self) -> None:
        """Deposed: stop fencing (this viewer writes as a follower now) and let the lock go."""
        self.held = None
        self.journal.fence = None
        self.lock.release()

    def release(self) -> None:
        """Give the lead up (this viewer ends, or cannot poll): the lease says so if it is still this
        viewer's, then the lock goes; the next follower to look leads."""
        held = self.held
        if held is not None:
            released = msgspec.structs.replace(held, released=True)

            def decide(read: MetaReader) -> dict[str, str] | None:
                return {LEASE_KEY: _lease_text(released)} if self._is_mine(read(LEASE_KEY)) else None

            with contextlib.suppress(Exception):  # (the lock still goes: a follower then claims)
                self.journal.update_meta(decide)
        self.drop()

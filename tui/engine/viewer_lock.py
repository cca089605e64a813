"""The lock that elects the polling viewer of a journal (see `tui.engine.sharing`).

Liveness is the kernel's, not assumed from the file: the lock is an `flock`, which the operating system
drops when its holder ends however it ends (kill -9 included), so a follower's next try (every second)
takes it; a holder that is alive but has lost its terminal ends itself (`tui.core.lifeline`). The file
says who holds it (pid, host, since when) for people looking, and `holder()` reads that back."""

from __future__ import annotations

import contextlib
import os
import socket
from datetime import datetime, timezone
from pathlib import Path

from tui.core.private_files import PathRefused, open_owned, open_private

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

"""The lock that elects the polling viewer of a journal (see `tui.engine.sharing`)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from tui.core.private_files import open_private

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
            os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

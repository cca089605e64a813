"""pcwatch's SQLite files (the journal, the write ledger): telling a file pcwatch may not open or write
from a corrupt one. Only corruption may move a journal aside; a permission or read-only problem is said
as what it is, with the fix, and the file is left exactly as it was."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from .private_files import PathRefused

#: SQLite's primary result codes (sqlite3.h; not all are exported by the stdlib module on every version).
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
#: SQLITE_IOERR_SHMSIZE: the -shm file could not be grown (a full file system, as SQLite meets it when it
#: opens a journal whose -wal and -shm it must make anew).
SQLITE_IOERR_SHMSIZE = SQLITE_IOERR | (19 << 8)
SQLITE_NOTADB = 26
#: A file that is not (or no longer) a sound database.
_CORRUPTION_CODES = frozenset({SQLITE_CORRUPT, SQLITE_NOTADB})


class StateFileUnavailable(PathRefused):
    """A journal or ledger pcwatch may not open or write; the message names the file and the fix
    (exit 2 for the commands; the dashboard offers to go on without it)."""


class StateFileUnwritable(StateFileUnavailable):
    """A journal or ledger that takes no writes now (a full disk, an I/O error), not for want of
    permission: a headless command says so in one line naming the file and exits 3 (`tui.__main__`);
    the dashboard goes on from memory and says it in the header (or, at its start, offers to go on
    without the file, as for any unavailable one)."""


def is_corruption(exc: BaseException) -> bool:
    """True for "file is not a database" and "database disk image is malformed" (SQLITE_NOTADB,
    SQLITE_CORRUPT and their extended codes); False for permissions, read-only files, I/O errors, locks."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _CORRUPTION_CODES
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        if exc.errno in (errno.EACCES, errno.EPERM):
            return f"no permission ({exc.strerror})"
        if exc.errno == errno.EROFS:
            return "it is on a read-only file system"
        return exc.strerror or str(exc)
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    if code == SQLITE_READONLY:
        return "it is read-only: no permission to write it or its directory"
    if code == SQLITE_CANTOPEN:
        return "no permission to open it, or to create its -wal and -shm files beside it"
    return str(exc)


def not_written(exc: BaseException) -> str:
    """Why SQLite did not write to a file it had open, in a few words for a line that names the file
    ("the disk is full", "it is read-only"…): `write_failure_reason` as a phrase."""
    reason = write_failure_reason(exc)
    return _AS_PHRASE.get(reason, reason) or type(exc).__name__


def unavailable(path: Path, exc: BaseException, what: str, *, fix: str) -> StateFileUnavailable:
    """The error for `what` ("journal", "write ledger") at `path` that failed with `exc`: the file, the
    reason, that nothing was changed, and what to do (`fix`: the command-line way around it)."""
    directory = path.parent
    if isinstance(exc, PathRefused):  # another user's file, a link, a read-only one: said as it is
        return StateFileUnavailable(
            f"the {what} {path} cannot be opened for writing: {exc}; pcwatch left it as it is (or {fix})",
            path,
        )
    if is_corruption(exc):
        return StateFileUnavailable(
            f"the {what} {path} cannot be read ({exc}); pcwatch left it as it is: keep it, and {fix}", path
        )
    if write_failure_reason(exc) in _NO_ROOM:
        return unwritable(path, exc, what, fix=fix)
    message = (
        f"the {what} {path} cannot be opened for writing: {_why(exc)}; pcwatch left it as it is. "
        f"Give yourself read and write access (chmod u+rw {path}; chmod u+rwx {directory}), or {fix}"
    )
    return StateFileUnavailable(message, path)


#: Failures that are the file system's state, not a permission: no chmod fixes them.
_NO_ROOM = frozenset({"disk full", "I/O error"})


#: `write_failure_reason`'s few words as a phrase after "cannot record this write (…)".
_AS_PHRASE = {
    "disk full": "the disk is full",
    "read-only": "it is read-only",
    "locked": "another pcwatch kept it locked",
    "I/O error": "an I/O error",
}


def write_failure_reason(exc: BaseException) -> str:
    """Why a write to a SQLite file failed, in a few words (`disk full`, `read-only`, `I/O error`,
    `locked`), for the header's `journal not written: <reason>`; else the error's own text."""
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return "disk full"
        if exc.errno == errno.EROFS:
            return "read-only"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return "no permission"
        return exc.strerror or str(exc)
    extended = getattr(exc, "sqlite_errorcode", 0) or 0
    code = extended & 0xFF
    text = str(exc).lower()
    if code == SQLITE_FULL or extended == SQLITE_IOERR_SHMSIZE or "disk is full" in text:
        return "disk full"
    if code == SQLITE_READONLY or "readonly" in text or "read-only" in text:
        return "read-only"
    if code == SQLITE_IOERR or "disk i/o error" in text:
        return "I/O error"
    if code in (SQLITE_BUSY, SQLITE_LOCKED) or "locked" in text:
        return "locked"
    if is_corruption(exc):
        return "corrupt"
    return str(exc)


def unwritable(path: Path, exc: BaseException, what: str, *, fix: str) -> StateFileUnwritable:
    """The error for `what` ("journal", "write ledger") at `path` that opened but failed to take a write
    with `exc`: the file, the reason, and what to do."""
    reason = write_failure_reason(exc)
    room = "free space on its file system, or " if reason == "disk full" else ""
    return StateFileUnwritable(f"the {what} {path} cannot be written ({reason}): {room}{fix}", path)

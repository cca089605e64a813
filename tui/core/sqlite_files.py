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
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26
#: A file that is not (or no longer) a sound database.
_CORRUPTION_CODES = frozenset({SQLITE_CORRUPT, SQLITE_NOTADB})


class StateFileUnavailable(PathRefused):
    """A journal or ledger pcwatch may not open or write; the message names the file and the fix
    (exit 2 for the commands; the dashboard offers to go on without it)."""


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
    """Why SQLite did not write to a file it had open, in a few words for a line that names the file:
    "the disk is full", "it is read-only"…; else SQLite's own words."""
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    if code == SQLITE_FULL or (isinstance(exc, OSError) and exc.errno == errno.ENOSPC):
        return "the disk is full"
    if code == SQLITE_READONLY or (isinstance(exc, OSError) and exc.errno == errno.EROFS):
        return "it is read-only"
    if code == SQLITE_BUSY:
        return "another pcwatch kept it locked"
    if code == SQLITE_IOERR:
        return f"an I/O error ({exc})"
    return str(exc) or type(exc).__name__


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
    message = (
        f"the {what} {path} cannot be opened for writing: {_why(exc)}; pcwatch left it as it is. "
        f"Give yourself read and write access (chmod u+rw {path}; chmod u+rwx {directory}), or {fix}"
    )
    return StateFileUnavailable(message, path)

"""Files only their owner can read: pcwatch runs on jump hosts shared by many people, and what it writes
(journals, their -wal/-shm, the write ledger, viewer locks, exports) says what a partner is doing.

Directories pcwatch creates are 0700 and files 0600, whatever the umask: the mode is set with
chmod/fchmod after creation, which the umask does not touch. SQLite gives a database's -wal and -shm
files the database file's own mode, so creating the database file 0600 first covers them; ones left by an
older pcwatch are tightened on open. Files are opened without following a symlink that another user
could have planted in a shared directory.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
#: The files SQLite keeps beside a database.
SQLITE_SIDECARS = ("-wal", "-shm", "-journal")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def private_directory(path: Path, *, tighten: bool = False) -> Path:
    """Create `path` and any missing parents as 0700. With `tighten`, an existing `path` (a directory
    that is pcwatch's own, like its state directory) is made 0700 as well; a directory the user chose
    is left as it is."""
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            os.mkdir(directory, DIR_MODE)
            os.chmod(directory, DIR_MODE)
    if tighten and not missing and stat.S_IMODE(path.stat().st_mode) != DIR_MODE:
        os.chmod(path, DIR_MODE)
    return path


def open_private(path: Path, flags: int = os.O_RDWR | os.O_CREAT) -> int:
    """`os.open` of `path` as a file only its owner can read and write (0600, set even if it existed),
    never through a symlink. Returns the descriptor."""
    fd = os.open(path, flags | _NOFOLLOW | _CLOEXEC, FILE_MODE)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def prepare_sqlite_file(path: Path) -> None:
    """Before `sqlite3.connect(path)`: the database file exists as 0600 (so SQLite makes its -wal and
    -shm 0600 too), and sidecars an older pcwatch left readable are tightened."""
    os.close(open_private(path))
    for suffix in SQLITE_SIDECARS:
        sidecar = Path(f"{path}{suffix}")
        with contextlib.suppress(FileNotFoundError):
            if stat.S_IMODE(sidecar.lstat().st_mode) != FILE_MODE and not sidecar.is_symlink():
                os.chmod(sidecar, FILE_MODE)


def state_directory() -> Path:
    """pcwatch's own directory under the user's state directory (`~/.local/state/pcwatch`)."""
    import platformdirs

    return Path(platformdirs.user_state_dir("pcwatch"))


def private_parent(path: Path) -> None:
    """Create the directory of a journal or ledger file 0700; one of pcwatch's own (under its state
    directory) is made 0700 even if it exists, a directory the user chose is left as it is."""
    parent = path.parent.absolute()
    state = state_directory().absolute()
    own = parent == state or state in parent.parents
    if own:
        private_directory(state, tighten=True)
    private_directory(parent, tighten=own)

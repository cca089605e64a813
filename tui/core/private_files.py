"""Files only their owner can read, and only files that are the user's own: pcwatch runs on jump hosts
shared by many people, and what it writes (journals, their -wal/-shm, the write ledger, viewer locks, the
log, exports) says what a partner is doing.

Every path pcwatch opens or creates goes through `open_owned`: it opens without following a symlink
(`O_NOFOLLOW`, `O_DIRECTORY` for a directory), then checks the *opened* descriptor (`fstat`: owned by the
effective user, a regular file or a directory as asked) and only then uses it, so nothing can be swapped
between the check and the use. A path another user owns is refused (`PathRefused`: one line naming the
path, its owner and the fix; exit 2) — for root too, who would otherwise adopt it and keep writing what
its owner then reads.

Modes are only ever tightened (`mode & 0o600` for a file, `& 0o700` for a directory of pcwatch's own),
whatever the umask: a file its owner made read-only stays read-only, and pcwatch says it cannot write it
rather than chmod-ing it writable (root's writes are not stopped by the kernel: the owner's bits are
checked here). Directories pcwatch creates are 0700 and files 0600.

SQLite's -wal and -shm are created here, checked, before SQLite opens the database (`prepare_sqlite_file`),
and checked again once it has (`check_sqlite_files`); see that function for why both.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
#: The files SQLite keeps beside a database.
SQLITE_SIDECARS = ("-wal", "-shm", "-journal")
#: The ones pcwatch creates before SQLite does (in WAL mode SQLite makes these two; a `-journal` is only
#: checked if one is there: a hot one planted by another user would be rolled back into the database).
_PRECREATED_SIDECARS = ("-wal", "-shm")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
#: A FIFO planted at the path must not block the open; cleared once the descriptor is a regular file.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_TRUNC
_REFUSED_ERRNOS = {
    errno.EACCES,
    errno.EPERM,
    errno.ELOOP,
    errno.ENOTDIR,
    errno.EISDIR,
    errno.EROFS,
    errno.ENXIO,
}


class PathRefused(Exception):
    """A path pcwatch will not use: another user's, a symlink, not the kind of file asked for, or one its
    owner made read-only. The message is one line naming the path, why, and the fix (exit 2)."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


def user_name(uid: int) -> str:
    """`alice (uid 1001)`, or `uid 1001` for a uid with no name."""
    try:
        import pwd

        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except (ImportError, KeyError):
        return f"uid {uid}"


def _euid() -> int | None:
    geteuid = getattr(os, "geteuid", None)
    return geteuid() if geteuid is not None else None


def _my_name() -> str:
    me = _euid()
    return "you" if me is None else user_name(me).split(" (", 1)[0]


def not_yours(path: Path, uid: int, what: str = "file") -> PathRefused:
    return PathRefused(
        f"{path}: this {what} belongs to {user_name(uid)}, not to you ({_my_name()}); "
        f"pcwatch uses only its own files, or another user could read or change what it writes. Remove it "
        f"(its owner or root: rm -r {path}) or choose another path",
        path,
    )


def _read_only(path: Path, mode: int, what: str) -> PathRefused:
    fix = "chmod u+rwx" if what == "directory" else "chmod u+rw"
    return PathRefused(
        f"{path}: no permission to write this {what}: its owner made it read-only (mode {mode:04o}), and "
        f"pcwatch will not change that; {fix} {path}, or choose another path",
        path,
    )


def _refused(path: Path, exc: OSError, what: str) -> PathRefused:
    """The one line for an open that failed with a permission-like error."""
    if exc.errno == errno.ELOOP:
        return PathRefused(
            f"{path}: is a symbolic link; pcwatch never follows one where another user could have planted "
            f"it: remove it, or give the real path",
            path,
        )
    if exc.errno in (errno.ENOTDIR, errno.EISDIR, errno.ENXIO):
        return PathRefused(f"{path}: is not a {what}; remove it or choose another path", path)
    if exc.errno == errno.EROFS:
        return PathRefused(f"{path}: is on a read-only file system; choose another path", path)
    with contextlib.suppress(OSError):
        owner = path.lstat().st_uid
        if owner != _euid():
            return not_yours(path, owner, what)
    return PathRefused(
        f"{path}: no permission to open this {what} ({exc.strerror}); give yourself access "
        f"(chmod u+rw {path}) or choose another path",
        path,
    )


def refusal_of(exc: PermissionError) -> PathRefused:
    """A permission error raised anywhere (a library opening a path itself) as the one line it deserves:
    the path, its owner if it is not the user, the fix."""
    name = exc.filename if isinstance(exc.filename, (str, os.PathLike)) else "a file"
    return _refused(Path(name), exc, "file")


def open_owned(
    path: Path,
    flags: int = os.O_RDONLY,
    *,
    directory: bool = False,
    writable: bool = False,
    tighten: bool = True,
    create_mode: int = FILE_MODE,
) -> int:
    """The one way pcwatch opens a path: without following a link, then the opened descriptor checked
    (owned by the effective user, a directory if `directory`, else a regular file) before anything else
    is done with it. `tighten`: take group and other bits away (`& 0o600`, `& 0o700`), never add any.
    A file opened for writing (or a `writable` directory, one pcwatch will create files in) whose owner
    took away their own write bit is refused. Returns the descriptor.

    Raises PathRefused (one line, exit 2) for another user's path, a link, the wrong type, a read-only one
    or a permission error; FileNotFoundError and FileExistsError (`O_EXCL`) as `os.open` does."""
    what = "directory" if directory else "file"
    flags |= _NOFOLLOW | _CLOEXEC | (_DIRECTORY if directory else _NONBLOCK)
    try:
        fd = os.open(path, flags, DIR_MODE if directory else create_mode)
    except OSError as exc:
        if exc.errno in _REFUSED_ERRNOS:
            raise _refused(Path(path), exc, what) from None
        raise
    try:
        info = os.fstat(fd)
        kind_ok = stat.S_ISDIR(info.st_mode) if directory else stat.S_ISREG(info.st_mode)
        if not kind_ok:
            raise PathRefused(f"{path}: is not a {what}; remove it or choose another path", Path(path))
        me = _euid()
        if me is not None and info.st_uid != me:
            raise not_yours(Path(path), info.st_uid, what)
        mode = stat.S_IMODE(info.st_mode)
        keep = DIR_MODE if directory else FILE_MODE
        if tighten and mode & ~keep:
            mode &= keep
            os.fchmod(fd, mode)
        wants_write = writable or bool(flags & _WRITE_FLAGS)
        needed = (stat.S_IWUSR | stat.S_IXUSR) if directory else stat.S_IWUSR
        if wants_write and mode & needed != needed:
            raise _read_only(Path(path), mode, what)
        if not directory and _NONBLOCK:
            import fcntl

            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~_NONBLOCK)
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_private(path: Path, flags: int = os.O_RDWR | os.O_CREAT) -> int:
    """`open_owned` of a file pcwatch writes: created 0600, an existing one of the user's tightened to
    0600 at most. Returns the descriptor."""
    return open_owned(path, flags)


def _check_directory(path: Path, *, tighten: bool) -> None:
    os.close(open_owned(path, directory=True, writable=True, tighten=tighten))


def private_directory(path: Path, *, tighten: bool = False) -> Path:
    """Create `path` and any missing parents as 0700, each checked as the user's own once made (another
    user may have made it first). With `tighten`, an existing `path` (a directory that is pcwatch's own,
    like its state directory) must be the user's and is tightened to 0700 at most; a directory the user
    chose is left as it is, unless it is theirs and they made it read-only, which is said."""
    missing = []
    probe = path
    while not os.path.lexists(probe):
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, DIR_MODE)
        except FileExistsError:  # another process made it meanwhile: checked below like ours
            pass
        except PermissionError as exc:
            raise _refused(directory.parent, exc, "directory") from None
        _check_directory(directory, tighten=True)
    if not missing:
        if tighten:
            _check_directory(path, tighten=True)
        else:
            _check_chosen_directory(path)
    return path


def _check_chosen_directory(path: Path) -> None:
    """A directory the user chose (it may be a link, or another user's shared one): only what the kernel
    would not say for root is said here, that its owner (the user) made it read-only."""
    try:
        info = path.stat()
    except OSError:
        return  # the open of the file in it says what is wrong
    if not stat.S_ISDIR(info.st_mode):
        raise PathRefused(f"{path}: is not a directory; choose another path", path)
    needed = stat.S_IWUSR | stat.S_IXUSR
    if info.st_uid == _euid() and info.st_mode & needed != needed:
        raise _read_only(path, stat.S_IMODE(info.st_mode), "directory")


def private_temp_directory(prefix: str) -> Path:
    """A new 0700 directory under the system's temporary directory (unique name, created exclusively),
    checked as every other."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    _check_directory(path, tighten=True)
    return path


def prepare_sqlite_file(path: Path) -> None:
    """Before `sqlite3.connect(path)`: the database file, its -wal and its -shm exist as the user's own
    0600 files (created here if missing, so SQLite opens them rather than creating them through whatever
    another user may plant meanwhile), and a -journal, if one is there, is the user's too."""
    sidecars = [Path(f"{path}{suffix}") for suffix in SQLITE_SIDECARS]
    for existing in [path, *sidecars]:  # first what is there: a refusal then creates nothing
        with contextlib.suppress(FileNotFoundError):
            os.close(open_private(existing, os.O_RDWR))
    os.close(open_private(path))
    for suffix in _PRECREATED_SIDECARS:
        os.close(open_private(Path(f"{path}{suffix}")))


def check_sqlite_files(path: Path) -> None:
    """After SQLite opened `path` in WAL mode: the files it uses are still the user's own, not links.

    Both this and `prepare_sqlite_file`: SQLite opens its side files by name (following links, adopting
    what is there), and deletes the -wal and -shm when the last connection closes, so in a directory
    other users can write one could be swapped between the check before the open and SQLite's own open.
    Creating them first means SQLite normally opens files pcwatch checked; looking again right after
    catches a swap in between (the caller then closes the connection without writing)."""
    for suffix in ("", *SQLITE_SIDECARS):
        sidecar = Path(f"{path}{suffix}")
        try:
            info = sidecar.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(info.st_mode):
            raise _refused(sidecar, OSError(errno.ELOOP, "link"), "file")
        if not stat.S_ISREG(info.st_mode):
            raise PathRefused(f"{sidecar}: is not a file; remove it or choose another path", sidecar)
        if info.st_uid != _euid():
            raise not_yours(sidecar, info.st_uid)


def state_directory() -> Path:
    """pcwatch's own directory under the user's state directory (`~/.local/state/pcwatch`)."""
    import platformdirs

    return Path(platformdirs.user_state_dir("pcwatch"))


def private_parent(path: Path) -> None:
    """Create the directory of a journal or ledger file 0700; one of pcwatch's own (under its state
    directory) must be the user's and is tightened to 0700 at most even if it exists, a directory the
    user chose is left as it is (see `private_directory`)."""
    parent = path.parent.absolute()
    state = state_directory().absolute()
    own = parent == state or state in parent.parents
    if own:
        private_directory(state, tighten=True)
        for directory in reversed([parent, *parent.parents]):
            if directory == state or state in directory.parents:
                private_directory(directory, tighten=True)
    else:
        private_directory(parent)

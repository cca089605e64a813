"""A full disk under the journal and under the log, injected at the file layer: a `Disk` the test fills
and frees, a SQLite connection class that fails the journal's writes while it is full (as SQLite does:
`database or disk is full`, SQLITE_FULL, at the commit that needs room), and a log stream that fails
with `OSError(ENOSPC)`. Nothing is monkeypatched: the journal is opened with the connection class
(`Journal(path, connection_class=...)`), the log handler given the stream."""

from __future__ import annotations

import errno
import io
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.core.logs import PrivateRotatingFile
from tui.core.sqlite_files import SQLITE_FULL
from tui.engine.journal import Journal


@dataclass
class Disk:
    """The file system's room: `full` fails every write that needs room; `writes_refused` counts them."""

    full: bool = False
    writes_refused: int = 0


def disk_full() -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError("database or disk is full")
    exc.sqlite_errorcode = SQLITE_FULL  # as SQLite's own carries it
    return exc


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def connection_on(disk: Disk) -> type[sqlite3.Connection]:
    """A connection class that fails, while `disk` is full, each commit of a transaction that wrote (the
    WAL must grow) and each checkpoint (the database must), as SQLite does; reads go on."""

    class OnDisk(sqlite3.Connection):
        wrote = False

        def _room(self, sql: str) -> None:
            words = sql.strip().upper()
            if words.startswith(_WRITES):
                self.wrote = True
            elif words.startswith(("COMMIT", "END", "ROLLBACK")) or "WAL_CHECKPOINT" in words:
                wrote, self.wrote = self.wrote, False
                if disk.full and not words.startswith("ROLLBACK") and (wrote or "WAL_CHECKPOINT" in words):
                    disk.writes_refused += 1
                    self.wrote = wrote  # (still in its transaction: the caller rolls it back)
                    raise disk_full()

        def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
            self._room(sql)
            return super().execute(sql, parameters)

        def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
            self._room(sql)
            return super().executemany(sql, parameters)

    return OnDisk


def journal_on(path: Path, disk: Disk) -> Journal:
    return Journal(path, connection_class=connection_on(disk))


class FullStream(io.StringIO):
    """A log file's stream on `disk`: every write fails with ENOSPC while it is full."""

    def __init__(self, disk: Disk) -> None:
        super().__init__()
        self.disk = disk

    def write(self, text: str) -> int:
        if self.disk.full:
            self.disk.writes_refused += 1
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(text)


class LogOnDisk(PrivateRotatingFile):
    """The log file's handler writing to a `FullStream` on `disk` (its file is made as usual)."""

    def __init__(self, path: Path, disk: Disk, **kwargs: Any) -> None:
        self.disk = disk
        super().__init__(path, **kwargs)

    def _open(self) -> Any:
        super()._open().close()
        return FullStream(self.disk)

"""Every file pcwatch writes is its owner's alone, whatever the umask: the journal and its -wal/-shm, the
write ledger, the viewer lock and exports are 0600, pcwatch's directories 0700. Checked by mode under
umask 022 and 000, and (when the tests run as root) by actually trying to read them as another user."""

from __future__ import annotations

import os
import random
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.dashboard import T0, make_task
from tui.core.settings import Settings
from tui.dashboard.screens.export import export_view
from tui.engine.journal import Journal, default_journal_path
from tui.engine.types import TaskRow
from tui.engine.viewer_lock import JournalLock
from tui.writes.ledger import WriteLedger, ledger_path

NOBODY = 65534


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture(params=[0o022, 0o000], ids=["umask022", "umask000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


@pytest.fixture
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory every local user can enter (like a team's project directory or /tmp)."""
    path = Path(tempfile.mkdtemp(prefix="pcwatch-shared-", dir="/tmp"))
    os.chmod(path, 0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _journal_with_a_task(path: Path) -> Journal:
    """A journal with one task written and the connection still open (so its -wal and -shm exist)."""
    journal = Journal(path)
    journal.load()
    journal.write(tasks=[TaskRow(make_task(0, random.Random(1)), T0.timestamp(), T0.timestamp())])
    return journal


def _sqlite_files(path: Path) -> list[Path]:
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    assert all(f.exists() for f in files), files  # WAL mode, connection open
    return files


def test_default_journal_ledger_and_lock_are_private(umask, state_home) -> None:
    settings = Settings(profile="partner")
    journal = _journal_with_a_task(default_journal_path(settings))
    lock = JournalLock(Path(f"{journal.path}.lock"))
    ledger = WriteLedger.for_settings(settings)
    no_journal_ledger = WriteLedger.for_settings(Settings(profile="partner", no_journal=True))
    try:
        assert lock.try_acquire()
        ledger.reserve("RejectEngagementInvitation", "Sandbox", "engi-1", {"Identifier": "engi-1"})
        for directory in (state_home / "pcwatch", journal.path.parent, no_journal_ledger.path.parent):
            assert mode(directory) == 0o700, directory
        files = [*_sqlite_files(journal.path), lock.path, *_sqlite_files(ledger.path)]
        files += _sqlite_files(no_journal_ledger.path)
        for path in files:
            assert mode(path) == 0o600, path
    finally:
        lock.release()
        ledger.close()
        no_journal_ledger.close()
        journal.close()


def test_files_an_older_pcwatch_left_readable_are_tightened(umask, state_home) -> None:
    path = default_journal_path(Settings())
    path.parent.mkdir(parents=True)
    os.chmod(state_home / "pcwatch", 0o755)
    os.chmod(path.parent, 0o755)
    _journal_with_a_task(path).close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").touch()
        os.chmod(f"{path}{suffix}", 0o644)
    journal = Journal(path)
    try:
        assert mode(state_home / "pcwatch") == 0o700 and mode(path.parent) == 0o700
        assert all(mode(f) == 0o600 for f in _sqlite_files(path))
    finally:
        journal.close()


def test_a_journal_in_a_directory_the_user_chose_is_private_and_the_directory_left_alone(
    umask, shared_dir
) -> None:
    journal = _journal_with_a_task(shared_dir / "new" / "team.sqlite3")
    try:
        assert mode(shared_dir) == 0o755  # the user's directory: not ours to change
        assert mode(shared_dir / "new") == 0o700  # created by pcwatch
        assert all(mode(f) == 0o600 for f in _sqlite_files(journal.path))
        # The write ledger beside it is as private.
        with WriteLedger.for_settings(Settings(journal_path=journal.path)) as ledger:
            ledger.reserve("RejectEngagementInvitation", "Sandbox", "engi-1", {"Identifier": "engi-1"})
            assert ledger.path == ledger_path(Settings(journal_path=journal.path))
            assert ledger.path.parent == journal.path.parent
            assert all(mode(f) == 0o600 for f in _sqlite_files(ledger.path))
    finally:
        journal.close()


def test_exports_are_private(umask, shared_dir) -> None:
    records = [make_task(i, random.Random(i)) for i in range(3)]
    for fmt in ("csv", "json"):
        path = shared_dir / "exports" / f"view.{fmt}"
        assert export_view(records, lambda _id: None, path, fmt) == 3
        assert mode(path) == 0o600 and mode(path.parent) == 0o700


def _readable_by_nobody(path: Path) -> bool:
    """Fork, become user `nobody`, try to open `path` for reading."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 2
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            os.close(os.open(path, os.O_RDONLY))
            code = 0
        except PermissionError:
            code = 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    assert code in (0, 1), f"the probe failed ({code})"
    return code == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another local user")
def test_another_local_user_cannot_read_the_journal_or_an_export(umask, shared_dir) -> None:
    control = shared_dir / "control.txt"
    control.write_text("readable")
    os.chmod(control, 0o644)
    assert _readable_by_nobody(control)  # the probe can read what others may read
    journal = _journal_with_a_task(shared_dir / "team.sqlite3")
    export = shared_dir / "view.csv"
    export_view([make_task(0, random.Random(0))], lambda _id: None, export, "csv")
    try:
        for path in [*_sqlite_files(journal.path), export]:
            assert not _readable_by_nobody(path), path
    finally:
        journal.close()

"""Journal errors said as what they are (issue 15, Build 3): a journal pcwatch may not open or write is
named with the fix and never moved or touched; only real corruption moves a journal aside, and never the
write ledger's pending tokens."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.full_disk import Disk, journal_on
from tests.support.unwritable import listing, unwritable
from tests.support.writes import cli_env, pcwatch_command
from tui.core.clock import MockClock
from tui.core.settings import Settings
from tui.core.sqlite_files import StateFileUnavailable, StateFileUnwritable
from tui.engine.journal import Journal
from tui.writes.ledger import PENDING, WriteLedger, ledger_beside

OP = "StartEngagementByAcceptingInvitationTask"
PARAMS = {"Catalog": "Sandbox", "ClientToken": "", "Identifier": "engi-0000000000001"}


def healthy_journal(path: Path) -> None:
    journal = Journal(path)
    journal.write(meta={"kept": "yes"})
    journal.close()


def test_a_journal_in_an_unwritable_directory_is_named_with_the_fix_and_never_moved(tmp_path: Path) -> None:
    directory = tmp_path / "journals"
    directory.mkdir()
    path = directory / "j.sqlite3"
    healthy_journal(path)
    before = listing(directory)
    with unwritable(directory), pytest.raises(StateFileUnavailable) as refused:
        Journal(path)
    message = str(refused.value)
    assert str(path) in message and "--no-journal" in message and "permission" in message.lower()
    assert "moved" not in message and "corrupt" not in message
    assert listing(directory) == before  # nothing renamed, nothing created, not a byte changed
    assert Journal(path).read_meta("kept") == "yes"


def test_a_read_only_journal_file_is_refused_not_silently_kept_unwritten(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    healthy_journal(path)
    before = listing(tmp_path)
    with unwritable(path), pytest.raises(StateFileUnavailable) as refused:
        Journal(path)
    assert str(path) in str(refused.value) and "--no-journal" in str(refused.value)
    assert listing(tmp_path) == before


def test_only_a_corrupt_journal_moves_aside_and_never_the_ledger_of_pending_tokens(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with WriteLedger(ledger_beside(path), clock=MockClock()) as ledger:
        token = ledger.reserve(OP, "Sandbox", PARAMS["Identifier"], PARAMS).entry.client_token
    path.write_bytes(b"this is not a database, it is a note left by someone" * 100)
    journal = Journal(path)
    assert any("moved aside" in w for w in journal.warnings)
    assert [p.name for p in tmp_path.glob("j.sqlite3.corrupt-*")]
    with WriteLedger(ledger_beside(path), clock=MockClock()) as ledger:
        entry = ledger.get(token)
        assert entry is not None and entry.state == PENDING


def test_a_write_ledger_that_cannot_be_written_is_named_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "j.writes.sqlite3"
    WriteLedger(path).close()
    with unwritable(path), pytest.raises(StateFileUnavailable) as refused:
        WriteLedger(path)
    assert str(path) in str(refused.value)


def test_the_cli_says_permission_exits_2_and_touches_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "journals"
    directory.mkdir()
    path = directory / "j.sqlite3"
    healthy_journal(path)
    WriteLedger(ledger_beside(path)).close()
    before = listing(directory)
    with unwritable(directory):
        result = subprocess.run(
            pcwatch_command("accept", "engi-0000000000001", "--demo", "--journal", str(path), "--yes"),
            capture_output=True,
            text=True,
            env=cli_env(),
            timeout=60,
        )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(directory) in lines[0] and "Traceback" not in result.stderr
    assert "moved" not in lines[0]
    assert listing(directory) == before


async def test_the_dashboard_offers_to_continue_without_a_journal(tmp_path: Path) -> None:
    from tui.commands.dashboard import build_app
    from tui.core.clock import SystemClock

    directory = tmp_path / "journals"
    directory.mkdir()
    path = directory / "j.sqlite3"
    healthy_journal(path)
    before = listing(directory)
    settings = Settings(demo=True, journal_path=path)
    with unwritable(directory):
        dashboard = build_app(settings, clock=SystemClock(), toasts=False)
        try:
            app = dashboard.app
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause(0.2)
                screen = app.screen
                assert type(screen).__name__ == "JournalProblemScreen"
                shown = " ".join(str(label.render()) for label in screen.query("Label"))
                assert str(path) in shown and "without a journal" in shown
                await pilot.press("c")
                await pilot.pause(0.2)
                assert type(app.screen).__name__ != "JournalProblemScreen"
                assert app.store.journal is None
        finally:
            dashboard.close()
    assert listing(directory) == before


def test_a_command_s_ledger_on_a_full_disk_names_the_journal_in_one_line(tmp_path: Path) -> None:
    disk = Disk()
    path = tmp_path / "j.sqlite3"
    journal = journal_on(path, disk)
    disk.full = True
    with pytest.raises(StateFileUnwritable) as raised:
        journal.call_ledger().try_spend(3, 100, 0.0)
    said = str(raised.value)
    assert (
        said.startswith(f"the journal {path} cannot be written (disk full): free space") and "\n" not in said
    )
    journal.close()


@contextlib.contextmanager
def small_filesystem(size: str = "2m") -> Iterator[Path]:
    """A real file system of `size` (tmpfs): root only, skipped elsewhere."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a small file system needs root (tmpfs)")
    mount = Path(tempfile.mkdtemp(prefix="pcwatch-small-"))
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], check=False)
    if made.returncode != 0:
        mount.rmdir()
        pytest.skip("tmpfs cannot be mounted here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)
        mount.rmdir()


def test_list_on_a_full_disk_exits_3_naming_the_journal_and_says_the_log_once() -> None:
    with small_filesystem() as mount:
        path, log = mount / "j.sqlite3", mount / "pcwatch.log"
        command = pcwatch_command("--demo", "--journal", str(path), "--log-file", str(log), "list")
        first = subprocess.run(command, capture_output=True, text=True, env=cli_env(), timeout=60)
        assert first.returncode == 0, first.stderr
        dashboard = Journal(path)  # (as a dashboard holds it open: its -wal and -shm stay)
        filler = mount / "filler"
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True, check=False)
        beside = subprocess.run(command, capture_output=True, text=True, env=cli_env(), timeout=60)
        dashboard.close()
        alone = subprocess.run(command, capture_output=True, text=True, env=cli_env(), timeout=60)
    for full in (beside, alone):
        assert full.returncode == 3, full.stderr
        assert "Traceback" not in full.stderr and "Logging error" not in full.stderr, full.stderr
        lines = full.stderr.strip().splitlines()
        assert any(f"the journal {path} cannot be written (disk full)" in line for line in lines), lines
        assert len(lines) <= 2  # (the journal's line, and the log file's once)

"""A write ledger that cannot be written (issue 27, item 2): a write it cannot record is not sent, and one
whose answer it cannot record is still shown, kept in memory and recorded at the next write or at exit.
The disk is `FillingDisk` (SQLite's own "database or disk is full" at the connection); the service is the
local endpoint, whose own count of the accepts it received is the truth."""

from __future__ import annotations

import asyncio
import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from textual.app import App

from schemas import EngagementInvitationSummary
from tests.support.writes import T0, AutoClock, FillingDisk, accept_tasks_for, add_invitation, run_pcwatch
from tui.core.clock import MockClock
from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings
from tui.dashboard.screens.confirm_write import ask_and_act
from tui.engine.store import Store
from tui.writes.actions import ACCEPT, WriteActions
from tui.writes.bulk_accept import InvitationFilter, accept_all, pending_invitations
from tui.writes.errors import LedgerNotWritten
from tui.writes.ledger import PENDING, SUCCEEDED, WriteLedger, ledger_beside, ledger_path


@pytest.fixture
def disk() -> FillingDisk:
    return FillingDisk()


@pytest.fixture
def full_ledger(write_settings: Settings, disk: FillingDisk) -> Any:
    ledger = WriteLedger(
        ledger_path(write_settings), clock=MockClock(T0), connection_class=disk.connection_class
    )
    yield ledger
    ledger.close()


class FillsTheDiskWhileSending:
    """Wraps a client: the accept is sent and answered, and meanwhile the disk filled up."""

    def __init__(self, client: Any, disk: FillingDisk) -> None:
        self._client = client
        self._disk = disk

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    async def start_engagement_by_accepting_invitation_task(self, invitation_id: str, *, client_token: str):
        response = await self._client.start_engagement_by_accepting_invitation_task(
            invitation_id, client_token=client_token
        )
        self._disk.full = True
        return response


def on_file(path: Path, token: str) -> str:
    """The entry's state as another process reads the ledger's file."""
    with WriteLedger(path) as other:
        entry = other.get(token)
        assert entry is not None
        return entry.state


def test_a_write_the_ledger_cannot_record_is_not_sent(write_sim, write_client, full_ledger, disk) -> None:
    invitation = add_invitation(write_sim)
    actions = WriteActions(write_client, full_ledger, clock=MockClock(T0))
    disk.full = True
    with pytest.raises(LedgerNotWritten) as refused:
        asyncio.run(actions.accept(invitation))
    summary = refused.value.lines[0]
    assert (
        str(full_ledger.path) in summary and "the disk is full" in summary and "nothing was sent" in summary
    )
    assert write_sim.stats.calls[ACCEPT] == 0 and accept_tasks_for(write_sim, invitation) == []
    assert full_ledger.entries() == []

    disk.full = False  # space again: the same write goes through, once
    outcome = asyncio.run(actions.accept(invitation))
    assert outcome.recorded and write_sim.stats.calls[ACCEPT] == 1
    assert on_file(full_ledger.path, outcome.client_token) == SUCCEEDED


def test_an_answer_the_ledger_cannot_record_is_shown_and_recorded_at_the_next_write(
    write_sim, write_client, full_ledger, disk
) -> None:
    first, second = add_invitation(write_sim), add_invitation(write_sim)
    store = Store(clock=MockClock(T0))
    actions = WriteActions(
        FillsTheDiskWhileSending(write_client, disk), full_ledger, store=store, clock=MockClock(T0)
    )
    outcome = asyncio.run(actions.accept(first))
    (task,) = accept_tasks_for(write_sim, first)
    # Shown: the task, in the store at once, and a note naming the ledger and why.
    assert outcome.task is not None and outcome.task.task_id == task.task_id
    assert store.task(task.task_id) is not None
    assert not outcome.recorded and outcome.note is not None
    assert str(full_ledger.path) in outcome.note and "the disk is full" in outcome.note
    # Not on file yet: the entry stays open there (a crash now resends the same token)...
    assert full_ledger.unrecorded == 1 and on_file(full_ledger.path, outcome.client_token) == PENDING
    # ...but this process knows it: the same accept again sends nothing.
    again = asyncio.run(actions.accept(first))
    assert again.replayed and write_sim.stats.calls[ACCEPT] == 1

    disk.full = False
    actions.client = write_client  # (the next send leaves the disk alone)
    asyncio.run(actions.accept(second))
    assert full_ledger.unrecorded == 0
    assert on_file(full_ledger.path, outcome.client_token) == SUCCEEDED
    assert write_sim.stats.calls[ACCEPT] == 2 and len(accept_tasks_for(write_sim, first)) == 1


def test_an_answer_kept_in_memory_is_recorded_at_exit(write_sim, write_client, write_settings, disk) -> None:
    invitation = add_invitation(write_sim)
    ledger = WriteLedger(
        ledger_path(write_settings), clock=MockClock(T0), connection_class=disk.connection_class
    )
    actions = WriteActions(FillsTheDiskWhileSending(write_client, disk), ledger, clock=MockClock(T0))
    outcome = asyncio.run(actions.accept(invitation))
    assert not outcome.recorded
    disk.full = False
    ledger.close()
    assert on_file(ledger.path, outcome.client_token) == SUCCEEDED


def test_the_dashboard_says_a_write_the_ledger_cannot_record_and_goes_on(
    write_sim, write_client, full_ledger, disk
) -> None:
    invitation = add_invitation(write_sim)
    actions = WriteActions(write_client, full_ledger, store=Store(clock=MockClock(T0)), clock=MockClock(T0))
    reported: list[list[str]] = []
    disk.full = True

    async def scenario() -> tuple[Any, bool]:
        app = App[None]()
        async with app.run_test(size=(100, 30)) as pilot:
            real = EngagementInvitationSummary(id=invitation, catalog="Sandbox", status="PENDING")
            worker = app.run_worker(ask_and_act(app, actions, "accept", real, report_failure=reported.append))
            await pilot.pause()
            await pilot.press("enter")
            await worker.wait()
            return worker.result, app.is_running

    result, running = asyncio.run(scenario())
    assert result is None and running
    (lines,) = reported
    assert str(full_ledger.path) in lines[0] and "nothing was sent" in lines[0]
    assert write_sim.stats.calls[ACCEPT] == 0


@contextmanager
def full_filesystem(mount_point: Path) -> Iterator[Path]:
    """A real 1 MB tmpfs at `mount_point` (root only: skips elsewhere); `fill_up(path)` then fills it."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system takes root")
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, check=False)


def fill_up(path: Path) -> None:
    """Write `path` until the file system says it is full."""
    try:
        with path.open("wb", buffering=0) as filler:
            while True:
                filler.write(b"\0" * 4096)
    except OSError as full:
        assert full.errno == errno.ENOSPC


def test_the_cli_on_a_full_disk_says_one_line_exits_3_and_sends_nothing(tmp_path: Path) -> None:
    with full_filesystem(tmp_path / "small") as small:
        journal = small / "j.sqlite3"
        # Another pcwatch has the ledger open (as a dashboard would): its -wal and -shm are there.
        with WriteLedger(ledger_beside(journal)) as other:
            other.reserve(ACCEPT, "Sandbox", "engi-0000000000009", {"Identifier": "engi-0000000000009"})
            fill_up(small / "filler")
            result = run_pcwatch("accept", "engi-0000000000001", "--demo", "--journal", str(journal), "--yes")
            assert other.latest(ACCEPT, "Sandbox", "engi-0000000000001", {}) is None
    assert result.returncode == ExitStatus.ERROR, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert str(ledger_beside(journal)) in line and "disk is full" in line and "nothing was sent" in line
    assert result.stdout == ""


def test_accept_all_pending_stops_at_a_ledger_that_cannot_record(
    write_sim, write_client, full_ledger, disk
) -> None:
    for _ in range(3):
        add_invitation(write_sim, sender="Full Disk Sender")
    clock = AutoClock(write_sim.clock.now())
    invitations = asyncio.run(
        pending_invitations(write_client, clock, InvitationFilter(("Full Disk Sender",)))
    )
    actions = WriteActions(FillsTheDiskWhileSending(write_client, disk), full_ledger, clock=clock)
    result = asyncio.run(accept_all(actions, invitations, clock=clock))
    # The first was sent (its answer kept in memory); the second could not be recorded: not sent, stop.
    assert [o.recorded for o in result.accepted] == [False]
    assert isinstance(result.stopped, LedgerNotWritten) and not result.refused
    assert write_sim.stats.calls[ACCEPT] == 1

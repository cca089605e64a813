"""Helpers for the write tests (importable; the fixtures are in tests/conftest.py): a simulator
whose faults can strike once, invitations made to order, a clock whose sleeps pass at once, a client
that "dies" after sending, and running the pcwatch CLI in a subprocess."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from schemas import InvitationStatus, TaskKind
from tui.core.clock import MockClock
from tui.simulator import Faults, Simulator
from tui.simulator.records import SimInvitation

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)
SENDER = "Writes Test Sender"


class FaultOnceSimulator(Simulator):
    """`strike_once(faults)`: the faults apply until the first request they hit, then stop — so a
    botocore retry after that one fault goes through."""

    def strike_once(self, faults: Faults) -> None:
        self._once = True
        self.faults = faults

    def handle(self, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        reply = super().handle(*args, **kwargs)
        if getattr(self, "_once", False) and (reply.action != "respond" or reply.status != 200):
            self._once = False
            self.faults = Faults()
        return reply


class AutoClock(MockClock):
    """A MockClock whose `sleep` moves time forward at once; `slept` records each sleep."""

    def __init__(self, start: datetime | None = None) -> None:
        super().__init__(start or T0)
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(max(0.0, seconds))


class CrashAfterSend:
    """Wraps a client: the `crash_on`-th accept is sent and carried out, then the process 'dies'
    (a BaseException no handler catches), as if killed while waiting for the answer."""

    class Crash(BaseException):
        pass

    def __init__(self, client: Any, crash_on: int) -> None:
        self._client = client
        self.crash_on = crash_on
        self.accepts = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    async def start_engagement_by_accepting_invitation_task(self, invitation_id: str, *, client_token: str):
        self.accepts += 1
        response = await self._client.start_engagement_by_accepting_invitation_task(
            invitation_id, client_token=client_token
        )
        if self.accepts == self.crash_on:
            raise CrashAfterSend.Crash(invitation_id)
        return response


def add_invitation(
    sim: Simulator,
    catalog: str = "Sandbox",
    *,
    sender: str = SENDER,
    payload_type: str = "OpportunityInvitation",
    title: str = "Writes test engagement",
    age: float = 3600.0,
    status: str = InvitationStatus.PENDING,
) -> str:
    """A new invitation received `age` seconds ago (15 days or more: expired). Returns its id."""
    world = sim.world(catalog)
    with world.lock:
        ids = world.id_factory
        inv = SimInvitation(catalog, ids.invitation(), ids.engagement(), sim.clock.now().timestamp() - age)
        inv.title = title
        inv.sender_company = sender
        inv.sender_account = "210987654321"
        inv.payload_type = payload_type
        inv.status = status
        world.add_invitation(inv)
        return inv.id


def accept_tasks_for(sim: Simulator, invitation_id: str, catalog: str = "Sandbox") -> list[Any]:
    return [
        t
        for t in sim.tasks(catalog)
        if t.kind == TaskKind.ACCEPT_INVITATION and t.engagement_invitation_id == invitation_id
    ]


def tasks_for_opportunity(sim: Simulator, opportunity_id: str, catalog: str = "Sandbox") -> list[Any]:
    return [
        t
        for t in sim.tasks(catalog)
        if t.kind == TaskKind.ENGAGEMENT_FROM_OPPORTUNITY and t.opportunity_id == opportunity_id
    ]


def cli_env(**extra: str) -> dict[str, str]:
    # (XDG_STATE_HOME and XDG_CONFIG_HOME stay: the test's own temporary directories, tests/conftest.py.)
    e = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "PCWATCH_", "XDG_")) or k in ("XDG_STATE_HOME", "XDG_CONFIG_HOME")
    }
    e.update(
        AWS_ACCESS_KEY_ID="pcwatch-local",
        AWS_SECRET_ACCESS_KEY="pcwatch-local-secret",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    e.update(extra)
    return e


def pcwatch_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "tui", *args]


def run_pcwatch(*args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        pcwatch_command(*args), capture_output=True, text=True, env=cli_env(**env), cwd=ROOT, timeout=timeout
    )


def age_expired() -> float:
    return 16 * 86400.0


class FillingDisk:
    """The write ledger's file layer in a test: a disk that fills up (`full = True`) and empties again.
    While full, SQLite's connection fails as it does on a full disk: a statement that writes outside a
    transaction, and the COMMIT of one that wrote (which rolls it back), raise "database or disk is full"
    (SQLITE_FULL); reads go on. Give `connection_class` to `WriteLedger`."""

    def __init__(self) -> None:
        self.full = False

    @property
    def connection_class(self) -> type[sqlite3.Connection]:
        disk = self

        class OnThisDisk(sqlite3.Connection):
            wrote = False

            def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
                verb = sql.lstrip().split(None, 1)[0].upper()
                writes = verb in ("INSERT", "UPDATE", "DELETE")
                if disk.full and verb == "COMMIT" and self.wrote:
                    self.wrote = False
                    super().execute("ROLLBACK")
                    raise disk_full()
                if disk.full and writes and not self.in_transaction:
                    raise disk_full()
                self.wrote = (self.wrote or writes) and verb not in ("BEGIN", "COMMIT", "ROLLBACK")
                return super().execute(sql, parameters)

        return OnThisDisk


def disk_full() -> sqlite3.OperationalError:
    """What SQLite raises when the disk is full."""
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorcode = 13  # type: ignore[attr-defined]  # SQLITE_FULL
    error.sqlite_errorname = "SQLITE_FULL"  # type: ignore[attr-defined]
    return error

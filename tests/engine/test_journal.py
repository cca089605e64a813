"""The journal: corruption and newer schemas are moved aside, and a SIGKILL loses no committed write."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.support.engine import T0, task
from tui.core.clock import MockClock
from tui.core.settings import Settings
from tui.engine.journal import SCHEMA_VERSION, Journal, default_journal_path
from tui.engine.store import Store

ROOT = Path(__file__).resolve().parents[2]


def _filled(path: Path) -> None:
    store = Store(Journal(path), MockClock(T0))
    store.apply_tasks([task(n) for n in range(50)])
    store.journal.close()


def test_corrupt_journal_is_moved_aside_with_a_warning(tmp_path) -> None:
    path = tmp_path / "j.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    journal = Journal(path)
    assert journal.load().tasks == []
    assert len(journal.warnings) == 1 and "moved aside" in journal.warnings[0]
    aside = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not")
    journal.write(tasks=[])  # the fresh journal works
    assert journal.integrity_check() == "ok"


def test_damaged_pages_found_while_loading_are_moved_aside(tmp_path) -> None:
    path = tmp_path / "j.sqlite3"
    _filled(path)
    data = bytearray(path.read_bytes())
    # Keep the header page, scribble over the rest (the table pages).
    for i in range(4096, len(data)):
        data[i] = 0xA5
    path.write_bytes(bytes(data))
    store = Store(Journal(path), MockClock(T0))
    store.load()  # never raises
    assert len(store) == 0
    assert store.warnings and "moved aside" in store.warnings[0]


def test_newer_schema_is_moved_aside_not_overwritten(tmp_path) -> None:
    path = tmp_path / "j.sqlite3"
    _filled(path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    journal = Journal(path)
    assert "newer pcwatch" in journal.warnings[0]
    assert journal.load().tasks == []
    [aside] = [
        p for p in tmp_path.iterdir() if f".newer-v{SCHEMA_VERSION + 1}-" in p.name and "-wal" not in p.name
    ]
    kept = sqlite3.connect(aside)
    assert kept.execute("SELECT count(*) FROM tasks").fetchone()[0] == 50


def test_restart_keeps_tasks(tmp_path) -> None:
    path = tmp_path / "j.sqlite3"
    _filled(path)
    store = Store(Journal(path), MockClock(T0))
    store.load()
    assert len(store) == 50 and not store.warnings


def test_default_path_is_per_endpoint_account_and_catalog() -> None:
    a = default_journal_path(Settings(profile="dev", catalog="AWS"))
    b = default_journal_path(Settings(profile="dev", catalog="Sandbox"))
    c = default_journal_path(Settings(profile="dev", catalog="AWS", endpoint_url="http://127.0.0.1:9/"))
    assert len({a, b, c}) == 3
    assert "pcwatch" in str(a) and a.name.endswith(".sqlite3") and "dev" in a.name


WRITER = textwrap.dedent(
    """
    import sys
    from datetime import timedelta
    sys.path.insert(0, {root!r})
    from tests.support.engine import T0, task
    from tui.core.clock import MockClock
    from tui.engine.journal import Journal
    from tui.engine.store import Store

    clock = MockClock(T0)
    store = Store(Journal({path!r}), clock)
    store.load()
    n = 0
    while True:
        with store.batch():  # one transaction per batch: a new task and a transition of the previous one
            store.apply_tasks([task(n)])
            if n:
                store.apply_tasks([task(n - 1, status="COMPLETE")])
        print(n, flush=True)  # acknowledged only after the commit
        n += 1
        clock.advance(1)
    """
)


def test_sigkill_during_writes_loses_no_committed_transition(tmp_path) -> None:
    path = tmp_path / "j.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER.format(root=str(ROOT), path=str(path))],
        stdout=subprocess.PIPE,
        text=True,
    )
    acked = -1
    assert proc.stdout is not None
    for line in proc.stdout:
        acked = int(line)
        if acked >= 300:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    journal = Journal(path)
    assert journal.integrity_check() == "ok" and not journal.warnings
    store = Store(journal, MockClock(T0))
    store.load()
    for n in range(acked):
        transitions = store.transitions_of(task(n).task_id)
        assert [t.to_status for t in transitions[:2]] == ["IN_PROGRESS", "COMPLETE"], n
    assert store.task(task(acked).task_id) is not None


def test_journal_for_follows_the_options(tmp_path) -> None:
    from tui.engine.journal import journal_for

    assert journal_for(Settings(no_journal=True)) is None
    assert journal_for(Settings(demo=True)) is None
    explicit = journal_for(Settings(demo=True, journal_path=tmp_path / "x.sqlite3"))
    assert explicit is not None and explicit.path == tmp_path / "x.sqlite3"
    explicit.close()

"""A journal of schema v4 (before the indexes of issue 29) is migrated on its first open: it loads the
same rows, has the new indexes, and a large one says how far the migration got. The fixture is
`tests/fixtures/journal-v4.sql` (made by `make_journal_v4.py` with the v4 code)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import msgspec

from tui.engine.journal import LARGE_JOURNAL, SCHEMA_VERSION, Journal
from tui.engine.types import TaskRow

FIXTURE = Path(__file__).parents[1] / "fixtures" / "journal-v4.sql"
V5_INDEXES = {
    "tasks_unfinished",
    "tasks_by_status",
    "tasks_by_start",
    "bulk_jobs_unfinished",
    "bulk_jobs_by_status",
    "invitations_pending",
    "transitions_by_time",
    "jobs_by_fetch",
    "prospecting_by_fetch",
}


def _v4_journal(path: Path) -> list[TaskRow]:
    """The fixture as a file at `path`, and its task rows as v4 stored them."""
    conn = sqlite3.connect(path)
    conn.executescript(FIXTURE.read_text())
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
    decoder = msgspec.msgpack.Decoder(TaskRow)
    rows = [decoder.decode(blob) for (blob,) in conn.execute("SELECT row FROM tasks")]
    conn.close()
    return rows


def _indexes(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    finally:
        conn.close()


def _by_id(rows: list[TaskRow]) -> dict[str | None, TaskRow]:
    return {row.record.task_id: row for row in rows}


def test_the_v4_fixture_journal_opens_migrated_and_loads_the_same_rows(tmp_path) -> None:
    path = tmp_path / "journal.sqlite3"
    before = _v4_journal(path)
    assert len(before) == 13 and not V5_INDEXES & _indexes(path)
    lines: list[str] = []
    journal = Journal(path, progress=lines.append)
    contents = journal.load()
    assert journal.warnings == [] and lines == []  # a small journal migrates without a word
    assert _by_id(contents.tasks) == _by_id(before)
    assert len(contents.transitions) == 2 and {j.id for j, _ in contents.jobs} == {"job-00100"}
    assert [i.id for i in contents.invitations] == ["engi-0000000000002"]
    assert len(contents.bulk_jobs) == 2 and len(contents.prospecting) == 1
    assert journal.result_set("job-oppo-00001") is not None
    kept = journal.load(keep_ended=2)  # the indexed load over the migrated rows
    assert {r.record.task_id for r in kept.tasks if not r.record.is_terminal} == {
        r.record.task_id for r in before if not r.record.is_terminal
    }
    assert len([r for r in kept.tasks if r.record.is_terminal]) == 2
    journal.close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
    assert V5_INDEXES <= _indexes(path)


def test_a_large_journals_migration_says_how_far_it_got(tmp_path) -> None:
    path = tmp_path / "journal.sqlite3"
    before = _v4_journal(path)
    # A journal of more than LARGE_JOURNAL tasks, as far as the check sees (the largest rowid): one more
    # row, numbered past the bound, rather than a hundred thousand.
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO tasks (rowid, task_id, kind, status, start_time, row) SELECT ?, 'task-far', kind,"
        " status, start_time, row FROM tasks LIMIT 1",
        (LARGE_JOURNAL + 1,),
    )
    conn.commit()
    conn.close()
    lines: list[str] = []
    journal = Journal(path, progress=lines.append)
    first = re.fullmatch(r"pcwatch: migrating the journal .*: step 1 of (\d+)…", lines[0])
    assert first is not None and f"({LARGE_JOURNAL + 1:,} tasks) to schema v5" in lines[0]
    assert len(lines) == int(first.group(1)) + 1 and lines[-1].startswith("pcwatch: migrated the journal ")
    assert journal.warnings == [lines[-1].removeprefix("pcwatch: ")]
    assert len(journal.load().tasks) == len(before) + 1

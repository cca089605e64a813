"""A viewer's load reads what it keeps through indexes (issue 29): SQLite's own query plan for every
statement `Journal.load` runs, so the cost is the bound's (the running tasks, the newest finished), not
the history's. No timing: the plan says whether a statement walks a whole table or sorts it."""

from __future__ import annotations

import re
from datetime import timedelta

from schemas import EngagementInvitationSummary, GetResourceSnapshotJobResponse
from tests.support.engine import T0, bulk_job, task
from tui.engine.journal import Journal
from tui.engine.types import TaskRow

#: The tables that grow with the history.
HISTORY = ("tasks", "transitions", "jobs", "invitations", "bulk_jobs", "prospecting")
#: Partial indexes: their entries are the unfinished (or pending) rows only, so walking one is fine.
PARTIAL = ("tasks_unfinished", "bulk_jobs_unfinished", "invitations_pending")


def _journal_with_history(journal: Journal) -> None:
    statuses = ("COMPLETE", "FAILED", "IN_PROGRESS", "COMPLETE", "FAILED")
    rows = [
        TaskRow(
            task(n, status=statuses[n % 5], resource_snapshot_job_id=f"job-{n:05d}"),
            T0.timestamp() - n * 60,
            T0.timestamp(),
        )
        for n in range(40)
    ]
    # Running for three days: its transition and job are older than the kept finished tasks' times.
    early = T0 - timedelta(days=3)
    rows.append(
        TaskRow(task(5000, start=early, resource_snapshot_job_id="job-05000"), early.timestamp(), 0.0)
    )
    journal.write(
        tasks=rows,
        transitions=[
            (r.record.task_id or "", r.record.kind, None, "IN_PROGRESS", r.first_seen, None) for r in rows
        ],
        jobs=[
            (
                GetResourceSnapshotJobResponse(id=f"job-{n:05d}"),
                T0.timestamp() if n < 40 else early.timestamp(),
            )
            for n in (*range(40), 5000)
        ],
        invitations=[EngagementInvitationSummary(id=f"engi-{n}", catalog="AWS") for n in range(5)],
        bulk_jobs=[
            (bulk_job(n, status=s, created=T0 - timedelta(hours=n)), 1.0)
            for n, s in enumerate(("COMPLETED", "FAILED", "IN_PROGRESS", "COMPLETED"))
        ],
    )
    journal.write(removed_invitations=["engi-0", "engi-1"])


def _plans_of_load(journal: Journal, keep_ended: int, keep_ended_bulk: int) -> dict[str, list[str]]:
    statements: list[str] = []
    conn = journal._conn
    conn.set_trace_callback(statements.append)
    try:
        contents = journal.load(keep_ended, keep_ended_bulk)
    finally:
        conn.set_trace_callback(None)
    assert len([r for r in contents.tasks if r.record.is_terminal]) == keep_ended
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert selects
    return {s: [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + s)] for s in selects}


def test_a_viewers_load_never_walks_nor_sorts_the_history(tmp_path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    _journal_with_history(journal)
    plans = _plans_of_load(journal, keep_ended=6, keep_ended_bulk=1)
    for statement, plan in plans.items():
        for line in plan:
            scanned = re.match(r"SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?", line)
            if scanned and scanned.group(1) in HISTORY:
                assert scanned.group(2) in PARTIAL, f"{line!r} in {statement!r}"
        if re.search(r"\bFROM tasks\b", statement):
            assert not any("TEMP B-TREE" in line for line in plan), f"{plan} in {statement!r}"


def test_the_newest_finished_are_found_in_the_order_of_start(tmp_path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    _journal_with_history(journal)
    contents = journal.load(keep_ended=6, keep_ended_bulk=1)
    finished = sorted(
        n for r in contents.tasks if r.record.is_terminal for n in [int(r.record.task_id.rsplit("-", 1)[1])]
    )
    assert finished == [0, 1, 3, 4, 5, 6]  # (n = 2 runs) the newest started: the smallest n
    assert len([r for r in contents.tasks if not r.record.is_terminal]) == 9
    assert {j.job_id for j, _ in contents.bulk_jobs} == {bulk_job(0).job_id, bulk_job(2).job_id}
    assert {i.id for i in contents.invitations} == {"engi-2", "engi-3", "engi-4"}
    assert {j.id for j, _ in contents.jobs} == {
        f"job-{int(r.record.task_id.rsplit('-', 1)[1]):05d}" for r in contents.tasks
    }

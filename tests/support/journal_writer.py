"""A process that writes the journal as fast as it can, for the kill -9 test.

`python -m tests.support.journal_writer PATH START` writes transactions of a few tasks and their
transitions (task ids and transitions numbered from START) and, after each commit, prints the number of
the last transition it holds and flushes: every number printed is committed. It runs until killed.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone

from schemas import TaskKind, TaskRecord
from tui.engine.journal import Journal
from tui.engine.types import TaskRow

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)
#: Transitions (and tasks) per transaction: big enough that a kill often lands inside one.
PER_BATCH = 20


def rows(n: int) -> tuple[TaskRow, tuple[str, str, None, str, float, None]]:
    started = T0 + timedelta(seconds=n)
    record = TaskRecord(
        kind=TaskKind.ACCEPT_INVITATION,
        task_id=f"task-kill-{n:07d}",
        task_status="COMPLETE",
        start_time=started,
        message="x" * 200,  # rows of some size: the kill lands in page writes, not only in the commit
    )
    at = started.timestamp()
    return TaskRow(record, at, at), (record.task_id, record.kind, None, "COMPLETE", at, None)


def main() -> None:
    path, start = sys.argv[1], int(sys.argv[2])
    journal = Journal(path)
    n = start
    while True:
        batch = [rows(i) for i in range(n, n + PER_BATCH)]
        journal.write(tasks=[t for t, _ in batch], transitions=[tr for _, tr in batch])
        n += PER_BATCH
        sys.stdout.write(f"{n - 1}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

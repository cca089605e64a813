"""The snapshot jobs of the recent tasks, for the snapshot jobs pane: the `ResourceSnapshotJobId` of the
most recently started tasks that name one, newest first, whatever the table shows or selects.

Kept up to date from the tasks that change (`update`), so selecting a task or a poll never walks the
whole store; `rebuild` walks it once, when the store is whole. Pure, no Textual."""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from schemas import TaskRecord

#: Jobs kept: more than any pane shows.
KEEP = 60


def _entry(record: TaskRecord) -> tuple[float, str, str] | None:
    job_id = record.resource_snapshot_job_id
    if not job_id or record.task_id is None:
        return None
    start = record.start_time.timestamp() if record.start_time is not None else 0.0
    return (start, record.task_id, job_id)


class RecentJobs:
    """(start, task id, job id) of the newest tasks naming a snapshot job, newest first."""

    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        #: Newest first.
        self._entries: list[tuple[float, str, str]] = []
        self._by_task: dict[str, tuple[float, str, str]] = {}

    def rebuild(self, tasks: Iterable[TaskRecord]) -> None:
        """From every task (one pass; the newest are kept)."""
        entries = (e for e in map(_entry, tasks) if e is not None)
        self._entries = heapq.nlargest(self.keep, entries)
        self._by_task = {e[1]: e for e in self._entries}

    def update(self, records: Iterable[TaskRecord | None]) -> bool:
        """Take in changed tasks; True if the list changed."""
        changed = False
        for record in records:
            if record is None or record.task_id is None:
                continue
            entry = _entry(record)
            old = self._by_task.get(record.task_id)
            if old == entry:
                continue
            if old is not None:
                self._entries.remove(old)
                del self._by_task[record.task_id]
                changed = True
            if entry is None or (len(self._entries) >= self.keep and entry < self._entries[-1]):
                continue  # no job, or older than every job kept
            self._entries.append(entry)
            self._entries.sort(reverse=True)
            self._by_task[record.task_id] = entry
            for dropped in self._entries[self.keep :]:
                del self._by_task[dropped[1]]
            del self._entries[self.keep :]
            changed = True
        return changed

    def job_ids(self) -> list[str]:
        """The job ids, the newest task's first (a job two tasks name, once)."""
        seen: dict[str, None] = {}
        for _, _, job_id in self._entries:
            seen.setdefault(job_id, None)
        return list(seen)

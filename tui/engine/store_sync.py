"""The store's side of the journal: filling its contents from the journal before the first call
(`load_contents`), and, for a store that follows another process's poller, applying the rows that poller
wrote since (`apply_changes`). Both change only the `StoreContents` they are given; the store notifies its
subscribers of what `apply_changes` returns, as after a poll."""

from __future__ import annotations

from schemas import TaskKind, TaskStatus

from .journal import JournalChanges, JournalContents
from .store_contents import StoreContents, from_epoch
from .types import StoreChange, Transition


def load_contents(contents: StoreContents, loaded: JournalContents) -> None:
    """Fill `contents` from what the journal holds (`Journal.load`); the oldest finished tasks beyond the
    bound are forgotten."""
    # Kind, status and reason repeat across 100,000s of tasks: share one string object for each value
    # (~20 MB less at 100,000 tasks).
    shared: dict[str, str] = {}
    intern = shared.setdefault
    rows = contents.rows
    # `TaskIndex.replace` for each record, inlined: this loop is most of a large journal's load time.
    index = contents.index
    counts, reasons, active_by_kind, newest = index.by_status, index.by_reason, index.active, index.newest
    terminal = TaskStatus.TERMINAL
    accept = TaskKind.ACCEPT_INVITATION
    for row in loaded.tasks:
        record = row.record
        task_id = record.task_id
        if not task_id:
            continue
        old = rows.get(task_id)
        if old is not None:  # not expected (the id is the journal's key), but keep the index right
            index.replace(old.record, None)
        record.kind = kind = intern(record.kind, record.kind)
        status = record.task_status
        if status is not None:
            record.task_status = status = intern(status, status)
        reason = record.reason_code
        if reason is not None:
            record.reason_code = reason = intern(reason, reason)
        rows[task_id] = row
        by_status = counts.get(kind)
        if by_status is None:
            by_status = counts[kind] = {}
            active_by_kind.setdefault(kind, set())
        key = status or "UNKNOWN"
        by_status[key] = by_status.get(key, 0) + 1
        if reason:
            by_reason = reasons.setdefault(kind, {})
            by_reason[reason] = by_reason.get(reason, 0) + 1
        if status not in terminal:
            active_by_kind[kind].add(task_id)
        if kind == accept:
            index.link_accept(record)
        start = record.start_time
        if start is not None:
            latest = newest.get(kind)
            if latest is None or start > latest:
                newest[kind] = start
    by_task, recent = contents.transitions, contents.recent  # (`add_transition`, inlined)
    for task_id, kind, before, after, at, prev in loaded.transitions:
        t = Transition(task_id, kind, before, after, from_epoch(at), from_epoch(prev))  # type: ignore[arg-type]
        by_task.setdefault(task_id, []).append(t)
        recent.append(t)
    for job, at in loaded.jobs:
        if job.id:
            contents.put_job(job, at)
    contents.invitations = {i.id: i for i in loaded.invitations if not contents.is_accepted(i.id)}
    contents.meta = dict(loaded.meta)
    bulk = contents.bulk
    for bulk_job, at in loaded.bulk_jobs:
        bulk.put_job(bulk_job, at)
    for outcome, at in loaded.prospecting:
        if outcome.task_id and outcome.task_id in rows:
            bulk.put_prospecting(outcome, at)
    contents.forget_ended()
    bulk.forget_ended()


def apply_changes(contents: StoreContents, changes: JournalChanges) -> StoreChange:
    """Apply rows another process wrote to the journal (this store follows its poller): what changed.
    Nothing is written back.

    Between processes the journal's change numbers are the order (one sequence for every process:
    SQLite takes their writes one at a time, and a row read is its newest version): a row read here
    was written after whatever this store knew of it, so it replaces it, whatever the wall clock said
    when each was observed (a clock stepped back would make the newer look older)."""
    rows = contents.rows
    changed: set[str] = set()
    for row in changes.tasks:
        record = row.record
        task_id = record.task_id
        if not task_id:
            continue
        old = rows.get(task_id)
        rows[task_id] = row
        if old is None or old.record != record:
            contents.index.replace(old.record if old else None, record)
            changed.add(task_id)
    transitions = []
    for task_id, kind, before, after, at, prev in changes.transitions:
        t = Transition(task_id, kind, before, after, from_epoch(at), from_epoch(prev))  # type: ignore[arg-type]
        contents.add_transition(t)
        transitions.append(t)
    job_ids: set[str] = set()
    for job, at in changes.jobs:
        if job.id and contents.put_job(job, at):
            job_ids.add(job.id)
    invitation_ids: set[str] = set()
    for inv in changes.invitations:
        if contents.is_accepted(inv.id):
            continue  # (as `Store.apply_invitations`)
        if contents.invitations.get(inv.id) != inv:
            invitation_ids.add(inv.id)
            contents.invitations[inv.id] = inv
    for inv_id in changes.removed_invitations:
        if contents.invitations.pop(inv_id, None) is not None:
            invitation_ids.add(inv_id)
    accepting, accepted = contents.accepts_changed(changed)  # (as `Store.apply_tasks`)
    invitation_ids |= accepting | accepted
    contents.meta.update(changes.meta)
    bulk = contents.bulk
    bulk_ids: set[str] = set()
    for bulk_job, at in changes.bulk_jobs:
        if bulk.put_job(bulk_job, at):
            bulk_ids.add(bulk_job.job_id)
    for job_id in changes.result_sets:  # read again from the journal when next looked at
        bulk.results.pop(job_id, None)
        bulk.absent.discard(job_id)
        bulk_ids.add(job_id)
    for outcome, at in changes.prospecting:
        if outcome.task_id and outcome.task_id in rows and bulk.put_prospecting(outcome, at):
            changed.add(outcome.task_id)
    changed |= contents.forget_ended()
    bulk_ids |= bulk.forget_ended()
    return StoreChange(
        task_ids=frozenset(changed),
        job_ids=frozenset(job_ids),
        invitation_ids=frozenset(invitation_ids),
        transitions=tuple(transitions),
        bulk_job_ids=frozenset(bulk_ids),
    )

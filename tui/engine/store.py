"""The store: the single source of truth the dashboard and the commands read.

Tasks by id across kinds, status transitions with the time each was observed, snapshot jobs and
invitations, and the derived facts (completion times; counts and running ids, kept by
`store_index.TaskIndex`). It is mutated only by the poller, on the poller's event loop; subscribers
are called synchronously after each change with the ids that changed. Every change also goes to the
journal (if any): one transaction per `batch()` (a poll), or per call outside one. A store that
follows another process's poller instead takes its changes from the journal
(`apply_journal_changes`), and notifies its subscribers in the same way.

Its observation times (first seen, the transitions, a task's observed end, when a job was fetched) are
step-free (`tui.core.clock.steady_wall`), so a duration is never a difference of wall-clock readings
across a step; its order is the order observations are made (see `apply_tasks`), never their times.

What it holds is a `StoreContents` (tui/engine/store_contents.py), which the store changes from a poll's
observations here and `tui.engine.store_sync` from the journal's rows.
"""

from __future__ import annotations

import gc
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

import msgspec

from schemas import (
    BulkJobRecord,
    BulkJobResult,
    EngagementInvitationSummary,
    GetProspectingFromEngagementTaskResponse,
    GetResourceSnapshotJobResponse,
    TaskRecord,
    TaskStatus,
)
from tui.core.clock import Clock, SystemClock, steady_wall
from tui.core.subscribers import Subscribers

from .bulk_contents import FAILED, ResultSet, ResultSetHead
from .journal import Deposed, Journal, JournalChanges, PendingWrites
from .kept_text import kept_bulk_job, kept_job, kept_prospecting, kept_results, kept_task
from .outbox import OutboxRules
from .store_contents import StoreContents, from_epoch, started
from .store_retention import KEEP_ENDED_BULK_JOBS, KEEP_ENDED_TASKS
from .store_sync import apply_changes, load_contents
from .types import (
    Acceptance,
    BulkResults,
    Completion,
    JournalNotWritten,
    ReportUrl,
    StoreChange,
    TaskRow,
    Transition,
)

log = logging.getLogger(__name__)
R = TypeVar("R", TaskRecord, BulkJobRecord)

__all__ = ["Completion", "Store", "StoreChange", "Transition"]


def _is_terminal(status: str | None) -> bool:
    return status in TaskStatus.TERMINAL


def _merge(old: R, new: R) -> R:
    """The new record, keeping fields a partial response left out (never erase what we knew)."""
    missing = {
        f: getattr(old, f)
        for f in new.__struct_fields__
        if getattr(new, f) is None and getattr(old, f) is not None
    }
    return msgspec.structs.replace(new, **missing) if missing else new


class Store:
    def __init__(
        self,
        journal: Journal | None = None,
        clock: Clock | None = None,
        keep_ended: int = KEEP_ENDED_TASKS,
        *,
        keep_ended_bulk: int = KEEP_ENDED_BULK_JOBS,
    ) -> None:
        self.journal = journal
        self._clock = clock or SystemClock()
        #: Observation times are step-free: a duration is a difference of them (issue 27).
        self._steady = steady_wall(self._clock)
        self._contents = StoreContents(keep_ended)
        self._contents.bulk.keep_ended = keep_ended_bulk
        self._subscribers: Subscribers[StoreChange] = Subscribers("store")
        self._pending = PendingWrites()
        #: What a failed flush could not write, written under the next one's changes.
        self._unwritten: PendingWrites | None = None
        self._batch_depth = 0
        #: The journal change number the store's contents are as of (see `apply_journal_changes`).
        self.journal_seq = 0
        #: Set while this store's poller leads and publishes (`tui.engine.sharing`): which of the
        #: outcomes applied become outbox entries, journaled with them (`tui.engine.outbox`).
        self.outbox: OutboxRules | None = None
        #: Told when a flush has journaled outbox entries (the publisher looks at once: they are in the
        #: journal only from then, not when the outcome is applied).
        self.outbox_written: Callable[[], None] | None = None

    @property
    def keep_ended(self) -> int:
        """Finished tasks kept in memory at most (the newest by start; `store_retention`)."""
        return self._contents.keep_ended

    @property
    def warnings(self) -> list[str]:
        return self.journal.warnings if self.journal else []

    # --- reading ------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._contents.rows)

    def __bool__(self) -> bool:
        return True  # an empty store is still a store (`store or default` must not replace it)

    def task(self, task_id: str) -> TaskRecord | None:
        row = self._contents.rows.get(task_id)
        return row.record if row else None

    def tasks(self) -> Iterator[TaskRecord]:
        return (row.record for row in list(self._contents.rows.values()))

    def last_observed(self, task_id: str) -> datetime | None:
        row = self._contents.rows.get(task_id)
        return from_epoch(row.last_observed) if row else None

    def active_ids(self, kind: str | None = None) -> set[str]:
        """Tasks not known to be finished (IN_PROGRESS, or a status this version does not know)."""
        return self._contents.index.active_ids(kind)

    def running_ids(self, kind: str) -> set[str]:
        """Tasks of `kind` IN_PROGRESS (what the poller follows; not those in a status it does not know)."""
        rows = self._contents.rows
        return {
            i
            for i in self._contents.index.active_ids(kind)
            if (row := rows.get(i)) is not None and row.record.task_status == TaskStatus.IN_PROGRESS
        }

    def newest_start(self, kind: str) -> datetime | None:
        return self._contents.index.newest_start(kind)

    def job(self, job_id: str) -> GetResourceSnapshotJobResponse | None:
        return self._contents.jobs.get(job_id)

    def jobs(self) -> list[GetResourceSnapshotJobResponse]:
        return list(self._contents.jobs.values())

    def job_fetched_at(self, job_id: str) -> datetime | None:
        return from_epoch(self._contents.job_fetched.get(job_id))

    def invitations(self) -> list[EngagementInvitationSummary]:
        return list(self._contents.invitations.values())

    def acceptance(self, invitation_id: str) -> Acceptance | None:
        """The invitation's acceptance (the accept sent from here, or its newest accept task); None if
        none is known. An invitation whose accepting task is COMPLETE is no longer in `invitations()`."""
        return self._contents.acceptance(invitation_id)

    def transitions_of(self, task_id: str) -> list[Transition]:
        return list(self._contents.transitions.get(task_id, ()))

    # --- bulk jobs, their results and reports, prospecting outcomes ---------------------------------

    def bulk_jobs(self) -> list[BulkJobRecord]:
        """Every bulk job kept (both families), the newest created first."""
        return self._contents.bulk.newest_first()

    def bulk_job(self, job_id: str) -> BulkJobRecord | None:
        return self._contents.bulk.jobs.get(job_id)

    def bulk_job_observed(self, job_id: str) -> datetime | None:
        """When the job was last observed (listed or fetched)."""
        return from_epoch(self._contents.bulk.fetched.get(job_id))

    def running_bulk_ids(self, kind: str) -> set[str]:
        """Bulk jobs of `kind` not finished (what the poller follows)."""
        return self._contents.bulk.running_ids(kind)

    def result_set(self, job_id: str) -> ResultSet | None:
        """A job's results as far as fetched: from memory, else read back from the journal."""
        bulk = self._contents.bulk
        found = bulk.result_set(job_id)
        if found is not None or self.journal is None or job_id in bulk.absent:
            return found
        try:
            found = self.journal.result_set(job_id)
        except (sqlite3.Error, msgspec.DecodeError, msgspec.ValidationError) as exc:
            log.warning("results of %s not read from the journal: %s", job_id, exc)
            return None
        if found is None:
            bulk.absent.add(job_id)
        else:
            bulk.keep_results(job_id, found)
        return found

    def bulk_results(self, job_id: str) -> BulkResults | None:
        """The job's per-record results fetched so far, the failed first (None: never asked for)."""
        found = self.result_set(job_id)
        return found.view(job_id) if found is not None else None

    def failed_results(self) -> dict[str, list[BulkJobResult]]:
        """Job id -> its failed records, of every job whose results were fetched: from the journal (all
        of them), else what memory holds (`compute_stats`'s `bulk_results`)."""
        if self.journal is not None:
            try:
                return self.journal.failed_results()
            except (sqlite3.Error, msgspec.DecodeError, msgspec.ValidationError) as exc:
                log.warning("failed records not read from the journal: %s", exc)
        return {
            job_id: [r for r in kept.results.get(FAILED, ())]
            for job_id, kept in self._contents.bulk.results.items()
        }

    def report_url(self, job_id: str) -> ReportUrl | None:
        """The job's report while its URL lasts (memory only: this process asked for it)."""
        return self._contents.bulk.report(job_id, self._steady.now())

    def prospecting(self, task_id: str) -> GetProspectingFromEngagementTaskResponse | None:
        return self._contents.bulk.prospecting.get(task_id)

    def prospecting_fetched_at(self, task_id: str) -> datetime | None:
        return from_epoch(self._contents.bulk.prospecting_fetched.get(task_id))

    def recent_transitions(self, limit: int = 200) -> list[Transition]:
        """The latest transitions, oldest first."""
        items = list(self._contents.recent)
        return items[-limit:] if limit else []

    def completion(self, task_id: str) -> Completion | None:
        row = self._contents.rows.get(task_id)
        if row is None or row.terminal_at is None or not _is_terminal(row.record.task_status):
            return None
        end = row.terminal_at
        start = row.record.start_time.timestamp() if row.record.start_time else None
        observed_live = row.terminal_prev is not None
        before = row.terminal_prev if observed_live else start
        return Completion(
            started=row.record.start_time,
            observed_end=from_epoch(end),  # type: ignore[arg-type]
            uncertainty=max(0.0, end - before) if before is not None else float("inf"),
            # First seen finished: when it ended is unknown, so is how long it took.
            duration=max(0.0, end - start) if start is not None and observed_live else float("nan"),
            observed_live=observed_live,
        )

    def observed_end(self, task_id: str) -> float | None:
        """Epoch seconds of a finished task's first terminal observation, if pcwatch saw it running
        before (what the default sort orders finished tasks by); None otherwise. `completion()` without
        building the object, for sorting 100,000s of rows."""
        row = self._contents.rows.get(task_id)
        if row is None or row.terminal_prev is None or not _is_terminal(row.record.task_status):
            return None
        return row.terminal_at

    def task_rows(self) -> list[TaskRow]:
        """Every task as stored (record plus observation times), for bulk readers such as the table's
        sort; `observed_end` of a row is `row.terminal_at` when `row.terminal_prev` is not None.
        Treat as read-only."""
        return list(self._contents.rows.values())

    def counts(self) -> dict[str, dict[str, int]]:
        """kind -> status -> number of tasks."""
        return self._contents.index.counts()

    def reason_counts(self) -> dict[str, dict[str, int]]:
        """kind -> ReasonCode -> number of tasks carrying it."""
        return self._contents.index.reason_counts()

    def meta(self, key: str, default: str | None = None) -> str | None:
        return self._contents.meta.get(key, default)

    # --- subscribing --------------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[StoreChange], None]) -> Callable[[], None]:
        return self._subscribers.add(callback)

    def _notify(self, change: StoreChange) -> StoreChange:
        if change:
            self._subscribers.notify(change)  # a broken view must not stop the poller
        return change

    # --- the journal's side -------------------------------------------------------------------------

    def load(self) -> None:
        """Fill from the journal (before the first API call). Subscribers are not called."""
        if self.journal is None:
            return
        # 100,000s of new objects, none of them garbage: without this the cyclic GC runs hundreds of
        # times during the load (~0.1 s at 100,000 tasks), twice as full passes.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            loaded = self.journal.load(self.keep_ended, self._contents.bulk.keep_ended)
            load_contents(self._contents, loaded)
            self.journal_seq = loaded.change_seq
        finally:
            if gc_was_enabled:
                gc.enable()

    def apply_journal_changes(self, changes: JournalChanges) -> StoreChange:
        """Apply rows another process wrote to the journal (this store follows its poller). Nothing is
        written back. Subscribers are notified as after a poll."""
        change = apply_changes(self._contents, changes)
        self.journal_seq = max(self.journal_seq, changes.change_seq)
        return self._notify(change)

    # --- writing ------------------------------------------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group changes into one journal transaction (a poll)."""
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0:
                self.flush()

    @property
    def unwritten(self) -> bool:
        """Changes the journal did not take (a full disk) wait to be written with the next flush."""
        return self._unwritten is not None

    def journal_not_written(self) -> JournalNotWritten | None:
        """Why the journal takes no writes now, and its path (None while it does, or without one)."""
        reason = self.journal.trouble.reason if self.journal is not None else None
        if reason is None or self.journal is None:
            return None
        return JournalNotWritten(reason, str(self.journal.path))

    def flush(self) -> None:
        """Write the changes since the last flush, under those a failed flush kept (in order, the newer
        winning), in one transaction. If the journal takes no write (a full disk…) all of them are kept
        for the next flush (the poller flushes each tick): nothing observed is lost, transitions
        included; the memory they take is bounded by `PendingWrites.bounded`."""
        pending, self._pending = self._pending, PendingWrites()
        if self._unwritten is not None:
            pending, self._unwritten = self._unwritten.absorb(pending), None
        if self.journal is None or not pending:
            return
        try:
            self.journal.write(
                tasks=pending.tasks.values(),
                transitions=pending.transitions,
                jobs=pending.jobs.values(),
                invitations=pending.invitations.values(),
                removed_invitations=pending.removed_invitations,
                meta=pending.meta,
                bulk_jobs=pending.bulk_jobs.values(),
                result_resets=pending.result_resets,
                result_heads=pending.result_heads,
                result_pages=pending.result_pages,
                prospecting=pending.prospecting.values(),
                outbox=pending.outbox.values(),
            )
        except Deposed:
            # Another viewer took the lead while this one was stopped: what this one saw is the new
            # leader's to see and write. Dropped here, not raised into whoever changed the store (a
            # write's answer in the dashboard); the poller learns it at its next call (the ledger's fence).
            log.info(
                "journal %s: another viewer leads now; this viewer's changes are not written",
                self.journal.path,
            )
        except sqlite3.Error as exc:
            # Keep running in memory, and keep what was not written for the next flush.
            self._unwritten = pending
            let_go = pending.bounded()
            if let_go:
                log.warning("results of %d bulk jobs not kept for the journal: %s", len(let_go), exc)
            self.journal.trouble.failed(self.journal.trouble.CHANGES, exc)
        else:
            self.journal.trouble.written(self.journal.trouble.CHANGES)
            if pending.outbox and self.outbox_written is not None:
                self.outbox_written()

    def _after_write(self) -> None:
        if self._batch_depth == 0:
            self.flush()

    def apply_tasks(
        self,
        records: Iterable[TaskRecord],
        observed_at: datetime | None = None,
        *,
        backfill: bool = False,
        first_state: bool = False,
    ) -> StoreChange:
        """Upsert tasks observed at `observed_at` (default: now) and record status transitions.

        Observations are applied in the order they are made (one event loop's answers, one at a time):
        the one applied last is the newest, whatever the wall clock said of it (a clock stepped back
        would make a newer one look older). `observed_at` is only the time shown and stored.

        `backfill=True` (history loaded in bulk) records no "first seen" transitions for new tasks.
        `first_state=True`: the records are tasks' first states recorded earlier (a start's answer the
        write ledger replays): applied only to a task not known, which every observation is newer than.
        """
        when = self._steady.stamp(observed_at)
        at = when.timestamp()
        contents = self._contents
        changed: set[str] = set()
        transitions: list[Transition] = []
        for record in records:
            task_id = record.task_id
            if not task_id:
                continue
            record = kept_task(record)
            row = contents.rows.get(task_id)
            if row is None:
                terminal = _is_terminal(record.task_status)
                row = TaskRow(record, at, at, terminal_at=at if terminal else None)
                contents.rows[task_id] = row
                contents.index.replace(None, record)
                changed.add(task_id)
                # A finished task as old as those forgotten is most likely one of them, seen again: it
                # is no news (its transitions are in the journal).
                forgotten = terminal and started(record) <= contents.forgotten_until
                if not backfill and not forgotten:
                    transitions.append(
                        Transition(task_id, record.kind, None, record.task_status or "", when, None)
                    )
            elif first_state:
                continue
            else:
                old = row.record
                new = _merge(old, record)
                if new.task_status != old.task_status:
                    prev = row.last_observed
                    transitions.append(
                        Transition(
                            task_id, new.kind, old.task_status, new.task_status or "", when, from_epoch(prev)
                        )
                    )
                    if _is_terminal(new.task_status):
                        if row.terminal_at is None:
                            row.terminal_at, row.terminal_prev = at, prev
                    else:
                        row.terminal_at = row.terminal_prev = None
                if new != old:
                    contents.index.replace(old, new)
                    row.record = new
                    changed.add(task_id)
                row.last_observed = at
            self._pending.tasks[task_id] = row
        if self.outbox is not None and self.journal is not None:
            for t in transitions:
                entry = self.outbox.task(t, contents.rows[t.task_id].record)
                if entry is not None:
                    self._pending.outbox[entry.id] = entry
        for t in transitions:
            contents.add_transition(t)
            self._pending.transitions.append(
                (
                    t.task_id,
                    t.kind,
                    t.from_status,
                    t.to_status,
                    t.observed_at.timestamp(),
                    t.previous_observed_at.timestamp() if t.previous_observed_at else None,
                )
            )
        # An accept task's change is its invitation's: accepting, pending again, or accepted (no longer
        # pending: dropped here and in the journal, in this same transaction).
        invitations, accepted = contents.accepts_changed(changed)
        for invitation_id in accepted:
            self._pending.invitations.pop(invitation_id, None)
        self._pending.removed_invitations |= accepted
        changed |= contents.forget_ended()
        self._after_write()
        return self._notify(
            StoreChange(
                task_ids=frozenset(changed),
                transitions=tuple(transitions),
                invitation_ids=frozenset(invitations),
            )
        )

    def apply_jobs(
        self, jobs: Iterable[GetResourceSnapshotJobResponse], observed_at: datetime | None = None
    ) -> StoreChange:
        at = self._steady.stamp(observed_at).timestamp()
        changed: set[str] = set()
        for received in jobs:
            job = kept_job(received)
            if not job.id:
                continue
            if self._contents.put_job(job, at):
                changed.add(job.id)
            self._pending.jobs[job.id] = (job, at)
        self._after_write()
        return self._notify(StoreChange(job_ids=frozenset(changed)))

    def apply_invitations(self, invitations: Iterable[EngagementInvitationSummary]) -> StoreChange:
        changed: set[str] = set()
        now = self._clock.now()
        for inv in invitations:
            if self._contents.is_accepted(inv.id):
                continue  # (a listing a moment behind the accepting task's end)
            if self.outbox is not None and self.journal is not None:
                entry = self.outbox.invitation(inv, now)
                if entry is not None:
                    self._pending.outbox[entry.id] = entry
            if self._contents.invitations.get(inv.id) != inv:
                changed.add(inv.id)
                self._contents.invitations[inv.id] = inv
                self._pending.invitations[inv.id] = inv
                self._pending.removed_invitations.discard(inv.id)
        self._after_write()
        return self._notify(StoreChange(invitation_ids=frozenset(changed)))

    def remove_invitations(self, invitation_ids: Iterable[str]) -> StoreChange:
        """Forget invitations no longer pending (accepted, rejected or expired since)."""
        removed = {i for i in invitation_ids if self._contents.invitations.pop(i, None) is not None}
        for i in removed:
            self._pending.invitations.pop(i, None)
        self._pending.removed_invitations |= removed
        self._after_write()
        return self._notify(StoreChange(invitation_ids=frozenset(removed)))

    def accept_sent(self, invitation_id: str) -> StoreChange:
        """An accept of the invitation is being sent from this process: it is "accepting" now, before
        the answer (memory only; `accept_answered` when the answer is back)."""
        self._contents.accepts_sent.add(invitation_id)
        return self._notify(StoreChange(invitation_ids=frozenset({invitation_id})))

    def accept_answered(self, invitation_id: str) -> StoreChange:
        """The accept's answer is back: its task (applied with `apply_tasks`) says how it stands, or, if
        it failed, the invitation is as it was."""
        if invitation_id not in self._contents.accepts_sent:
            return StoreChange()
        self._contents.accepts_sent.discard(invitation_id)
        return self._notify(StoreChange(invitation_ids=frozenset({invitation_id})))

    def apply_bulk_jobs(
        self, jobs: Iterable[BulkJobRecord], observed_at: datetime | None = None
    ) -> StoreChange:
        """Upsert bulk jobs observed at `observed_at` (default: now), keeping what a partial answer left
        out; the oldest finished beyond the bound are forgotten (the journal keeps them)."""
        when = self._steady.stamp(observed_at)
        at = when.timestamp()
        bulk = self._contents.bulk
        changed: set[str] = set()
        for received in jobs:
            job = kept_bulk_job(received)
            old = bulk.jobs.get(job.job_id)
            if old is not None:  # (the newest observation is the one applied last: see `apply_tasks`)
                job = _merge(old, job)
            if self.outbox is not None and self.journal is not None:
                entry = self.outbox.bulk_job(old, job, when)
                if entry is not None:
                    self._pending.outbox[entry.id] = entry
            if bulk.put_job(job, at):
                changed.add(job.job_id)
            self._pending.bulk_jobs[job.job_id] = (job, at)
        changed |= bulk.forget_ended()
        self._after_write()
        return self._notify(StoreChange(bulk_job_ids=frozenset(changed)))

    def start_results(self, job_id: str, kind: str, *, all_asked: bool, final: bool) -> None:
        """A fetch of the job's results begins (again): what was kept of them is dropped, here and in
        the journal, when its first page comes (`apply_results`)."""
        head = ResultSetHead(
            kind=kind, all_asked=all_asked, fetched_at=self._steady.now().timestamp(), final=final
        )
        self._contents.bulk.keep_results(job_id, ResultSet(head))
        self._pending.result_resets.add(job_id)
        self._pending.result_heads[job_id] = head
        self._after_write()

    def extend_results(self, job_id: str, kind: str, *, all_asked: bool) -> ResultSet:
        """Ask for more of a job's results than were fetched (every record, after the failed ones): the
        set goes on from where it is."""
        found = self.result_set(job_id)
        if found is None:
            self.start_results(job_id, kind, all_asked=all_asked, final=False)
            found = self.result_set(job_id)
            assert found is not None
            return found
        if all_asked and not found.head.all_asked:
            found.head = msgspec.structs.replace(found.head, all_asked=True)
            self._pending.result_heads[job_id] = found.head
            self._after_write()
        return found

    def apply_results(
        self, job_id: str, phase: str, results: list[BulkJobResult], *, complete: bool
    ) -> StoreChange:
        """One more page of a job's results (of `phase`: FAILED or SUCCEEDED), the phase `complete` once
        its last page is in. The page is journaled on its own row."""
        found = self.result_set(job_id)
        if found is None:  # (not started: a page nobody asked for)
            return StoreChange()
        bulk = self._contents.bulk
        page = found.head.pages.get(phase, 0)
        kept = kept_results(results)
        found.results.setdefault(phase, []).extend(kept)
        found.head = msgspec.structs.replace(
            found.head,
            pages={**found.head.pages, phase: page + 1},
            complete={**found.head.complete, phase: complete},
        )
        bulk.keep_results(job_id, found)
        self._pending.result_heads[job_id] = found.head
        self._pending.result_pages.append((job_id, phase, page, kept))
        self._after_write()
        return self._notify(StoreChange(bulk_job_ids=frozenset({job_id})))

    def set_report(self, report: ReportUrl) -> StoreChange:
        """A job's report as the service said it: memory only (never journaled, logged or shared)."""
        bulk = self._contents.bulk
        if bulk.reports.get(report.job_id) == report:
            return StoreChange()
        bulk.reports[report.job_id] = report
        return self._notify(StoreChange(bulk_job_ids=frozenset({report.job_id})))

    def apply_prospecting(
        self, outcome: GetProspectingFromEngagementTaskResponse, observed_at: datetime | None = None
    ) -> StoreChange:
        """A prospecting task's per-engagement outcomes (kept while the store keeps the task)."""
        task_id = outcome.task_id
        if not task_id or task_id not in self._contents.rows:
            return StoreChange()
        at = self._steady.stamp(observed_at).timestamp()
        kept = kept_prospecting(outcome)
        changed = self._contents.bulk.put_prospecting(kept, at)
        self._pending.prospecting[task_id] = (kept, at)
        self._after_write()
        return self._notify(StoreChange(task_ids=frozenset({task_id}) if changed else frozenset()))

    def set_meta_now(self, key: str, value: str) -> None:
        """`set_meta` in a transaction of its own at once, even inside a batch: the leader's status must
        reach the followers while a poll (a batch) waits on a call that hangs."""
        self._contents.meta[key] = value
        self._pending.meta.pop(key, None)  # (an older value must not be flushed over it)
        if self.journal is None:
            return
        try:
            self.journal.write(meta={key: value})
        except sqlite3.Error as exc:  # (published again with the next change: not kept)
            self.journal.trouble.failed(self.journal.trouble.STATUS, exc)
        else:
            self.journal.trouble.written(self.journal.trouble.STATUS)

    def set_meta(self, key: str, value: str) -> None:
        """Poll bookkeeping kept in the journal (e.g. whether a kind's history is fully fetched)."""
        if self._contents.meta.get(key) != value:
            self._contents.meta[key] = value
            self._pending.meta[key] = value
            self._after_write()

"""Messages the engine's callbacks become inside the app.

The store and the poller know nothing of Textual: they call plain callbacks. The app turns each call into
one of these messages, so a burst of changes (a page of 1,000 tasks, ten polls while a modal was open)
collapses into one message per kind: `can_replace` folds the older message's ids into the newer one.
"""

from __future__ import annotations

from textual.message import Message

from tui.engine.api import PollerStatus, StoreChange, Transition


class TasksChanged(Message):
    """Tasks (and possibly snapshot jobs, invitations and bulk jobs) changed in the store; `transitions`
    newest last. `task_ids` also names a prospecting task whose engagements' outcomes arrived;
    `bulk_job_ids` a bulk job whose record, results or report changed."""

    def __init__(
        self,
        task_ids: set[str] | frozenset[str] = frozenset(),
        job_ids: set[str] | frozenset[str] = frozenset(),
        invitation_ids: set[str] | frozenset[str] = frozenset(),
        transitions: tuple[Transition, ...] = (),
        bulk_job_ids: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        super().__init__()
        self.task_ids: set[str] = set(task_ids)
        self.job_ids: set[str] = set(job_ids)
        self.invitation_ids: set[str] = set(invitation_ids)
        self.transitions: tuple[Transition, ...] = tuple(transitions)
        self.bulk_job_ids: set[str] = set(bulk_job_ids)

    @classmethod
    def from_change(cls, change: StoreChange) -> TasksChanged:
        return cls(
            change.task_ids, change.job_ids, change.invitation_ids, change.transitions, change.bulk_job_ids
        )

    def can_replace(self, message: Message) -> bool:
        # Called on the older message with the newer one queued behind it: hand our ids to the newer.
        if isinstance(message, TasksChanged):
            message.task_ids |= self.task_ids
            message.job_ids |= self.job_ids
            message.invitation_ids |= self.invitation_ids
            message.bulk_job_ids |= self.bulk_job_ids
            message.transitions = self.transitions + message.transitions
            return True
        return False


def folded(older: TasksChanged, newer: TasksChanged) -> TasksChanged:
    """One change saying what both say (`can_replace`'s folding, as a new message)."""
    return TasksChanged(
        older.task_ids | newer.task_ids,
        older.job_ids | newer.job_ids,
        older.invitation_ids | newer.invitation_ids,
        older.transitions + newer.transitions,
        older.bulk_job_ids | newer.bulk_job_ids,
    )


class PollerStatusChanged(Message):
    """The poller's state, budget or last error changed; only the latest status matters."""

    def __init__(self, status: PollerStatus) -> None:
        super().__init__()
        self.status = status

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PollerStatusChanged)


class StoreLoaded(Message):
    """The journal finished loading (in a thread); the table can be built."""

    def __init__(self, error: str | None = None) -> None:
        super().__init__()
        self.error = error

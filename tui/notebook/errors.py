"""The notebook API's own errors."""

from __future__ import annotations


class TaskNotFound(LookupError):
    """`Watch.follow` of a task id the engine has looked for and not found: after a poll of every kind
    made since the call (new tasks included), with the whole history in, it is not among them."""

    def __init__(self, task_id: str, message: str) -> None:
        super().__init__(message)
        self.task_id = task_id


class JobNotFound(LookupError):
    """`Watch.results` of a bulk job id the engine does not know, once the bulk jobs have been listed."""

    def __init__(self, job_id: str, message: str) -> None:
        super().__init__(message)
        self.job_id = job_id


class WatchClosed(RuntimeError):
    """The `Watch` was closed (by `close()`, or replaced by a newer `Watch` of the same endpoint,
    account and catalog in this kernel)."""

"""What `status=` and `kind=` accept in the notebook API, checked before anything is filtered: a
misspelt value raises `ValueError` naming the valid ones, rather than matching nothing.

The statuses are the service's three and any other a newer service has sent (they are kept, never
dropped: `schemas` enums are open); the kinds are the three task types pcwatch lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, TypeAlias

from schemas import TASK_KINDS, TaskStatus

#: The task statuses the service documents (a newer one it sends is accepted too, once seen).
TaskStatusName: TypeAlias = Literal["IN_PROGRESS", "COMPLETE", "FAILED"]
#: The three kinds of task (`schemas.TaskKind`).
TaskKindName: TypeAlias = Literal[
    "EngagementByAcceptingInvitation", "EngagementFromOpportunity", "OpportunityFromEngagement"
]
#: `status=`: one status or several; None for all.
StatusFilter: TypeAlias = "TaskStatusName | Iterable[TaskStatusName] | None"
#: `kind=`: one kind or several; None for all.
KindFilter: TypeAlias = "TaskKindName | Iterable[TaskKindName] | None"


def _chosen(name: str, value: str | Iterable[str] | None, valid: Iterable[str]) -> frozenset[str] | None:
    if value is None:
        return None
    values = [value] if isinstance(value, str) else list(value)
    known = sorted(set(valid))
    wrong = [v for v in values if v not in known]
    if wrong or not values:
        shown = ", ".join(repr(w) for w in wrong) or "(none given)"
        raise ValueError(f"unknown {name} {shown}: use one of {', '.join(known)} (or None for all)")
    return frozenset(values)


def check_statuses(status: str | Iterable[str] | None, seen: Iterable[str] = ()) -> frozenset[str] | None:
    """`status=` as a set (None: all). `seen`: the statuses in the data (a newer service's among them)."""
    return _chosen("status", status, [*TaskStatus.KNOWN, *seen])


def check_kinds(kind: str | Iterable[str] | None) -> frozenset[str] | None:
    """`kind=` as a set (None: all)."""
    return _chosen("kind", kind, TASK_KINDS)

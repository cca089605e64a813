"""What `status=` and `kind=` accept in the notebook API, checked before anything is filtered: a
misspelt value raises `ValueError` naming the valid ones, rather than matching nothing.

The statuses are the service's (a task's three, a bulk job's four) and any other a newer service has
sent (they are kept, never dropped: `schemas` enums are open); the kinds are those of `schemas.kinds`,
by their short names (`inv-to-eng`, `prospecting`; `opp-bulk` for `bulk_jobs()`), each call taking the
kinds of its family. An old spelling (`accept`, the wire name `EngagementByAcceptingInvitation`, the
label `inv→eng`) still works, with a `FutureWarning` (shown to the notebook's user) naming the short
name.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Literal, TypeAlias

from schemas import TASK, TaskStatus, UnknownKind, resolve_kind
from schemas.kinds import KINDS

#: The task statuses the service documents (a newer one it sends is accepted too, once seen).
TaskStatusName: TypeAlias = Literal["IN_PROGRESS", "COMPLETE", "FAILED"]
#: A bulk job's statuses (`BulkJobStatus`).
JobStatusName: TypeAlias = Literal["SUBMITTED", "IN_PROGRESS", "COMPLETED", "FAILED"]
#: The task kinds' short names (`schemas.kinds`; a test checks that these are the table's).
TaskKindName: TypeAlias = Literal["inv-to-eng", "opp-to-eng", "eng-to-opp", "prospecting"]
#: The bulk job kinds' short names (the same test checks them).
JobKindName: TypeAlias = Literal["opp-bulk", "acct-bulk"]
#: `status=`: one status or several; None for all.
StatusFilter: TypeAlias = "TaskStatusName | Iterable[TaskStatusName] | None"
JobStatusFilter: TypeAlias = "JobStatusName | Iterable[JobStatusName] | None"
#: `kind=`: one kind or several; None for all.
KindFilter: TypeAlias = "TaskKindName | Iterable[TaskKindName] | None"
JobKindFilter: TypeAlias = "JobKindName | Iterable[JobKindName] | None"


def _given(value: str | Iterable[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _refuse(name: str, wrong: list[str], valid: Iterable[str]) -> ValueError:
    shown = ", ".join(repr(w) for w in wrong) or "(none given)"
    return ValueError(f"unknown {name} {shown}: use one of {', '.join(valid)} (or None for all)")


def check_statuses(
    status: str | Iterable[str] | None, seen: Iterable[str] = (), *, known: Iterable[str] = TaskStatus.KNOWN
) -> frozenset[str] | None:
    """`status=` as a set (None: all). `known`: the service's statuses (a task's by default); `seen`: the
    statuses in the data (a newer service's among them)."""
    if status is None:
        return None
    values = _given(status)
    known = sorted({*known, *seen})
    wrong = [v for v in values if v not in known]
    if wrong or not values:
        raise _refuse("status", wrong, known)
    return frozenset(values)


def check_kinds(kind: str | Iterable[str] | None, *, family: str = TASK) -> frozenset[str] | None:
    """`kind=` (short names of `family`'s kinds; old spellings warn) as the set of wire kinds it names
    (None: all)."""
    if kind is None:
        return None
    of_family = [k for k in KINDS if k.family == family]
    values = _given(kind)
    wanted: set[str] = set()
    wrong: list[str] = []
    for value in values:
        try:
            choice = resolve_kind(value)
        except UnknownKind:
            wrong.append(value)
            continue
        if choice.kind not in of_family:
            wrong.append(value)
            continue
        if choice.old_spelling:
            warnings.warn(
                f"kind={value!r} is an old spelling: use kind={choice.kind.short!r}",
                FutureWarning,
                stacklevel=3,
            )
        wanted.add(choice.kind.wire)
    if wrong or not values:
        raise _refuse("kind", wrong, [k.short for k in of_family])
    return frozenset(wanted)

"""What `status=` and `kind=` accept in the notebook API, checked before anything is filtered: a
misspelt value raises `ValueError` naming the valid ones, rather than matching nothing.

The statuses are the service's three and any other a newer service has sent (they are kept, never
dropped: `schemas` enums are open); the kinds are the task kinds of `schemas.kinds`, by their short
names (`inv-to-eng`). An old spelling (`accept`, the wire name `EngagementByAcceptingInvitation`, the
label `inv→eng`) still works, with a `FutureWarning` (shown to the notebook's user) naming the short
name.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Literal, TypeAlias

from schemas import TASK_KINDS, TaskStatus, UnknownKind, resolve_kind

#: The task statuses the service documents (a newer one it sends is accepted too, once seen).
TaskStatusName: TypeAlias = Literal["IN_PROGRESS", "COMPLETE", "FAILED"]
#: The kinds' short names (`schemas.kinds`; a test checks that these are the table's).
TaskKindName: TypeAlias = Literal["inv-to-eng", "opp-to-eng", "eng-to-opp"]
#: `status=`: one status or several; None for all.
StatusFilter: TypeAlias = "TaskStatusName | Iterable[TaskStatusName] | None"
#: `kind=`: one kind or several; None for all.
KindFilter: TypeAlias = "TaskKindName | Iterable[TaskKindName] | None"


def _given(value: str | Iterable[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _refuse(name: str, wrong: list[str], valid: Iterable[str]) -> ValueError:
    shown = ", ".join(repr(w) for w in wrong) or "(none given)"
    return ValueError(f"unknown {name} {shown}: use one of {', '.join(valid)} (or None for all)")


def check_statuses(status: str | Iterable[str] | None, seen: Iterable[str] = ()) -> frozenset[str] | None:
    """`status=` as a set (None: all). `seen`: the statuses in the data (a newer service's among them)."""
    if status is None:
        return None
    values = _given(status)
    known = sorted({*TaskStatus.KNOWN, *seen})
    wrong = [v for v in values if v not in known]
    if wrong or not values:
        raise _refuse("status", wrong, known)
    return frozenset(values)


def check_kinds(kind: str | Iterable[str] | None) -> frozenset[str] | None:
    """`kind=` (short names; old spellings warn) as the set of wire kinds it names (None: all)."""
    if kind is None:
        return None
    values = _given(kind)
    wanted: set[str] = set()
    wrong: list[str] = []
    for value in values:
        try:
            choice = resolve_kind(value)
        except UnknownKind:
            wrong.append(value)
            continue
        if choice.kind.wire not in TASK_KINDS:
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
        raise _refuse("kind", wrong, [k.short for k in TASK_KINDS.values()])
    return frozenset(wanted)

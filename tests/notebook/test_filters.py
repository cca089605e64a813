"""`kind=` in the notebook API: the short names of the kinds table; an old spelling still works with a
warning naming the short one; anything else is refused naming the short names. Generated from the
table."""

from __future__ import annotations

import typing
import warnings

import pytest

from schemas.kinds import BULK, BULK_KINDS, KINDS, TASK, TASK_KINDS, Kind
from tui.notebook.filters import JobKindName, TaskKindName, check_kinds

KIND_IDS = [k.short for k in KINDS]


def test_the_declared_kind_names_are_the_tables_short_names() -> None:
    assert typing.get_args(TaskKindName) == tuple(k.short for k in TASK_KINDS.values())
    assert typing.get_args(JobKindName) == tuple(k.short for k in BULK_KINDS.values())


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_short_name_selects_its_kind_without_a_warning(kind: Kind) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_kinds(kind.short, family=kind.family) == {kind.wire}
        assert check_kinds([kind.short.upper()], family=kind.family) == {kind.wire}


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_old_spelling_selects_its_kind_with_a_warning_naming_the_short_name(kind: Kind) -> None:
    for old in (*kind.old_spellings, kind.wire):
        with pytest.warns(FutureWarning, match=rf"kind={old!r} is an old spelling: use kind='{kind.short}'"):
            assert check_kinds(old, family=kind.family) == {kind.wire}


def test_several_kinds_and_none() -> None:
    assert check_kinds(None) is None
    assert check_kinds(["inv-to-eng", "eng-to-opp"]) == {
        TASK_KINDS["EngagementByAcceptingInvitation"].wire,
        TASK_KINDS["OpportunityFromEngagement"].wire,
    }


@pytest.mark.parametrize("value", ["Acceptance", ["inv-to-eng", "bulk"], []])
def test_unknown_kind_is_refused_naming_the_short_names(value: str | list[str]) -> None:
    shorts = ", ".join(k.short for k in TASK_KINDS.values())
    with pytest.raises(ValueError, match=f"use one of {shorts}") as refused:
        check_kinds(value)
    assert "inv-to-eng'" not in str(refused.value)  # the valid one given is not called unknown


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_a_kind_of_the_other_family_is_refused_naming_this_familys(kind: Kind) -> None:
    other = BULK if kind.family == TASK else TASK
    names = ", ".join(k.short for k in KINDS if k.family == other)
    with pytest.raises(ValueError, match=f"unknown kind '{kind.short}': use one of {names}"):
        check_kinds(kind.short, family=other)

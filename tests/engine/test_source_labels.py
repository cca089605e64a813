"""The header's names for the poller's sources: a kind's by its short name (from the kinds table)."""

from __future__ import annotations

import pytest

from schemas.kinds import TASK_KINDS, Kind
from tui.engine import poll_plan
from tui.engine.sources import label


@pytest.mark.parametrize("kind", TASK_KINDS.values(), ids=[k.short for k in TASK_KINDS.values()])
def test_a_kinds_sources_are_named_by_its_short_name(kind: Kind) -> None:
    assert label(kind.wire) == f"{kind.short} tasks"
    assert label(poll_plan.history_source(kind.wire)) == f"{kind.short} tasks (history)"
    assert label(poll_plan.own_source(kind.wire)) == f"{kind.short} tasks (own)"


def test_other_sources_keep_their_names() -> None:
    assert label(poll_plan.INVITATIONS_SOURCE) == "invitations"
    assert label(poll_plan.job_source("job-0123")) == "job job-0123"
    assert label("history:SomeNewerKind") == "SomeNewerKind (history)"

"""The dashboard names kinds from the kinds table: the Kind column, the keys 4 5 6, the help, the filter."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from schemas import TaskRecord
from schemas.kinds import KINDS, TASK_KINDS
from tui.dashboard import task_rows
from tui.dashboard.screens.help import help_renderable
from tui.dashboard.task_view import is_visible


def _record(kind: str, **fields: Any) -> TaskRecord:
    return TaskRecord(kind=kind, task_id="task-0123456789abc", task_status="COMPLETE", **fields)


def test_the_kind_column_fits_every_short_name_and_makes_an_unknown_kind_safe() -> None:
    width = next(c.width for c in task_rows.COLUMNS if c.key == "kind")
    assert width == max(len(k.short) for k in KINDS)
    assert task_rows.kind_label("Newer\x1b[2JKind") == "Newer␛[2JKind"


def test_the_kind_keys_follow_the_table() -> None:
    # 4, 5, 6…: after the status keys 1 2 3, in the table's order.
    assert list(task_rows.KIND_KEYS) == [str(4 + i) for i in range(len(TASK_KINDS))]
    assert list(task_rows.KIND_KEYS.values()) == list(TASK_KINDS)


def test_the_help_names_each_kind_its_keys_and_what_it_does() -> None:
    console = Console(width=120, record=True, color_system=None)
    console.print(help_renderable())
    text = console.export_text()
    shorts = ", ".join(k.short for k in TASK_KINDS.values())
    (keys_line,) = [line for line in text.splitlines() if "show/hide each kind" in line]
    assert keys_line.split()[: len(TASK_KINDS)] == list(task_rows.KIND_KEYS)
    assert keys_line.rstrip().endswith(f"show/hide each kind: {shorts}")
    for kind in KINDS:
        assert any(line.split()[:1] == [kind.short] and kind.label in line for line in text.splitlines())


def test_the_source_id_is_the_field_the_table_names() -> None:
    ids: dict[str, Any] = {
        "engagement_invitation_id": "inv-1",
        "opportunity_id": "O1",
        "engagement_id": "eng-1",
        "identifiers": ["eng-2"],
    }
    for kind in TASK_KINDS.values():
        expected = ids[kind.source_field]
        shown = expected[0] if isinstance(expected, list) else expected
        assert task_rows.source_id(_record(kind.wire, **ids)) == shown
    assert task_rows.source_id(_record("NewerKind", opportunity_id="O1")) == "O1"
    # A task over many engagements (prospecting, as pcwatch started it) says how many.
    many = _record("ProspectingFromEngagement", identifiers=["eng-1", "eng-2", "eng-3"])
    assert task_rows.source_id(many) == "3 engagements"
    assert task_rows.source_id(_record("ProspectingFromEngagement")) is None  # (the list names none)


def test_a_typed_short_name_filters_to_its_kind() -> None:
    for kind in TASK_KINDS.values():
        for other in TASK_KINDS.values():
            record = _record(other.wire)
            assert is_visible(record, None, None, kind.short) == (other is kind)
    # Only the whole name: a part of one is text to search for, as before.
    assert not is_visible(_record("EngagementByAcceptingInvitation"), None, None, "inv-to")
    assert is_visible(
        _record("EngagementByAcceptingInvitation", opportunity_id="O-inv-to"), None, None, "inv-to"
    )

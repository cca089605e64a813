"""The record view (`enter`) wraps a long line between tokens: an id or an ARN's segment stays whole
unless it alone is wider than the view."""

from __future__ import annotations

import re

import msgspec
import pytest
from rich.cells import cell_len

from tests.support.dashboard import T0, make_app, populated_store
from tui.dashboard.screens.record import RecordScreen, wrap_whole
from tui.dashboard.widgets.task_table import TaskTable

ARN = "arn:aws:partnercentral:us-east-1:aws:catalog/Sandbox/engagement-by-accepting-invitation-task/task-0da0fd5b463a7"
#: What a line may break after, and the pieces between (ids, words, an ARN's fields).
BREAKS = re.compile(r"[ :/,]+")


@pytest.mark.parametrize("width", [200, 96, 76, 60, 50])
def test_an_arn_breaks_only_between_its_fields(width: int) -> None:
    line = f'    "TaskArn": "{ARN}",'
    lines = wrap_whole(line, width)
    assert all(cell_len(part) <= width for part in lines)
    assert (len(lines) == 1) == (width >= len(line))
    # every piece between breaks (an id, an ARN field) is on one line, whole
    for piece in BREAKS.split(line.strip()):
        assert any(piece in part for part in lines), (piece, lines)
    # nothing lost or added: the breaks and the hang are all that is new
    assert "".join(part.strip() for part in lines).replace(" ", "") == line.replace(" ", "")


def test_words_break_at_spaces_and_a_continued_line_hangs_under_its_own() -> None:
    line = '      "Message": "The caller cannot create a resource snapshot of the opportunity. Grant it."'
    lines = wrap_whole(line, 40)
    assert lines[0].startswith('      "Message":')
    assert all(part.startswith(" " * 8) and not part.startswith(" " * 9) for part in lines[1:])
    assert " ".join(part.strip() for part in lines) == line.strip()
    assert all(cell_len(part) <= 40 for part in lines)


def test_a_piece_wider_than_the_view_is_cut_where_the_line_ends() -> None:
    lines = wrap_whole("task-" + "a" * 30, 12)
    assert all(cell_len(part) <= 12 for part in lines)
    assert lines[0] == "task-aaaaaaa" and "".join(p.strip() for p in lines) == "task-" + "a" * 30
    assert all(cell_len(part) <= 5 for part in wrap_whole("界界界界界界", 5))  # wide characters too


async def test_at_80_columns_the_record_view_shows_the_task_arn_and_its_id_whole() -> None:
    store = populated_store()
    keys, _, _ = TaskTable(store).compute_view()
    first = keys[0][-1]  # the task selected at start
    arn = f"arn:aws:partnercentral:us-east-1:aws:catalog/Sandbox/engagement-by-accepting-invitation-task/{first}"
    record = msgspec.structs.replace(store.task(first), task_arn=arn)
    store.apply_tasks([record], T0, quiet=True)
    app = make_app(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.table.selected_id == record.task_id
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RecordScreen)
        view = app.screen.query_one("#record-json")
        width = view.content_size.width
        shown = [strip.text.rstrip() for strip in view.render_lines(view.content_region.reset_offset)]
        assert all(cell_len(line) <= width for line in shown)
        assert len(record.task_arn) > width  # the ARN needs two lines
        for piece in BREAKS.split(record.task_arn):
            assert any(piece in line for line in shown), piece
        assert sum(record.task_id in line for line in shown) >= 2  # its TaskId and the ARN's end


def test_a_word_longer_than_many_lines_is_cut_at_each_line_end_and_loses_nothing() -> None:
    from rich.cells import cell_len

    from tui.dashboard.screens.record import wrap_whole

    word = "A" * 5_000 + "語" * 300 + "e\u0301" * 200  # (wide characters, and marks that take no cell)
    line = f'    "Message": "{word}",'
    lines = wrap_whole(line, 40)
    assert all(cell_len(part) <= 40 for part in lines)
    assert lines[0] == '    "Message":'
    assert "".join(part.strip(" ") for part in lines[1:]) == f'"{word}",'

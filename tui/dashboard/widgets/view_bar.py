"""One line above the table: what the view shows (sort, toggles, filter) and how many rows of how many."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from ..task_rows import SORT_TITLES, kind_label
from .line_pane import LinePane
from .safe_text import clean

if TYPE_CHECKING:
    from .task_table import TaskTable


def view_line(table: TaskTable, total: int) -> Text:
    line = Text(end="")
    line.append(f" {table.row_count:,}", style="bold")
    line.append(f" of {total:,} tasks · sort: {SORT_TITLES.get(table.sort, table.sort)}")
    if table.statuses is not None:
        line.append(" · status: ")
        line.append(", ".join(sorted(table.statuses)) or "none", style="bold yellow")
    if table.kinds is not None:
        line.append(" · kind: ")
        line.append(", ".join(kind_label(k) for k in sorted(table.kinds)) or "none", style="bold yellow")
    if table.needle:
        line.append(" · filter: ")
        line.append(clean(table.needle, limit=80), style="bold yellow")
    line.append("   ? help", style="dim")
    return line


class ViewBar(LinePane):
    DEFAULT_CSS = """
    ViewBar { height: 1; background: $boost; }
    """

    def show(self, table: TaskTable, total: int) -> None:
        self.set_lines([view_line(table, total)])

    def show_loading(self) -> None:
        self.set_lines([Text(" loading the journal…", style="dim", end="")])

"""`watch.table()`: the tasks as a Rich table for a terminal or a script, narrow enough for a notebook
cell or an 100-column terminal (the full message and the other ids are in `tasks()` and `to_pandas()`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from schemas import KINDS, TaskStatus, short_name
from tui.core.text_safety import visible
from tui.core.timefmt import SHORT_MINUTE, instant

if TYPE_CHECKING:
    from rich.table import Table

    from .results import TaskList

STATUS_STYLES = {TaskStatus.IN_PROGRESS: "yellow", TaskStatus.COMPLETE: "green", TaskStatus.FAILED: "red"}
#: The table's width at most: a cell's output area, a 100-column terminal.
WIDTH = 100


def task_table(tasks: TaskList, *, limit: int | None = 50) -> Table:
    from rich.table import Table
    from rich.text import Text

    shown = tasks[:limit] if limit else list(tasks)
    title = f"{len(tasks)} tasks" + (f" (newest {len(shown)} shown)" if len(shown) < len(tasks) else "")
    table = Table(title=title, title_justify="left", width=WIDTH, padding=(0, 1))
    # Ids keep their full width (people copy them); the message takes what is left and folds.
    id_width = min(40, max((len(r.task_id or "") for r in shown), default=7))
    table.add_column("Status", no_wrap=True, width=11)
    table.add_column("Task id", no_wrap=True, min_width=id_width)
    table.add_column("Kind", no_wrap=True, width=max(len(k.short) for k in KINDS))
    table.add_column("Started", no_wrap=True, width=11)
    table.add_column("Reason / message", overflow="fold", ratio=1)
    for record in shown:
        reason = " · ".join(v for v in (record.reason_code, " ".join((record.message or "").split())) if v)
        table.add_row(
            Text(
                visible(record.task_status, limit=64), style=STATUS_STYLES.get(record.task_status or "", "")
            ),
            Text(visible(record.task_id, limit=200)),
            Text(short_name(record.kind) or visible(record.kind, limit=64)),
            Text(instant(record.start_time, SHORT_MINUTE)),
            Text(visible(reason, limit=300)),
        )
    return table

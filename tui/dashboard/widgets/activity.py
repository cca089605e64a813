"""Activity: task status transitions as the poller observes them, newest first."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from rich.text import Text

from tui.core.timefmt import CLOCK, instant
from tui.engine.api import Transition

from ..task_rows import STATUS_MARKS, kind_label
from .line_pane import LinePane
from .safe_text import clean

_STYLES = {"FAILED": "bold red", "COMPLETE": "green", "IN_PROGRESS": "yellow"}


def transition_line(t: Transition) -> Text:
    line = Text(end="")
    line.append(instant(t.observed_at, CLOCK), style="dim")
    line.append(" ")
    line.append(kind_label(t.kind))
    line.append(" " + clean(t.task_id, limit=64) + " ")
    if t.from_status:
        line.append(clean(t.from_status, limit=32), style=_STYLES.get(t.from_status, ""))
        line.append(" → ")
    else:
        line.append("new ", style="dim")
    to = t.to_status
    line.append(f"{STATUS_MARKS.get(to, '?')} {clean(to, limit=32)}", style=_STYLES.get(to, "bold"))
    return line


class ActivityLog(LinePane):
    DEFAULT_CSS = """
    ActivityLog { height: 1fr; }
    """

    def show(self, transitions: Iterable[Transition]) -> None:
        height = max(1, self.size.height or 50)
        self.set_lines([transition_line(t) for t in islice(transitions, height)])

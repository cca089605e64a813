"""The progress bar a cell shows while `Watch` waits for the account's tasks: how many are in, which
kinds' newest page (or whole history) has arrived, how long it has taken. In a kernel it is one output
updated in place (`cell.CellOutput`), then replaced by a one-line summary; elsewhere it shows nothing."""

from __future__ import annotations

import time
from dataclasses import dataclass

from . import html
from .cell import CellOutput, bundle

#: A wait shorter than this shows no bar (a journal-backed watch is ready at once).
SHOW_AFTER = 0.3


@dataclass(frozen=True)
class Loading:
    """How far the loading has got."""

    #: What is awaited: "the newest tasks of each kind" or "the whole history".
    goal: str
    tasks: int
    kinds_done: int
    kinds: int
    #: The poller's last error, if the last poll failed.
    error: str | None = None


class ProgressBar:
    """`update(loading)` as often as wanted (shown after `SHOW_AFTER` s); `finish(summary)` once."""

    def __init__(self) -> None:
        self._output = CellOutput()
        self._started = time.monotonic()

    def _html(self, loading: Loading, elapsed: float) -> str:
        error = f"<br>{html.muted('last poll failed: ' + html.text(loading.error))}" if loading.error else ""
        return (
            f'<div class="pcwatch-progress" style="font-size:12px">'
            f'<progress value="{loading.kinds_done}" max="{loading.kinds}" style="width:16em"></progress> '
            f"loading {html.text(loading.goal)}: {loading.tasks:,} tasks so far, "
            f"{loading.kinds_done} of {loading.kinds} kinds in, {elapsed:.0f} s{error}</div>"
        )

    def update(self, loading: Loading) -> None:
        elapsed = time.monotonic() - self._started
        if elapsed < SHOW_AFTER:
            return
        text = f"loading {loading.goal}: {loading.tasks:,} tasks, {loading.kinds_done}/{loading.kinds} kinds"
        data = bundle(self._html(loading, elapsed), text)
        if self._output.shown:
            self._output.update(data)
        else:
            self._output.show(data)

    def finish(self, summary: str) -> None:
        """Replace the bar (if shown) by `summary`."""
        elapsed = time.monotonic() - self._started
        line = f"{summary} ({elapsed:.1f} s)"
        self._output.update(bundle(f'<div style="font-size:12px">{html.muted(html.text(line))}</div>', line))

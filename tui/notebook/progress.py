"""The progress bar a cell shows while `Watch` waits: for the account's tasks (how many are in, which
kinds' newest page or whole history has arrived) or for a bulk job's results (how many records' results
are in, of how many). In a kernel it is one output updated in place (`cell.CellOutput`), then replaced by
a one-line summary; elsewhere it shows nothing."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from . import html
from .cell import CellOutput, bundle

#: A wait shorter than this shows no bar (a journal-backed watch is ready at once).
SHOW_AFTER = 0.3


class Progress(Protocol):
    """What a bar shows: how far (`done` of `total`; a total of None draws an indeterminate bar), in
    words."""

    @property
    def done(self) -> int: ...

    @property
    def total(self) -> int | None: ...

    #: The poller's last error, if the last poll failed.
    @property
    def error(self) -> str | None: ...

    def words(self) -> str: ...


@dataclass(frozen=True)
class Loading:
    """How far the loading of the tasks has got."""

    #: What is awaited: "the newest tasks of each kind" or "the whole history".
    goal: str
    tasks: int
    kinds_done: int
    kinds: int
    error: str | None = None
    #: What `tasks` counts ("tasks", or "bulk jobs" while they are listed).
    noun: str = "tasks"

    @property
    def done(self) -> int:
        return self.kinds_done

    @property
    def total(self) -> int | None:
        return self.kinds

    def words(self) -> str:
        return f"loading {self.goal}: {self.tasks:,} {self.noun} so far, {self.kinds_done} of {self.kinds} kinds in"


@dataclass(frozen=True)
class ResultsLoading:
    """How far the fetching of a bulk job's per-record results has got."""

    job_id: str
    #: Results in so far.
    fetched: int
    #: How many there will be (the job's processed records, or its failed ones), if known.
    expected: int | None
    failed_only: bool = False
    error: str | None = None

    @property
    def done(self) -> int:
        return self.fetched

    @property
    def total(self) -> int | None:
        return self.expected

    def words(self) -> str:
        what = "failed records" if self.failed_only else "results"
        of = f" of {self.expected:,}" if self.expected is not None else ""
        return f"fetching the {what} of {self.job_id}: {self.fetched:,}{of} in"


class ProgressBar:
    """`update(progress)` as often as wanted (shown after `SHOW_AFTER` s); `finish(summary)` once."""

    def __init__(self) -> None:
        self._output = CellOutput()
        self._started = time.monotonic()

    def _html(self, progress: Progress, elapsed: float) -> str:
        error = (
            f"<br>{html.muted('last poll failed: ' + html.text(progress.error))}" if progress.error else ""
        )
        bar = (
            f'<progress value="{progress.done}" max="{progress.total}" style="width:16em"></progress>'
            if progress.total
            else '<progress style="width:16em"></progress>'
        )
        return (
            f'<div class="pcwatch-progress" style="font-size:12px">'
            f"{bar} {html.text(progress.words())}, {elapsed:.0f} s{error}</div>"
        )

    def update(self, progress: Progress) -> None:
        elapsed = time.monotonic() - self._started
        if elapsed < SHOW_AFTER:
            return
        data = bundle(self._html(progress, elapsed), progress.words())
        if self._output.shown:
            self._output.update(data)
        else:
            self._output.show(data)

    def finish(self, summary: str) -> None:
        """Replace the bar (if shown) by `summary`."""
        elapsed = time.monotonic() - self._started
        line = f"{summary} ({elapsed:.1f} s)"
        self._output.update(bundle(f'<div style="font-size:12px">{html.muted(html.text(line))}</div>', line))

"""`enter`: the selected task's full record as JSON (wire names; `Kind` the short name, `WireKind` the
service's), its transitions and its job. A line wider than the view breaks between tokens (at a space,
after `:` `/` `,`), never inside an id or a word, unless one alone is wider than the view
(`wrap_whole`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

import msgspec
from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from schemas import GetResourceSnapshotJobResponse, TaskRecord, task_document
from tui.core.timefmt import iso
from tui.engine.api import Transition

from ..widgets.safe_text import clean
from ..widgets.scrolling import FollowingScroll

#: The record view shows at most this much; export writes everything.
RECORD_VIEW_CHARS = 200_000


def record_json(
    record: TaskRecord,
    job: GetResourceSnapshotJobResponse | None = None,
    transitions: list[Transition] | None = None,
) -> str:
    """Pretty JSON. JSON escapes control characters itself; `safe_text` catches the rest."""
    doc: dict[str, Any] = {"Task": task_document(record)}
    if job is not None:
        doc["ResourceSnapshotJob"] = job.to_dict()
    if transitions:
        doc["Transitions"] = [
            {
                "From": t.from_status,
                "To": t.to_status,
                "ObservedAt": iso(t.observed_at),
            }
            for t in transitions
        ]
    return msgspec.json.format(msgspec.json.encode(doc), indent=2).decode()


#: A line's pieces: a run of spaces, or a word with the separators after it (a line may break after them:
#: between an ARN's fields and path segments, after a JSON key or a comma).
_PIECE = re.compile(r" +|[^ :/,]+[:/,]*|[:/,]+")


def wrap_whole(line: str, width: int) -> list[str]:
    """`line` in lines of at most `width` cells, broken between pieces (`_PIECE`): at a space (dropped)
    or after `:` `/` `,`. A continued line is indented two more than the line's own indentation. A piece
    wider than a whole line is cut where the line ends (the only way it can show)."""
    if width <= 0 or cell_len(line) <= width:
        return [line]
    body = line.lstrip(" ")
    indent = len(line) - len(body)
    hang = " " * min(indent + 2, width // 2)
    lines: list[str] = []
    current, used, bare = " " * min(indent, width // 2), min(indent, width // 2), True
    for piece in _PIECE.findall(body):
        size = cell_len(piece)
        if used + size <= width:
            current, used, bare = current + piece, used + size, False
            continue
        if piece.startswith(" "):
            continue  # a break at spaces drops them
        if not bare:
            lines.append(current.rstrip(" "))
            current, used, bare = hang, len(hang), True
        if used + size > width:  # wider than a whole line: cut where each line ends
            current, piece = _cut(piece, width, current, used, hang, lines)
            used = cell_len(current)
        current, used, bare = current + piece, used + cell_len(piece), False
    if not bare:
        lines.append(current.rstrip(" "))
    return lines


def _cut(piece: str, width: int, current: str, used: int, hang: str, lines: list[str]) -> tuple[str, str]:
    """Fill lines from `piece` (wider than what is left of the line) until its rest fits: the line to go
    on with and that rest. Each line is chopped from a bounded window of the piece, so a 200,000-character
    word costs its length, not its length squared."""
    pos = 0
    while True:
        room = width - used
        window = piece[pos : pos + 4 * room + 4]  # (more than fits: zero-width characters take no cell)
        head = chop_cells(window, room)[0] if room > 0 else ""
        if pos + len(head) >= len(piece):
            return current, piece[pos:]
        head = head or piece[pos]  # (a wide character, one cell left)
        lines.append(current + head)
        pos += len(head)
        current, used = hang, len(hang)


class WholeIds:
    """Text (made safe already) drawn with `wrap_whole` at whatever width it is given."""

    def __init__(self, text: str) -> None:
        self.plain = text
        self.lines = text.split("\n")

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        width = options.max_width
        wrapped = [part for line in self.lines for part in wrap_whole(line, width)]
        yield Text("\n".join(wrapped), no_wrap=True, overflow="crop", end="")


class RecordScreen(ModalScreen[None]):
    BINDINGS: ClassVar = [Binding("escape,q,enter", "dismiss", "Close")]
    DEFAULT_CSS = """
    RecordScreen { align: center middle; }
    RecordScreen > VerticalScroll {
        width: 100; max-width: 100%; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with FollowingScroll() as scroll:
            scroll.border_title = "Task record (JSON)"
            scroll.border_subtitle = "esc to close"
            shown = clean(self.text, multiline=True, limit=RECORD_VIEW_CHARS)
            yield Static(WholeIds(shown), id="record-json")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)

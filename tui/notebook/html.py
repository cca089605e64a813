"""The notebook's HTML: small tables for a cell's output, every untrusted string through `visible` in its
HTML form (control and format characters as visible escapes, markup as text), status colours that read
on light and dark themes, times absolute (UTC) and relative to when the result was made."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from schemas import TaskStatus
from schemas.kinds import BY_WIRE
from tui.core.text_safety import HTML, visible
from tui.core.timefmt import SECOND, instant, relative

#: Readable on JupyterLab's and VS Code's light and dark themes.
STATUS_COLOURS = {
    TaskStatus.IN_PROGRESS: "#b26a00",
    TaskStatus.COMPLETE: "#2e7d32",
    TaskStatus.FAILED: "#c62828",
    # Bulk jobs and their records.
    "SUBMITTED": "#616161",
    "COMPLETED": "#2e7d32",
    "SUCCEEDED": "#2e7d32",
    # Snapshot jobs and invitations.
    "Running": "#b26a00",
    "Stopped": "#616161",
    "PENDING": "#b26a00",
    "ACCEPTED": "#2e7d32",
    "REJECTED": "#c62828",
    "EXPIRED": "#616161",
}
MUTED = "opacity:0.65"
TABLE_STYLE = "border-collapse:collapse;font-size:12px;font-family:var(--jp-code-font-family,monospace)"
CELL_STYLE = "padding:1px 8px;text-align:left;vertical-align:top;white-space:nowrap"


def text(value: object, limit: int | None = 300) -> str:
    """An untrusted value as HTML text (also safe inside a quoted attribute)."""
    return visible(value, form=HTML, limit=limit)


def status(value: str | None) -> str:
    colour = STATUS_COLOURS.get(value or "", "inherit")
    return f'<span style="color:{colour};font-weight:bold">{text(value or "?", limit=64)}</span>'


def kind(value: str | None) -> str:
    """A kind's short name; its tooltip says what it does and the service's name for it."""
    known = BY_WIRE.get(value or "")
    if known is None:
        return text(value, limit=64)
    return f'<span title="{text(f"{known.label}: {known.wire}")}">{known.short}</span>'


def when(value: datetime | None, now: datetime) -> str:
    """`2026-11-28 09:00:00 (12m ago)`; "" for None."""
    if value is None:
        return ""
    return f'{instant(value, SECOND)} <span style="{MUTED}">({relative(value, now)})</span>'


def muted(html: str) -> str:
    return f'<span style="{MUTED}">{html}</span>'


def long_text(value: str | None, limit: int = 80) -> str:
    """A message on one line: its first `limit` characters, the whole (up to 2,000) as the tooltip."""
    if not value:
        return ""
    folded = " ".join(value.split())
    if len(folded) <= limit:
        return text(folded, limit=None)
    return f'<span title="{text(folded, limit=2000)}">{text(folded[:limit], limit=None)}…</span>'


def table(caption: str, headers: Sequence[str], rows: Iterable[Sequence[str]], footer: str = "") -> str:
    """An HTML table of cells that are already HTML (made by the functions above)."""
    head = "".join(f'<th style="{CELL_STYLE}">{h}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td style="{CELL_STYLE}">{cell}</td>' for cell in row) + "</tr>" for row in rows
    )
    tail = f'<div style="{MUTED};font-size:12px">{footer}</div>' if footer else ""
    return (
        f'<div class="pcwatch"><div style="font-size:13px;margin:2px 0">{caption}</div>'
        f'<table style="{TABLE_STYLE}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{tail}</div>'
    )

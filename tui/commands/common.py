"""What the headless commands share: connecting (or starting the demo endpoint), `--kind`, errors."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

import msgspec

from schemas import UnknownKind, resolve_kind, short_name
from schemas.kinds import BULK, KINDS, SHORT_NAMES, TASK
from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings
from tui.core.text_safety import CSV, JSON, LINE, visible
from tui.core.timefmt import iso

if TYPE_CHECKING:
    from tui.aws.client import PartnerCentralClient
    from tui.core.clock import Clock
    from tui.engine.budget import RequestBudget


#: What `--kind` takes, for the commands' help.
KIND_CHOICES = ", ".join(SHORT_NAMES)
#: Which command lists each family (what a `--kind` of the other family is pointed to).
FAMILY_COMMANDS = {TASK: ("task", "pcwatch list"), BULK: ("bulk job", "pcwatch jobs")}


_encode_json = msgspec.json.Encoder().encode


def short_names(family: str | None = None) -> list[str]:
    """The short names of a family's kinds (None: every kind), in the table's order."""
    return [k.short for k in KINDS if family is None or k.family == family]


def kind_parser(family: str | None = None) -> Callable[[str], str]:
    """`--kind`'s type: a short name (`inv-to-eng`) -> the wire kind, of `family` only (None: any kind).
    An old spelling (`accept`, a wire name, `inv→eng`) still works, with a one-line note on stderr naming
    the short name; a kind of another family is refused naming the command that lists it."""
    names = short_names(family)

    def parse(value: str) -> str:
        try:
            choice = resolve_kind(value)
        except UnknownKind:
            unknown = f"unknown kind {visible(value, limit=80)!r}: use one of {', '.join(names)}"
            raise argparse.ArgumentTypeError(unknown) from None
        kind = choice.kind
        if family is not None and kind.family != family:
            noun, command = FAMILY_COMMANDS.get(kind.family, (kind.family, "another command"))
            raise argparse.ArgumentTypeError(
                f"{kind.short} is a kind of {noun}: `{command} --kind {kind.short}`; here use one of "
                f"{', '.join(names)}"
            )
        if choice.old_spelling:
            print(
                f"pcwatch: note: --kind {visible(value, limit=80)} is now spelt --kind {kind.short}",
                file=sys.stderr,
            )
        return kind.wire

    parse.__name__ = "kind"
    return parse


#: Any kind (`wait`).
parse_kind = kind_parser()


def statuses_of(family: str) -> tuple[str, ...]:
    """The statuses the kinds of a family carry (the service's enum), in the table's order."""
    return tuple(dict.fromkeys(s for kind in KINDS if kind.family == family for s in kind.statuses))


def listed(values: Iterable[str]) -> str:
    """Values as a command line takes them: `Co-Sell, "For Visibility Only"`."""
    return ", ".join(f'"{v}"' if " " in v else v for v in values)


def choice_parser(noun: str, values: Sequence[str]) -> Callable[[str], str]:
    """The type of an option that takes one of the service's enum `values` (`--status`, `--visibility`):
    any case of one of them -> its spelling in `values`; anything else is refused at once, naming them
    all (argparse: exit 2, one line, before any request)."""
    by_key = {v.casefold(): v for v in values}

    def parse(text: str) -> str:
        value = by_key.get(text.strip().casefold())
        if value is None:
            raise argparse.ArgumentTypeError(
                f"unknown {noun} {visible(text, limit=80)!r}: use one of {listed(values)}"
            )
        return value

    parse.__name__ = noun
    return parse


def add_choice_option(
    parser: argparse.ArgumentParser,
    flag: str,
    values: Sequence[str],
    help: str,
    *,
    noun: str,
    repeatable: bool = False,
    **options: Any,
) -> None:
    """An option taking one of `values` (any case; `choice_parser`), its help ending in the values."""
    parser.add_argument(
        flag,
        action="append" if repeatable else "store",
        type=choice_parser(noun, values),
        metavar=options.pop("metavar", noun.upper().replace(" ", "_")),
        help=f"{help}: {listed(values)}" + (" (repeatable)" if repeatable else ""),
        **options,
    )


def kind_cell(kind: str) -> str:
    """A kind in a plain table: its short name (a kind this version does not know: its name, made safe)."""
    return short_name(kind) or visible(kind, limit=64)


def column_lines(
    header: Sequence[str], rows: Iterable[Sequence[str]], *, right: Container[int] = ()
) -> list[str]:
    """A plain table's lines, header first: columns two spaces apart, those numbered in `right` aligned
    right; a last column aligned left is not padded (a message). Cells must already be safe (`visible`)."""
    table = [list(header), *(list(r) for r in rows)]
    last = len(header) - 1
    widths = [
        0 if i == last and i not in right else max(len(row[i]) for row in table) for i in range(last + 1)
    ]
    return [
        "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in table
    ]


def print_columns(
    header: Sequence[str], rows: Iterable[Sequence[str]], out: TextIO, *, right: Container[int] = ()
) -> None:
    for line in column_lines(header, rows, right=right):
        out.write(line + "\n")


def cell(value: object, width: int | None = None, form: str = LINE) -> str:
    """A value of a listing as one cell, made safe (`visible` in `form`): "" for None, a time in ISO
    8601, cut to `width` with "…"."""
    if value is None:
        return ""
    text = visible(iso(value) if isinstance(value, datetime) else str(value), form=form)
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    return text


def write_csv(documents: Iterable[Mapping[str, object]], fields: Sequence[str], out: TextIO) -> None:
    """`--csv`: the wire names as the header, a row a document, every cell made safe for CSV."""
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for document in documents:
        writer.writerow({k: cell(v, form=CSV) for k, v in document.items()})


def print_json_lines(documents: Iterable[object], out: TextIO) -> None:
    """`--json`: one JSON object a line (msgspec's encoding), made safe for a terminal."""
    for document in documents:
        out.write(visible(_encode_json(document).decode(), form=JSON) + "\n")


def error(command: str, message: str) -> ExitStatus:
    """A command that failed (credentials, the network, the service): one line on stderr, exit 3."""
    return _said(command, message, ExitStatus.ERROR)


def refuse(command: str, message: str) -> ExitStatus:
    """A command that will not act (an argument, a setting, a port, a write not confirmed): one line on
    stderr, exit 2; nothing was done."""
    return _said(command, message, ExitStatus.USAGE)


def _said(command: str, message: str, status: ExitStatus) -> ExitStatus:
    from tui.core.text_safety import one_line

    print(f"pcwatch {command}: {one_line(message, limit=2000)}", file=sys.stderr)
    return status


def add_kind_option(
    parser: argparse.ArgumentParser, help: str, *, repeatable: bool, family: str | None = None
) -> None:
    """`--kind`: a kind's short name (old spellings with a note), as the wire kind; of `family` only
    (`TASK`, `BULK`; None: any)."""
    parser.add_argument(
        "--kind",
        action="append" if repeatable else "store",
        type=kind_parser(family),
        default=None,
        metavar="KIND",
        help=f"{help}: {', '.join(short_names(family))}" + (" (repeatable)" if repeatable else ""),
    )


@contextmanager
def connected(settings: Settings, **client_options: Any) -> Iterator[tuple[PartnerCentralClient, Settings]]:
    """A client for the settings; with `--demo`, the demo endpoint first. Raises ApiFailure."""
    from tui.aws.client import make_client
    from tui.simulator.demo import start_demo, wants_demo

    demo = start_demo(settings) if wants_demo(settings) else None
    try:
        if demo is not None:
            settings = demo.settings
        client = make_client(settings, **client_options)
        try:
            yield client, settings
        finally:
            client.close()
    finally:
        if demo is not None:
            demo.close()


@contextmanager
def shared_budget(settings: Settings, clock: Clock) -> Iterator[RequestBudget]:
    """The read budget every pcwatch of this endpoint, account and catalog spends from: the calls are
    recorded in their journal (rolling 24 h), so repeated runs never spend more than `--daily-calls`
    together. With `--no-journal` (or `--demo` without `--journal`) it is this run's alone. `settings`
    as `connected` gives them (pointed at the demo's endpoint)."""
    from tui.engine.budget import RequestBudget
    from tui.engine.journal import journal_for

    journal = journal_for(settings)
    try:
        yield RequestBudget(settings.budget, clock, ledger=journal.call_ledger() if journal else None)
    finally:
        if journal is not None:
            journal.close()

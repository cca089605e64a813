"""One name per kind, generated from the kinds table (`schemas.kinds`): what the dashboard's Kind column
shows for a task of a kind is what `--kind` takes (through pcwatch's own argparse) and what
`pcwatch list --json`/`--csv` print as `Kind` (run against the local endpoint); the old spellings
still work with a one-line note on stderr; anything else is refused naming the short names."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from schemas import TaskRecord
from schemas.kinds import BY_SHORT, KINDS, TASK_KINDS, Kind
from tests.support.writes import run_pcwatch as pcwatch
from tui.__main__ import build_parser
from tui.dashboard import task_rows
from tui.simulator import Simulator, serve

KIND_IDS = [k.short for k in KINDS]
#: Every command with `--kind`, and what else it needs to parse.
KIND_COMMANDS = [("list",), ("stats",), ("wait", "task-0123456789abc")]
SHORT_NAMES = ", ".join(k.short for k in KINDS)


@pytest.fixture(scope="module")
def endpoint_url() -> Iterator[str]:
    simulator = Simulator(seed=11, history=120)
    with serve(simulator) as endpoint:
        yield endpoint.url


def dashboard_kind_cell(kind: Kind) -> str:
    """The Kind column of the dashboard's task table for a task of `kind`, as drawn."""
    record = TaskRecord(kind=kind.wire, task_id="task-0123456789abc", task_status="IN_PROGRESS")
    cell = task_rows.cells(record, None, None)[task_rows.COLUMN_KEYS.index("kind")]
    assert cell.rstrip() == cell.strip() and "…" not in cell  # whole, not cut to the column
    return cell.strip()


@pytest.mark.parametrize("kind", TASK_KINDS.values(), ids=[k.short for k in TASK_KINDS.values()])
def test_the_dashboards_kind_name_is_what_list_takes_and_prints(
    kind: Kind, endpoint_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = dashboard_kind_cell(kind)
    assert shown == kind.short
    for command in KIND_COMMANDS:
        args = build_parser().parse_args([*command, "--kind", shown])
        assert args.kind in (kind.wire, [kind.wire]), command
    assert capsys.readouterr().err == ""  # the short name needs no note

    listed = pcwatch("list", "--endpoint-url", endpoint_url, "--kind", shown, "--json")
    assert listed.returncode == 0 and listed.stderr == "", listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert rows, "the simulator's history has tasks of every kind"
    assert {r["Kind"] for r in rows} == {shown}
    assert {r["WireKind"] for r in rows} == {kind.wire}

    as_csv = pcwatch("list", "--endpoint-url", endpoint_url, "--kind", shown, "--csv")
    assert as_csv.returncode == 0, as_csv.stderr
    table = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(table) == len(rows)
    assert {(r["Kind"], r["WireKind"]) for r in table} == {(shown, kind.wire)}


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
@pytest.mark.parametrize("command", KIND_COMMANDS, ids=[c[0] for c in KIND_COMMANDS])
def test_old_spellings_still_work_with_a_one_line_note(
    kind: Kind, command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    for old in (*kind.old_spellings, kind.wire, kind.wire.lower()):
        args = build_parser().parse_args([*command, "--kind", old])
        assert args.kind in (kind.wire, [kind.wire]), old
        note = capsys.readouterr().err
        assert note == f"pcwatch: note: --kind {old} is now spelt --kind {kind.short}\n"


@pytest.mark.parametrize("command", KIND_COMMANDS, ids=[c[0] for c in KIND_COMMANDS])
def test_an_unknown_kind_is_refused_with_the_short_names(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as refused:
        build_parser().parse_args([*command, "--kind", "opp→opp"])
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --kind: unknown kind 'opp→opp': use one of {SHORT_NAMES}" in err


def test_an_old_spelling_end_to_end(endpoint_url: str) -> None:
    listed = pcwatch("list", "--endpoint-url", endpoint_url, "--kind", "accept", "--json")
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr == "pcwatch: note: --kind accept is now spelt --kind inv-to-eng\n"
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert rows and {r["Kind"] for r in rows} == {"inv-to-eng"}
    refused = pcwatch("list", "--endpoint-url", endpoint_url, "--kind", "inv→opp")
    assert refused.returncode == 2 and refused.stdout == ""
    assert f"unknown kind 'inv→opp': use one of {SHORT_NAMES}" in refused.stderr


def test_the_readme_lists_every_kind_as_the_table_declares_it() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `") and line.count("|") == 4]
    listed = [tuple(cell.strip().strip("`") for cell in row.strip("|").split("|")) for row in rows]
    kinds = [(k.short, k.wire, k.label) for k in KINDS]
    assert [row for row in listed if row[0] in BY_SHORT] == kinds

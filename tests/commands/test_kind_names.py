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
from schemas.kinds import BULK, BULK_KINDS, BY_SHORT, KINDS, TASK, TASK_KINDS, Kind
from tests.support.writes import run_pcwatch as pcwatch
from tui.__main__ import build_parser
from tui.dashboard import task_rows
from tui.simulator import Simulator, serve

KIND_IDS = [k.short for k in KINDS]
#: Every command with `--kind`, what else it needs to parse, and the family of kinds it takes (None: any).
KIND_COMMANDS: list[tuple[tuple[str, ...], str | None]] = [
    (("list",), TASK),
    (("stats",), None),
    (("wait", "task-0123456789abc"), None),
    (("jobs",), BULK),
    (("results", "bulkjob-0123456789abc"), BULK),
]
COMMAND_IDS = [c[0][0] for c in KIND_COMMANDS]


def names(family: str | None) -> str:
    return ", ".join(k.short for k in KINDS if family is None or k.family == family)


def takes(family: str | None, kind: Kind) -> bool:
    return family is None or kind.family == family


def cases(taken: bool) -> list[pytest.param]:  # type: ignore[valid-type]
    """(kind, command, family) for each command and each kind it takes (or, `taken=False`, refuses)."""
    return [
        pytest.param(kind, command, family, id=f"{command[0]}-{kind.short}")
        for command, family in KIND_COMMANDS
        for kind in KINDS
        if takes(family, kind) == taken
    ]


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
    for command, family in KIND_COMMANDS:
        if not takes(family, kind):
            continue
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


@pytest.mark.parametrize(("kind", "command", "family"), cases(taken=True))
def test_old_spellings_still_work_with_a_one_line_note(
    kind: Kind, command: tuple[str, ...], family: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    for old in (*kind.old_spellings, kind.wire, kind.wire.lower()):
        args = build_parser().parse_args([*command, "--kind", old])
        assert args.kind in (kind.wire, [kind.wire]), old
        note = capsys.readouterr().err
        assert note == f"pcwatch: note: --kind {old} is now spelt --kind {kind.short}\n"


@pytest.mark.parametrize(("command", "family"), KIND_COMMANDS, ids=COMMAND_IDS)
def test_an_unknown_kind_is_refused_with_the_short_names(
    command: tuple[str, ...], family: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as refused:
        build_parser().parse_args([*command, "--kind", "opp→opp"])
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --kind: unknown kind 'opp→opp': use one of {names(family)}" in err


@pytest.mark.parametrize(("kind", "command", "family"), cases(taken=False))
def test_a_kind_of_the_other_family_is_refused_naming_the_command_that_lists_it(
    kind: Kind, command: tuple[str, ...], family: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as refused:
        build_parser().parse_args([*command, "--kind", kind.short])
    assert refused.value.code == 2
    lister = "pcwatch jobs" if kind.family == BULK else "pcwatch list"
    err = capsys.readouterr().err
    assert f"{kind.short} is a kind of " in err and f"`{lister} --kind {kind.short}`" in err
    assert f"here use one of {names(family)}" in err


def test_an_old_spelling_end_to_end(endpoint_url: str) -> None:
    listed = pcwatch("list", "--endpoint-url", endpoint_url, "--kind", "accept", "--json")
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr == "pcwatch: note: --kind accept is now spelt --kind inv-to-eng\n"
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert rows and {r["Kind"] for r in rows} == {"inv-to-eng"}
    refused = pcwatch("list", "--endpoint-url", endpoint_url, "--kind", "inv→opp")
    assert refused.returncode == 2 and refused.stdout == ""
    assert f"unknown kind 'inv→opp': use one of {names(TASK)}" in refused.stderr


@pytest.mark.parametrize("kind", BULK_KINDS.values(), ids=[k.short for k in BULK_KINDS.values()])
def test_jobs_takes_and_prints_the_bulk_kinds_short_name(kind: Kind, endpoint_url: str) -> None:
    listed = pcwatch("jobs", "--endpoint-url", endpoint_url, "--kind", kind.short, "--json")
    assert listed.returncode == 0 and listed.stderr == "", listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert rows, "the simulator's history has bulk jobs of every kind"
    assert {(r["Kind"], r["WireKind"]) for r in rows} == {(kind.short, kind.wire)}
    as_csv = list(
        csv.DictReader(
            io.StringIO(pcwatch("jobs", "--endpoint-url", endpoint_url, "--kind", kind.short, "--csv").stdout)
        )
    )
    assert len(as_csv) == len(rows) and {(r["Kind"], r["WireKind"]) for r in as_csv} == {
        (kind.short, kind.wire)
    }


def test_the_readme_lists_every_kind_as_the_table_declares_it() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `") and line.count("|") == 4]
    listed = [tuple(cell.strip().strip("`") for cell in row.strip("|").split("|")) for row in rows]
    kinds = [(k.short, k.wire, k.label) for k in KINDS]
    assert [row for row in listed if row[0] in BY_SHORT] == kinds

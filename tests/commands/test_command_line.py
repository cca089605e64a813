"""The command line's own errors: a usage error is the one useful line first and where the help is (no
usage block), exit 2; and every option that takes one of the service's enum values takes it in any case
and refuses anything else locally — exit 2, one line naming the values, no request (counted at the local
endpoint, by its own record of requests)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import botocore.session
import pytest

from schemas import (
    BulkFileFormat,
    BulkJobStatus,
    PayloadType,
    SalesInvolvementType,
    TaskStatus,
    Visibility,
)
from tests.support.writes import run_pcwatch
from tui.__main__ import build_parser, main
from tui.core.exit_status import ExitStatus
from tui.simulator import Simulator, serve

#: Every option that takes one of the service's enum values: (the command and what else it needs, the
#: option, the values it takes, the service model's enum they are).
ENUM_OPTIONS: list[tuple[tuple[str, ...], str, tuple[str, ...], str]] = [
    (("list",), "--status", TaskStatus.VALUES, "TaskStatus"),
    (("jobs",), "--status", BulkJobStatus.VALUES, "BulkJobStatus"),
    (("accept", "--all-pending"), "--payload-type", PayloadType.VALUES, "EngagementInvitationPayloadType"),
    (
        ("start-engagement", "O1234567890"),
        "--involvement",
        SalesInvolvementType.VALUES,
        "SalesInvolvementType",
    ),
    (
        ("start-engagement", "O1234567890", "--involvement", "Co-Sell"),
        "--visibility",
        Visibility.VALUES,
        "Visibility",
    ),
    (("start-bulk-import", "s3://bucket/file.csv"), "--format", BulkFileFormat.VALUES, "BulkFileFormat"),
]
ENUM_IDS = [f"{o[0][0]}{o[1]}" for o in ENUM_OPTIONS]
#: The options of free text (ids, names, paths, URLs, a window, a list of fault rates): no enum among them.
FREE_TEXT = {
    ("simulate", "--faults"),
    ("simulate", "--events-to"),
    ("results", "job_id"),
    ("wait", "task_id"),
    ("accept", "invitation_id"),
    ("accept", "--sender"),
    ("reject", "invitation_id"),
    ("reject", "--reason"),
    ("start-engagement", "opportunity_id"),
    ("start-opportunity", "engagement_id"),
    ("start-opportunity", "--context"),
    ("start-bulk-import", "file_uri"),
    ("serve", "--host"),
    ("serve", "--public-url"),
    ("serve", "--token"),
    ("serve", "--frame-ancestors"),
    ("events setup", "--queue"),
    ("events setup", "--rule"),
    ("events setup", "--aws-endpoint-url"),
    ("events status", "--aws-endpoint-url"),
    ("stats", "--since"),
    ("journal", "--older-than"),
}


def _command_options() -> Iterator[tuple[str, argparse.Action]]:
    """(command, action) for every option and argument of every command that takes a value, the global
    options (settings, checked by their own table) left out."""
    parser = build_parser()
    global_options = {a.dest for a in parser._actions}

    def walk(name: str, command: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.Action]]:
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, sub in action.choices.items():
                    yield from walk(f"{name} {sub_name}", sub)
            elif action.dest not in global_options and action.nargs != 0:
                yield name, action

    for name, command in parser.commands.items():
        yield from walk(name, command)


def _name(action: argparse.Action) -> str:
    return action.option_strings[0] if action.option_strings else action.dest


def test_every_option_of_text_is_an_enum_option_a_kind_or_free_text() -> None:
    """A new option that takes a word is classified here: one of the service's values (then it is in
    ENUM_OPTIONS and validated locally), a kind, or free text."""
    enum_options = {(o[0][0], o[1]) for o in ENUM_OPTIONS}
    found_enum: set[tuple[str, str]] = set()
    for command, action in _command_options():
        kind = getattr(action.type, "__qualname__", "")
        key = (command, _name(action))
        if kind.startswith("choice_parser."):
            found_enum.add(key)
        elif action.type is None and not action.choices:
            assert key in FREE_TEXT, f"{key}: one of the service's values? use common.add_choice_option"
        else:  # a kind, a number, or argparse's own choices (`config show|path`)
            assert kind.startswith("kind_parser.") or action.type in (int, float) or action.choices, key
    assert found_enum == enum_options


@pytest.mark.parametrize("enum_values", [o[2:] for o in ENUM_OPTIONS], ids=ENUM_IDS)
def test_the_values_are_the_service_models(enum_values: tuple[tuple[str, ...], str]) -> None:
    values, shape = enum_values
    model = botocore.session.Session().get_service_model("partnercentral-selling")
    assert set(values) == set(model.shape_for(shape).enum)


@pytest.mark.parametrize(("command", "option", "values", "_shape"), ENUM_OPTIONS, ids=ENUM_IDS)
def test_an_enum_option_takes_its_values_in_any_case(
    command: tuple[str, ...], option: str, values: tuple[str, ...], _shape: str
) -> None:
    dest = build_parser().commands[command[0]]._option_string_actions[option].dest
    for value in values:
        for typed in (value, value.lower(), value.upper(), f" {value.swapcase()} "):
            parsed = getattr(build_parser().parse_args([*command, option, typed]), dest)
            assert parsed == value or parsed == [value], typed


@pytest.fixture(scope="module")
def endpoint() -> Iterator[tuple[Simulator, str]]:
    simulator = Simulator(seed=5, history=50)
    with serve(simulator) as running:
        yield simulator, running.url


@pytest.mark.parametrize(("command", "option", "values", "_shape"), ENUM_OPTIONS, ids=ENUM_IDS)
def test_an_unknown_value_is_refused_before_any_request(
    endpoint: tuple[Simulator, str],
    command: tuple[str, ...],
    option: str,
    values: tuple[str, ...],
    _shape: str,
) -> None:
    simulator, url = endpoint
    before = simulator.stats.total
    result = run_pcwatch(*command, option, "FAILD", "--endpoint-url", url)
    assert result.returncode == ExitStatus.USAGE, result.stderr
    first, see = result.stderr.splitlines()
    assert first.startswith(f"pcwatch {command[0]}: error: argument {option}: unknown ")
    assert "'FAILD': use one of " in first and all(v in first for v in values)
    assert see == f"see pcwatch {command[0]} --help"
    assert result.stdout == ""
    assert simulator.stats.total == before  # no request reached the endpoint


def test_a_known_status_still_reaches_the_service(endpoint: tuple[Simulator, str]) -> None:
    # (The check above can fail: the same command with a good value does make requests.)
    simulator, url = endpoint
    before = simulator.stats.total
    result = run_pcwatch("list", "--status", "failed", "--endpoint-url", url, "--json")
    assert result.returncode == 0, result.stderr
    assert simulator.stats.total > before
    assert '"TaskStatus":"FAILED"' in result.stdout and '"TaskStatus":"COMPLETE"' not in result.stdout


# --- usage errors ----------------------------------------------------------------------------------------


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == ExitStatus.USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err.splitlines()


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["list", "--status", "FAILD"],
            "pcwatch list: error: argument --status: unknown status 'FAILD': use one of IN_PROGRESS, "
            "COMPLETE, FAILED",
        ),
        (
            ["list", "--kind", "foo"],
            "pcwatch list: error: argument --kind: unknown kind 'foo': use one of inv-to-eng, opp-to-eng, "
            "eng-to-opp, prospecting",
        ),
        (
            ["list", "--json", "--csv"],
            "pcwatch list: error: argument --csv: not allowed with argument --json",
        ),
        (["wait"], "pcwatch wait: error: the following arguments are required: ID"),
        (["events", "setup"], "pcwatch events setup: error: the following arguments are required: --queue"),
        (
            ["start-engagement", "O1", "--involvement", "cosell"],
            "pcwatch start-engagement: error: argument --involvement: unknown involvement type 'cosell': "
            'use one of Co-Sell, "For Visibility Only"',
        ),
    ],
)
def test_a_usage_error_is_its_one_line_then_where_the_help_is(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    command = said.split(": error:")[0]
    assert _usage_error(argv, capsys) == [said, f"see {command} --help"]


def test_an_unknown_argument_is_said_by_its_commands_parser(capsys: pytest.CaptureFixture[str]) -> None:
    assert _usage_error(["list", "--nope"], capsys) == [
        "pcwatch list: error: unrecognized arguments: --nope",
        "see pcwatch list --help",
    ]
    assert _usage_error(["--bogus"], capsys) == [
        "pcwatch: error: unrecognized arguments: --bogus",
        "see pcwatch --help",
    ]
    top = _usage_error(["nosuch"], capsys)
    assert top[0].startswith("pcwatch: error: argument COMMAND: invalid choice: 'nosuch'")
    assert top[1:] == ["see pcwatch --help"]


def test_a_usage_error_is_made_safe(capsys: pytest.CaptureFixture[str]) -> None:
    lines = _usage_error(["list", "--status", "x\x1b[2J\u202ey\nz"], capsys)
    assert len(lines) == 2 and "\x1b" not in lines[0] and "\u202e" not in lines[0]

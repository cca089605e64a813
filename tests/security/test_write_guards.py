"""The guards in front of writes, attacked with the spellings and setups people really use:
PCWATCH_READ_ONLY set to anything but an explicit "off" turns writes off (fail closed); the catalog is
exactly `Sandbox` or `AWS` (a misspelling is refused before any request); a CLI write to the production
`AWS` catalog is asked on a terminal or needs --yes, and a script without --yes sends nothing."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys

import pytest

from tests.support.writes import ROOT, accept_tasks_for, add_invitation, cli_env, pcwatch_command
from tui.__main__ import build_parser, main, settings_from_args
from tui.writes.actions import ACCEPT, FROM_ENGAGEMENT, FROM_OPPORTUNITY, REJECT, WRITE_OPERATIONS


@pytest.fixture
def script_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Local credentials, no pcwatch variables, and a stdin that is not a terminal (a script, cron)."""
    for key, value in cli_env().items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "PCWATCH_READ_ONLY", "PCWATCH_CATALOG"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exited:  # argparse and the settings check exit through the parser
        code = int(exited.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def _sent(sim) -> int:
    return sum(sim.stats.calls[op] for op in WRITE_OPERATIONS)


# --- PCWATCH_READ_ONLY -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["y", "Y", "1", "true", "YES", "on", "enable", "ture", "2", " 1 ", "n0"])
def test_any_read_only_spelling_but_off_turns_writes_off(
    value, write_sim, write_endpoint, tmp_path, script_env, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("PCWATCH_READ_ONLY", value)
    inv = add_invitation(write_sim)
    code, out, err = run_main(
        capsys, "--endpoint-url", write_endpoint.url, "--journal", str(tmp_path / "j"), "accept", inv
    )
    assert code == 2 and out == "" and "read-only" in err and "nothing was sent" in err
    assert _sent(write_sim) == 0


@pytest.mark.parametrize("value", ["", "0", "false", "FALSE", "no", "off", " Off "])
def test_only_explicit_off_spellings_leave_writes_on(value, monkeypatch) -> None:
    monkeypatch.setenv("PCWATCH_READ_ONLY", value)
    assert settings_from_args(build_parser().parse_args(["list"])).read_only is False
    monkeypatch.setenv("PCWATCH_READ_ONLY", value + "x")
    assert settings_from_args(build_parser().parse_args(["list"])).read_only is True


# --- the catalog's spelling --------------------------------------------------------------------------


MISSPELT = ["aws", "Aws", "sandbox", "SANDBOX", "AWS ", " Sandbox", "prod"]


# An empty PCWATCH_CATALOG counts as unset (the default, Sandbox); an empty --catalog is refused.
@pytest.mark.parametrize(
    ("via", "catalog"), [*(("option", c) for c in [*MISSPELT, ""]), *(("environment", c) for c in MISSPELT)]
)
def test_a_misspelt_catalog_is_refused_before_any_request(
    via, catalog, write_sim, write_endpoint, tmp_path, script_env, capsys, monkeypatch
) -> None:
    args = ["--endpoint-url", write_endpoint.url, "--journal", str(tmp_path / "j")]
    if via == "option":
        args = ["--catalog", catalog, *args]
    else:
        monkeypatch.setenv("PCWATCH_CATALOG", catalog)
    for command in (["list"], ["reject", "engi-0000000000001", "--reason", "no", "--yes"]):
        code, out, err = run_main(capsys, *args, *command)
        assert code == 2 and out == "", (command, err)
        assert "exactly Sandbox or AWS" in err and repr(catalog) in err
    assert write_sim.stats.calls.total() == 0


# --- writes to the production catalog ----------------------------------------------------------------

COMMANDS = {
    ACCEPT: ["accept", "{inv}"],
    REJECT: ["reject", "{inv}", "--reason", "Not our region"],
    FROM_OPPORTUNITY: ["start-engagement", "O90210", "--involvement", "Co-Sell"],
    FROM_ENGAGEMENT: ["start-opportunity", "eng-0123456789abcd", "--context", "3"],
}


@pytest.mark.parametrize("operation", sorted(COMMANDS))
def test_a_script_writing_to_aws_without_yes_sends_nothing(
    operation, write_sim, write_endpoint, tmp_path, script_env, capsys
) -> None:
    inv = add_invitation(write_sim, "AWS")
    command = [part.format(inv=inv) for part in COMMANDS[operation]]
    base = ["--catalog", "AWS", "--endpoint-url", write_endpoint.url, "--journal", str(tmp_path / "j")]
    code, out, err = run_main(capsys, *base, *command)
    assert code == 2 and out == ""
    assert "PRODUCTION catalog AWS" in err and command[1] in err and "add --yes" in err
    assert "nothing was sent" in err and write_sim.stats.calls[operation] == 0
    code, out, err = run_main(capsys, *base, *command, "--yes")
    assert code == 0, err
    assert write_sim.stats.calls[operation] == 1


def test_accept_all_pending_in_aws_lists_without_yes_and_acts_only_with_it(
    write_sim, write_endpoint, tmp_path, script_env, capsys
) -> None:
    inv = add_invitation(write_sim, "AWS")
    base = ["--catalog", "AWS", "--endpoint-url", write_endpoint.url, "--journal", str(tmp_path / "j")]
    code, out, err = run_main(capsys, *base, "accept", "--all-pending")
    assert code == 0 and inv in out and "add --yes" in err and _sent(write_sim) == 0


def _on_a_terminal(answer: str, args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run pcwatch with a pseudo-terminal as its stdin, typing `answer` at the question."""
    controller, terminal = pty.openpty()
    try:
        os.write(controller, answer.encode() + b"\n")  # waits in the terminal until pcwatch reads it
        return subprocess.run(
            pcwatch_command(*args),
            stdin=terminal,
            capture_output=True,
            text=True,
            env=cli_env(),
            cwd=ROOT,
            timeout=60,
        )
    finally:
        os.close(controller)
        os.close(terminal)


def test_on_a_terminal_a_write_to_aws_is_asked_and_only_yes_acts(write_sim, write_endpoint, tmp_path) -> None:
    inv = add_invitation(write_sim, "AWS")
    args = ["--catalog", "AWS", "--endpoint-url", write_endpoint.url, "--journal", str(tmp_path / "j")]
    args += ["accept", inv]
    for answer in ("", "y", "no", "YES please"):
        refused = _on_a_terminal(answer, args)
        assert refused.returncode == 2, refused.stderr
        assert f"PRODUCTION catalog AWS — accepting invitation: {inv}" in refused.stderr
        assert "Type yes to go ahead" in refused.stderr and "not confirmed" in refused.stderr
    assert write_sim.stats.calls[ACCEPT] == 0
    accepted = _on_a_terminal("yes", args)
    assert accepted.returncode == 0, accepted.stderr
    assert json.loads(accepted.stdout)["EngagementInvitationId"] == inv
    assert len(accept_tasks_for(write_sim, inv, "AWS")) == 1


def test_sandbox_writes_are_not_asked(write_sim, write_endpoint, tmp_path, script_env, capsys) -> None:
    inv = add_invitation(write_sim)
    code, out, err = run_main(
        capsys, "--endpoint-url", write_endpoint.url, "--journal", str(tmp_path / "j"), "accept", inv
    )
    assert code == 0 and json.loads(out)["EngagementInvitationId"] == inv
    assert "PRODUCTION" not in err and write_sim.stats.calls[ACCEPT] == 1

"""The write commands end to end: killed after sending and run again, read-only, the production warning,
the start response as wire JSON, `--wait`, and every failure explained in words."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.engine import stub_endpoint
from tests.support.writes import (
    ROOT,
    accept_tasks_for,
    add_invitation,
    cli_env,
    pcwatch_command,
    run_pcwatch,
    tasks_for_opportunity,
)
from tui.__main__ import main
from tui.simulator import Faults
from tui.writes.actions import ACCEPT, BULK_IMPORT, FROM_ENGAGEMENT, FROM_OPPORTUNITY, WRITE_OPERATIONS
from tui.writes.ledger import PENDING, SUCCEEDED, WriteLedger, ledger_beside


@pytest.fixture
def local_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in cli_env().items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "PCWATCH_READ_ONLY", "PCWATCH_CATALOG"):
        monkeypatch.delenv(key, raising=False)


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


# --- killed after sending, then run again ------------------------------------------------------------


def _kill_after_send(args: list[str], sim, operation: str) -> None:
    """Start the command, wait until the endpoint has carried the request out (its answer is held back
    by a slow fault), then SIGKILL the process."""
    sim.faults = Faults(slow=1.0, slow_seconds=60.0)
    proc = subprocess.Popen(
        pcwatch_command(*args), env=cli_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while sim.stats.calls[operation] < 1:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the request never reached the endpoint"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    sim.faults = Faults()


@pytest.mark.parametrize("command", ["accept", "start-engagement", "start-bulk-import"])
def test_killed_after_sending_then_run_again_starts_exactly_one_task(
    command, write_sim, write_endpoint, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.sqlite3"
    if command == "start-bulk-import":  # a job, not a task: the same never-twice
        target = "s3://partner-imports/2026-11/killed-then-rerun.csv"
        args = ["start-bulk-import", target, "--endpoint-url", write_endpoint.url, "--journal", str(journal)]
        operation = BULK_IMPORT
        tasks = lambda: bulk_jobs_of(write_sim, "killed-then-rerun.csv")  # noqa: E731
    elif command == "accept":
        target = add_invitation(write_sim)
        args = ["accept", target, "--endpoint-url", write_endpoint.url, "--journal", str(journal)]
        operation = ACCEPT
        tasks = lambda: accept_tasks_for(write_sim, target)  # noqa: E731
    else:
        target = "O90210"
        args = ["start-engagement", target, "--involvement", "Co-Sell", "--endpoint-url", write_endpoint.url]
        args += ["--journal", str(journal)]
        operation = FROM_OPPORTUNITY
        tasks = lambda: tasks_for_opportunity(write_sim, target)  # noqa: E731
    _kill_after_send(args, write_sim, operation)
    assert len(tasks()) == 1  # the endpoint acted; the process never heard
    with WriteLedger(ledger_beside(journal)) as ledger:
        (entry,) = ledger.entries()
        assert entry.state == PENDING and entry.target_id == target
    result = run_pcwatch(*args)
    assert result.returncode == 0, result.stderr
    assert "resent the ClientToken of an earlier attempt" in result.stderr
    response = json.loads(result.stdout)
    (task,) = tasks()
    started = task.job_id if command == "start-bulk-import" else task.task_id
    field = "JobId" if command == "start-bulk-import" else "TaskId"
    assert response[field] == started and write_sim.stats.calls[operation] == 2
    with WriteLedger(ledger_beside(journal)) as ledger:
        (entry,) = ledger.entries()
        assert entry.state == SUCCEEDED and json.loads(entry.response)[field] == started


def bulk_jobs_of(sim, file_name: str) -> list:  # type: ignore[no-untyped-def,type-arg]
    return [j for j in sim.bulk_jobs("Sandbox") if j.file_name == file_name]


# --- read-only ---------------------------------------------------------------------------------------

WRITE_COMMANDS = [
    ["accept", "engi-0000000000001"],
    ["accept", "--all-pending", "--yes"],
    ["reject", "engi-0000000000001", "--reason", "no"],
    ["start-engagement", "O1", "--involvement", "Co-Sell"],
    ["start-opportunity", "eng-0000000000000a", "--context", "1"],
    ["start-bulk-import", "s3://partner-imports/opportunities.csv"],
]


@pytest.mark.parametrize("via", ["option", "option-after-command", "environment"])
def test_read_only_blocks_every_write_command(
    via, write_sim, write_endpoint, tmp_path: Path, local_env, capsys, monkeypatch
) -> None:
    if via == "environment":
        monkeypatch.setenv("PCWATCH_READ_ONLY", "1")
    for command in WRITE_COMMANDS:
        before = ["--read-only"] if via == "option" else []
        after = ["--read-only"] if via == "option-after-command" else []
        code, out, err = run_main(
            capsys,
            *before,
            "--endpoint-url",
            write_endpoint.url,
            "--journal",
            str(tmp_path / "j"),
            *command,
            *after,
        )
        assert code == 2 and out == "", command
        assert "read-only" in err and "nothing was sent" in err, command
    assert not any(write_sim.stats.calls[op] for op in WRITE_OPERATIONS)


# --- output, warnings, --wait ------------------------------------------------------------------------


def test_accept_prints_the_start_response_with_wire_names(
    write_sim, write_endpoint, tmp_path, local_env, capsys
) -> None:
    inv = add_invitation(write_sim)
    code, out, err = run_main(
        capsys, "--endpoint-url", write_endpoint.url, "--journal", str(tmp_path / "j"), "accept", inv
    )
    assert code == 0, err
    body = json.loads(out)
    assert body["EngagementInvitationId"] == inv and body["TaskStatus"] == "IN_PROGRESS"
    assert {"TaskId", "TaskArn", "StartTime"} <= set(body) and "PRODUCTION" not in err
    # Run again: the recorded answer, nothing sent.
    code, again, err = run_main(
        capsys, "--endpoint-url", write_endpoint.url, "--journal", str(tmp_path / "j"), "accept", inv
    )
    assert code == 0 and json.loads(again) == body and "already done" in err
    assert write_sim.stats.calls[ACCEPT] == 1


def test_the_production_catalog_is_named_before_acting(
    write_sim, write_endpoint, tmp_path, local_env, capsys
) -> None:
    inv = add_invitation(write_sim, "AWS")
    code, out, err = run_main(
        capsys,
        "--catalog",
        "AWS",
        "--endpoint-url",
        write_endpoint.url,
        "--journal",
        str(tmp_path / "j"),
        "reject",
        inv,
        "--reason",
        "Not our region",
        "--yes",  # no terminal to ask on (tests/security/test_write_guards.py: without it, nothing is sent)
    )
    assert code == 0, err
    assert f"PRODUCTION catalog AWS — rejecting invitation: {inv}" in err and json.loads(out) == {}
    assert write_sim.world("AWS").invitations[inv].rejection_reason == "Not our region"


def test_wait_follows_the_new_task_with_the_exit_codes_of_wait(
    write_sim, write_endpoint, tmp_path, local_env, capsys
) -> None:
    # The simulator's clock stands still: the task stays IN_PROGRESS, so the wait times out (124).
    code, out, err = run_main(
        capsys,
        "--endpoint-url",
        write_endpoint.url,
        "--journal",
        str(tmp_path / "j"),
        "start-opportunity",
        "eng-0123456789abcd",
        "--context",
        "3",
        "--wait",
        "--timeout",
        "0",
    )
    assert code == 124, err
    assert json.loads(out.splitlines()[0])["ContextId"] == "3" and "timed out" in err
    assert write_sim.stats.calls[FROM_ENGAGEMENT] == 1


# --- failures in words -------------------------------------------------------------------------------

HOSTILE = "bad\x1b[2J\x1b]0;owned\x07\u202eevil"


def _error(status: int, type_: str, **body) -> tuple[int, dict[str, str], bytes]:
    payload = {"__type": type_, "message": body.pop("message", f"{type_} happened"), **body}
    return status, {"x-amzn-ErrorType": type_}, json.dumps(payload).encode()


@pytest.mark.parametrize(
    ("responses", "command", "expected"),
    [
        pytest.param(
            [
                _error(409, "ConflictException", message="not pending"),
                (
                    200,
                    {},
                    json.dumps(
                        {
                            "Id": "engi-0000000000001",
                            "Catalog": "Sandbox",
                            "Status": "EXPIRED",
                            "ExpirationDate": "2026-11-01T00:00:00Z",
                        }
                    ).encode(),
                ),
            ],
            ["accept", "engi-0000000000001"],
            ["is no longer pending: it is EXPIRED (on 2026-11-01 00:00 UTC)", "nothing was changed"],
            id="expired",
        ),
        pytest.param(
            [
                _error(409, "ConflictException", message="not pending"),
                (
                    200,
                    {},
                    json.dumps(
                        {"Id": "engi-0000000000001", "Catalog": "Sandbox", "Status": "ACCEPTED"}
                    ).encode(),
                ),
            ],
            ["reject", "engi-0000000000001", "--reason", "x"],
            ["is no longer pending: it is ACCEPTED; it cannot be rejected"],
            id="no-longer-pending",
        ),
        pytest.param(
            [_error(403, "AccessDeniedException", Reason="INCOMPATIBLE_BENEFIT_AWS_PARTNER_STATE")],
            ["start-engagement", "O1", "--involvement", "Co-Sell"],
            [
                "access denied (INCOMPATIBLE_BENEFIT_AWS_PARTNER_STATE)",
                "partnercentral:StartEngagementFromOpportunityTask",
            ],
            id="access-denied",
        ),
        pytest.param(
            [
                _error(
                    400,
                    "ValidationException",
                    Reason="REQUEST_VALIDATION_FAILED",
                    ErrorList=[
                        {
                            "FieldName": "Identifier",
                            "Message": "must match O[0-9]+",
                            "Code": "INVALID_STRING_FORMAT",
                        },
                        {
                            "FieldName": "AwsSubmission.Visibility",
                            "Message": "unknown value",
                            "Code": "INVALID_ENUM_VALUE",
                        },
                    ],
                )
            ],
            ["start-engagement", "X1", "--involvement", "Co-Sell"],
            [
                "invalid (REQUEST_VALIDATION_FAILED)",
                "  Identifier: must match O[0-9]+ [INVALID_STRING_FORMAT]",
                "  AwsSubmission.Visibility: unknown value [INVALID_ENUM_VALUE]",
            ],
            id="validation",
        ),
        pytest.param(
            [_error(429, "ThrottlingException", message="Rate exceeded")],
            ["start-opportunity", "eng-0000000000000a", "--context", "1"],
            ["throttled: the partner account's write quota", "resends the same ClientToken"],
            id="throttled",
        ),
        pytest.param(
            [_error(404, "ResourceNotFoundException", message=HOSTILE)],
            ["accept", "engi-0000000000001"],
            ["was not found in catalog Sandbox", "service said: bad␛[2J␛]0;owned␇\\u202eevil"],
            id="not-found-hostile-message",
        ),
    ],
)
def test_every_failure_reaches_the_user_in_words(
    responses, command, expected, tmp_path, local_env, capsys
) -> None:
    with stub_endpoint() as stub:
        stub.responses = list(responses)
        code, out, err = run_main(
            capsys, "--endpoint-url", stub.url, "--journal", str(tmp_path / "j"), *command
        )
    assert code == 3 and out == ""
    for phrase in expected:
        assert phrase in err, (phrase, err)
    assert "\x1b" not in err and "\u202e" not in err


@pytest.mark.parametrize(
    "argv, said",
    [
        (["accept"], "give an INVITATION_ID, or --all-pending"),
        (["accept", "engi-0000000000001", "--all-pending"], "--all-pending takes no INVITATION_ID"),
        (["accept", "engi-0000000000001", "--sender", "AWS"], "--sender and --payload-type go with"),
    ],
)
def test_accept_refuses_arguments_that_do_not_go_together_with_exit_2(
    argv: list[str], said: str, tmp_path, local_env, capsys
) -> None:
    """An argument mistake is a refusal before acting (exit 2, as the README says), not a failure (3)."""
    with stub_endpoint() as stub:
        code, out, err = run_main(capsys, "--endpoint-url", stub.url, "--journal", str(tmp_path / "j"), *argv)
        assert (code, out) == (2, "") and said in err and stub.requests == []


def test_a_reject_reason_over_80_characters_is_refused_before_sending(tmp_path, local_env, capsys) -> None:
    with stub_endpoint() as stub:
        stub.responses = [(200, {}, b"{}")]
        code, _, err = run_main(
            capsys,
            "--endpoint-url",
            stub.url,
            "--journal",
            str(tmp_path / "j"),
            "reject",
            "engi-0000000000001",
            "--reason",
            "x" * 81,
        )
        assert code == 3 and "at most 80" in err and stub.requests == []


def test_without_a_usable_write_ledger_nothing_is_sent(
    write_sim, write_endpoint, tmp_path, local_env, capsys
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    code, out, err = run_main(
        capsys,
        "--endpoint-url",
        write_endpoint.url,
        "--journal",
        str(blocker / "j.sqlite3"),
        "accept",
        "engi-0000000000001",
    )
    assert code == 2 and out == "" and "write ledger" in err and "cannot be opened" in err
    assert "nothing was sent" in err and str(blocker) in err
    assert write_sim.stats.total == 0


# --- start-bulk-import -------------------------------------------------------------------------------


def test_start_bulk_import_prints_the_job_and_wait_follows_it(
    write_sim, write_endpoint, tmp_path, local_env, capsys
) -> None:
    # The simulator's clock stands still: the job stays SUBMITTED, so --wait times out (124).
    args = ["--endpoint-url", write_endpoint.url, "--journal", str(tmp_path / "j"), "start-bulk-import"]
    code, out, err = run_main(capsys, *args, "s3://partner-imports/q4.csv", "--wait", "--timeout", "1")
    assert code == 124, err
    job = json.loads(out.splitlines()[0])["JobId"]
    (started,) = bulk_jobs_of(write_sim, "q4.csv")
    assert started.job_id == job and "timed out" in err and f"opp-bulk {job} SUBMITTED" in err
    # Run again: the recorded answer, nothing sent.
    code, again, err = run_main(capsys, *args, "s3://partner-imports/q4.csv")
    assert code == 0 and json.loads(again) == {"JobId": job} and "already done" in err
    assert write_sim.stats.calls[BULK_IMPORT] == 1


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["start-bulk-import", "./opportunities.csv"], "a local file must be uploaded first"),
        (["start-bulk-import", "ftp://host/file.csv"], "an s3:// URI or an https:// URL"),
        (
            ["--catalog", "AWS", "start-bulk-import", "s3://b/k.csv"],
            "add --yes to act on the production catalog",
        ),
    ],
    ids=["local-path", "other-scheme", "production-without-yes"],
)
def test_start_bulk_import_refuses_before_sending(argv, said, tmp_path, local_env, capsys) -> None:
    with stub_endpoint() as stub:
        code, out, err = run_main(capsys, "--endpoint-url", stub.url, "--journal", str(tmp_path / "j"), *argv)
        assert (code, out) == (2, "") and said in err and "nothing was sent" in err
        assert stub.requests == []

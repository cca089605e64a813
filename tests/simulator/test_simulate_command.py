"""`pcwatch simulate` as a user runs it: a subprocess that prints its URL first, serves boto3 (as the AWS
CLI would use it), and stops cleanly on SIGTERM and SIGINT."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys

import pytest

URL = re.compile(r"http://127\.0\.0\.1:(\d+)")


def launch(*args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "simulate", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = proc.stdout.readline().strip() if proc.stdout else ""
    return proc, first


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_simulate_prints_its_url_first_and_serves_until_stopped(stop, client_factory):
    proc, first = launch("--port", "0", "--history", "40", "--seed", "3", "--speed", "10")
    try:
        match = URL.fullmatch(first)
        assert match, f"first line was {first!r}"
        client = client_factory(first)
        page = client.list_engagement_by_accepting_invitation_tasks(Catalog="Sandbox", MaxResults=5)
        assert len(page["TaskSummaries"]) == 5
        invitations = client.list_engagement_invitations(Catalog="Sandbox", ParticipantType="RECEIVER")
        assert invitations["EngagementInvitationSummaries"]
    finally:
        proc.send_signal(stop)
        code = proc.wait(timeout=10)
        stderr = proc.stderr.read() if proc.stderr else ""
        proc.stdout and proc.stdout.close()
        proc.stderr and proc.stderr.close()
    assert code == 0, stderr
    assert "served 2 requests" in stderr


def test_simulate_applies_faults_from_the_command_line(client_factory):
    proc, first = launch("--history", "10", "--faults", "internal_error=1.0", "--no-quotas")
    try:
        client = client_factory(first)
        with pytest.raises(client.exceptions.InternalServerException):
            client.list_engagement_from_opportunity_tasks(Catalog="Sandbox")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout and proc.stdout.close()
        proc.stderr and proc.stderr.close()


def test_simulate_refuses_bad_faults():
    result = subprocess.run(
        [sys.executable, "-m", "tui", "simulate", "--faults", "lightning=0.5"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "unknown fault 'lightning'" in result.stderr
    assert result.stdout == ""


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
@pytest.mark.parametrize(
    ("command", "key", "prefix"),
    [
        ("list-engagement-by-accepting-invitation-tasks", "TaskSummaries", "TaskId"),
        ("list-prospecting-from-engagement-tasks", "TaskSummaries", "TaskId"),
        ("list-opportunity-bulk-jobs", "OpportunityBulkJobSummaries", "JobId"),
        ("list-customer-account-bulk-jobs", "items", "Id"),
    ],
)
def test_the_aws_cli_works_against_it(tmp_path, command, key, prefix):
    """Each family's list, where the installed AWS CLI's botocore has it (the AWS CLI v1 of today has
    neither the prospecting tasks nor the bulk jobs: those cases skip until it does)."""
    proc, url = launch("--history", "300", "--no-quotas")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "pcwatch-local",
        "AWS_SECRET_ACCESS_KEY": "pcwatch-local-secret",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }
    try:
        result = subprocess.run(
            [
                "aws",
                "--endpoint-url",
                url,
                "--region",
                "us-east-1",
                "--output",
                "json",
                "partnercentral-selling",
                command,
                "--catalog",
                "Sandbox",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout and proc.stdout.close()
        proc.stderr and proc.stderr.close()
    if "Invalid choice" in result.stderr:  # an AWS CLI older than the service (or than this operation)
        pytest.skip(f"this AWS CLI does not know partnercentral-selling {command}")
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)[key]
    assert items and all(re.fullmatch(r"(task|bulkjob)-[0-9a-z]{13,14}", item[prefix]) for item in items)


def test_the_simulator_never_loads_textual():
    code = "import sys, tui.simulator, tui.commands.simulate; print('textual' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert result.stdout.strip() == "False"

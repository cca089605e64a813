"""`pcwatch events setup` and `status` against moto's SQS and EventBridge: the rule routes a Partner
Central event to the queue (EventBridge's own delivery, not ours), and `--print` is a script bash accepts."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from schemas.events import decode_event
from tests.events.conftest import moto_client
from tui.__main__ import main
from tui.aws.event_setup import DEFAULT_RULE
from tui.engine.event_signals import wakeup_for

EVENT = {
    "Source": "aws.partnercentral-selling",
    "DetailType": "Engagement Invitation Accepted",
    "Detail": json.dumps(
        {"schemaVersion": "1", "catalog": "Sandbox", "engagementInvitation": {"id": "engi-1"}}
    ),
    "Resources": ["arn:aws:partnercentral:us-east-1:aws:catalog/Sandbox/engagement-invitation/engi-1"],
}


def test_setup_creates_a_rule_that_delivers_to_the_queue(moto_url: str, worker_id: str, capsys: Any) -> None:
    name = f"pcwatch-setup-{worker_id}"
    assert main(["events", "setup", "--queue", name, "--aws-endpoint-url", moto_url]) == 0
    out = capsys.readouterr().out
    queue_url = next(line.split()[1] for line in out.splitlines() if line.startswith("queue"))
    assert f"pcwatch --events-queue {queue_url}" in out
    sqs, events = moto_client(moto_url, "sqs"), moto_client(moto_url, "events")
    rule = events.describe_rule(Name=DEFAULT_RULE)
    assert json.loads(rule["EventPattern"]) == {"source": ["aws.partnercentral-selling"]}
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    statement = json.loads(attrs["Policy"])["Statement"][0]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == rule["Arn"]
    assert statement["Resource"] == attrs["QueueArn"]
    # EventBridge itself routes an event of the source to the queue, in its envelope.
    events.put_events(Entries=[EVENT])
    messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=2).get("Messages", [])
    assert len(messages) == 1
    event = decode_event(messages[0]["Body"])
    assert event.detail_type == "Engagement Invitation Accepted"
    assert wakeup_for(event, "Sandbox").kinds == {"EngagementByAcceptingInvitation"}
    # Idempotent: again (a second run, or the same rule for a second host's queue).
    assert main(["events", "setup", "--queue", name + "-b", "--aws-endpoint-url", moto_url]) == 0
    targets = events.list_targets_by_rule(Rule=DEFAULT_RULE)["Targets"]
    assert {name, name + "-b"} <= {t["Id"] for t in targets}

    capsys.readouterr()
    assert main(["--events-queue", queue_url, "events", "status", "--aws-endpoint-url", moto_url]) == 0
    status = capsys.readouterr().out
    assert "waiting     0" in status and DEFAULT_RULE in status


def test_status_of_a_queue_nothing_sends_to(moto_url: str, queue_url: str, capsys: Any) -> None:
    assert main(["--events-queue", queue_url, "events", "status", "--aws-endpoint-url", moto_url]) == 3
    assert "none sends to this queue" in capsys.readouterr().out


def test_print_shows_cli_commands_bash_accepts_and_a_template(capsys: Any) -> None:
    assert main(["events", "setup", "--queue", "jump-host-1", "--print"]) == 0
    out = capsys.readouterr().out
    script, template = out.split("# or as a CloudFormation template (deploy it in us-east-1):")
    assert subprocess.run(["bash", "-n"], input=script, text=True).returncode == 0
    for command in (
        "aws sqs create-queue",
        "aws events put-rule",
        "aws sqs set-queue-attributes",
        "put-targets",
    ):
        assert command in script
    resources = json.loads(template)["Resources"]
    assert {r["Type"] for r in resources.values()} == {
        "AWS::SQS::Queue",
        "AWS::Events::Rule",
        "AWS::SQS::QueuePolicy",
    }


@pytest.mark.parametrize("name", ["a b", "x;rm -rf /", "q$(id)", ""])
def test_setup_refuses_names_that_are_not_queue_names(name: str, capsys: Any) -> None:
    assert main(["events", "setup", "--queue", name, "--print"]) == 3
    assert "letters, digits" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("url", "why"),
    [("http://sqs.example.com/123/q", "plain http://"), ("ftp://x/q", "not an http:// or https:// URL")],
)
def test_an_events_queue_that_would_leak_signed_requests_is_refused(url: str, why: str, capsys: Any) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--events-queue", url, "list"])
    assert exit_.value.code == 2
    assert why in capsys.readouterr().err


def test_the_events_queue_from_the_config_file_the_environment_or_the_flag(tmp_path: Any) -> None:
    from tui.__main__ import build_parser
    from tui.core.config import resolve_args

    path = tmp_path / "config.toml"
    path.write_text('[default]\nevents_queue = "https://sqs.us-east-1.amazonaws.com/1/from-file"\n')
    path.chmod(0o600)

    def queue(argv: list[str], environ: dict[str, str]) -> tuple[str | None, str]:
        settings, sources = resolve_args(build_parser().parse_args(["--config", str(path), *argv]), environ)
        return settings.events_queue_url, sources["events_queue"].origin

    assert queue(["list"], {}) == (
        "https://sqs.us-east-1.amazonaws.com/1/from-file",
        f"{path} [default], line 2",
    )
    env = {"PCWATCH_EVENTS_QUEUE": "https://sqs.us-east-1.amazonaws.com/1/from-env"}
    assert queue(["list"], env)[1] == "environment PCWATCH_EVENTS_QUEUE"
    flag = ["list", "--events-queue", "https://sqs.us-east-1.amazonaws.com/1/flag"]
    assert queue(flag, env) == ("https://sqs.us-east-1.amazonaws.com/1/flag", "flag --events-queue")

"""`pcwatch events setup`: the EventBridge rule (default bus, us-east-1, source aws.partnercentral-selling),
the SQS queue it sends to, and the queue policy that lets that rule, and only it, send. Created with
boto3, or shown as AWS CLI commands and a CloudFormation template (`--print`).

Several hosts: one rule, one queue per host (a rule has at most 5 targets; beyond that, one SNS topic
as the rule's target with a subscription per queue). `setup` on a second host adds its queue to the same
rule (PutRule with the same pattern is idempotent; PutTargets adds a target named after the queue).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from schemas.events import SOURCE

#: Partner Central publishes its events in this region only.
EVENTS_REGION = "us-east-1"
DEFAULT_RULE = "pcwatch-partnercentral-selling"
#: Events older than this are of no use to a poller (its sweep has seen their effect long before).
RETENTION_SECONDS = 86_400
#: Longer than a wake-up's poll takes: a message is deleted only after it.
VISIBILITY_TIMEOUT = 60
EVENT_PATTERN = {"source": [SOURCE]}


@dataclass(frozen=True)
class EventsPlan:
    queue: str
    rule: str = DEFAULT_RULE

    def queue_attributes(self) -> dict[str, str]:
        return {
            "MessageRetentionPeriod": str(RETENTION_SECONDS),
            "VisibilityTimeout": str(VISIBILITY_TIMEOUT),
            "ReceiveMessageWaitTimeSeconds": "20",
            "SqsManagedSseEnabled": "true",
        }


def queue_policy(queue_arn: str, rule_arn: str) -> str:
    """Only EventBridge, and only for this rule, may send to the queue."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PartnerCentralEventsFromRule",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
                }
            ],
        }
    )


@dataclass(frozen=True)
class SetupResult:
    queue_url: str
    queue_arn: str
    rule_arn: str


def apply(plan: EventsPlan, sqs: Any, events: Any) -> SetupResult:
    """Create (or bring up to date) the queue, the rule, the policy and the target. Idempotent."""
    queue_url: str = sqs.create_queue(QueueName=plan.queue, Attributes=plan.queue_attributes())["QueueUrl"]
    queue_arn: str = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    rule_arn: str = events.put_rule(
        Name=plan.rule,
        EventPattern=json.dumps(EVENT_PATTERN),
        State="ENABLED",
        Description="Partner Central Selling events for pcwatch",
    )["RuleArn"]
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": queue_policy(queue_arn, rule_arn)})
    events.put_targets(Rule=plan.rule, Targets=[{"Id": plan.queue[:64], "Arn": queue_arn}])
    return SetupResult(queue_url, queue_arn, rule_arn)


def cli_commands(plan: EventsPlan) -> str:
    """The same as AWS CLI commands (bash), for review or for someone else to run."""
    attrs = json.dumps(plan.queue_attributes())
    pattern = json.dumps(EVENT_PATTERN)
    r = f"--region {EVENTS_REGION}"
    return "\n".join(
        [
            "# pcwatch events setup, as AWS CLI commands (bash)",
            f"QUEUE_URL=$(aws sqs create-queue {r} --queue-name {plan.queue} --attributes '{attrs}' "
            "--query QueueUrl --output text)",
            f'QUEUE_ARN=$(aws sqs get-queue-attributes {r} --queue-url "$QUEUE_URL" '
            "--attribute-names QueueArn --query Attributes.QueueArn --output text)",
            f"RULE_ARN=$(aws events put-rule {r} --name {plan.rule} --event-pattern '{pattern}' "
            "--state ENABLED --query RuleArn --output text)",
            'POLICY="' + queue_policy("$QUEUE_ARN", "$RULE_ARN").replace('"', '\\"') + '"',
            'ATTRS=$(python3 -c \'import json, sys; print(json.dumps({"Policy": sys.argv[1]}))\' "$POLICY")',
            f'aws sqs set-queue-attributes {r} --queue-url "$QUEUE_URL" --attributes "$ATTRS"',
            f'aws events put-targets {r} --rule {plan.rule} --targets "Id={plan.queue[:64]},Arn=$QUEUE_ARN"',
            'echo "then: pcwatch --events-queue $QUEUE_URL"',
        ]
    )


def cloudformation(plan: EventsPlan) -> str:
    """A CloudFormation template (JSON) of the same; deploy it in us-east-1."""
    attrs = plan.queue_attributes()
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Partner Central Selling events to an SQS queue for pcwatch",
        "Resources": {
            "EventsQueue": {
                "Type": "AWS::SQS::Queue",
                "Properties": {
                    "QueueName": plan.queue,
                    "MessageRetentionPeriod": int(attrs["MessageRetentionPeriod"]),
                    "VisibilityTimeout": int(attrs["VisibilityTimeout"]),
                    "ReceiveMessageWaitTimeSeconds": 20,
                    "SqsManagedSseEnabled": True,
                },
            },
            "EventsRule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "Name": plan.rule,
                    "EventBusName": "default",
                    "EventPattern": EVENT_PATTERN,
                    "State": "ENABLED",
                    "Targets": [{"Id": plan.queue[:64], "Arn": {"Fn::GetAtt": ["EventsQueue", "Arn"]}}],
                },
            },
            "EventsQueuePolicy": {
                "Type": "AWS::SQS::QueuePolicy",
                "Properties": {
                    "Queues": [{"Ref": "EventsQueue"}],
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "events.amazonaws.com"},
                                "Action": "sqs:SendMessage",
                                "Resource": {"Fn::GetAtt": ["EventsQueue", "Arn"]},
                                "Condition": {
                                    "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["EventsRule", "Arn"]}}
                                },
                            }
                        ],
                    },
                },
            },
        },
        "Outputs": {"QueueUrl": {"Value": {"Ref": "EventsQueue"}}},
    }
    return json.dumps(template, indent=2)


def rules_for_queue(events: Any, queue_arn: str) -> list[str]:
    """The rules that send to this queue."""
    names: list[str] = events.list_rule_names_by_target(TargetArn=queue_arn).get("RuleNames", [])
    return names

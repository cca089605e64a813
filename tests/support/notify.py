"""Helpers of the publishing tests and bench (issue 28): outbox entries made as the leader's store makes
them, a local EventBridge bus whose rule sends to an SQS queue (moto's server), and reading that queue."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3

from schemas.notify import NOTIFY_SOURCE, OutcomeDetail
from tests.support.engine import T0, task
from tui.engine.journal import Journal
from tui.engine.outbox import OutboxEntry, OutboxRules
from tui.engine.types import Transition
from tui.simulator import LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY

_names = itertools.count()


def local_client(url: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=LOCAL_ACCESS_KEY_ID,
        aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
    )


def failed_entries(n: int, *, start: int = 0, at: datetime = T0) -> list[OutboxEntry]:
    """`n` Task Failed entries observed `at`, as the leader's store would write them."""
    rules = OutboxRules(catalog="Sandbox", profile=None, since=0.0, max_age=1e12)
    out = []
    for i in range(start, start + n):
        record = task(i, status="FAILED", reason_code="EngagementConflict")
        entry = rules.task(Transition(record.task_id or "", record.kind, "IN_PROGRESS", "FAILED", at), record)
        assert entry is not None
        out.append(entry)
    return out


def fill_outbox(path: Path, entries: list[OutboxEntry]) -> None:
    journal = Journal(path)
    try:
        journal.write(outbox=entries)
    finally:
        journal.close()


@dataclass
class LocalBus:
    """A bus with a rule matching pcwatch's events that sends them to an SQS queue."""

    url: str
    name: str
    queue_url: str
    sqs: Any

    def receive(
        self, *, until: Callable[[list[dict[str, Any]]], bool], timeout: float = 30.0
    ) -> list[dict[str, Any]]:
        """The events the rule delivered (EventBridge's envelope, decoded), read until `until` says
        enough (or the timeout: then what came)."""
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while not until(got) and time.monotonic() < deadline:
            answer = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            )
            messages = answer.get("Messages") or []
            for m in messages:
                got.append(json.loads(m["Body"]))
            if messages:
                self.sqs.delete_message_batch(
                    QueueUrl=self.queue_url,
                    Entries=[
                        {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)
                    ],
                )
        return got


def local_bus(url: str) -> LocalBus:
    n = next(_names)
    events, sqs = local_client(url, "events"), local_client(url, "sqs")
    name = f"pcwatch-bus-{n}"
    events.create_event_bus(Name=name)
    queue_url = sqs.create_queue(QueueName=f"pcwatch-outcomes-{n}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(
        Name="pcwatch-outcomes", EventBusName=name, EventPattern=json.dumps({"source": [NOTIFY_SOURCE]})
    )
    events.put_targets(Rule="pcwatch-outcomes", EventBusName=name, Targets=[{"Id": "queue", "Arn": arn}])
    return LocalBus(url, name, queue_url, sqs)


def detail_ids(delivered: list[dict[str, Any]]) -> list[str]:
    """The pcwatch ids of the delivered events (checked to be pcwatch's detail)."""
    import msgspec

    return [msgspec.convert(e["detail"], OutcomeDetail).id for e in delivered]

"""The events the local endpoint's tasks would cause, in EventBridge's envelope, sent to an SQS queue
(`pcwatch simulate --events-to QUEUE_URL`, `--demo --events`, the events tests and benchmark).

Partner Central publishes no "task completed" event; a task's completion shows in the events of what it
made: an accepted invitation task accepts the invitation and creates an opportunity, an engagement from
an opportunity updates the opportunity and adds a member, an opportunity from an engagement creates an
opportunity, and each launches a resource snapshot job. A FAILED task publishes nothing, nor does a
prospecting task (the service has no event of the leads it makes). These are the events sent here, each
with a fresh `id`, `time` the task's end.

Bulk jobs publish nothing here either: there is no "job completed" event, and the service does not
document whether the opportunities a bulk job creates publish Opportunity Created; pcwatch polls bulk
jobs, and thousands of such events a job would only wake the task listings for nothing.

The simulator layer may not import `tui.aws`, so the publisher talks to SQS with boto3 directly
(`SendMessageBatch`); `send` can be replaced (the benchmark's in-memory queue).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from schemas import TaskKind, TaskStatus
from schemas import events as ev

from .records import ACCOUNT_ID, REGION, SimTask, invitation_arn, job_arn, opportunity_arn, to_datetime
from .simulator import Simulator

log = logging.getLogger(__name__)

#: What a completed task of each kind publishes about its opportunity.
_OPPORTUNITY_EVENT = {
    TaskKind.ACCEPT_INVITATION: ev.OPPORTUNITY_CREATED,
    TaskKind.ENGAGEMENT_FROM_OPPORTUNITY: ev.OPPORTUNITY_UPDATED,
    TaskKind.OPPORTUNITY_FROM_ENGAGEMENT: ev.OPPORTUNITY_CREATED,
}


def _envelope(
    detail_type: str, task: SimTask, resources: list[str], detail: dict[str, Any], event_id: str
) -> dict[str, Any]:
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": ev.SOURCE,
        "account": ACCOUNT_ID,
        "time": to_datetime(task.end).isoformat().replace("+00:00", "Z"),
        "region": REGION,
        "resources": resources,
        "detail": {"schemaVersion": "1", "catalog": task.catalog, **detail},
    }


def task_events(task: SimTask, new_id: Callable[[], str] | None = None) -> list[dict[str, Any]]:
    """The EventBridge events a task's end causes (none for a failed one, none for a prospecting task:
    Partner Central publishes no event of the leads it makes)."""
    if task.status != TaskStatus.COMPLETE or task.kind not in _OPPORTUNITY_EVENT:
        return []
    make_id = new_id or (lambda: str(uuid.uuid4()))
    out: list[dict[str, Any]] = []
    if task.kind == TaskKind.ACCEPT_INVITATION and task.invitation_id:
        out.append(
            _envelope(
                ev.INVITATION_ACCEPTED,
                task,
                [invitation_arn(task.catalog, task.invitation_id)],
                {"engagementInvitation": {"id": task.invitation_id}},
                make_id(),
            )
        )
    if task.opportunity_id:
        out.append(
            _envelope(
                _OPPORTUNITY_EVENT[task.kind],
                task,
                [opportunity_arn(task.catalog, task.opportunity_id)],
                {"opportunity": {"identifier": task.opportunity_id}},
                make_id(),
            )
        )
    if task.kind == TaskKind.ENGAGEMENT_FROM_OPPORTUNITY and task.engagement_id:
        out.append(
            _envelope(ev.MEMBER_ADDED, task, [], {"engagement": {"id": task.engagement_id}}, make_id())
        )
    if task.job_id:
        out.append(_envelope(ev.SNAPSHOT_CREATED, task, [job_arn(task.catalog, task.job_id)], {}, make_id()))
    return out


def sqs_client(url: str, *, region: str = REGION) -> Any:
    """A boto3 SQS client for a queue (or endpoint) URL. One on this machine is reached with the local
    endpoint's fixed dummy credentials whatever the environment holds: the simulator never needs real
    ones, and another local user may be the one listening on a loopback port."""
    from urllib.parse import urlsplit

    import boto3

    from tui.core.settings import is_loopback

    from . import LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY

    parts = urlsplit(url)
    local = is_loopback(parts.hostname or "")
    endpoint = f"{parts.scheme}://{parts.netloc}" if local or "amazonaws.com" not in parts.netloc else None
    session = boto3.session.Session(region_name=region)
    if local:
        session = boto3.session.Session(
            aws_access_key_id=LOCAL_ACCESS_KEY_ID,
            aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
            region_name=region,
        )
    return session.client("sqs", endpoint_url=endpoint)


def sqs_sender(queue_url: str, *, region: str = REGION) -> tuple[Callable[[Sequence[str]], None], Any]:
    """A function sending bodies to the queue (10 per request), and its boto3 client."""
    sqs = sqs_client(queue_url, region=region)

    def send(bodies: Sequence[str]) -> None:
        for i in range(0, len(bodies), 10):
            chunk = bodies[i : i + 10]
            sqs.send_message_batch(
                QueueUrl=queue_url, Entries=[{"Id": str(n), "MessageBody": b} for n, b in enumerate(chunk)]
            )

    return send, sqs


class EventPublisher:
    """Publishes the events of `catalog`'s task ends: `publish_due()` once, or `start()` a thread that
    does so every `interval` seconds of real time. `hold(predicate)` keeps matching events back (a test's
    lost or delayed event); `release()` sends what was held."""

    def __init__(
        self,
        simulator: Simulator,
        send: Callable[[Sequence[str]], None],
        catalog: str = "Sandbox",
        *,
        interval: float = 0.5,
    ) -> None:
        self.simulator = simulator
        self.catalog = catalog
        self.interval = interval
        self._send = send
        self.hold: Callable[[dict[str, Any]], bool] | None = None
        self.held: list[dict[str, Any]] = []
        #: Every event sent, in order (the tests' and the benchmark's record).
        self.sent: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        simulator.take_ended(catalog)  # start the record now: the history's ends are not events

    def publish_due(self) -> int:
        """Send the events of the tasks that ended since the last call; how many were sent."""
        events = [e for task in self.simulator.take_ended(self.catalog) for e in task_events(task)]
        if self.hold is not None:
            self.held.extend(e for e in events if self.hold(e))
            events = [e for e in events if not self.hold(e)]
        return self._publish(events)

    def release(self) -> int:
        held, self.held = self.held, []
        return self._publish(held)

    def _publish(self, events: list[dict[str, Any]]) -> int:
        if events:
            self._send([msgspec.json.encode(e).decode() for e in events])
            self.sent.extend(events)
        return len(events)

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.wait(self.interval):
                try:
                    self.publish_due()
                except Exception as exc:  # the queue is gone or throttled: keep the endpoint serving
                    log.warning("events publisher: %s", exc)

        self._thread = threading.Thread(target=loop, name="pcwatch-events-publisher", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            with contextlib.suppress(RuntimeError):
                self._thread.join(timeout=5)

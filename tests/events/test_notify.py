"""Publishing outcomes (issue 28) against moto's server (a real protocol on a free port): a bus whose rule
sends to an SQS queue receives the events; kill -9 of the publisher mid-batch, a leader change and a
throttled bus lose nothing, and a repeat keeps its id; the exec target."""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from schemas.notify import DetailType, NotifyEvent
from tests.support.engine import T0, task
from tests.support.notify import LocalBus, detail_ids, failed_entries, fill_outbox, local_bus, local_client
from tui.aws.notify_targets import EventBusTarget, ExecTarget, SendResult
from tui.core.clock import MockClock, SystemClock
from tui.core.settings import Settings
from tui.engine.journal import Journal
from tui.engine.notify_publisher import NotifyPublisher
from tui.engine.outbox import OutboxRules
from tui.engine.sharing import make_engine
from tui.engine.store import Store
from tui.engine.types import PollerStatus

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bus(moto_url: str) -> LocalBus:
    return local_bus(moto_url)


async def drain(publisher: NotifyPublisher, journal: Journal, limit: int = 200) -> None:
    for _ in range(limit):
        if not journal.outbox_summary().backlog:
            return
        await publisher.publish_once()
    raise AssertionError("the outbox was never drained")


async def test_a_bus_with_a_rule_to_a_queue_receives_each_failure_once(tmp_path: Path, bus: LocalBus) -> None:
    clock = MockClock(T0)
    journal = Journal(tmp_path / "j.sqlite3")
    store = Store(journal, clock)
    store.outbox = OutboxRules(catalog="AWS", profile="ops", since=0.0)
    store.apply_tasks([task(n) for n in range(12)])
    clock.advance(10)
    store.apply_tasks([task(n, status="FAILED" if n % 2 else "COMPLETE") for n in range(12)])
    publisher = NotifyPublisher(
        journal, EventBusTarget(local_client(bus.url, "events"), bus.name), clock, max_age=86400
    )

    await drain(publisher, journal)

    delivered = bus.receive(until=lambda got: len(got) >= 6)
    assert {e["detail-type"] for e in delivered} == {DetailType.TASK_FAILED}
    assert {e["source"] for e in delivered} == {"pcwatch.partnercentral"}
    assert sorted(e["detail"]["SubjectId"] for e in delivered) == sorted(
        task(n).task_id for n in range(12) if n % 2
    )
    assert all(
        e["detail"]["Catalog"] == "AWS" and e["detail"]["Record"]["TaskStatus"] == "FAILED" for e in delivered
    )
    assert len(set(detail_ids(delivered))) == len(delivered) == 6
    assert publisher.state.backlog == 0 and publisher.state.sent == 6 and publisher.state.calls == 1


class _ThrottledBus(EventBusTarget):
    """A bus that refuses every other entry (ThrottlingException, as PutEvents says it per entry) and,
    every third call, the whole call."""

    def __init__(self, client: Any, bus: str) -> None:
        super().__init__(_Throttling(client), bus)


class _Throttling:
    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls = 0

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        self.calls += 1
        if self.calls % 3 == 0:
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "PutEvents"
            )
        through = [e for n, e in enumerate(Entries) if n % 2 == 0]
        answers = iter(self._client.put_events(Entries=through)["Entries"]) if through else iter(())
        return {
            "Entries": [
                next(answers)
                if n % 2 == 0
                else {"ErrorCode": "ThrottlingException", "ErrorMessage": "Rate exceeded"}
                for n in range(len(Entries))
            ]
        }


async def test_a_throttled_bus_gets_every_event_once_with_backoff(tmp_path: Path, bus: LocalBus) -> None:
    path = tmp_path / "j.sqlite3"
    entries = failed_entries(35)
    fill_outbox(path, entries)
    journal = Journal(path)
    publisher = NotifyPublisher(
        journal, _ThrottledBus(local_client(bus.url, "events"), bus.name), MockClock(T0), max_age=1e12
    )

    delays = []
    for _ in range(200):
        if not journal.outbox_summary().backlog:
            break
        delays.append(await publisher.publish_once())
        if publisher.state.last_error is not None:
            assert "Throttling" in publisher.state.last_error

    delivered = bus.receive(until=lambda got: len(got) >= len(entries))
    assert sorted(detail_ids(delivered)) == sorted(e.id for e in entries)  # each once: none lost, none twice
    assert max(delays) > 1.0  # (it backed off)


def test_kill_9_mid_batch_loses_nothing_and_a_repeat_keeps_its_id(tmp_path: Path, bus: LocalBus) -> None:
    path = tmp_path / "j.sqlite3"
    entries = failed_entries(30)
    fill_outbox(path, entries)
    command = [sys.executable, "-m", "tests.support.notify_process", str(path), bus.url, bus.name]
    first = subprocess.Popen([*command, "--hang-after-send"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout is not None and first.stdout.readline().strip() == "SENT"
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    journal = Journal(path)
    assert journal.outbox_summary().backlog == 30  # sent, but killed before marking any

    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert again.stdout.strip().endswith("DONE"), again.stderr

    delivered = bus.receive(until=lambda got: len(got) >= 40)
    counts = collections.Counter(detail_ids(delivered))
    assert set(counts) == {e.id for e in entries}  # nothing lost
    assert sorted(counts.values()) == [1] * 20 + [2] * 10  # the batch in flight, again, with the same ids
    assert journal.outbox_summary().backlog == 0


class _IdlePoller:
    status = PollerStatus(state="live")

    def subscribe_status(self, callback: object) -> object:
        return lambda: None

    async def run(self) -> None:
        await asyncio.Event().wait()


async def _until(condition: Any, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "never happened"
        await asyncio.sleep(0.05)


async def test_a_leader_change_moves_the_publishing_and_loses_nothing(tmp_path: Path, bus: LocalBus) -> None:
    """The first leader cannot reach its bus; it exits; the viewer that takes over publishes all of it."""
    path = tmp_path / "j.sqlite3"
    entries = failed_entries(15, at=datetime.now(timezone.utc))
    fill_outbox(path, entries)
    settings = Settings(journal_path=path, notify_event_bus=bus.name, notify_endpoint_url=bus.url)

    def engine(bus_name: str) -> Any:
        store, viewer = make_engine(
            settings,
            SystemClock(),
            client_factory=lambda s: object(),  # type: ignore[arg-type,return-value]
            poller_factory=lambda *args: _IdlePoller(),  # type: ignore[arg-type]
            target_factory=lambda s: EventBusTarget(local_client(bus.url, "events"), bus_name),
            tail_interval=0.05,
        )
        store.load()
        return viewer

    first, second = engine("no-such-bus"), engine(bus.name)
    running_first = asyncio.ensure_future(first.run())
    await _until(
        lambda: first.role == "leader" and first.status.notify is not None and first.status.notify.last_error
    )
    running_second = asyncio.ensure_future(second.run())
    await _until(lambda: second.role == "follower")
    assert "no-such-bus" in (first.status.notify.last_error or "")

    running_first.cancel()
    await asyncio.gather(running_first, return_exceptions=True)
    first.close()
    await _until(
        lambda: (
            second.role == "leader" and second.status.notify is not None and second.status.notify.backlog == 0
        )
    )

    delivered = bus.receive(until=lambda got: len(got) >= len(entries))
    assert sorted(detail_ids(delivered)) == sorted(e.id for e in entries)
    running_second.cancel()
    await asyncio.gather(running_second, return_exceptions=True)
    second.close()


def _event(n: int) -> NotifyEvent:
    from schemas.notify import decode_event

    return decode_event(failed_entries(1, start=n)[0].body)


def test_the_exec_target_gives_the_event_on_stdin_and_says_why_it_failed(tmp_path: Path) -> None:
    out = tmp_path / "got.jsonl"
    script = tmp_path / "hook.py"
    script.write_text(
        "import sys, json\n"
        "event = json.load(sys.stdin)\n"
        f"open({str(out)!r}, 'a').write(json.dumps(event) + '\\n')\n"
        "if event['detail']['SubjectId'].endswith('1'):\n"
        "    print('no route to the ticket system', file=sys.stderr); sys.exit(3)\n"
    )
    target = ExecTarget(f"{sys.executable} {script}", timeout=20)
    events: Sequence[NotifyEvent] = [_event(0), _event(1)]

    result = target.send(events)

    assert result.accepted == [events[0].id]
    assert "exit status 3" in result.failed[events[1].id]
    assert "no route to the ticket system" in result.failed[events[1].id]
    lines = out.read_text().splitlines()
    assert [__import__("json").loads(line)["id"] for line in lines] == [e.id for e in events]


def test_the_exec_target_times_out_and_runs_no_shell(tmp_path: Path) -> None:
    slow = ExecTarget(f"{sys.executable} -c 'import time; time.sleep(30)'", timeout=0.5)
    assert "timed out" in slow.send([_event(0)]).failed[_event(0).id]
    marker = tmp_path / "shell-ran"
    no_shell = ExecTarget(f"true; touch {marker}", timeout=5)
    result: SendResult = no_shell.send([_event(0)])
    assert result.failed and not marker.exists()


def test_the_sns_target_publishes_the_event_with_attributes_to_filter_by(
    moto_url: str, sqs: Any, queue_url: str
) -> None:
    import json

    from tui.aws.notify_targets import SnsTarget

    sns = local_client(moto_url, "sns")
    topic = sns.create_topic(Name="pcwatch-outcomes")["TopicArn"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    event = _event(3)

    result = SnsTarget(sns, topic).send([event])

    assert result.accepted == [event.id] and not result.failed
    body = json.loads(sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=5)["Messages"][0]["Body"])
    assert json.loads(body["Message"])["id"] == event.id
    attributes = {name: value["Value"] for name, value in body["MessageAttributes"].items()}
    assert attributes == {
        "kind": "inv-to-eng",
        "status": "FAILED",
        "catalog": "Sandbox",
        "detail_type": DetailType.TASK_FAILED,
    }

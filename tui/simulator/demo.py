"""The demo, started in one place: `--demo` for the dashboard, `pcwatch serve` and the headless commands,
and `Watch(demo=…)` in a notebook all call `start_demo`. It runs the local endpoint in-process (a daemon
thread, 127.0.0.1, any free port) with a generated history and tasks that keep starting, and points the
settings at it (the endpoint's fixed local credentials), saying that it runs in this process
(`Settings.demo_in_process`: the header says the account is simulated and this process's alone). `--demo --events` adds a local SQS queue (moto's
server, the `events-demo` extra) that the endpoint publishes its events to and the engine reads. `--demo
--notify` adds a local EventBridge bus (moto's server too) whose rule sends pcwatch's own events (the
outcomes it publishes, issue 28) to a local queue, and a journal of its own (the outbox is in it): `notes`
says where to look."""

from __future__ import annotations

import dataclasses
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.core.clock import Clock, SystemClock
from tui.core.private_files import private_temp_directory
from tui.core.settings import Settings

from .faults import Faults
from .server import Endpoint, serve
from .simulator import CATALOGS, Simulator


@dataclass(frozen=True)
class DemoWorld:
    """What the demo's endpoint holds: a seeded history, new tasks every minute (and now and then a bulk
    job or a prospecting task), and a large opportunity bulk job under way."""

    seed: int = 1
    #: Tasks in the history of each catalog.
    history: int = 20_000
    #: New tasks started each minute (each then completes or fails), 0 for none.
    activity_per_minute: float = 12.0
    #: Time scale of the simulated tasks (10: every task ends ten times sooner).
    speed: float = 1.0
    #: An opportunity bulk job of this many records is running when the demo starts (0: none), `bulk_done`
    #: of them processed, at `bulk_per_minute` records a minute (times `speed`), `bulk_failures` of them
    #: failing. 5,000 at 350 a minute: about 14 minutes in all, 13 left when the demo starts.
    bulk_records: int = 5_000
    bulk_per_minute: float = 350.0
    bulk_done: float = 0.08
    bulk_failures: float = 0.04


#: The demo every `--demo` shows: a large history, tasks starting and ending while you watch.
DEMO = DemoWorld()


@dataclass
class Demo:
    """A running demo endpoint; `close()` stops it."""

    endpoint: Endpoint
    simulator: Simulator
    #: The settings pointed at it.
    settings: Settings
    #: `--demo --events`: what else to stop (the publisher, the local queue's server).
    closers: list[Callable[[], object]] = field(default_factory=list)
    #: Where to look (`--demo --notify`: the bus and the queue its rule fills), one line each.
    notes: list[str] = field(default_factory=list)

    def close(self) -> None:
        for close in reversed(self.closers):
            close()
        self.endpoint.close()


class DemoEventsUnavailable(RuntimeError):
    """`--demo --events` needs moto's server as its local SQS (the `events-demo` extra)."""


def _local_moto(needs: str) -> tuple[str, Callable[[], object]]:
    """Moto's server in-process on 127.0.0.1 and a free port: its URL and how to stop it. `needs` says
    what asked for it, for the one line said when moto is not installed."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise DemoEventsUnavailable(f"{needs}: pip install 'pcwatch[events-demo]' (moto's server)") from None
    # Its HTTP server logs every request to stderr: over the dashboard's screen.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return f"http://{host}:{port}", server.stop


def start_demo_events(simulator: Simulator, catalog: str) -> tuple[str, list[Callable[[], object]]]:
    """A local SQS queue (moto's server, in-process, 127.0.0.1, a free port) and the simulator's
    publisher sending its events to it. Returns the queue URL and what to stop."""
    url, stop = _local_moto("--demo --events needs a local SQS")
    from .events import EventPublisher, sqs_client, sqs_sender

    queue_url: str = sqs_client(url).create_queue(QueueName="pcwatch-demo-events")["QueueUrl"]
    send, _ = sqs_sender(queue_url)
    publisher = EventPublisher(simulator, send, catalog)
    publisher.start()
    return queue_url, [stop, publisher.close]


@dataclass(frozen=True)
class DemoBus:
    """`--demo --notify`'s local EventBridge: the endpoint, the bus, the queue its rule fills."""

    endpoint_url: str
    bus: str
    queue_url: str


#: The demo bus's rule: every event pcwatch publishes (schemas.notify.NOTIFY_SOURCE).
DEMO_BUS = "pcwatch-demo-outcomes"


def start_demo_notify() -> tuple[DemoBus, list[Callable[[], object]]]:
    """A local EventBridge bus with a rule sending pcwatch's events to a local SQS queue (moto's server,
    in-process, 127.0.0.1, a free port). Returns them and what to stop."""
    url, stop = _local_moto("--demo --notify needs a local EventBridge")
    import json

    import boto3

    from schemas.notify import NOTIFY_SOURCE

    from . import LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY

    def client(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id=LOCAL_ACCESS_KEY_ID,
            aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
        )

    events, sqs = client("events"), client("sqs")
    events.create_event_bus(Name=DEMO_BUS)
    queue_url: str = sqs.create_queue(QueueName=DEMO_BUS)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(
        Name=DEMO_BUS, EventBusName=DEMO_BUS, EventPattern=json.dumps({"source": [NOTIFY_SOURCE]})
    )
    events.put_targets(Rule=DEMO_BUS, EventBusName=DEMO_BUS, Targets=[{"Id": "queue", "Arn": arn}])
    return DemoBus(url, DEMO_BUS, queue_url), [stop]


def wants_demo(settings: Settings) -> bool:
    """`--demo` without an endpoint of its own: the embedded endpoint must be started."""
    return settings.demo and not settings.endpoint_url


def start_demo(
    settings: Settings,
    world: DemoWorld = DEMO,
    *,
    clock: Clock | None = None,
    faults: Faults | None = None,
) -> Demo:
    """Start the demo endpoint for `settings` and return it with the settings pointed at it."""
    simulator = Simulator(
        seed=world.seed, history=world.history, speed=world.speed, clock=clock or SystemClock(), faults=faults
    )
    if world.activity_per_minute > 0:
        simulator.demo_activity(world.activity_per_minute)
    if world.bulk_records > 0:
        simulator.open_with_bulk_job(
            settings.catalog if settings.catalog in CATALOGS else "Sandbox",
            world.bulk_records,
            rate_per_minute=world.bulk_per_minute,
            done=world.bulk_done,
            failure_share=world.bulk_failures,
        )
    endpoint = serve(simulator, port=0)
    demo = Demo(
        endpoint,
        simulator,
        dataclasses.replace(settings, endpoint_url=endpoint.url, demo=True, demo_in_process=True),
    )
    if settings.demo_events:
        try:
            queue_url, closers = start_demo_events(simulator, settings.catalog)
        except BaseException:
            endpoint.close()
            raise
        demo.closers.extend(closers)
        demo.settings = dataclasses.replace(demo.settings, events_queue_url=queue_url)
    if settings.demo_notify:
        try:
            bus, closers = start_demo_notify()
        except BaseException:
            demo.close()
            raise
        demo.closers.extend(closers)
        journal = settings.journal_path
        if journal is None:  # (the outbox is in the journal: the demo's own, new each run)
            directory = private_temp_directory("pcwatch-demo-notify-")
            journal = directory / "journal.sqlite3"
            demo.closers.append(lambda: shutil.rmtree(directory, ignore_errors=True))
        demo.settings = dataclasses.replace(
            demo.settings,
            notify_event_bus=bus.bus,
            notify_endpoint_url=bus.endpoint_url,
            journal_path=journal,
        )
        demo.notes.append(
            f"--demo --notify: outcomes go to the local EventBridge bus {bus.bus}; its rule fills the queue "
            f"{bus.queue_url}; read it with: aws sqs receive-message --endpoint-url {bus.endpoint_url} "
            f"--region us-east-1 --queue-url {bus.queue_url} (any credentials)"
        )
    return demo

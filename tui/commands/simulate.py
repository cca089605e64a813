"""`pcwatch simulate`: serve the local endpoint on 127.0.0.1 until SIGINT or SIGTERM.

The first line on stdout is the endpoint URL (flushed), so a script can read it and point any client at
it; the hints that follow go to stderr.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from tui.core.exit_status import ExitStatus
from tui.core.ports import bind_error_message
from tui.core.settings import Settings
from tui.simulator import Faults, Simulator, serve

from .common import refuse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("simulator")
    g.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: any free port)")
    g.add_argument("--seed", type=int, default=1, help="seed of the generated history and of the faults")
    g.add_argument("--history", type=int, default=1000, help="tasks in each catalog's history (default 1000)")
    g.add_argument(
        "--speed", type=float, default=1.0, help="time scale: 10 makes every task finish ten times sooner"
    )
    g.add_argument(
        "--faults",
        default="",
        metavar="NAME=RATE,…",
        help="fault rates per request, e.g. throttle=0.1,internal_error=0.05,slow=0.1,slow_seconds=3; "
        "names: " + ", ".join(f for f in Faults.__dataclass_fields__),
    )
    g.add_argument("--no-quotas", action="store_true", help="do not enforce the service's request quotas")
    g.add_argument(
        "--activity", type=float, default=0.0, metavar="PER_MINUTE", help="start this many new tasks a minute"
    )
    g.add_argument(
        "--events-to",
        metavar="QUEUE_URL",
        default=None,
        help="publish the events the tasks cause (EventBridge's envelope) to this SQS queue",
    )


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    try:
        faults = Faults.parse(args.faults)
    except ValueError as exc:
        return refuse("simulate", f"--faults: {exc}")
    if args.speed <= 0:
        return refuse("simulate", "--speed must be positive")
    sim = Simulator(
        seed=args.seed,
        history=max(0, args.history),
        speed=args.speed,
        faults=faults,
        enforce_quotas=not args.no_quotas,
    )
    sim.world(
        settings.catalog if settings.catalog in ("AWS", "Sandbox") else "Sandbox"
    )  # ready before the URL
    if args.activity > 0:
        sim.demo_activity(args.activity)
    publisher = None
    if args.events_to:
        from tui.simulator.events import EventPublisher, sqs_sender

        send, _sqs = sqs_sender(args.events_to)
        publisher = EventPublisher(sim, send, catalog=settings.catalog)
        publisher.start()
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    try:
        endpoint = serve(sim, port=args.port)
    except OSError as exc:
        return refuse("simulate", bind_error_message("127.0.0.1", args.port, exc))
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with endpoint:
            print(endpoint.url, flush=True)
            print(
                f"Serving Partner Central Selling (seed {args.seed}, history {args.history}, speed {args.speed}). "
                "Any SigV4-signed request is accepted (signatures are not checked).\n"
                f"  aws --endpoint-url {endpoint.url} --region us-east-1 partnercentral-selling "
                "list-engagement-by-accepting-invitation-tasks --catalog Sandbox\n"
                "Stop with Ctrl-C.",
                file=sys.stderr,
                flush=True,
            )
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if publisher is not None:
            publisher.close()
    print(f"served {sim.stats.total} requests", file=sys.stderr)
    if publisher is not None:
        print(f"published {len(publisher.sent)} events to {args.events_to}", file=sys.stderr)
    return ExitStatus.OK

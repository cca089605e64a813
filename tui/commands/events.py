"""`pcwatch events setup --queue NAME [--print]` and `pcwatch events status`: the EventBridge rule and the
SQS queue that turn on event-driven wake-ups (`--events-queue`), and how that queue is doing."""

from __future__ import annotations

import argparse
import re
from typing import Any

from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings
from tui.core.text_safety import visible

from .common import error

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_RULE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="events_command", metavar="ACTION", required=True)
    setup = sub.add_parser("setup", help="create the rule, the queue and its policy (or --print them)")
    setup.add_argument("--queue", required=True, metavar="NAME", help="the SQS queue's name (one per host)")
    setup.add_argument(
        "--rule", default=None, metavar="NAME", help="the EventBridge rule's name (shared by hosts)"
    )
    setup.add_argument(
        "--print", action="store_true", help="print AWS CLI commands and a CloudFormation template instead"
    )
    status = sub.add_parser("status", help="the queue's depth, the rules that feed it, the last event")
    for p in (setup, status):
        p.add_argument(
            "--aws-endpoint-url",
            default=None,
            metavar="URL",
            help="SQS and EventBridge at another endpoint (a local one, for testing)",
        )


def _clients(settings: Settings, endpoint: str | None) -> tuple[Any, Any]:
    import boto3

    from tui.aws.client import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY, is_local_endpoint
    from tui.aws.event_setup import EVENTS_REGION

    session = boto3.session.Session(profile_name=settings.profile, region_name=EVENTS_REGION)
    if is_local_endpoint(endpoint) and session.get_credentials() is None:
        session = boto3.session.Session(
            aws_access_key_id=LOCAL_ACCESS_KEY,
            aws_secret_access_key=LOCAL_SECRET_KEY,
            region_name=EVENTS_REGION,
        )
    return session.client("sqs", endpoint_url=endpoint), session.client("events", endpoint_url=endpoint)


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    if args.events_command == "setup":
        return _setup(args, settings)
    return _status(args, settings)


def _setup(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    from tui.aws.event_setup import DEFAULT_RULE, EventsPlan, apply, cli_commands, cloudformation

    rule = args.rule or DEFAULT_RULE
    if not _NAME.match(args.queue):
        return error("events setup", f"--queue {visible(args.queue)!r}: letters, digits, - and _ only (1-80)")
    if not _RULE.match(rule):
        return error("events setup", f"--rule {visible(rule)!r}: letters, digits, ., - and _ only (1-64)")
    plan = EventsPlan(queue=args.queue, rule=rule)
    if args.print:
        print(cli_commands(plan))
        print()
        print("# or as a CloudFormation template (deploy it in us-east-1):")
        print(cloudformation(plan))
        return ExitStatus.OK
    try:
        sqs, events = _clients(settings, args.aws_endpoint_url)
        result = apply(plan, sqs, events)
    except Exception as exc:
        from tui.aws.errors import failure_from_exception

        return error("events setup", failure_from_exception(exc, profile=settings.profile, sso=False).message)
    print(f"rule   {result.rule_arn}")
    print(f"queue  {result.queue_url}")
    print("Now run pcwatch with it (or set PCWATCH_EVENTS_QUEUE):")
    print(f"  pcwatch --events-queue {result.queue_url}")
    return ExitStatus.OK


def _status(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    from tui.aws.event_queue import EventQueue, queue_endpoint
    from tui.aws.event_setup import rules_for_queue
    from tui.aws.failures import ApiFailure
    from tui.engine.event_consumer import LAST_EVENT_KEY
    from tui.engine.journal import Journal, default_journal_path

    url = settings.events_queue_url
    if not url:
        return error("events status", "which queue? --events-queue QUEUE_URL (or $PCWATCH_EVENTS_QUEUE)")
    try:
        endpoint = args.aws_endpoint_url or queue_endpoint(url, settings)[0]
        sqs, events = _clients(settings, endpoint)
        queue = EventQueue(sqs, url, profile=settings.profile)
        depth = queue.depth()
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        rules = rules_for_queue(events, arn)
    except ApiFailure as failure:
        return error("events status", failure.message)
    except Exception as exc:
        from tui.aws.errors import failure_from_exception

        return error(
            "events status", failure_from_exception(exc, profile=settings.profile, sso=False).message
        )
    last = None
    path = settings.journal_path or default_journal_path(settings)
    if not settings.no_journal and path.exists():  # (status creates no journal)
        journal = Journal(path)
        try:
            last = journal.load().meta.get(LAST_EVENT_KEY)
        finally:
            journal.close()
    print(f"queue       {visible(url, limit=300)}")
    print(f"waiting     {depth.visible} (in flight {depth.in_flight}, delayed {depth.delayed})")
    print(
        f"rules       {', '.join(visible(r) for r in rules) if rules else 'none sends to this queue: run pcwatch events setup'}"
    )
    print(f"last event  {visible(last) if last else 'none received by pcwatch on this machine yet'}")
    return ExitStatus.OK if rules else ExitStatus.ERROR

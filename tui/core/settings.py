"""Run-time settings and the checks that refuse unsafe ones before any request. No I/O beyond reading
os.environ; where each setting comes from (flag, environment, config file, default) is `config`."""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .text_safety import visible

DEFAULT_REGION = "us-east-1"
#: The service's two catalogs, spelled exactly: `AWS` is production, `Sandbox` is for testing.
CATALOGS = ("Sandbox", "AWS")
#: The values of PCWATCH_READ_ONLY that leave writes on; any other value turns them off (fail closed).
WRITES_ON = ("", "0", "false", "no", "off")
#: What botocore accepts as a region name (it refuses anything else with a traceback-shaped error).
_REGION = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?")


@dataclass(frozen=True)
class Budget:
    """How much of the partner account's shared read quota pcwatch may spend."""

    #: Sustained calls per second (the account allows 10/s for everything the partner runs).
    rate_per_second: float = 1.0
    #: Calls per rolling 24 h (the account allows 100,000; the default is 10 % of that).
    daily_calls: int = 10_000
    #: Calls that may be spent at once above the sustained rate.
    burst: int = 10


@dataclass(frozen=True)
class Settings:
    catalog: str = "Sandbox"
    profile: str | None = None
    region: str = DEFAULT_REGION
    endpoint_url: str | None = None
    demo: bool = False
    journal_path: Path | None = None
    no_journal: bool = False
    read_only: bool = False
    #: Allow plain http:// to a host other than this one (signed requests and data unencrypted).
    allow_insecure_endpoint: bool = False
    budget: Budget = field(default_factory=Budget)
    #: Seconds between looks at a kind with running tasks while someone watches (three busy kinds: 1,800
    #: calls an hour), and while nobody does; the other slow checks scale with the latter
    #: (`tui.engine.poll_plan.PollPlan.from_settings`).
    fast_interval: float = 6.0
    slow_interval: float = 60.0
    #: Every HTTP request's limits in seconds: connecting, and waiting for the answer's next bytes. A call
    #: is at most botocore's attempts (`tui.aws.retry`) of these, so a hang ends as "timed out", never
    #: a freeze.
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    #: The SQS queue an EventBridge rule sends Partner Central's events to (`--events-queue`): events wake
    #: the poller up, and the polling relaxes while the queue answers (docs/events.md).
    events_queue_url: str | None = None
    #: `--demo --events`: the demo endpoint publishes its events to a queue of its own that pcwatch reads.
    demo_events: bool = False
    #: Where to write the log (`tui.core.logs`); None: no log file.
    log_file: Path | None = None
    log_level: str = "info"
    #: Finished tasks a viewer keeps in memory at most (the newest by start; the journal keeps them all).
    #: None: `tui.engine.store_retention.KEEP_ENDED_TASKS`.
    keep_ended_tasks: int | None = None


def env_default(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value else default


def read_only_from_env(value: str | None) -> bool:
    """PCWATCH_READ_ONLY: unset, empty, 0, false, no or off leave writes on; anything else (`y`, `1`,
    `ture`, `disable`…) turns them off, so a misspelling never leaves writes on."""
    return (value or "").strip().lower() not in WRITES_ON


def is_loopback(host: str) -> bool:
    """`localhost`, 127.0.0.0/8 or ::1: traffic that never leaves this machine."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SettingsError(ValueError):
    """A setting pcwatch refuses to act on; the message says why and what to do (exit 2)."""


def check_settings(settings: Settings) -> None:
    """Raise SettingsError for a catalog that is not exactly `Sandbox` or `AWS`, a region name botocore
    would refuse, or an endpoint that would carry signed requests in clear text to another machine
    (unless allowed)."""
    if settings.catalog not in CATALOGS:
        raise SettingsError(
            f"--catalog (or PCWATCH_CATALOG) must be exactly Sandbox or AWS, not {visible(settings.catalog)!r}"
        )
    if not _REGION.fullmatch(settings.region):
        raise SettingsError(
            f"--region (or AWS_REGION) {visible(settings.region, limit=80)!r} is not a region name; "
            f"Partner Central Selling is in {DEFAULT_REGION}: use --region {DEFAULT_REGION}"
        )
    for option, url in (
        ("--endpoint-url", settings.endpoint_url),
        ("--events-queue", settings.events_queue_url),
    ):
        if url is not None:
            _check_url(option, url, settings.allow_insecure_endpoint)


def _check_url(option: str, url: str, allow_insecure: bool) -> None:
    parts = urlsplit(url)
    shown = visible(url, limit=200)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{option} {shown}: not an http:// or https:// URL")
    insecure = parts.scheme.lower() == "http" and not is_loopback(parts.hostname)
    if insecure and not allow_insecure:
        raise SettingsError(
            f"{option} {shown}: plain http:// to another host would carry your signed requests "
            "and your partner data unencrypted, readable and alterable by anyone on the path; use "
            "https://, or --allow-insecure-endpoint if you accept that"
        )


def global_options(settings: Settings) -> list[str]:
    """The `pcwatch` global options that give these settings (for a pcwatch process started with them:
    each tab of `pcwatch serve`, the server `Watch.dashboard()` starts)."""
    argv = ["--catalog", settings.catalog, "--region", settings.region]
    if settings.profile:
        argv += ["--profile", settings.profile]
    if settings.endpoint_url:
        argv += ["--endpoint-url", settings.endpoint_url]
    if settings.demo:
        argv.append("--demo")
    if settings.read_only:
        argv.append("--read-only")
    if settings.allow_insecure_endpoint:
        argv.append("--allow-insecure-endpoint")
    if settings.no_journal:
        argv.append("--no-journal")
    elif settings.journal_path is not None:
        argv += ["--journal", str(settings.journal_path)]
    argv += ["--max-rate", repr(settings.budget.rate_per_second)]
    argv += ["--daily-calls", str(settings.budget.daily_calls)]
    if settings.log_file is not None:
        argv += ["--log-file", str(settings.log_file), "--log-level", settings.log_level]
    return argv

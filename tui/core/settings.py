"""Run-time settings, and the checks that refuse unsafe ones before any request.

`Settings` is the one table of pcwatch's settings: each field a user can set is declared once, with
`setting(...)` (its default, help, group, environment variables, constraints, whether a child pcwatch
inherits it), and everything else is generated from that declaration by `SETTINGS`: the global options
(`tui.__main__`), config.toml's keys, where each value comes from and `pcwatch config` (`tui.core.config`),
and the options a child pcwatch is started with (`tui.core.config.child_options`). A field declared without
`setting(...)` is internal: code sets it, no flag or key does. docs/ARCHITECTURE.md, "Adding a setting".

No I/O beyond reading os.environ."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Any, TypeVar
from urllib.parse import urlsplit

from .text_safety import visible

DEFAULT_REGION = "us-east-1"
#: The service's two catalogs, spelled exactly: `AWS` is production, `Sandbox` is for testing.
CATALOGS = ("Sandbox", "AWS")
LOG_LEVELS = ("debug", "info", "warning", "error")
#: A switch's values in the environment that leave it off; any other value turns it on, so a misspelt
#: PCWATCH_READ_ONLY never leaves writes on (it fails closed).
OFF_WORDS = ("", "0", "false", "no", "off")
#: The groups of `pcwatch --help`, in order.
GROUPS = ("account", "journal", "budget", "publishing", "configuration and log")
#: What botocore accepts as a region name (it refuses anything else with a traceback-shaped error).
_REGION = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?")

_T = TypeVar("_T")
_DECLARED = "pcwatch.setting"


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
class Declaration:
    """What `setting(...)` records on a field (see there)."""

    help: str
    group: str
    key: str | None
    env: tuple[str, ...]
    choices: tuple[str, ...]
    choices_said: str | None
    at_least: float | None
    above: float | None
    metavar: str | None
    inherited: bool
    fails_closed: bool
    checked_by_check_settings: bool


def setting(
    default: _T,
    *,
    help: str,
    group: str,
    key: str | None = None,
    env: tuple[str, ...] = (),
    choices: tuple[str, ...] = (),
    choices_said: str | None = None,
    at_least: float | None = None,
    above: float | None = None,
    metavar: str | None = None,
    inherited: bool = True,
    fails_closed: bool = False,
    checked_by_check_settings: bool = False,
) -> _T:
    """A field of `Settings` that users set: its flag is `--` + `key` with dashes, its config.toml key and
    `pcwatch config` name is `key` (default: the field's name), its environment variables are `env` (the
    first set wins). `help` is the flag's help without the default (generated). `choices` (worded as
    `choices_said` in errors), `at_least` and `above` are checked for a flag, a variable and the file alike
    (`checked_by_check_settings`: the choices are left to `check_settings`, which says one thing whatever
    the source). `inherited`: a child pcwatch (a `serve` tab, `Watch.dashboard()`) is started with it.
    `fails_closed` (a switch): any source that turns it on wins over the ones that would leave it off.
    A switch's default is False: its flag can only turn it on."""
    declared = Declaration(
        help=help,
        group=group,
        key=key,
        env=env,
        choices=choices,
        choices_said=choices_said,
        at_least=at_least,
        above=above,
        metavar=metavar,
        inherited=inherited,
        fails_closed=fails_closed,
        checked_by_check_settings=checked_by_check_settings,
    )
    return field(default=default, metadata={_DECLARED: declared})


@dataclass(frozen=True)
class Settings:
    # --- set by users: one declaration each (the order of `pcwatch config`) ---
    profile: str | None = setting(None, env=("AWS_PROFILE",), group="account", help="AWS profile")
    region: str = setting(
        DEFAULT_REGION, env=("AWS_REGION", "AWS_DEFAULT_REGION"), group="account", help="AWS region"
    )
    catalog: str = setting(
        "Sandbox",
        env=("PCWATCH_CATALOG",),
        choices=CATALOGS,
        choices_said="Sandbox or AWS, exactly",
        checked_by_check_settings=True,
        group="account",
        help="AWS (production) or Sandbox, exactly",
    )
    endpoint_url: str | None = setting(
        None,
        env=("PCWATCH_ENDPOINT_URL",),
        group="account",
        help="another endpoint: https://, or http:// on this machine",
    )
    #: Allow plain http:// to a host other than this one (signed requests and data unencrypted).
    allow_insecure_endpoint: bool = setting(
        False,
        group="account",
        help="allow an http:// endpoint on another host (requests and data travel unencrypted)",
    )
    demo: bool = setting(False, group="account", help="use the embedded local endpoint (demo)")
    read_only: bool = setting(
        False,
        env=("PCWATCH_READ_ONLY",),
        fails_closed=True,
        group="account",
        help="turn every write off (accept, reject, start-…); also $PCWATCH_READ_ONLY set to anything but "
        "0, false, no or off, or read_only = true in the config file",
    )
    journal_path: Path | None = setting(None, key="journal", group="journal", help="SQLite journal path")
    no_journal: bool = setting(False, group="journal", help="keep nothing on disk")
    max_rate: float = setting(
        Budget.rate_per_second, above=0, group="budget", help="calls per second at most"
    )
    daily_calls: int = setting(Budget.daily_calls, at_least=1, group="budget", help="calls per 24 h at most")
    #: Where to write the log (`tui.core.logs`); None: no log file.
    log_file: Path | None = setting(
        None, group="configuration and log", help="write a log here (0600, rotated)"
    )
    log_level: str = setting(
        "info", choices=LOG_LEVELS, group="configuration and log", help="the log file's level"
    )
    #: The SQS queue an EventBridge rule sends Partner Central's events to (`--events-queue`): events wake
    #: the poller up, and the polling relaxes while the queue answers (docs/events.md).
    events_queue_url: str | None = setting(
        None,
        key="events_queue",
        env=("PCWATCH_EVENTS_QUEUE",),
        metavar="QUEUE_URL",
        group="account",
        help="an SQS queue of Partner Central's EventBridge events (pcwatch events setup): events wake the "
        "polling up, which then relaxes; docs/events.md",
    )
    #: `--demo --events`: the demo endpoint publishes its events to a queue of its own that pcwatch reads.
    #: Not inherited: the process that starts the demo starts its queue too, and its children get the
    #: queue (`events_queue_url`) and the endpoint (`endpoint_url`) it made; a child given it could only
    #: ever start a second queue that its siblings do not read.
    demo_events: bool = setting(
        False,
        key="events",
        inherited=False,
        group="account",
        help="with --demo: the demo endpoint publishes its events to a local queue pcwatch reads",
    )
    #: Finished tasks a viewer keeps in memory at most (the newest by start; the journal keeps them all).
    #: None: `tui.engine.store_retention.KEEP_ENDED_TASKS`.
    keep_ended_tasks: int | None = setting(
        None,
        key="keep_ended",
        at_least=1,
        metavar="N",
        group="budget",
        help="finished tasks each viewer keeps in memory, the newest by start (default 100000; running "
        "tasks always; the journal keeps all)",
    )
    #: Finished tasks older than this many days are dropped from the journal by the leader, at its start
    #: and daily (`tui.engine.journal_compact`; the statistics keep them summed by the hour). None: the
    #: journal keeps every task.
    journal_keep_days: int | None = setting(
        None,
        at_least=1,
        metavar="DAYS",
        group="journal",
        help="the leader drops finished tasks older than this from the journal, at its start and daily "
        "(pcwatch stats keeps them summed by the hour; pcwatch journal compact does it once)",
    )

    #: Publishing task and job outcomes (issue 28, docs/notify.md): done by whichever pcwatch leads the
    #: polling, from the journal's outbox (`tui.engine.notify_publisher`).
    notify_event_bus: str | None = setting(
        None,
        env=("PCWATCH_NOTIFY_EVENT_BUS",),
        metavar="NAME_OR_ARN",
        group="publishing",
        help="publish task and job outcomes to this EventBridge bus (PutEvents); docs/notify.md",
    )
    notify_sns_topic: str | None = setting(
        None,
        env=("PCWATCH_NOTIFY_SNS_TOPIC",),
        metavar="ARN",
        group="publishing",
        help="publish task and job outcomes to this SNS topic (attributes kind, status, catalog)",
    )
    notify_exec: str | None = setting(
        None,
        env=("PCWATCH_NOTIFY_EXEC",),
        metavar="CMD",
        group="publishing",
        help="run CMD (no shell) with each outcome's event JSON on stdin",
    )
    notify_on: str = setting(
        "FAILED",
        env=("PCWATCH_NOTIFY_ON",),
        choices=("FAILED", "all"),
        group="publishing",
        help="which outcomes to publish: FAILED (failures), or all (ends, bulk progress, expiring "
        "invitations)",
    )
    #: Kinds published (short names, comma-separated); None: every kind.
    notify_kind: str | None = setting(
        None,
        env=("PCWATCH_NOTIFY_KIND",),
        metavar="KIND[,KIND…]",
        group="publishing",
        help="publish only these kinds' outcomes (short names, comma-separated)",
    )
    notify_max_age: float = setting(
        24 * 3600.0,
        above=0,
        metavar="SECONDS",
        group="publishing",
        help="an outcome older than this when it could finally be sent is logged and dropped",
    )
    #: Another endpoint for EventBridge and SNS (a local one: moto's server, as `--demo --notify` starts).
    notify_endpoint_url: str | None = setting(
        None,
        env=("PCWATCH_NOTIFY_ENDPOINT_URL",),
        group="publishing",
        help="another endpoint for EventBridge and SNS: https://, or http:// on this machine",
    )
    #: `--demo --notify`: a local EventBridge bus (moto's server) with a rule to an SQS queue, published
    #: to. Not inherited, as `demo_events`: the process that starts the demo starts the bus.
    demo_notify: bool = setting(
        False,
        key="notify",
        inherited=False,
        group="publishing",
        help="with --demo: publish outcomes to a local EventBridge bus whose rule fills a local queue",
    )
    #: Seconds a `--notify-exec` command may run.
    notify_exec_timeout: float = 30.0

    # --- internal: set by code, never by a flag or the file ---
    #: Calls that may be spent at once above `max_rate`.
    burst: int = Budget.burst
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
    #: The config file these settings were resolved with (whether or not it is there) and its section
    #: over [default]; None: settings made in code. A child pcwatch reads the same
    #: (`tui.core.config.child_options`), not the one its own environment would choose.
    config_file: Path | None = None
    config_profile: str | None = None
    #: `--demo` started its endpoint in this process (`tui.simulator.demo.start_demo`): its simulated
    #: account is this process's alone; another `--demo` is another account. (A child started with this
    #: one's endpoint shares it: not inherited.)
    demo_in_process: bool = False
    #: What turned `read_only` on ("flag --read-only", "environment PCWATCH_READ_ONLY", "<config.toml>
    #: [default], line 3"), for the refusal to name; None: off, or set in code.
    read_only_source: str | None = field(default=None, compare=False)

    @property
    def budget(self) -> Budget:
        return Budget(rate_per_second=self.max_rate, daily_calls=self.daily_calls, burst=self.burst)


@dataclass(frozen=True)
class SettingSpec:
    """One row of the settings table: a `Settings` field declared with `setting(...)`, and what is
    generated from it."""

    #: The `Settings` attribute.
    name: str
    #: config.toml's key, the flag's argparse dest, the name `pcwatch config` shows.
    key: str
    flag: str
    #: str, bool, int, float or Path (a field may also be None: not set).
    kind: type
    default: Any
    declaration: Declaration

    @property
    def inherited(self) -> bool:
        return self.declaration.inherited

    @property
    def is_switch(self) -> bool:
        return self.kind is bool

    def parse(self, text: str) -> Any:
        """A flag's argument or an environment variable's value as this setting's value. Raises
        ValueError saying what is wrong in a few words."""
        if self.kind is bool:
            return text.strip().lower() not in OFF_WORDS
        if self.kind is int or self.kind is float:
            try:
                number = int(text) if self.kind is int else float(text)
            except ValueError:
                raise ValueError(f"not a {'whole ' if self.kind is int else ''}number: {text!r}") from None
            self.check_bounds(number)
            return number
        if self.kind is Path:
            return Path(text)
        if self.checked_choices and text not in self.checked_choices:
            raise ValueError(f"must be {self.choices_said}, not {text!r}")
        return text

    def check_bounds(self, number: float) -> None:
        at_least, above = self.declaration.at_least, self.declaration.above
        if at_least is not None and not number >= at_least:
            raise ValueError(f"must be {at_least:g} or more: {number}")
        if above is not None and not number > above:
            raise ValueError(f"must be more than {above:g}: {number}")

    @property
    def checked_choices(self) -> tuple[str, ...]:
        """The choices a flag's or a variable's value is checked against when it is parsed (none when
        `check_settings` checks them, whatever the source)."""
        return () if self.declaration.checked_by_check_settings else self.declaration.choices

    @property
    def choices_said(self) -> str:
        return self.declaration.choices_said or ", ".join(self.declaration.choices)

    def text(self, value: Any) -> str:
        """`value` as this setting's flag argument: `parse(text(value)) == value`."""
        return repr(value) if self.kind is float else str(value)

    def help_text(self) -> str:
        """The flag's help, with its default and the variables that set it (for a switch the help says
        how it is turned on)."""
        if self.is_switch:
            return self.declaration.help
        said = [f"${name}" for name in self.declaration.env]
        if self.default is not None:
            said.append(f"{self.default:g}" if self.kind is float else str(self.default))
        if not said:
            return self.declaration.help
        either = said[0] if len(said) == 1 else f"{', '.join(said[:-1])} or {said[-1]}"
        return f"{self.declaration.help} (default: {either})"


def table_of(settings_class: type) -> tuple[SettingSpec, ...]:
    """The rows of a dataclass's fields declared with `setting(...)`, in order. Raises TypeError for a
    declaration the generated parts could not carry out."""
    hints = typing.get_type_hints(settings_class)
    rows = []
    for f in dataclasses.fields(settings_class):
        declared = f.metadata.get(_DECLARED)
        if declared is None:
            continue
        hint = hints[f.name]
        members = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, UnionType) else (hint,)
        kinds = [m for m in members if m is not type(None)]
        key = declared.key or f.name
        kind = kinds[0] if len(kinds) == 1 else object
        spec = SettingSpec(f.name, key, "--" + key.replace("_", "-"), kind, f.default, declared)
        wrong = []
        if kind not in (str, bool, int, float, Path):
            wrong.append(f"its type is {hint}, not str, bool, int, float or Path (or one of them | None)")
        if declared.group not in GROUPS:
            wrong.append(f"its group {declared.group!r} is not one of {GROUPS}")
        if spec.is_switch and f.default:
            wrong.append("a switch's default is False (its flag can only turn it on)")
        if declared.at_least is not None and declared.above is not None:
            wrong.append("give at_least or above, not both")
        if wrong:
            raise TypeError(f"{settings_class.__name__}.{f.name}: {'; '.join(wrong)}")
        rows.append(spec)
    return tuple(rows)


#: Every setting users set, in the order `pcwatch config` lists them.
SETTINGS: tuple[SettingSpec, ...] = table_of(Settings)
#: Each setting by its key (config.toml's, the flag's dest).
BY_KEY: dict[str, SettingSpec] = {spec.key: spec for spec in SETTINGS}


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
        ("--notify-endpoint-url", settings.notify_endpoint_url),
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

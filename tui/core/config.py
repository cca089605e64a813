"""The config file, and where each setting comes from: a flag, else the environment, else the file, else
pcwatch's default.

`config.toml` lives in the user's config directory (`~/.config/pcwatch/config.toml` on Linux; elsewhere
platformdirs' `user_config_dir`), or where `--config PATH` / `$PCWATCH_CONFIG` say. `[default]` applies
to every run; a named section (`[prod]`), chosen with `--config-profile NAME` or
`$PCWATCH_CONFIG_PROFILE`, overrides it key by key. Keys are the global options' names in snake case
(`daily_calls = 20000`, `log_file = "~/pcwatch.log"`); relative paths are relative to the file.

A file that is not TOML, a key pcwatch does not know, a value of the wrong type or an unknown section is
a `ConfigError` naming the file, the key and its line (the command line exits 2). So is a file other
users could change (it chooses the endpoint pcwatch signs requests for), as ssh does.

`--read-only` fails closed: writes are off when any source says so (a flag, `PCWATCH_READ_ONLY`, the
file); the environment cannot turn the file's `read_only = true` off.
"""

from __future__ import annotations

import argparse
import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from .settings import DEFAULT_REGION, Budget, Settings, read_only_from_env
from .text_safety import visible

CONFIG_VARIABLE = "PCWATCH_CONFIG"
PROFILE_VARIABLE = "PCWATCH_CONFIG_PROFILE"
DEFAULT_SECTION = "default"
LOG_LEVELS = ("debug", "info", "warning", "error")

Positive = Annotated[float, msgspec.Meta(gt=0)]
Count = Annotated[int, msgspec.Meta(ge=1)]


class ConfigSection(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """One section of config.toml: every key optional, named as the global options are."""

    profile: str | None = None
    region: str | None = None
    catalog: Literal["Sandbox", "AWS"] | None = None
    endpoint_url: str | None = None
    allow_insecure_endpoint: bool | None = None
    demo: bool | None = None
    read_only: bool | None = None
    journal: str | None = None
    no_journal: bool | None = None
    max_rate: Positive | None = None
    daily_calls: Count | None = None
    log_file: str | None = None
    log_level: Literal["debug", "info", "warning", "error"] | None = None
    events_queue: str | None = None
    events: bool | None = None
    keep_ended: Count | None = None


class ConfigError(ValueError):
    """A config file pcwatch will not use; the message names the file, the key and the line."""


@dataclass(frozen=True)
class Config:
    """The sections chosen from a config file ([default], then the named one over it)."""

    path: Path
    exists: bool = False
    profile: str | None = None
    #: key -> (value, where: "config.toml [prod], line 4").
    values: dict[str, tuple[Any, str]] = field(default_factory=dict)


def config_path(flag: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """`--config PATH`, else `$PCWATCH_CONFIG`, else `config.toml` in the user's config directory."""
    environ = os.environ if environ is None else environ
    if flag:
        return Path(flag).expanduser()
    if environ.get(CONFIG_VARIABLE):
        return Path(environ[CONFIG_VARIABLE]).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("pcwatch")) / "config.toml"


def _check_owner(path: Path) -> None:
    info = path.stat()
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ConfigError(
            f"{path}: other users can change it (mode {stat.S_IMODE(info.st_mode):04o}), and it chooses "
            f"where pcwatch sends your signed requests; make it yours alone: chmod go-w {path}"
        )
    getuid = getattr(os, "getuid", None)
    if getuid is not None and info.st_uid != getuid():
        raise ConfigError(f"{path}: belongs to another user (uid {info.st_uid}); pcwatch reads only your own")


def load_config(path: Path, profile: str | None = None) -> Config:
    """The settings of `[default]` and of section `profile` over it. A missing file is an empty config
    (unless a profile is asked for). Raises ConfigError."""
    if not path.exists():
        if profile:
            raise ConfigError(
                f"config profile {visible(profile)!r} asked for, but there is no config file {path}"
            )
        return Config(path)
    try:
        _check_owner(path)
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from None
    try:
        document = msgspec.toml.decode(text)
    except msgspec.DecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {visible(str(exc), limit=300)}") from None
    lines = _KeyLines(text)
    for name, section in document.items():
        if not isinstance(section, dict):
            raise ConfigError(
                f"{path}, line {lines.find(None, name)}: {visible(name)!r} is not a section; settings go "
                f"under [{DEFAULT_SECTION}] or a named section such as [prod]"
            )
    if profile and profile not in document:
        names = ", ".join(visible(n) for n in sorted(document)) or "none"
        raise ConfigError(
            f"{path}: no section [{visible(profile)}] for the config profile (sections: {names})"
        )
    # Every section is checked (a typo in [prod] is found on a run that uses [default] only).
    sections = {name: _decode_section(path, lines, name, raw) for name, raw in document.items()}
    values: dict[str, tuple[Any, str]] = {}
    for name in (DEFAULT_SECTION, profile):
        if not name or name not in sections:
            continue
        for key in ConfigSection.__struct_fields__:
            value = getattr(sections[name], key)
            if value is not None:
                if key in ("journal", "log_file"):
                    value = path.parent / Path(value).expanduser()
                values[key] = (value, f"{path} [{name}], line {lines.find(name, key)}")
    return Config(path, True, profile, values)


def _decode_section(path: Path, lines: _KeyLines, name: str, raw: dict[str, Any]) -> ConfigSection:
    try:
        return msgspec.convert(raw, ConfigSection)
    except msgspec.ValidationError as exc:
        message, key = _explain(str(exc))
        line = lines.find(name, key)
        where = f"[{visible(name)}] {visible(key)}" if key else f"[{visible(name)}]"
        raise ConfigError(f"{path}, line {line}: {where}: {visible(message, limit=300)}") from None


_UNKNOWN = re.compile(r"^Object contains unknown field `(.*)`")
_AT = re.compile(r"^(.*?)(?: - at `\$(?:\.(.*))?`)?$", re.DOTALL)


#: The keys whose value is one of a few words, and those words.
_CHOICES = {"catalog": "Sandbox or AWS, exactly", "log_level": ", ".join(LOG_LEVELS)}


def _explain(message: str) -> tuple[str, str | None]:
    """msgspec's message about a section -> (what is wrong in words, the key)."""
    unknown = _UNKNOWN.match(message)
    if unknown:
        known = ", ".join(ConfigSection.__struct_fields__)
        return f"not a setting pcwatch knows (the keys are: {known})", unknown.group(1)
    match = _AT.match(message)
    assert match is not None  # the pattern matches any text
    text, key = match.group(1).replace(" | null", "").replace("`", ""), match.group(2)
    if key in _CHOICES and text.startswith("Invalid enum value"):
        text = f"must be {_CHOICES[key]}, not {text.removeprefix('Invalid enum value ')}"
    return text[:1].lower() + text[1:], key


class _KeyLines:
    """Where sections and keys are in the TOML text, for error messages (not a TOML parser: dotted keys
    and inline tables fall back to their section's header line)."""

    _HEADER = re.compile(r"^\s*\[\s*(?:\"([^\"]*)\"|'([^']*)'|([^\]\s]+))\s*\]")

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()

    def find(self, section: str | None, key: str | None) -> int:
        current: str | None = None
        header = 1
        for number, line in enumerate(self._lines, 1):
            match = self._HEADER.match(line)
            if match:
                current = next(g for g in match.groups() if g is not None)
                if current == section:
                    header = number
                continue
            if current == section and key is not None and _assigns(line, key):
                return number
        return header


def _assigns(line: str, key: str) -> bool:
    quoted = re.escape(key)
    return re.match(rf"^\s*(?:{quoted}|\"{quoted}\"|'{quoted}')\s*=", line) is not None


# --- where each setting comes from ---------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A setting's value and where it came from ("flag --catalog", "environment AWS_PROFILE",
    "<path> [prod], line 3", "default")."""

    value: Any
    origin: str


@dataclass(frozen=True)
class _Spec:
    name: str
    flag: str
    default: Any = None
    env: tuple[str, ...] = ()
    from_env: Callable[[str], Any] = str


#: Every setting a flag, the environment or the file can set, in the order `pcwatch config` lists them.
SPECS: tuple[_Spec, ...] = (
    _Spec("profile", "--profile", env=("AWS_PROFILE",)),
    _Spec("region", "--region", DEFAULT_REGION, env=("AWS_REGION", "AWS_DEFAULT_REGION")),
    _Spec("catalog", "--catalog", "Sandbox", env=("PCWATCH_CATALOG",)),
    _Spec("endpoint_url", "--endpoint-url", env=("PCWATCH_ENDPOINT_URL",)),
    _Spec("allow_insecure_endpoint", "--allow-insecure-endpoint", False),
    _Spec("demo", "--demo", False),
    _Spec("read_only", "--read-only", False, env=("PCWATCH_READ_ONLY",), from_env=read_only_from_env),
    _Spec("journal", "--journal"),
    _Spec("no_journal", "--no-journal", False),
    _Spec("max_rate", "--max-rate", 1.0),
    _Spec("daily_calls", "--daily-calls", 10_000),
    _Spec("log_file", "--log-file"),
    _Spec("log_level", "--log-level", "info"),
    _Spec("events_queue", "--events-queue", env=("PCWATCH_EVENTS_QUEUE",)),
    _Spec("events", "--events", False),
    # (None: the engine's own default, `tui.engine.store_retention.KEEP_ENDED_TASKS`)
    _Spec("keep_ended", "--keep-ended"),
)

_READ_ONLY = next(spec for spec in SPECS if spec.name == "read_only")


def resolve(
    flags: Mapping[str, Any], environ: Mapping[str, str], config: Config
) -> tuple[Settings, dict[str, Source]]:
    """The settings, flag > environment > file > default, and where each came from. `flags` holds only
    the options given on the command line (argparse with SUPPRESS defaults)."""
    sources: dict[str, Source] = {}
    for spec in SPECS:
        sources[spec.name] = _pick(spec, flags, environ, config)
    read_only = [s for s in _all_sources(_READ_ONLY, flags, environ, config) if s.value]
    if read_only:  # fails closed: any source that turns writes off wins
        sources["read_only"] = read_only[0]
    value = {name: source.value for name, source in sources.items()}
    settings = Settings(
        catalog=value["catalog"],
        profile=value["profile"],
        region=value["region"],
        endpoint_url=value["endpoint_url"],
        demo=bool(value["demo"]),
        journal_path=Path(value["journal"]) if value["journal"] is not None else None,
        no_journal=bool(value["no_journal"]),
        read_only=bool(value["read_only"]),
        allow_insecure_endpoint=bool(value["allow_insecure_endpoint"]),
        budget=Budget(rate_per_second=float(value["max_rate"]), daily_calls=int(value["daily_calls"])),
        log_file=Path(value["log_file"]) if value["log_file"] is not None else None,
        log_level=str(value["log_level"]),
        events_queue_url=value["events_queue"],
        demo_events=bool(value["events"]),
        keep_ended_tasks=int(value["keep_ended"]) if value["keep_ended"] is not None else None,
    )
    return settings, sources


def _all_sources(
    spec: _Spec, flags: Mapping[str, Any], environ: Mapping[str, str], config: Config
) -> list[Source]:
    """Every source that sets `spec`, highest precedence first, then the default."""
    found = []
    if spec.name in flags:
        found.append(Source(flags[spec.name], f"flag {spec.flag}"))
    for variable in spec.env:
        if environ.get(variable):  # set but empty counts as unset
            found.append(Source(spec.from_env(environ[variable]), f"environment {variable}"))
    if spec.name in config.values:
        value, where = config.values[spec.name]
        found.append(Source(value, where))
    found.append(Source(spec.default, "default"))
    return found


def _pick(spec: _Spec, flags: Mapping[str, Any], environ: Mapping[str, str], config: Config) -> Source:
    return _all_sources(spec, flags, environ, config)[0]


# --- from the command line ------------------------------------------------------------------------------


def config_for_args(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Config:
    """The config file `--config` / `$PCWATCH_CONFIG` names, with the section `--config-profile` /
    `$PCWATCH_CONFIG_PROFILE` chooses. Raises ConfigError."""
    environ = os.environ if environ is None else environ
    path = config_path(getattr(args, "config", None), environ)
    return load_config(path, getattr(args, "config_profile", None) or environ.get(PROFILE_VARIABLE) or None)


def resolve_args(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> tuple[Settings, dict[str, Source]]:
    """The settings for parsed command-line options (only those given are in `args`) and where each came
    from. Raises ConfigError."""
    environ = os.environ if environ is None else environ
    return resolve(vars(args), environ, config_for_args(args, environ))

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

Nothing here names a setting: the section's keys, types, choices and bounds, `resolve` and the options a
child pcwatch is started with (`child_options`) are generated from the settings table
(`tui.core.settings.SETTINGS`).
"""

from __future__ import annotations

import argparse
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, cast

import msgspec

from .settings import BY_KEY, SETTINGS, Settings, SettingSpec
from .text_safety import visible

CONFIG_VARIABLE = "PCWATCH_CONFIG"
PROFILE_VARIABLE = "PCWATCH_CONFIG_PROFILE"
#: The meta-options that choose the file (not settings: they say where the settings are).
CONFIG_FLAG = "--config"
PROFILE_FLAG = "--config-profile"
DEFAULT_SECTION = "default"


def _section_type(spec: SettingSpec) -> Any:
    """What config.toml takes for a setting: its type (a path is a string, relative to the file), its
    choices, its bounds."""
    declared = spec.declaration
    if declared.choices:
        return cast(Any, Literal)[declared.choices]
    if spec.kind is Path:
        return str
    if declared.at_least is not None:
        return cast(Any, Annotated)[spec.kind, msgspec.Meta(ge=declared.at_least)]
    if declared.above is not None:
        return cast(Any, Annotated)[spec.kind, msgspec.Meta(gt=declared.above)]
    return spec.kind


#: One section of config.toml: every key optional, named as the global options are.
ConfigSection = msgspec.defstruct(
    "ConfigSection",
    [(spec.key, cast(Any, Optional)[_section_type(spec)], None) for spec in SETTINGS],
    forbid_unknown_fields=True,
    omit_defaults=True,
    module=__name__,
)


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
                if BY_KEY[key].kind is Path:
                    value = path.parent / Path(value).expanduser()
                values[key] = (value, f"{path} [{name}], line {lines.find(name, key)}")
    return Config(path, True, profile, values)


def _decode_section(path: Path, lines: _KeyLines, name: str, raw: dict[str, Any]) -> msgspec.Struct:
    try:
        return msgspec.convert(raw, ConfigSection)
    except msgspec.ValidationError as exc:
        message, key = _explain(str(exc))
        line = lines.find(name, key)
        where = f"[{visible(name)}] {visible(key)}" if key else f"[{visible(name)}]"
        raise ConfigError(f"{path}, line {line}: {where}: {visible(message, limit=300)}") from None


_UNKNOWN = re.compile(r"^Object contains unknown field `(.*)`")
_AT = re.compile(r"^(.*?)(?: - at `\$(?:\.(.*))?`)?$", re.DOTALL)


def _explain(message: str) -> tuple[str, str | None]:
    """msgspec's message about a section -> (what is wrong in words, the key)."""
    unknown = _UNKNOWN.match(message)
    if unknown:
        known = ", ".join(ConfigSection.__struct_fields__)
        return f"not a setting pcwatch knows (the keys are: {known})", unknown.group(1)
    match = _AT.match(message)
    assert match is not None  # the pattern matches any text
    text, key = match.group(1).replace(" | null", "").replace("`", ""), match.group(2)
    if key in BY_KEY and BY_KEY[key].declaration.choices and text.startswith("Invalid enum value"):
        text = f"must be {BY_KEY[key].choices_said}, not {text.removeprefix('Invalid enum value ')}"
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


def resolve(
    flags: Mapping[str, Any], environ: Mapping[str, str], config: Config
) -> tuple[Settings, dict[str, Source]]:
    """The settings, flag > environment > file > default, and where each came from (by key). `flags`
    holds only the options given on the command line (argparse with SUPPRESS defaults), by key. A
    setting that fails closed takes the first source that turns it on. Raises ConfigError for an
    environment variable pcwatch will not use."""
    sources: dict[str, Source] = {}
    for spec in SETTINGS:
        found = sources_of(spec, flags, environ, config)
        chosen = found[0]
        if spec.declaration.fails_closed:  # any source that turns it on wins
            chosen = next((source for source in found if source.value), chosen)
        sources[spec.key] = chosen
    settings = Settings(
        **{spec.name: sources[spec.key].value for spec in SETTINGS},
        config_file=config.path,
        config_profile=config.profile,
    )
    return settings, sources


def sources_of(
    spec: SettingSpec, flags: Mapping[str, Any], environ: Mapping[str, str], config: Config
) -> list[Source]:
    """Every source that sets `spec`, highest precedence first, then the default."""
    found = []
    if spec.key in flags:
        found.append(Source(flags[spec.key], f"flag {spec.flag}"))
    for variable in spec.declaration.env:
        if environ.get(variable):  # set but empty counts as unset
            try:
                value = spec.parse(environ[variable])
            except ValueError as refused:
                raise ConfigError(f"environment {variable}: {visible(str(refused), limit=300)}") from None
            found.append(Source(value, f"environment {variable}"))
    if spec.key in config.values:
        value, where = config.values[spec.key]
        found.append(Source(value, where))
    found.append(Source(spec.default, "default"))
    return found


def child_options(settings: Settings) -> list[str]:
    """The global options a child pcwatch (each `pcwatch serve` tab, the server `Watch.dashboard()`
    starts) is given so that it resolves these settings: the config file and section they were resolved
    with, and every inherited setting that is set (not None, not off). What is unset here stays unset in
    the child: it reads the same file and inherits the same environment."""
    argv = []
    if settings.config_file is not None:
        argv.append(f"{CONFIG_FLAG}={settings.config_file}")
        if settings.config_profile:
            argv.append(f"{PROFILE_FLAG}={settings.config_profile}")
    for spec in SETTINGS:
        value = getattr(settings, spec.name)
        if not spec.inherited or value is None or value is False:
            continue
        argv.append(spec.flag if value is True else f"{spec.flag}={spec.text(value)}")
    return argv


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

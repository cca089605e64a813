"""The config file, and where each setting comes from: a flag, else the environment, else the file, else
pcwatch's default.

`config.toml` lives in the user's config directory (`~/.config/pcwatch/config.toml` on Linux; elsewhere
platformdirs' `user_config_dir`), or where `--config PATH` / `$PCWATCH_CONFIG` say. `[default]` applies
to every run; a named section (`[prod]`), chosen with `--config-profile NAME` or
`$PCWATCH_CONFIG_PROFILE`, overrides it key by key. Keys are the global options' names in snake case
(`daily_calls = 20000`, `log_file = "~/pcwatch.log"`); relative paths are relative to the file.

A file that is not TOML, a key pcwatch does not know, a value of the wrong type or an unknown section is
a `ConfigError` naming the file, the key and its line (the command line exits 2). So is a file other
users could change (it chooses the endpoint pcwatch signs requests for) or one in a directory they could
change, as ssh does; the file is read from the descriptor that was checked (`_read_config`).

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

from .private_files import PathRefused, open_owned, user_name
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


#: A config file larger than this is not one a person wrote.
MAX_CONFIG_BYTES = 1024 * 1024


def _check_directories(path: Path) -> None:
    """As ssh's StrictModes: the directories holding the config file (from its own up to the user's home,
    or up to `/` outside it) must be the user's or root's, and no one else may write them, or another
    user could replace the file. One difference: a sticky directory (`/tmp`, mode 1777) owned by root
    or the user passes, because the sticky bit stops others renaming or removing what they do not own;
    ssh refuses it outright."""
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None:  # (not POSIX: no owners and modes to check)
        return
    me = geteuid()
    try:
        import pwd

        home: Path | None = Path(os.path.realpath(pwd.getpwuid(me).pw_dir))
    except (ImportError, KeyError):
        home = None
    for directory in [path, *path.parents]:
        try:
            info = directory.stat()
        except OSError as exc:
            raise ConfigError(f"{directory}: cannot be checked ({exc.strerror})") from None
        mode = stat.S_IMODE(info.st_mode)
        if info.st_uid not in (me, 0):
            raise ConfigError(
                f"{directory}: belongs to {user_name(info.st_uid)}, who could replace the config file "
                f"in it; keep config.toml in a directory of your own (--config PATH)"
            )
        sticky = bool(mode & stat.S_ISVTX)
        if mode & (stat.S_IWGRP | stat.S_IWOTH) and not sticky:
            raise ConfigError(
                f"{directory}: other users can write this directory (mode {mode:04o}), so they could replace "
                f"the config file in it; chmod go-w {directory}"
            )
        if directory == home:
            return


def _read_config(path: Path) -> str | None:
    """The config file's text, read from the descriptor that was checked (the user's own regular file,
    not writable by others, in directories only the user or root can change); None if there is none."""
    real = Path(os.path.realpath(path))  # (a link to a dotfiles repository is fine: its target is checked)
    try:
        fd = open_owned(real, tighten=False)
    except FileNotFoundError:
        if real.parent.is_dir():  # a file hidden by another user who can write its directory is not "none"
            _check_directories(real.parent)
        return None
    except PathRefused as refused:
        raise ConfigError(str(refused)) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as fh:
        mode = stat.S_IMODE(os.fstat(fh.fileno()).st_mode)
        if mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise ConfigError(
                f"{path}: other users can change it (mode {mode:04o}), and it chooses where pcwatch sends "
                f"your signed requests; make it yours alone: chmod go-w {real}"
            )
        _check_directories(real.parent)
        data = fh.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES:,} bytes; not a config file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from None


def load_config(path: Path, profile: str | None = None) -> Config:
    """The settings of `[default]` and of section `profile` over it. A missing file is an empty config
    (unless a profile is asked for). Raises ConfigError."""
    text = _read_config(path)
    if text is None:
        if profile:
            raise ConfigError(
                f"config profile {visible(profile)!r} asked for, but there is no config file {path}"
            )
        return Config(path)
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
        read_only_source=sources["read_only"].origin if sources["read_only"].value else None,
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

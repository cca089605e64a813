"""A child pcwatch resolves the settings of the process that started it, for every setting the table says a
child inherits: each `pcwatch serve` tab (`dashboard_command`) and the server `Watch.dashboard()` starts
(`serve_argv`), whose tabs are the same again. The values are generated from the table (its types,
choices and bounds), so a new setting is covered without a new test.

The child's command line is parsed by the real parser and resolved with an empty environment and no config
file: whatever it gets, it gets from its arguments."""

from __future__ import annotations

import dataclasses
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from tui.__main__ import build_parser
from tui.commands.serve import dashboard_command
from tui.core.config import Config, child_options, load_config, resolve
from tui.core.settings import SETTINGS, Settings, SettingSpec
from tui.notebook.server import serve_argv

INHERITED = [spec for spec in SETTINGS if spec.inherited]
NOT_INHERITED = [spec for spec in SETTINGS if not spec.inherited]
NO_FILE = Config(Path("/nonexistent/pcwatch/config.toml"))


def other_value(spec: SettingSpec) -> Any:
    """A value of `spec` that is not its default, from its type, choices and bounds; text that a shell
    or a parser could take for something else (a leading dash, spaces, quotes, `=`)."""
    declared = spec.declaration
    if spec.kind is bool:
        return True
    if declared.choices:
        return next(choice for choice in reversed(declared.choices) if choice != spec.default)
    if spec.kind is int:
        floor = int(declared.at_least if declared.at_least is not None else 0)
        return (spec.default if spec.default is not None else floor) + 41
    if spec.kind is float:
        floor = declared.above if declared.above is not None else 0.0
        return (spec.default if spec.default is not None else floor) + 0.1 + 1 / 3
    if spec.kind is Path:
        return Path(f"/tmp/a dir/-{spec.key} 'q'=x")
    return f"-{spec.key} 'q' \"r\" =x"


def with_every_setting_changed() -> Settings:
    return dataclasses.replace(Settings(), **{spec.name: other_value(spec) for spec in SETTINGS})


def resolved(argv: list[str]) -> tuple[Settings, Any]:
    """What a pcwatch started with `argv` (after `python -m tui`) resolves to: no environment, no file."""
    args = build_parser().parse_args(argv)
    return resolve(vars(args), {}, NO_FILE)[0], args


def serve_tab(settings: Settings) -> Settings:
    argv = shlex.split(dashboard_command(settings))
    assert argv[:3] == [sys.executable, "-m", "tui"]
    tab, args = resolved(argv[3:])
    assert args.command is None  # the dashboard
    return tab


def notebook_dashboard_tab(settings: Settings) -> Settings:
    """`Watch.dashboard()`: the `pcwatch serve` it starts, then that serve's tab."""
    argv = serve_argv(settings, "127.0.0.1", 8765)
    assert argv[:3] == [sys.executable, "-m", "tui"]
    served, args = resolved(argv[3:])
    assert args.command == "serve" and args.port == 8765
    return serve_tab(served)


CHILDREN = {"serve tab": serve_tab, "Watch.dashboard() tab": notebook_dashboard_tab}


@pytest.mark.parametrize("child", CHILDREN.values(), ids=CHILDREN.keys())
@pytest.mark.parametrize("spec", INHERITED, ids=[spec.key for spec in INHERITED])
def test_a_child_sees_each_inherited_setting_the_parent_has(spec: SettingSpec, child: Any) -> None:
    value = other_value(spec)
    assert value != spec.default
    parent = dataclasses.replace(Settings(), **{spec.name: value})
    assert getattr(child(parent), spec.name) == value


@pytest.mark.parametrize("child", CHILDREN.values(), ids=CHILDREN.keys())
def test_a_child_sees_every_inherited_setting_at_once(child: Any) -> None:
    parent = with_every_setting_changed()
    seen = child(parent)
    assert {s.key: getattr(seen, s.name) for s in INHERITED} == {
        s.key: getattr(parent, s.name) for s in INHERITED
    }
    for spec in NOT_INHERITED:
        assert getattr(seen, spec.name) == spec.default, spec.key


def test_demo_events_stay_with_the_process_that_started_the_demo() -> None:
    """`serve --demo --events`: serve starts the demo and its queue; its tabs read that queue (the bug of
    issue 23: they were given neither the queue nor the setting) and never start a queue of their own."""
    from tui.simulator.demo import wants_demo

    started = Settings(
        demo=True,
        demo_events=True,
        endpoint_url="http://127.0.0.1:4567",
        events_queue_url="http://127.0.0.1:9/q",
    )
    assert "--events" not in child_options(started)
    tab = serve_tab(started)
    assert (tab.demo, tab.endpoint_url, tab.events_queue_url) == (
        True,
        started.endpoint_url,
        started.events_queue_url,
    )
    assert not tab.demo_events and not wants_demo(tab)


def test_a_child_reads_the_config_file_and_section_its_parent_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[default]\ndaily_calls = 500\n\n[prod]\ncatalog = "AWS"\nread_only = true\n')
    path.chmod(0o600)
    args = build_parser().parse_args(["--config", str(path), "--config-profile", "prod", "serve"])
    parent = resolve(vars(args), {}, load_config(path, "prod"))[0]
    assert (parent.config_file, parent.config_profile, parent.catalog, parent.daily_calls) == (
        path,
        "prod",
        "AWS",
        500,
    )
    options = child_options(parent)
    assert options[:2] == [f"--config={path}", "--config-profile=prod"]
    child_args = build_parser().parse_args(options)
    assert (child_args.config, child_args.config_profile) == (path, "prod")
    assert resolve(vars(child_args), {}, load_config(path, "prod"))[0] == parent
    # Settings made in code (a notebook's) name no file.
    assert not any(option.startswith("--config") for option in child_options(Settings()))


def test_a_child_reads_no_other_file_when_its_parents_was_not_there(tmp_path: Path) -> None:
    """`--config PATH` to a file that is not there is an empty config; the child must not fall back to
    the one in the user's config directory."""
    missing = tmp_path / "absent.toml"
    args = build_parser().parse_args(["--config", str(missing), "serve"])
    parent = resolve(vars(args), {}, load_config(missing))[0]
    assert parent.config_file == missing
    assert child_options(parent)[0] == f"--config={missing}"

"""The settings table (`tui.core.settings.SETTINGS`, the `Settings` fields declared with `setting(...)`):
each has a flag and a config key, nothing else makes global options or keys, the values of a flag or a
variable are checked as the file's are, and the README names every flag."""

from __future__ import annotations

import argparse
import dataclasses
import re
from pathlib import Path

import pytest

from tui.__main__ import build_parser
from tui.core.config import CONFIG_FLAG, PROFILE_FLAG, ConfigError, ConfigSection, load_config, sources_of
from tui.core.settings import BY_KEY, SETTINGS, Settings, SettingSpec, setting, table_of

ROOT = Path(__file__).resolve().parents[2]
META = {"-h", "--help", "--version", CONFIG_FLAG, PROFILE_FLAG}


def global_options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {flag: action for action in parser._actions for flag in action.option_strings}


def test_every_declared_field_is_a_setting_and_every_setting_has_a_flag_and_a_key() -> None:
    declared = [f.name for f in dataclasses.fields(Settings) if f.metadata]
    assert declared == [spec.name for spec in SETTINGS]
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    main_options, list_options = global_options(parser), global_options(subparsers.choices["list"])
    for spec in SETTINGS:
        assert main_options[spec.flag].dest == list_options[spec.flag].dest == spec.key, spec.name
    # Nothing else is a global option.
    assert set(main_options) == META | {spec.flag for spec in SETTINGS}
    assert list(ConfigSection.__struct_fields__) == [spec.key for spec in SETTINGS]
    assert len({spec.flag for spec in SETTINGS}) == len(SETTINGS) == len(BY_KEY)


def test_internal_fields_have_no_flag_and_no_key() -> None:
    internal = {f.name for f in dataclasses.fields(Settings) if not f.metadata}
    assert {"fast_interval", "read_timeout", "burst", "config_file"} <= internal
    assert not internal & {spec.name for spec in SETTINGS} and not internal & set(BY_KEY)
    assert not internal & set(ConfigSection.__struct_fields__)


def test_a_declaration_the_generated_parts_could_not_carry_out_is_refused() -> None:
    @dataclasses.dataclass(frozen=True)
    class OnByDefault:
        colour: bool = setting(True, group="account", help="colours")

    @dataclasses.dataclass(frozen=True)
    class Listed:
        names: tuple[str, ...] = setting(("a",), group="nowhere", help="names")

    with pytest.raises(TypeError, match=r"^OnByDefault.colour: a switch's default is False"):
        table_of(OnByDefault)
    with pytest.raises(
        TypeError, match=r"Listed.names: its type is tuple\[str, \.\.\.\].*; its group 'nowhere'"
    ):
        table_of(Listed)
    assert table_of(Settings) == SETTINGS


def test_the_budget_is_built_from_the_flat_fields() -> None:
    budget = Settings(max_rate=2.5, daily_calls=7, burst=3).budget
    assert (budget.rate_per_second, budget.daily_calls, budget.burst) == (2.5, 7, 3)
    assert Settings().budget == type(budget)()  # the same defaults as a Budget of its own


@pytest.mark.parametrize(
    ("key", "text", "says"),
    [
        ("keep_ended", "0", "must be 1 or more: 0"),
        ("daily_calls", "0", "must be 1 or more: 0"),
        ("daily_calls", "lots", "not a whole number: 'lots'"),
        ("max_rate", "0", "must be more than 0: 0.0"),
        ("max_rate", "fast", "not a number: 'fast'"),
        ("log_level", "loud", "must be debug, info, warning, error, not 'loud'"),
    ],
)
def test_a_flags_value_is_checked_as_the_files_is(key: str, text: str, says: str, capsys) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        BY_KEY[key].parse(text)
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([BY_KEY[key].flag, text, "list"])
    assert exit_.value.code == 2 and f"argument {BY_KEY[key].flag}: {says}" in capsys.readouterr().err


def test_parsed_values() -> None:
    assert BY_KEY["max_rate"].parse("0.5") == 0.5 and BY_KEY["keep_ended"].parse("7") == 7
    assert BY_KEY["journal"].parse("/x/j") == Path("/x/j")
    # A switch in the environment: off only for the off words; anything else (a typo) turns it on.
    read_only = BY_KEY["read_only"]
    assert [read_only.parse(t) for t in ("", "0", "False", " no ", "off")] == [False] * 5
    assert all(read_only.parse(t) for t in ("1", "yes", "ture", "disable"))
    # The catalog is left to check_settings, which says the same whatever the source.
    assert BY_KEY["catalog"].parse("aws") == "aws"


def test_a_variable_pcwatch_will_not_use_is_a_config_error() -> None:
    """(No setting of today has a number in the environment; a new one may.)"""
    spec = BY_KEY["keep_ended"]
    spec = dataclasses.replace(
        spec, declaration=dataclasses.replace(spec.declaration, env=("PCWATCH_KEEP_ENDED",))
    )
    no_file = load_config(Path("/nonexistent/c.toml"))
    found = sources_of(spec, {}, {"PCWATCH_KEEP_ENDED": "12"}, no_file)
    assert [(s.value, s.origin) for s in found] == [(12, "environment PCWATCH_KEEP_ENDED"), (None, "default")]
    with pytest.raises(ConfigError, match=r"^environment PCWATCH_KEEP_ENDED: must be 1 or more: 0$"):
        sources_of(spec, {}, {"PCWATCH_KEEP_ENDED": "0"}, no_file)


def test_help_says_each_default_and_variable() -> None:
    help_text = " ".join(build_parser().format_help().split())
    assert "(default: $AWS_REGION, $AWS_DEFAULT_REGION or us-east-1)" in help_text
    assert "(default: $PCWATCH_CATALOG or Sandbox)" in help_text
    assert "calls per second at most (default: 1)" in help_text


@pytest.mark.parametrize("spec", SETTINGS, ids=[spec.key for spec in SETTINGS])
def test_the_readme_names_every_flag(spec: SettingSpec) -> None:
    readme = (ROOT / "README.md").read_text()
    assert re.search(rf"{re.escape(spec.flag)}(?![\w-])", readme), f"README.md: {spec.flag}"

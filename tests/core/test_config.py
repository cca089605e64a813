"""`tui.core.config`: the config file's sections, where each setting comes from (flag > environment >
file > default), and the errors for a file pcwatch will not use — each naming the file, the key and the
line. The environment is passed in (no os.environ is touched); files are in the test's own directory."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from tui.__main__ import build_parser
from tui.core.config import ConfigError, config_path, load_config, resolve, resolve_args

CONFIG = """\
# the team's settings
[default]
profile = "partner"
daily_calls = 20000
max_rate = 2
log_file = "logs/pcwatch.log"

[prod]
catalog = "AWS"
profile = "partner-prod"
read_only = true
"""


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    path.chmod(0o600)
    return path


def settings_for(argv: list[str], environ: dict[str, str], path: Path):  # type: ignore[no-untyped-def]
    args = build_parser().parse_args(["--config", str(path), *argv])
    return resolve_args(args, environ)


def test_the_default_section_then_the_named_one_over_it(tmp_path) -> None:
    path = write(tmp_path, CONFIG)
    settings, sources = settings_for(["list"], {}, path)
    assert settings.profile == "partner" and settings.catalog == "Sandbox" and not settings.read_only
    assert settings.budget.daily_calls == 20000 and settings.budget.rate_per_second == 2.0
    assert settings.log_file == tmp_path / "logs" / "pcwatch.log"  # relative to the file
    assert sources["profile"].origin == f"{path} [default], line 3"
    assert sources["daily_calls"].origin == f"{path} [default], line 4"
    assert sources["catalog"].origin == "default"

    settings, sources = settings_for(["--config-profile", "prod", "list"], {}, path)
    assert (settings.profile, settings.catalog, settings.read_only) == ("partner-prod", "AWS", True)
    assert settings.budget.daily_calls == 20000  # from [default]
    assert sources["catalog"].origin == f"{path} [prod], line 9"
    # The environment can choose the section too; the flag wins over it.
    assert settings_for(["list"], {"PCWATCH_CONFIG_PROFILE": "prod"}, path)[0].catalog == "AWS"
    with pytest.raises(ConfigError, match=r"no section \[nope\]"):
        settings_for(["--config-profile", "nope", "list"], {"PCWATCH_CONFIG_PROFILE": "prod"}, path)


def test_precedence_flag_then_environment_then_file_then_default(tmp_path) -> None:
    path = write(tmp_path, CONFIG)
    env = {"AWS_PROFILE": "from-env", "PCWATCH_CATALOG": "AWS"}
    settings, sources = settings_for(["list"], env, path)
    assert settings.profile == "from-env" and sources["profile"].origin == "environment AWS_PROFILE"
    assert settings.catalog == "AWS" and sources["catalog"].origin == "environment PCWATCH_CATALOG"
    settings, sources = settings_for(["--profile", "from-flag", "list", "--catalog", "Sandbox"], env, path)
    assert settings.profile == "from-flag" and sources["profile"].origin == "flag --profile"
    assert settings.catalog == "Sandbox" and sources["catalog"].origin == "flag --catalog"
    assert settings.region == "us-east-1" and sources["region"].origin == "default"
    # AWS_REGION before AWS_DEFAULT_REGION; an empty variable counts as unset.
    env = {"AWS_REGION": "", "AWS_DEFAULT_REGION": "eu-west-1"}
    assert settings_for(["list"], env, path)[1]["region"].origin == "environment AWS_DEFAULT_REGION"


def test_read_only_fails_closed_whatever_says_it(tmp_path) -> None:
    path = write(tmp_path, "[default]\nread_only = true\n")
    settings, sources = settings_for(["list"], {"PCWATCH_READ_ONLY": "0"}, path)
    assert settings.read_only and sources["read_only"].origin.endswith("[default], line 2")
    path = write(tmp_path, "[default]\nread_only = false\n")
    settings, sources = settings_for(["list"], {"PCWATCH_READ_ONLY": "yes"}, path)
    assert settings.read_only and sources["read_only"].origin == "environment PCWATCH_READ_ONLY"
    assert settings_for(["--read-only", "list"], {}, path)[0].read_only
    assert not settings_for(["list"], {}, path)[0].read_only


def test_no_file_is_no_config_unless_a_profile_is_asked_for(tmp_path) -> None:
    missing = tmp_path / "absent.toml"
    settings, sources = settings_for(["list"], {}, missing)
    assert settings.catalog == "Sandbox" and all(s.origin == "default" for s in sources.values())
    with pytest.raises(ConfigError, match="no config file"):
        settings_for(["--config-profile", "prod", "list"], {}, missing)


def test_where_the_file_is(tmp_path) -> None:
    assert config_path(None, {"PCWATCH_CONFIG": str(tmp_path / "x.toml")}) == tmp_path / "x.toml"
    assert config_path(tmp_path / "flag.toml", {"PCWATCH_CONFIG": "other"}) == tmp_path / "flag.toml"
    # The platform's user config directory (XDG_CONFIG_HOME here: tests/conftest.py points it away).
    assert config_path(None, {}) == Path(os.environ["XDG_CONFIG_HOME"]) / "pcwatch" / "config.toml"


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        (
            '[default]\nprofile = "a"\ndaily_calls = "lots"\n',
            3,
            "[default] daily_calls: expected int, got str",
        ),
        ("[default]\nmax_rate = 0\n", 2, "[default] max_rate: expected float > 0.0"),
        ("[default]\ndaily_calls = 0\n", 2, "[default] daily_calls: expected int >= 1"),
        ('[default]\ncatalog = "aws"\n', 2, "[default] catalog: must be Sandbox or AWS, exactly, not 'aws'"),
        ('[default]\nlog_level = "loud"\n', 2, "[default] log_level: must be debug, info, warning, error"),
        ('[default]\nprofile = "a"\n\n[prod]\n  secret_key = "x"\n', 5, "[prod] secret_key: not a setting"),
        ("[default]\n'read_only' = \"yes\"\n", 2, "[default] read_only: expected bool, got str"),
        ('catalog = "AWS"\n', 1, "'catalog' is not a section"),
    ],
)
def test_a_bad_value_names_the_file_the_key_and_the_line(tmp_path, text, line, says) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert str(refused.value).startswith(f"{path}, line {line}: ")
    assert says in str(refused.value)


def test_bad_toml_names_the_file_and_the_line(tmp_path) -> None:
    path = write(tmp_path, '[default]\nprofile = "unterminated\n')
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert str(refused.value).startswith(f"{path}: not valid TOML") and "line 2" in str(refused.value)


def test_a_file_other_users_can_change_is_refused(tmp_path) -> None:
    path = write(tmp_path, CONFIG)
    path.chmod(0o620)
    with pytest.raises(ConfigError, match="other users can change it"):
        load_config(path)
    path.chmod(0o644)  # readable by others is fine: it holds no secret
    assert load_config(path).values["profile"][0] == "partner"


def test_hostile_names_come_back_escaped(tmp_path) -> None:
    path = write(tmp_path, '[default]\n"evil\\u001b[2J" = 1\n')
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert "\x1b" not in str(refused.value) and "␛[2J" in str(refused.value)


def test_resolve_takes_only_the_flags_given() -> None:
    settings, sources = resolve(
        {"daily_calls": 5, "kind": ["x"]}, {}, load_config(Path("/nonexistent/c.toml"))
    )
    assert settings.budget.daily_calls == 5 and sources["daily_calls"].origin == "flag --daily-calls"


def test_keep_ended_from_the_file_a_flag_over_it_and_only_counts_of_one_or_more(tmp_path, capsys) -> None:
    from tui.engine.sharing import make_engine

    path = write(tmp_path, "[default]\nkeep_ended = 5000\n")
    settings, sources = settings_for(["list"], {}, path)
    assert settings.keep_ended_tasks == 5000 and sources["keep_ended"].origin == f"{path} [default], line 2"
    settings, sources = settings_for(["--keep-ended", "200", "list"], {}, path)
    assert settings.keep_ended_tasks == 200 and sources["keep_ended"].origin == "flag --keep-ended"
    # (the store the dashboard and the notebook get; no journal: nothing written outside the test)
    store, engine = make_engine(dataclasses.replace(settings, no_journal=True), None)
    assert store.keep_ended == 200
    engine.close()
    default, sources = settings_for(["list"], {}, write(tmp_path, "[default]\n", "empty.toml"))
    assert default.keep_ended_tasks is None and sources["keep_ended"].origin == "default"

    with pytest.raises(SystemExit) as exit_:
        settings_for(["--keep-ended", "0", "list"], {}, path)
    assert exit_.value.code == 2 and "must be 1 or more: 0" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="keep_ended"):
        settings_for(["list"], {}, write(tmp_path, "[default]\nkeep_ended = 0\n", "zero.toml"))

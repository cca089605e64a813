"""The config file from the command line, in subprocesses: a run with no flags driven by config.toml in the
user's config directory, `pcwatch config` and `pcwatch config path`, and a malformed file refused with
exit 2, the file, the key and the line, and no traceback."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.writes import run_pcwatch
from tui.simulator import Simulator, serve


@pytest.fixture(scope="module")
def endpoint() -> Iterator[tuple[Simulator, str]]:
    simulator = Simulator(seed=3, history=120)
    with serve(simulator) as served:
        yield simulator, served.url


def user_config(text: str) -> Path:
    """config.toml where pcwatch looks by default: the user's config directory (a temporary one)."""
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "pcwatch" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_a_config_file_drives_a_run_with_no_flags(endpoint) -> None:
    simulator, url = endpoint
    user_config(f'[default]\nendpoint_url = "{url}"\nno_journal = true\n\n[prod]\ncatalog = "AWS"\n')
    result = run_pcwatch("list", "--json", PCWATCH_CONFIG_PROFILE="prod")
    assert result.returncode == 0, result.stderr
    listed = {json.loads(line)["TaskId"] for line in result.stdout.splitlines()}
    # The production catalog's tasks, not the Sandbox's: the catalog came from [prod], the endpoint
    # from [default].
    assert listed == {t.task_id for t in simulator.tasks("AWS")}
    assert not listed & {t.task_id for t in simulator.tasks("Sandbox")}


def test_pcwatch_config_says_where_each_setting_came_from(endpoint) -> None:
    _, url = endpoint
    path = user_config(f'[default]\nendpoint_url = "{url}"\n\ndaily_calls = 500\n')
    result = run_pcwatch("config", "--catalog", "AWS", AWS_PROFILE="partner")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[3:]}
    assert rows["endpoint_url"].endswith(f"{path} [default], line 2")
    assert rows["daily_calls"].split()[1] == "500" and rows["daily_calls"].endswith("line 4")
    assert rows["catalog"].endswith("flag --catalog") and rows["profile"].endswith("environment AWS_PROFILE")
    assert rows["region"].endswith("default")
    assert run_pcwatch("config", "path").stdout.strip() == str(path)


def test_a_malformed_file_is_exit_2_naming_file_key_and_line_without_a_traceback() -> None:
    path = user_config('[default]\ncatalog = "Sandbox"\n\n[prod]\ndaily_calls = "many"\n')
    for command in (["list"], ["config"], []):
        result = run_pcwatch(*command)
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr == f"pcwatch: {path}, line 5: [prod] daily_calls: expected int, got str\n"
        assert result.stdout == ""
    # Where the file is can still be asked.
    path_only = run_pcwatch("config", "path")
    assert path_only.returncode == 0 and path_only.stdout.strip() == str(path)
    path.write_text("[default\n")
    result = run_pcwatch("list")
    assert result.returncode == 2 and str(path) in result.stderr and "line 1" in result.stderr
    assert "Traceback" not in result.stderr


def test_pcwatch_config_json_is_one_object_of_every_setting_and_its_source(endpoint) -> None:
    from tui.core.settings import SETTINGS

    _, url = endpoint
    path = user_config(
        f'[default]\nendpoint_url = "{url}"\nlog_file = "logs/p.log"\n\n[prod]\ndaily_calls = 500\n'
    )
    hostile = "partner\x1b]52;c;ZXZpbA==\x07\u202e"
    result = run_pcwatch(
        "config", "--json", "--catalog", "AWS", "--config-profile", "prod", AWS_PROFILE=hostile
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("\n") and result.stdout.count("\n") == 1  # one line
    assert not any(c in result.stdout for c in "\x1b\x07\u202e")  # escaped as JSON, never raw
    shown = json.loads(result.stdout)
    assert list(shown) == ["config_file", "config_profile", "settings", "from"]
    assert shown["config_file"] == str(path) and shown["config_profile"] == "prod"
    keys = [spec.key for spec in SETTINGS]
    assert list(shown["settings"]) == keys and list(shown["from"]) == keys
    settings, origin = shown["settings"], shown["from"]
    assert settings["profile"] == hostile and origin["profile"] == "environment AWS_PROFILE"
    assert settings["catalog"] == "AWS" and origin["catalog"] == "flag --catalog"
    assert settings["daily_calls"] == 500 and origin["daily_calls"] == f"{path} [prod], line 6"
    assert settings["endpoint_url"] == url and origin["endpoint_url"] == f"{path} [default], line 2"
    assert settings["log_file"] == str(path.parent / "logs" / "p.log")  # a path, as a string
    assert settings["journal"] is None and settings["read_only"] is False and settings["max_rate"] == 1.0
    assert origin["journal"] == "default"

"""The layering of docs/ARCHITECTURE.md, checked at run time: importing every module of a layer loads
nothing that layer may not use. Modules are found by walking each package, so a new module is checked by
where it lives. (import-linter checks the imports themselves: `.venv/bin/lint-imports`.)"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Package (every module in it) or module -> top-level packages it must not load.
FORBIDDEN_FOR = {
    "schemas": {"tui", "boto3", "botocore", "textual", "rich"},
    "tui.core": {"boto3", "botocore", "textual", "rich"},
    "tui.aws": {"textual", "rich"},
    "tui.engine": {"boto3", "botocore", "textual", "rich"},
    "tui.writes": {"boto3", "botocore", "textual", "rich"},
    "tui.simulator": {"textual", "rich"},
    "tui.dashboard": {"boto3", "botocore"},
    # The headless commands: `pcwatch list | …` and `pcwatch wait` in scripts start without Textual.
    "tui.commands.list_tasks": {"textual", "rich"},
    "tui.commands.wait_task": {"textual", "rich"},
    "tui.commands.jobs": {"textual", "rich"},
    "tui.commands.results": {"textual", "rich"},
}

IMPORT_ALL = r"""
import importlib, json, pkgutil, sys
top = importlib.import_module(sys.argv[1])
names = [top.__name__]
if hasattr(top, "__path__"):
    names += [m.name for m in pkgutil.walk_packages(top.__path__, top.__name__ + ".")]
for name in names:
    if not name.endswith("__main__"):
        importlib.import_module(name)
print(json.dumps({"modules": names, "loaded": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def import_all(module: str) -> tuple[list[str], set[str]]:
    """Import `module` and every module below it in a fresh interpreter: (their names, the top-level
    packages that loaded)."""
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL, module], check=True, capture_output=True, text=True
    ).stdout
    result = json.loads(out)
    return result["modules"], set(result["loaded"])


@pytest.mark.parametrize("module", sorted(FORBIDDEN_FOR))
def test_layer_loads_nothing_it_may_not_use(module: str) -> None:
    modules, loaded = import_all(module)
    assert module.split(".")[0] in loaded and module in modules
    assert not (loaded & FORBIDDEN_FOR[module]), f"{module} loaded {sorted(loaded & FORBIDDEN_FOR[module])}"


def test_the_walk_finds_every_module_of_a_package() -> None:
    """The check covers what it claims: the dashboard's widgets and screens are among the modules imported."""
    modules, loaded = import_all("tui.dashboard")
    assert {"tui.dashboard.app", "tui.dashboard.widgets.task_table", "tui.dashboard.screens.help"} <= set(
        modules
    )
    assert "textual" in loaded

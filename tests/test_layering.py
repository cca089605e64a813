"""The layering of DESIGN.md, checked at run time: importing a layer must not load what it may not use."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FORBIDDEN_FOR = {
    "schemas": {"boto3", "botocore", "textual", "rich", "tui"},
    "tui.engine.poller": {"textual", "rich"},
    "tui.engine.store": {"textual", "rich", "boto3", "botocore"},
    "tui.engine.journal": {"textual", "rich", "boto3", "botocore"},
    "tui.engine.budget": {"textual", "rich", "boto3", "botocore"},
    "tui.aws": {"textual", "rich"},
    "tui.commands.list_tasks": {"textual", "rich"},
    "tui.commands.wait_task": {"textual", "rich"},
    "tui.core.text_safety": {"textual", "rich", "boto3", "botocore"},
    "tui.core.private_files": {"textual", "rich", "boto3", "botocore"},
}


def loaded_top_level_modules(module: str) -> set[str]:
    code = f"import sys, json, {module}; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return set(json.loads(out))


@pytest.mark.parametrize("module", sorted(FORBIDDEN_FOR))
def test_layer_loads_nothing_it_may_not_use(module: str) -> None:
    loaded = loaded_top_level_modules(module)
    assert module.split(".")[0] in loaded
    assert not (loaded & FORBIDDEN_FOR[module]), f"{module} loaded {sorted(loaded & FORBIDDEN_FOR[module])}"

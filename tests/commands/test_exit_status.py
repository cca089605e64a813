"""One `ExitStatus` for every command: each command's `run` says it returns one (mypy then checks every
`return`), no exit in `tui/` is a bare number, and the exit codes the README and docs/ name are its
values, with the meanings it gives them."""

from __future__ import annotations

import ast
import importlib
import re
import typing
from pathlib import Path

import pytest

from tui.__main__ import COMMANDS
from tui.core.exit_status import ExitStatus

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("module", [*(m for m, _ in COMMANDS.values()), "tui.commands.dashboard"])
def test_every_command_returns_an_exit_status(module: str) -> None:
    run = importlib.import_module(module).run
    assert typing.get_type_hints(run)["return"] is ExitStatus


def _bare_exits(tree: ast.AST) -> list[int]:
    """Lines where an exit (`sys.exit`, `parser.exit`, `app.exit`, `os._exit`, `exit_later`…) is given a
    number other than 0 written out."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if "exit" not in name:
            continue
        for arg in node.args:
            if isinstance(arg, ast.Constant) and type(arg.value) is int and arg.value != 0:
                found.append(node.lineno)
    return found


def test_no_exit_in_tui_is_a_bare_number() -> None:
    bare = {
        f"{path.relative_to(ROOT)}:{line}"
        for path in (ROOT / "tui").rglob("*.py")
        for line in _bare_exits(ast.parse(path.read_text()))
    }
    assert not bare, f"say which ExitStatus: {sorted(bare)}"
    # The check itself finds one.
    assert _bare_exits(ast.parse("import sys\nparser.exit(2, 'no')\nsys.exit(130)\napp.exit(0)\n")) == [2, 3]


def test_the_readme_lists_every_exit_status_and_no_other() -> None:
    listed = re.search(r"\*\*Exit codes\*\*[^\n]*(?:\n(?!\n)[^\n]*)*", README)
    assert listed is not None, "the README's **Exit codes** paragraph"
    codes = [int(n) for n in re.findall(r"[:;]\s+(\d+)\s", listed.group(0))]
    assert codes == sorted(status.value for status in ExitStatus)


def test_every_exit_code_the_docs_name_is_an_exit_status() -> None:
    for path in DOCS:
        for number in re.findall(r"\bexits? (\d+)\b", path.read_text()):
            assert int(number) in ExitStatus._value2member_map_, f"{path.name}: exit {number}"


#: What the docs' lists of `wait`'s exit codes call each outcome.
WAIT_OUTCOMES = {
    "COMPLETE": ExitStatus.OK,
    "FAILED": ExitStatus.TASK_FAILED,
    "timeout": ExitStatus.TIMEOUT,
    "any": ExitStatus.ERROR,  # "3 any other error"
}


def test_the_codes_named_for_wait_are_the_right_members() -> None:
    lists = [
        match.group(1)
        for path in DOCS
        for match in re.finditer(r"exit (0 COMPLETE[^|\n]*)", path.read_text())
    ]
    assert len(lists) >= 2  # the README's `wait` row, docs/writes.md's `--wait`
    for said in lists:
        pairs = re.findall(r"(\d+) (\w+)", said)
        assert pairs and all(ExitStatus(int(n)) == WAIT_OUTCOMES[word] for n, word in pairs), said
    readme_wait = next(line for line in README.splitlines() if line.startswith("| `pcwatch wait"))
    named = {word for _, word in re.findall(r"(\d+) (\w+)", readme_wait.split("exit", 1)[1])}
    assert named == set(WAIT_OUTCOMES)

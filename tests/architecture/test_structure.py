"""The code's structure, read from the source of `tui/` (no import runs): no import circles among its
modules — counting imports inside functions and under `if TYPE_CHECKING:` —, no class that is the only
user of two or more of its bases (mixins cut from one class, which share its private state), and no
`if TYPE_CHECKING:` block inside a class body (a mixin re-declaring its host's attributes)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "tui"


def _modules() -> dict[str, tuple[ast.Module, bool]]:
    """Every module of tui by dotted name -> (its syntax tree, whether it is a package's __init__)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if package else parts)
        found[name] = (ast.parse(path.read_text(encoding="utf-8"), str(path)), package)
    return found


MODULES = _modules()


def _absolute(module: str, package: bool, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = module.split(".") if package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, *([target] if target else [])])


def imports_of(module: str) -> set[str]:
    """The tui modules `module` imports anywhere in its file (a `from p import name` counts as an import
    of the submodule `p.name` when there is one, else of `p`)."""
    tree, package = MODULES[module]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in MODULES}
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(module, package, node.level, node.module)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in MODULES:
                    found.add(sub)
                elif target in MODULES:
                    found.add(target)
    found.discard(module)
    return found


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            child = next(edges, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    return circles


def test_no_import_circle_among_tui_modules() -> None:
    graph = {module: imports_of(module) for module in MODULES}
    assert import_circles(graph) == []


def test_the_circle_finder_finds_circles() -> None:
    """The check can fail: a circle of three and one of two are found, a chain is not."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"e"}, "e": {"d"}, "f": {"a"}, "g": set()}
    assert sorted(import_circles(graph)) == [["a", "b", "c"], ["d", "e"]]


def test_imports_under_type_checking_and_in_functions_count() -> None:
    """The reader sees what the check must count: an import for types only (commands.common names the
    client under TYPE_CHECKING) and one inside a function (`main` imports aws.failures when it runs)."""
    assert "tui.aws.client" in imports_of("tui.commands.common")
    assert "tui.aws.failures" in imports_of("tui.__main__")


def _classes() -> list[tuple[str, ast.ClassDef]]:
    return [
        (module, node)
        for module, (tree, _) in MODULES.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    ]


def _base_name(base: ast.expr) -> str | None:
    if isinstance(base, ast.Subscript):  # App[int]
        base = base.value
    if isinstance(base, ast.Name):
        return base.id
    if isinstance(base, ast.Attribute):
        return base.attr
    return None


def test_no_class_is_the_only_user_of_two_of_its_bases() -> None:
    """A class split into mixins that only it uses is one class sharing private state across files: it
    should own collaborators instead. A mixin several classes share (ScrollbarFollows) is fine."""
    classes = _classes()
    defined = {node.name for _, node in classes}
    users: dict[str, set[str]] = {}
    for module, node in classes:
        for base in filter(None, map(_base_name, node.bases)):
            users.setdefault(base, set()).add(f"{module}.{node.name}")
    offenders = []
    for module, node in classes:
        own = [
            b
            for b in filter(None, map(_base_name, node.bases))
            if b in defined and users[b] == {f"{module}.{node.name}"}
        ]
        if len(own) >= 2:
            offenders.append(f"{module}.{node.name}({', '.join(own)})")
    assert offenders == []


def test_no_type_checking_block_in_a_class_body() -> None:
    offenders = [
        f"{module}.{node.name}, line {statement.lineno}"
        for module, node in _classes()
        for statement in node.body
        if isinstance(statement, ast.If) and "TYPE_CHECKING" in ast.unparse(statement.test)
    ]
    assert offenders == []

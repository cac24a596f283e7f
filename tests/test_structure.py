"""The folder tree is the architecture: the core imports no framework, and nothing in monitor/
imports in a circle (the simulator aside), nor hides an import inside a function to dodge one."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import ROOT

MONITOR = ROOT / "monitor"
FRAMEWORKS = ("flask", "celery", "kombu", "gunicorn", "werkzeug", "flask_limiter")
EDGES = ("web",)  # the only packages of monitor/ that may import a framework
SKIP = ("simulate",)  # a tool of its own, run beside the system, not part of it


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(skip: tuple[str, ...] = SKIP) -> Iterator[Path]:
    for path in sorted(MONITOR.rglob("*.py")):
        inside = path.relative_to(MONITOR).parts[:-1]
        if not any(part in skip for part in inside):
            yield path


CORE = [module_name(p) for p in modules(SKIP + EDGES) if module_name(p) != "monitor.__main__"]


def frameworks_of(name: str) -> list[str]:
    """The frameworks loaded by importing `name` in a fresh interpreter (with all it imports)."""
    probe = (
        f"import sys, {name}; "
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & {set(FRAMEWORKS)!r})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.parametrize("name", CORE)
def test_a_core_module_imports_no_web_or_task_framework(name: str) -> None:
    assert frameworks_of(name) == []


def test_the_web_edge_is_where_flask_is_seen() -> None:
    assert "flask" in frameworks_of("monitor.web.ingress")


def imports_of(path: Path, name: str) -> list[tuple[str, bool]]:
    """(imported monitor module, at the module's top level?) for each import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found += [(t, id(node) in top) for t in targets if t.split(".")[0] == "monitor"]
    return found


def graph() -> dict[str, set[str]]:
    names = {module_name(p): p for p in modules()}
    return {
        name: {t for t, _ in imports_of(path, name) if t in names and t != name}
        for name, path in names.items()
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while (member := stack.pop()) != node:
                component.append(member)
            component.append(node)
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]


def test_no_module_of_monitor_imports_another_in_a_circle() -> None:
    assert cycles(graph()) == []


def test_no_module_of_monitor_imports_another_lazily() -> None:
    """An import inside a function or an `if TYPE_CHECKING:` is how a cycle hides."""
    lazy = [
        f"{module_name(path)} imports {target}"
        for path in modules()
        for target, at_top in imports_of(path, module_name(path))
        if not at_top
    ]
    assert lazy == []

"""The packages of ``workbench/`` import one way: no arrow of the import graph points up.

From the bottom: ``schema`` and ``errors``; ``expr`` (the rule tree and its compiler);
``store``; then the packages that use a store (``send``, ``collector``, ``triggers``,
``explain``) and the views (``widgets``, ``app``, ``cli``). Imports inside functions
count too: a late import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import workbench

ROOT = Path(workbench.__file__).parent

# package → the workbench packages its modules must not import
FORBIDDEN = {
    "schema": {"expr", "store", "app", "widgets", "send", "collector", "triggers", "explain", "cli", "sample"},
    "errors": {"schema", "expr", "store", "app", "widgets", "send", "collector", "triggers", "explain", "cli"},
    "expr": {"store", "app", "widgets", "send", "collector", "triggers", "explain", "cli", "sample"},
    "store": {"app", "widgets", "explain", "cli"},
}


def package_of(module: str) -> str | None:
    """``workbench.expr.compile`` → ``expr``; None for modules outside the workbench."""
    parts = module.split(".")
    return parts[1] if parts[0] == "workbench" and len(parts) > 1 else None


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The absolute names of the modules ``path`` imports (relative imports resolved)."""
    here = module_name(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def graph() -> dict[str, set[str]]:
    return {module_name(path): imports(path) for path in sorted(ROOT.rglob("*.py"))}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_points_up(package):
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph().items()
        if package_of(module) == package
        for target in targets
        if package_of(target) in FORBIDDEN[package]
    )
    assert not wrong, "\n".join(wrong)


def test_the_graph_holds_the_imports_it_checks():
    # explanation sits above the store: its import of the Workspace is an edge of the graph
    assert "workbench.store.workspace.Workspace" in graph()["workbench.explain"]
    assert package_of("workbench.store.workspace") == "store"

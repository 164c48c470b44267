"""The packages of ``workbench/`` import one way: no arrow of the import graph points up.

From the bottom: ``schema`` and ``errors``; ``expr`` (the rule tree and its compiler);
``store``; then the packages that use a store (``send``, ``collector``, ``triggers``,
``explain``…) and the views (``widgets``, ``app``, ``cli``); docs/architecture.md draws
them. Imports inside functions count too: a late import is still a dependency.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

import workbench

ROOT = Path(workbench.__file__).parent

# Each package's layer: a module imports only from its own layer or those below.
LAYERS = {
    "schema": 0,
    "errors": 0,
    "csvsafe": 0,
    "i18n": 0,
    "expr": 1,
    "store": 2,
    "send": 3,
    "collector": 3,
    "triggers": 3,
    "explain": 3,
    "charts": 3,
    "sample": 3,
    "results": 3,
    "widgets": 4,
    "app": 4,
    "cli": 4,
}
# ``python -m workbench.collector`` runs the CLI: an entry point sits on top of everything.
ENTRY_POINTS = {"workbench.collector.__main__"}


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


@functools.cache
def graph() -> dict[str, set[str]]:
    """Every module of the workbench → the modules it imports."""
    return {module_name(path): imports(path) for path in sorted(ROOT.rglob("*.py"))}


def test_every_package_has_a_layer():
    packages = {package_of(module) for module in graph()} - {None}  # None: the package itself
    assert packages <= set(LAYERS), f"give {sorted(packages - set(LAYERS))} a layer in LAYERS"


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_no_import_points_up(package):
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph().items()
        if package_of(module) == package and module not in ENTRY_POINTS
        for target in targets
        if LAYERS.get(package_of(target) or "", -1) > LAYERS[package]
    )
    assert not wrong, "\n".join(wrong)


def test_the_graph_holds_the_imports_it_checks():
    # explanation sits above the store: its import of the Workspace is an edge of the graph
    assert "workbench.store.workspace.Workspace" in graph()["workbench.explain"]
    assert package_of("workbench.store.workspace") == "store"

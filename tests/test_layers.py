"""The folders are the architecture (STYLE.md): imports are held here, not in review.

cli/ -> solver/ -> data/ -> numpy, pyarrow. data/ never imports the solver or
OR-Tools; solver/ never imports pyarrow, typer or rich and never opens files;
only cli/ prints; the checker (data/check/) imports nothing of the solver, nor of
the readers, importers and exporters whose output it judges.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "data": {"solver", "cli", "ortools", "typer", "rich"},
    "solver": {"cli", "pyarrow", "typer", "rich"},
}
CHECKER_FORBIDDEN = ("solver", "ortools", "pyarrow", "data.io", "data.imports", "data.export")


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imported_modules(path: Path) -> set[str]:
    """Full dotted names of the absolute imports of a module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _imports(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _imported_modules(path)}


def _calls(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    calls = (n for n in ast.walk(tree) if isinstance(n, ast.Call))
    return {n.func.id for n in calls if isinstance(n.func, ast.Name)}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_forbidden_imports(package: str) -> None:
    offences = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN[package])
        for path in _modules(package)
    }
    assert {k: v for k, v in offences.items() if v} == {}


def test_layers_solver_does_no_io() -> None:
    offences = {
        str(p.relative_to(ROOT)): sorted(_calls(p) & {"open", "print", "input"})
        for p in _modules("solver")
    }
    assert {k: v for k, v in offences.items() if v} == {}


def test_layers_only_cli_prints() -> None:
    offences = {
        str(p.relative_to(ROOT)): sorted(_calls(p) & {"print", "input"})
        for package in ("data", "solver")
        for p in _modules(package)
    }
    assert {k: v for k, v in offences.items() if v} == {}


def _forbidden_for_checker(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in CHECKER_FORBIDDEN)


def test_layers_checker_shares_nothing_with_the_solver_or_the_readers() -> None:
    offences = {
        str(p.relative_to(ROOT)): sorted(filter(_forbidden_for_checker, _imported_modules(p)))
        for p in _modules("data/check")
    }
    assert {k: v for k, v in offences.items() if v} == {}


def test_layers_the_rules_are_seen() -> None:
    """Guards the guard: the scan must actually find the modules it checks."""
    assert len(_modules("solver")) >= 10
    assert len(_modules("data/check")) >= 3
    assert "ortools" in _imports(ROOT / "solver" / "exact_search.py")
    assert "data.check.loads" in _imported_modules(ROOT / "data" / "check" / "checker.py")
    assert _forbidden_for_checker("data.io.read") and not _forbidden_for_checker("data.inventory")

"""The folders are the architecture (STYLE.md): imports are held here, not in review.

cli/ -> solver/ -> data/ -> numpy, pyarrow. data/ never imports the solver or
OR-Tools; solver/ never imports pyarrow, typer or rich, never opens files and
never prints; the checker shares no code with the solver.
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


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _calls(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return {n.func.id for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}  # fmt: skip


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_forbidden_imports(package: str) -> None:
    offences = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN[package])
        for path in _modules(package)
    }
    assert {k: v for k, v in offences.items() if v} == {}


def test_layers_solver_does_no_io() -> None:
    offences = {str(p.relative_to(ROOT)): sorted(_calls(p) & {"open", "print", "input"})
                for p in _modules("solver")}  # fmt: skip
    assert {k: v for k, v in offences.items() if v} == {}


def test_layers_checker_shares_nothing_with_the_solver() -> None:
    for name in ("check.py", "loads.py"):
        assert "solver" not in _imports(ROOT / "data" / name)


def test_layers_the_rules_are_seen() -> None:
    """Guards the guard: the scan must actually find the modules it checks."""
    assert len(_modules("solver")) >= 10
    assert "ortools" in _imports(ROOT / "solver" / "solve.py")

"""Shared pieces of the solver tests: inventory builders, pinned solves, tiny fleets.

Test modules run with --import-mode=importlib and cannot import this file, so every
helper is a session-scoped fixture that returns a function (session scope also keeps
Hypothesis' function-scoped-fixture health check quiet).

Row defaults (filled only where a test leaves the cell out), chosen so that
figures in the tests are easy to recompute by hand:
  nodes: memory_mb 8192, reserve_mb 0, logical_processors 4 (so 32 vCPUs)
  vms:   memory_mb 1024 (costs 1056 MiB with overhead), vcpus 1
A VM of m MiB costs m + 32 + 8 * (ceil(m / 1024) - 1) MiB: 3000 -> 3048, 4000 -> 4056,
5000 -> 5064.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from data.check.checker import check_plan, criteria
from data.inventory import Inventory
from data.io.build import build_inventory, table
from solver.params import Params
from solver.result import Result, Status
from solver.solve import solve

Row = dict[str, Any]
# tolerance 1: the figures asserted are exact permilles (test_objectives.py tries others)
PINNED: dict[str, Any] = {"workers": 1, "seed": 0, "time_limit": 20.0, "tolerance": 1}
NODE_DEFAULTS: Row = {"memory_mb": 8192, "reserve_mb": 0, "logical_processors": 4}
VM_DEFAULTS: Row = {"memory_mb": 1024, "vcpus": 1}


def make_inventory(
    nodes: Sequence[Mapping[str, Any]],
    vms: Sequence[Mapping[str, Any]],
    luns: Sequence[Mapping[str, Any]] | None = None,
) -> Inventory:
    node_rows = [NODE_DEFAULTS | dict(r) for r in nodes]
    vm_rows = [VM_DEFAULTS | dict(r) for r in vms]
    lun_table = table("luns.csv", [dict(r) for r in luns]) if luns is not None else None
    return build_inventory(table("nodes.csv", node_rows), table("vms.csv", vm_rows), lun_table)


def pinned_params(**params: Any) -> Params:
    return Params(**(PINNED | params))


def run_solve(inventory: Inventory, **params: Any) -> Result:
    return solve(inventory, pinned_params(**params))


def run_solve_and_check(inventory: Inventory, **params: Any) -> Result:
    """Solve with pinned seed/workers/time limit; the plan must pass the checker and
    the reported first criterion must be the plan's own figure."""
    p = pinned_params(**params)
    result = solve(inventory, p)
    assert result.status in (Status.OPTIMAL, Status.FEASIBLE), result.reasons
    assert result.plan is not None
    assert [v.line() for v in check_plan(inventory, result.plan, p.failures)] == []
    expected = criteria(inventory, result.plan, p.failures, p.objective, p.tolerance)[0]
    assert result.objective_value == expected
    if result.status is Status.OPTIMAL:
        assert result.bound == result.objective_value
    return result


def case_inventory(case: Mapping[str, Any]) -> Inventory:
    """A corpus/property case: {"nodes": [...], "vms": [...], "luns": [...] | None, ...}
    with complete rows (no defaults are filled)."""
    luns = case.get("luns")
    lun_table = table("luns.csv", luns) if luns is not None else None
    return build_inventory(
        table("nodes.csv", case["nodes"]), table("vms.csv", case["vms"]), lun_table
    )


@pytest.fixture(scope="session")
def inventory_of() -> Callable[..., Inventory]:
    return make_inventory


@pytest.fixture(scope="session")
def solve_pinned() -> Callable[..., Result]:
    return run_solve


@pytest.fixture(scope="session")
def solve_and_check() -> Callable[..., Result]:
    return run_solve_and_check


@pytest.fixture(scope="session")
def inventory_of_case() -> Callable[[Mapping[str, Any]], Inventory]:
    return case_inventory


# tiny fleets ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def three_nodes_three_vms() -> Inventory:
    """Three equal nodes (8192 MiB) and three 3000 MiB VMs (3048 each): two fit on a
    node, three do not, so N+1 needs all three nodes."""
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    vms = [{"vm": name, "memory_mb": 3000} for name in ("a", "b", "c")]
    return make_inventory(nodes, vms)


@pytest.fixture(scope="session")
def two_clusters() -> Inventory:
    """Clusters "east" (hv1, hv2, hv3) and "west" (hv4, hv5), two VMs each."""
    nodes = [{"node": f"hv{i}", "cluster": "east" if i <= 3 else "west"} for i in range(1, 6)]
    vms = [
        {"vm": "e1", "memory_mb": 2000, "cluster": "east"},
        {"vm": "e2", "memory_mb": 2000, "cluster": "east"},
        {"vm": "w1", "memory_mb": 2000, "cluster": "west"},
        {"vm": "w2", "memory_mb": 2000, "cluster": "west"},
    ]
    return make_inventory(nodes, vms)


@pytest.fixture(scope="session")
def lun_fleet() -> Inventory:
    """A luns table: exclusive "excl" holding web1 and web2, CSV "csv" holding sql,
    free VM "tool" (the planner chooses its LUN) and an empty exclusive "spare"."""
    nodes = [{"node": f"hv{i}", "memory_mb": 16384} for i in (1, 2, 3)]
    vms = [
        {"vm": "web1", "memory_mb": 2048, "disk_gb": 20, "lun": "excl"},
        {"vm": "web2", "memory_mb": 2048, "disk_gb": 20, "lun": "excl"},
        {"vm": "sql", "memory_mb": 4096, "disk_gb": 50, "lun": "csv"},
        {"vm": "tool", "memory_mb": 1024, "disk_gb": 10},
    ]
    luns = [
        {"lun": "excl", "capacity_gb": 50},
        {"lun": "csv", "capacity_gb": 100, "shared": True},
        {"lun": "spare", "capacity_gb": 20},
    ]
    return make_inventory(nodes, vms, luns)


@pytest.fixture
def cpsat_searches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per first-criterion CP-SAT search (solver/exact_search.py) that a solve
    starts (it still runs): a test that expects a plan proven by its bound alone asserts
    the list stays empty."""
    import solver.exact_search

    searches: list[int] = []
    real = solver.exact_search.run_cpsat

    def recording(*args: Any, **kwargs: Any) -> Any:
        searches.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(solver.exact_search, "run_cpsat", recording)
    return searches

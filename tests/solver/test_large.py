"""The large-cluster path: plans the checker accepts on every failure set, within time.

Params(max_model_items=0) sends every cluster down the path, whatever its size.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.check.checker import check_plan, criteria
from data.inventory import Inventory
from data.io.build import build_inventory, table
from data.rules import Objective, Rule
from data.synth.fleet import fleet_inventory, generate_fleet
from solver.bounds import lower_bound
from solver.params import Params
from solver.problem import cluster_problem
from solver.result import Result, Status
from solver.solve import solve

LARGE = {"workers": 1, "seed": 0, "time_limit": 20.0, "max_model_items": 0}


def large_solve(inventory: Inventory, **params: Any) -> Result:
    return solve(inventory, Params(**(LARGE | params)))


def assert_certified(inventory: Inventory, result: Result, k: int, objective: Objective) -> None:
    """A plan the checker accepts, scored as the checker scores it."""
    assert result.status in (Status.OPTIMAL, Status.FEASIBLE), result.reasons
    assert result.plan is not None
    assert [v.line() for v in check_plan(inventory, result.plan, k)] == []
    assert result.objective_value == criteria(inventory, result.plan, k, objective)[0]
    assert result.bound <= result.objective_value


@settings(max_examples=15, deadline=None)
@given(
    nodes=st.integers(3, 9),
    vms=st.integers(5, 60),
    k=st.integers(0, 3),  # 3: the one-node peaks are kept (solver.failover)
    seed=st.integers(0, 1000),
    luns=st.booleans(),
    objective=st.sampled_from(list(Objective)),
)
def test_large_path_plans_synthetic_fleets_that_pass_check(
    nodes: int, vms: int, k: int, seed: int, luns: bool, objective: Objective
) -> None:
    """Fleets feasible by construction: VLAN, anti-affinity, res_iops, LUN choice."""
    k = min(k, nodes - 1)
    inventory = fleet_inventory(generate_fleet(1, nodes, vms, seed, luns=luns, failures=k))
    result = large_solve(inventory, failures=k, objective=objective)
    assert_certified(inventory, result, k, objective)


@st.composite
def small_cases(draw: st.DrawFn) -> tuple[Inventory, int]:
    """Hand-drawn clusters: uneven nodes, VMs with many vCPUs, VLAN, classes, LUNs."""
    n_nodes = draw(st.integers(2, 6))
    nodes = [
        {
            "node": f"hv{i}",
            "memory_mb": draw(st.sampled_from([8192, 16384, 32768])),
            "logical_processors": draw(st.sampled_from([2, 4, 16])),
            "reserve_mb": 0,
            "vlan": draw(st.sampled_from([True, True, False])),
            "res_iops": draw(st.sampled_from([300, 1000])),
        }
        for i in range(n_nodes)
    ]
    with_table = draw(st.booleans())
    lun_names = ["L1", "L2", "S1"] if with_table else ["", "", "X1"]
    vms = [
        {
            "vm": f"vm{v}",
            "memory_mb": draw(st.sampled_from([512, 1024, 3000])),
            "vcpus": draw(st.sampled_from([1, 1, 2, 8])),
            "disk_gb": 5.0,
            "vlan": draw(st.sampled_from([False, False, True])),
            "anti_affinity": draw(st.sampled_from(["", "", "", "a", "b"])),
            "lun": draw(st.sampled_from(["", *lun_names])),
            "res_iops": draw(st.sampled_from([0, 40])),
        }
        for v in range(draw(st.integers(1, 10)))
    ]
    luns = [
        {"lun": "L1", "capacity_gb": 30.0},
        {"lun": "L2", "capacity_gb": 15.0},
        {"lun": "S1", "capacity_gb": 100.0, "shared": True},
    ]
    lun_table = table("luns.csv", luns) if with_table else None
    inventory = build_inventory(table("nodes.csv", nodes), table("vms.csv", vms), lun_table)
    return inventory, draw(st.integers(0, min(2, n_nodes - 1)))


@settings(max_examples=60, deadline=None)
@given(case=small_cases())
def test_large_path_plan_is_none_or_passes_check_on_every_failure_set(
    case: tuple[Inventory, int],
) -> None:
    """The heuristic may miss a plan (no backtracking), but never returns a wrong one."""
    inventory, k = case
    result = large_solve(inventory, failures=k)
    assert result.plan is None or check_plan(inventory, result.plan, k) == []
    assert result.status.has_plan == (result.plan is not None)


def test_large_path_keeps_a_vm_off_nodes_with_too_few_processors() -> None:
    nodes = [{"node": f"hv{i}", "memory_mb": 16384, "logical_processors": 2} for i in range(4)]
    nodes += [{"node": f"big{i}", "memory_mb": 16384, "logical_processors": 8} for i in range(2)]
    vms = [{"vm": "wide", "memory_mb": 1024, "vcpus": 8}]
    vms += [{"vm": f"v{i}", "memory_mb": 2048, "vcpus": 1} for i in range(10)]
    inventory = build_inventory(table("nodes.csv", nodes), table("vms.csv", vms), None)
    result = large_solve(inventory, failures=1)
    assert_certified(inventory, result, 1, Objective.BALANCE)
    assert result.plan is not None
    wide = inventory.vm_names.index("wide")
    assert {inventory.node_names[n] for n in result.plan.owners[wide]} == {"big0", "big1"}


def test_large_path_keeps_an_anti_affinity_class_apart_under_failures() -> None:
    nodes = [{"node": f"hv{i}", "memory_mb": 65536, "logical_processors": 8} for i in range(5)]
    vms = [{"vm": f"dc{i}", "memory_mb": 1024, "vcpus": 1, "anti_affinity": "dc"} for i in (1, 2)]
    inventory = build_inventory(table("nodes.csv", nodes), table("vms.csv", vms), None)
    result = large_solve(inventory, failures=2)
    assert_certified(inventory, result, 2, Objective.BALANCE)
    # the same plan with the rule's checker rows only: apart under every failure set
    assert result.plan is not None
    rules = {v.rule for v in check_plan(inventory, result.plan, 2)}
    assert Rule.ANTI_AFFINITY not in rules


def test_large_path_nodes_reaches_the_lower_bound_on_a_roomy_fleet() -> None:
    inventory = fleet_inventory(generate_fleet(1, 12, 200, 3, failures=1))
    result = large_solve(inventory, failures=1, objective=Objective.NODES)
    assert_certified(inventory, result, 1, Objective.NODES)
    bound = lower_bound(cluster_problem(inventory, 0, 1), Objective.NODES)
    assert result.objective_value is not None
    assert result.objective_value <= bound + 1


@pytest.mark.parametrize("time_limit", [2.0, 6.0])
def test_solve_of_a_model_too_large_to_build_respects_the_time_limit(time_limit: float) -> None:
    """40 nodes at N+2: the exact model would hold ~10M literals; the default dispatch
    must see that and still answer, within the limit (generous slack for a busy box)."""
    inventory = fleet_inventory(generate_fleet(1, 40, 300, 5, failures=2))
    start = time.monotonic()
    result = solve(inventory, Params(failures=2, workers=1, seed=0, time_limit=time_limit))
    assert time.monotonic() - start <= 1.1 * time_limit + 5.0
    assert_certified(inventory, result, 2, Objective.BALANCE)


def test_large_plan_on_a_spent_budget_tries_once_and_briefly(monkeypatch: Any) -> None:
    """Past its deadline the path still makes one try (a fleet's last clusters), but a
    bounded one: with no seconds for it there is no plan, however long a try would take."""
    from solver import large

    problem = cluster_problem(fleet_inventory(generate_fleet(1, 6, 40, 2)), 0, 1)
    assert large.large_plan(problem, Objective.BALANCE, time.monotonic() - 1) is not None
    monkeypatch.setattr(large, "SPENT_TRY_SECONDS", 0.0)
    assert large.large_plan(problem, Objective.BALANCE, time.monotonic() - 1) is None

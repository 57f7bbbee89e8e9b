"""The failure-first plan at the balance bound (solver/balance_start.py).

Step 1 (pack_survivors) is used as a proof: INFEASIBLE there must mean no plan has
U <= target. So against exact optima of tiny N+1 instances, the packing at the
optimum is never called impossible, and on a case built to be tight it is below it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.check.checker import check_plan, utilisation_permille
from data.inventory import Inventory
from data.plan import Plan
from data.rules import Objective
from data.synth.fleet import fleet_inventory, generate_fleet
from solver.balance_start import _restricted_plan, _target, canonical_packing, pack_survivors
from solver.bounds import lower_bound
from solver.greedy import GreedyPlan, first_fit_decreasing
from solver.model import build_model, criterion_value
from solver.params import Params
from solver.problem import MEMORY_ROW, ClusterProblem, cluster_problem
from solver.result import Result, Status
from solver.solve import solve
from solver.symmetry import interchangeable_groups

PARAMS = Params(workers=1, seed=0, tolerance=1)


def _three_nodes_three_big_vms(inventory_of: Callable[..., Inventory]) -> ClusterProblem:
    """Three 8 GiB nodes, three VMs of 3,048 MiB: one failure puts two on one node,
    6,096 / 8,192 = 745 permille, though the survivors' average is only 559."""
    nodes = [{"node": f"n{i}", "memory_mb": 8192} for i in range(3)]
    vms = [{"vm": f"v{i}", "memory_mb": 3000} for i in range(3)]
    return cluster_problem(inventory_of(nodes, vms), 0, 1)


def test_pack_survivors_infeasible_below_the_two_on_one_node_load(
    inventory_of: Callable[..., Inventory],
) -> None:
    problem = _three_nodes_three_big_vms(inventory_of)
    below, _ = pack_survivors(problem, 0, 744, {}, PARAMS, 10.0)
    at, packing = pack_survivors(problem, 0, 745, {}, PARAMS, 10.0)
    assert below is Status.INFEASIBLE
    assert at.has_plan
    assert packing is not None and sorted(packing) == [0, 1, 2]
    assert 0 not in packing.values()  # nothing on the failed node


@st.composite
def tiny_n_plus_one(draw: st.DrawFn) -> tuple[list[dict], list[dict]]:
    count = draw(st.integers(3, 4))
    nodes = [
        {"node": f"n{i}", "memory_mb": draw(st.sampled_from([6144, 8192, 12288]))}
        for i in range(count)
    ]
    vms = [
        {
            "vm": f"v{v}",
            "memory_mb": draw(st.sampled_from([512, 1024, 2000, 3000])),
            "anti_affinity": draw(st.sampled_from(["", "", "", "a"])),
        }
        for v in range(draw(st.integers(1, 5)))
    ]
    return nodes, vms


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_n_plus_one())
def test_pack_survivors_never_infeasible_at_the_optimum(
    inventory_of: Callable[..., Inventory],
    solve_pinned: Callable[..., Result],
    case: tuple[list, list],
) -> None:
    inventory = inventory_of(*case)
    result = solve_pinned(inventory, failures=1, objective="balance")
    assert result.status is Status.OPTIMAL
    problem = cluster_problem(inventory, 0, 1)
    optimum = int(result.objective_value or 0)
    for failed in range(problem.n_nodes):
        status, _ = pack_survivors(problem, failed, optimum, {}, PARAMS, 10.0)
        assert status is not Status.INFEASIBLE


def _fleet_problem() -> ClusterProblem:
    return cluster_problem(fleet_inventory(generate_fleet(1, 6, 30, 1, failures=1)), 0, 1)


def test_canonical_packing_orders_interchangeable_nodes_by_load() -> None:
    problem = _fleet_problem()
    failed = int(np.argmax(problem.capacity[MEMORY_ROW]))
    _, packing = pack_survivors(problem, failed, 1000, {}, PARAMS, 10.0)
    assert packing is not None
    renamed_failed, renamed = canonical_packing(problem, failed, packing)
    load = np.zeros(problem.n_nodes, dtype=np.int64)
    for u, n in renamed.items():
        load[n] += problem.weight[u, MEMORY_ROW]
    groups = interchangeable_groups(problem, keep_current=False)
    assert groups
    for group in groups:
        loads = [int(load[n]) for n in group if n != renamed_failed]
        assert loads == sorted(loads, reverse=True)
    assert sorted(renamed) == sorted(packing)


def test_restricted_plan_passes_the_checker_within_the_target() -> None:
    problem = _fleet_problem()
    failed = int(np.argmax(problem.capacity[MEMORY_ROW]))
    target = 900
    _, packing = pack_survivors(problem, failed, target, {}, PARAMS, 10.0)
    assert packing is not None
    failed, packing = canonical_packing(problem, failed, packing)
    plan_model = build_model(problem, Objective.BALANCE, scores_moves=False)
    found = _restricted_plan(plan_model, PARAMS, packing, failed, target, time.monotonic() + 20)
    assert isinstance(found, GreedyPlan)
    plan = plan_of_greedy(problem, found)
    assert [v.line() for v in check_plan(problem.inventory, plan, 1)] == []
    assert utilisation_permille(problem.inventory, plan, 1) <= target


def plan_of_greedy(problem: ClusterProblem, found: GreedyPlan) -> Plan:
    """The per-VM plan of a unit-level greedy plan (shared with test_balance_standby)."""
    inventory = problem.inventory
    vm_lun = np.full(inventory.n_vms, -1, dtype=np.int64)
    owners = np.full((inventory.n_vms, 2), -1, dtype=np.int64)
    for v, (lun, listed) in problem.per_vm(found.owners, found.luns).items():
        vm_lun[v], owners[v] = lun, listed
    return Plan(vm_lun, owners)


def test_solve_balance_hint_at_the_analytic_bound_is_proven_without_search(
    cpsat_searches: list[int],
) -> None:
    """Under balance at --gap 0 too, a hint meeting the rounded analytic bound is the
    proven answer to the first criterion (solver/packing_plan.hint_bound)."""
    inventory = fleet_inventory(generate_fleet(1, 4, 12, seed=1))
    result = solve(inventory, Params(failures=1, workers=1, seed=0, time_limit=20))
    assert result.plan is not None and check_plan(inventory, result.plan, 1) == []
    assert cpsat_searches == []
    assert result.status is Status.OPTIMAL
    analytic = lower_bound(cluster_problem(inventory, 0, 1), Objective.BALANCE)
    assert result.bound == result.objective_value == -(-analytic // 10) * 10


def test_target_is_none_when_the_hint_is_within_the_gap() -> None:
    """--gap: a greedy plan within the gap of the bound is the answer (hint_bound), so
    the failure-first search must not spend 60% of the budget improving it."""
    problem = _fleet_problem()
    plan_model = build_model(problem, Objective.BALANCE, scores_moves=False)
    greedy = first_fit_decreasing(problem, True, time.monotonic() + 10)
    assert greedy is not None
    tolerance = PARAMS.tolerance
    bound = -(-lower_bound(problem, Objective.BALANCE) // tolerance) * tolerance
    value = criterion_value(plan_model, Objective.BALANCE, greedy.owners, tolerance)
    assert value > bound  # the premise: the greedy plan misses the bound
    assert _target(plan_model, PARAMS, greedy) == bound
    within = replace(PARAMS, gap=(value - bound) / value)
    assert _target(plan_model, within, greedy) is None

"""The quick first plan of the large path: checked on every failure set, or none."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.check.checker import check_plan
from data.inventory import Inventory
from data.plan import Plan
from data.synth.fleet import fleet_inventory, generate_fleet
from solver import large_result
from solver.large import utilisation
from solver.large_groups import packing_groups
from solver.large_quick import quick_plan
from solver.params import Params
from solver.problem import ClusterProblem, cluster_problem
from solver.result import Status


def as_plan(inventory: Inventory, problem: ClusterProblem, owners, luns) -> Plan:
    answers = problem.per_vm(owners, luns)
    vm_lun = [answers[v][0] for v in range(inventory.n_vms)]
    return Plan.from_lists(vm_lun, [list(answers[v][1]) for v in range(inventory.n_vms)])


@settings(max_examples=20, deadline=None)
@given(
    nodes=st.integers(3, 9),
    vms=st.integers(5, 60),
    k=st.integers(0, 3),
    seed=st.integers(0, 1000),
    luns=st.booleans(),
)
def test_quick_plan_is_none_or_passes_check_with_its_utilisation(
    nodes: int, vms: int, k: int, seed: int, luns: bool
) -> None:
    k = min(k, nodes - 1)
    inventory = fleet_inventory(generate_fleet(1, nodes, vms, seed, luns=luns, failures=k))
    problem = cluster_problem(inventory, 0, k)
    found = packing_groups(problem)
    assert found is not None
    plan = quick_plan(problem, *found)
    if plan is None:
        return  # no plan is an allowed answer; a wrong one is not
    checked = as_plan(inventory, problem, plan.owners, plan.luns)
    assert [v.line() for v in check_plan(inventory, checked, k)] == []
    assert plan.utilisation == utilisation(problem, plan.owners)


def test_quick_plan_plans_a_roomy_cluster() -> None:
    """The premise of the test above holds on most fleets: here it must plan."""
    inventory = fleet_inventory(generate_fleet(1, 8, 60, 3, failures=2))
    problem = cluster_problem(inventory, 0, 2)
    found = packing_groups(problem)
    assert found is not None
    plan = quick_plan(problem, *found)
    assert plan is not None
    checked = as_plan(inventory, problem, plan.owners, plan.luns)
    assert [v.line() for v in check_plan(inventory, checked, 2)] == []


def test_quick_plan_refuses_a_cluster_it_would_overload() -> None:
    """Capacities cut to a tenth: no plan exists, and the pass must say none."""
    inventory = fleet_inventory(generate_fleet(1, 6, 40, 2, failures=1))
    problem = cluster_problem(inventory, 0, 1)
    found = packing_groups(problem)
    assert found is not None
    tight = ClusterProblem(
        problem.inventory,
        problem.cluster,
        problem.failures,
        problem.nodes,
        problem.resource_labels,
        problem.capacity // 10,
        problem.units,
        problem.weight,
        problem.luns,
        problem.lun_candidates,
    )
    assert quick_plan(tight, *found) is None


def test_solve_large_answers_with_the_quick_plan_when_time_is_spent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Deadline already passed: the large path gets no spent-budget try, and the quick
    plan is the answer (exit 3 was the answer before). QUICK_PLAN_FROM 0 makes this small
    cluster count as large."""
    monkeypatch.setattr(large_result, "QUICK_PLAN_FROM", 0)
    monkeypatch.setattr(large_result, "large_plan", _no_large_plan)
    inventory = fleet_inventory(generate_fleet(1, 8, 60, 3, failures=2))
    problem = cluster_problem(inventory, 0, 2)
    start = time.monotonic()
    outcome = large_result.solve_large(problem, Params(failures=2), start - 1.0)
    assert outcome is not None
    assert outcome.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert time.monotonic() - start < 1.0
    checked = as_plan(inventory, problem, outcome.plan.owners, outcome.plan.luns)
    assert [v.line() for v in check_plan(inventory, checked, 2)] == []
    assert outcome.bound <= outcome.value


def _no_large_plan(*args: object, **kwargs: object) -> None:
    """The large path given its deadline with no time left and no spent try."""
    assert kwargs.get("spent_try", args[4] if len(args) > 4 else True) is False

"""Repairs of the current placement for balance's moves phase: valid plans, few moves."""

from __future__ import annotations

from data.check.checker import check_plan, moves, utilisation_permille
from data.plan import Plan
from solver.greedy import first_fit_decreasing
from solver.model import moves_of
from solver.problem import cluster_problem
from solver.repair import move_back


def crowded(inventory_of):
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    return inventory_of(nodes, [{"vm": f"v{i}", "node": "hv1"} for i in range(6)])


def as_plan(problem, greedy) -> Plan:
    answers = problem.per_vm(greedy.owners, greedy.luns)
    luns = [answers[v][0] for v in range(problem.inventory.n_vms)]
    return Plan.from_lists(luns, [answers[v][1] for v in range(problem.inventory.n_vms)])


def test_repair_stay_first_keeps_every_vm_that_fits(inventory_of) -> None:
    # All six fit on hv1 at 774 permille; within 800 none needs to move.
    inventory = crowded(inventory_of)
    problem = cluster_problem(inventory, 0, 1)
    repair = first_fit_decreasing(problem, True, stay_within=800)
    plan = as_plan(problem, repair)
    assert check_plan(inventory, plan, 1) == []
    assert moves(inventory, plan) == 0


def test_repair_stay_first_honours_the_utilisation(inventory_of) -> None:
    inventory = crowded(inventory_of)
    problem = cluster_problem(inventory, 0, 1)
    plan = as_plan(problem, first_fit_decreasing(problem, True, stay_within=520))
    assert utilisation_permille(inventory, plan, 1) <= 520
    assert moves(inventory, plan) == 2  # 516 needs four on hv1 at most


def test_repair_move_back_never_adds_a_move(inventory_of) -> None:
    inventory = crowded(inventory_of)
    problem = cluster_problem(inventory, 0, 1)
    scratch = first_fit_decreasing(problem, True)  # balances from scratch: moves some
    back = move_back(problem, scratch, 800)
    plan = as_plan(problem, back)
    assert check_plan(inventory, plan, 1) == []
    assert utilisation_permille(inventory, plan, 1) <= 800
    assert moves_of(problem, back.owners) < moves_of(problem, scratch.owners)

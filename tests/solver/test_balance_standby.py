"""Step 2 of the balance start without a search (solver/balance_standby.py): the
packing's units with the largest survivor as everyone's backup."""

from __future__ import annotations

import time

import numpy as np

from data.check.checker import check_plan, utilisation_permille
from data.rules import Objective
from data.synth.fleet import fleet_inventory, generate_fleet
from solver.balance_lns import repair_packing
from solver.balance_search import Packing
from solver.balance_standby import standby_owners, standby_plan
from solver.bounds import lower_bound
from solver.greedy import GreedyPlan, first_fit_decreasing
from solver.model import build_model
from solver.params import Params, in_steps
from solver.problem import MEMORY_ROW, ClusterProblem, cluster_problem
from tests.solver.test_balance_start import plan_of_greedy

PARAMS = Params(workers=1, seed=0)


def _packed(
    nodes: int, vms: int, seed: int
) -> tuple[ClusterProblem, GreedyPlan, int, int, Packing]:
    """A fleet cluster, its greedy plan and a packing at the rounded bound."""
    problem = cluster_problem(fleet_inventory(generate_fleet(1, nodes, vms, seed)), 0, 1)
    failed = int(np.argmax(problem.capacity[MEMORY_ROW]))
    target = in_steps(lower_bound(problem, Objective.BALANCE), 10)
    greedy = first_fit_decreasing(problem, True, time.monotonic() + 10)
    assert greedy is not None
    start = {u: next(n for n in owners if n != failed) for u, owners in enumerate(greedy.owners)}
    packing, _ = repair_packing(problem, failed, target, start, PARAMS, time.monotonic() + 20)
    assert packing is not None
    return problem, greedy, failed, target, packing


def test_standby_plan_passes_the_checker_at_the_target() -> None:
    problem, greedy, failed, target, packing = _packed(8, 100, 3)
    plan_model = build_model(problem, Objective.BALANCE, scores_moves=False)
    found = standby_plan(plan_model, PARAMS, greedy, failed, packing, target, time.monotonic() + 20)
    assert found is not None
    plan = plan_of_greedy(problem, found)
    assert [v.line() for v in check_plan(problem.inventory, plan, 1)] == []
    assert utilisation_permille(problem.inventory, plan, 1) <= target


def test_standby_owners_keep_the_standby_idle_and_the_packing_under_the_failure() -> None:
    problem, greedy, failed, target, packing = _packed(8, 100, 3)
    standby = int(np.argsort(problem.capacity[MEMORY_ROW])[-2])  # a largest survivor
    owners = standby_owners(problem, failed, standby, packing, target, greedy.owners, PARAMS)
    assert owners is not None
    assert all(owners[u][0] != standby for u in packing)
    assert all(next(n for n in owners[u] if n != failed) == host for u, host in packing.items())


def test_standby_plan_is_refused_above_the_models_rules() -> None:
    """The model judges: asked for U below what the packing gives, no plan."""
    problem, greedy, failed, target, packing = _packed(8, 100, 3)
    plan_model = build_model(problem, Objective.BALANCE, scores_moves=False)
    low = target - 100
    assert (
        standby_plan(plan_model, PARAMS, greedy, failed, packing, low, time.monotonic() + 20)
        is None
    )

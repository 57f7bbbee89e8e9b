"""solver/exact_search.py: the exact model's search and the bound it reports."""

from __future__ import annotations

import types

import pytest

from data.rules import Objective
from data.synth.fleet import fleet_inventory, generate_fleet
from solver.bounds import lower_bound
from solver.exact_search import rounded_bound
from solver.params import Params
from solver.problem import cluster_problem


@pytest.mark.parametrize("objective", [Objective.BALANCE, Objective.NODES])
def test_rounded_bound_is_the_analytic_one_when_cp_sat_stopped_in_presolve(
    objective: Objective,
) -> None:
    """CP-SAT cut short in presolve reports bound 0; the plan's bound is still proven."""
    inventory = fleet_inventory(generate_fleet(1, 4, 12, seed=3))
    problem = cluster_problem(inventory, 0, 1)
    params = Params(objective=objective, tolerance=10)
    analytic = lower_bound(problem, objective)
    stopped = types.SimpleNamespace(best_objective_bound=0.0)
    expected = -(-analytic // 10) * 10 if objective is Objective.BALANCE else analytic
    assert analytic > 0
    assert rounded_bound(stopped, params, problem) == expected  # type: ignore[arg-type]

"""greedy_settles: balance's U settled by the greedy plan, with no first model."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from data.check.checker import check_plan, utilisation_permille
from data.plan import Plan
from data.rules import Objective, Rule
from data.subset import cluster_subset
from data.synth.fleet import fleet_inventory, generate_fleet
from solver import greedy_first
from solver.greedy_first import greedy_settles
from solver.model import build_model, criterion_value
from solver.params import Params
from solver.problem import cluster_problem
from solver.result import Status
from solver.solve import solve_cluster

PARAMS = Params(workers=1, seed=0, gap=0.02)


@pytest.fixture(scope="module")
def clusters():
    whole = fleet_inventory(generate_fleet(3, 8, 100, 0, failures=1))
    return [cluster_subset(whole, [c]).inventory for c in range(3)]


@pytest.fixture(scope="module")
def fleet(clusters):
    return clusters[1]


def as_plan(problem, owners, luns) -> Plan:
    answers = problem.per_vm(owners, luns)
    n = problem.inventory.n_vms
    return Plan.from_lists([answers[v][0] for v in range(n)], [answers[v][1] for v in range(n)])


def settle(problem, params=PARAMS, budget=5.0):
    return greedy_settles(problem, params, (time.monotonic(), budget), None, lambda i: None)


def test_greedy_settles_a_fleet_cluster_as_the_usual_path_does(clusters) -> None:
    # The same first criterion, status and bound as solve_cluster's (which builds the
    # first model, hints it and finds the bound met), and a plan the checker accepts.
    for inventory in clusters:
        problem = cluster_problem(inventory, 0, 1)
        settled = settle(problem)
        assert settled is not None
        usual = solve_cluster(problem, PARAMS, 5.0)
        got = (settled.status, settled.value, settled.bound)
        assert got == (usual.status, usual.objective_value, usual.bound)
        plan = as_plan(problem, settled.owners, settled.luns)
        assert check_plan(inventory, plan, 1) == []
        assert utilisation_permille(inventory, plan, 1) <= settled.value


def test_greedy_settles_scores_u_as_the_model_does(fleet) -> None:
    # Its U without a model is the first criterion criterion_value reads off the model
    # (no time left: the greedy plan itself is returned).
    problem = cluster_problem(fleet, 0, 1)
    plan_model = build_model(problem, Objective.BALANCE, scores_moves=False)
    for tolerance in (1, 10):
        ours = greedy_settles(
            problem, replace(PARAMS, tolerance=tolerance), (time.monotonic(), 0.0), None, print
        )
        assert ours is not None
        assert ours.value == criterion_value(plan_model, Objective.BALANCE, ours.owners, tolerance)


@pytest.mark.parametrize(
    "change",
    [
        {"objective": Objective.NODES},
        {"objective": Objective.MOVES},
        {"max_moves": 5},
        {"disabled": frozenset({Rule.ANTI_AFFINITY})},
        {"hint": False},
    ],
)
def test_greedy_settles_leaves_other_cases_to_the_usual_path(fleet, change) -> None:
    problem = cluster_problem(fleet, 0, 1)
    assert settle(problem) is not None  # the premise: this cluster settles under balance
    assert settle(problem, replace(PARAMS, **change)) is None


def test_greedy_settles_nothing_the_bound_does_not_settle(fleet, monkeypatch) -> None:
    # With a bound far below the greedy's U (and no gap to cover it) the usual path runs.
    problem = cluster_problem(fleet, 0, 1)
    assert settle(problem) is not None
    monkeypatch.setattr(greedy_first, "lower_bound", lambda problem, objective: 100)
    assert settle(problem, replace(PARAMS, gap=0.0)) is None
    assert settle(problem, replace(PARAMS, gap=0.9)) is not None  # within a wide gap
    settled = settle(problem, replace(PARAMS, gap=0.9))
    assert settled is not None
    assert (settled.status, settled.bound) == (Status.FEASIBLE, 100)

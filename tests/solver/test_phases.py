"""Later phases: a phase whose plan meets its proven floor runs no search."""

from __future__ import annotations

import time

from data.check.checker import check_plan, moves, utilisation_permille
from data.plan import Plan
from data.rules import Rule
from solver import phases
from solver.greedy import first_fit_decreasing
from solver.params import Params
from solver.problem import cluster_problem


def crowded(inventory_of):
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    return inventory_of(nodes, [{"vm": f"v{i}", "node": "hv1"} for i in range(6)])


def as_plan(problem, owners, luns) -> Plan:
    answers = problem.per_vm(owners, luns)
    n = problem.inventory.n_vms
    return Plan.from_lists([answers[v][0] for v in range(n)], [answers[v][1] for v in range(n)])


def test_phases_settled_by_their_floors_build_no_model(inventory_of, monkeypatch) -> None:
    # Within 520 permille two VMs must leave hv1 (the floor) and stay_put moves two; the
    # four left on hv1 make 516 permille, the floor of U and of the no-failure figure.
    inventory = crowded(inventory_of)
    problem = cluster_problem(inventory, 0, 1)
    scratch = first_fit_decreasing(problem, True)
    assert scratch is not None

    def no_model(*args, **kwargs):
        raise AssertionError("a settled phase built a model")

    monkeypatch.setattr(phases, "build_model", no_model)
    params = Params(workers=1, seed=0, gap=0.02)
    owners, luns = phases.later_phases(
        problem, params, 520, (scratch.owners, scratch.luns), float("inf"), lambda i: None
    )
    plan = as_plan(problem, owners, luns)
    assert check_plan(inventory, plan, 1) == []
    assert moves(inventory, plan) == 2
    assert 516 <= utilisation_permille(inventory, plan, 1) <= 520


def test_phases_without_every_rule_have_no_floor_and_search(inventory_of, monkeypatch) -> None:
    # The floors assume every rule is on: with one switched off (tests only) each later
    # phase is searched, so a model is built.
    inventory = crowded(inventory_of)
    problem = cluster_problem(inventory, 0, 1)
    scratch = first_fit_decreasing(problem, True)
    assert scratch is not None
    built = []
    real = phases.build_model
    monkeypatch.setattr(phases, "build_model", lambda *a, **k: built.append(1) or real(*a, **k))
    params = Params(workers=1, seed=0, gap=0.02, disabled=frozenset({Rule.ANTI_AFFINITY}))
    deadline = time.monotonic() + 20
    owners, luns = phases.later_phases(
        problem, params, 520, (scratch.owners, scratch.luns), deadline, lambda i: None
    )
    assert built
    assert check_plan(inventory, as_plan(problem, owners, luns), 1) == []


def test_phases_build_no_model_when_the_time_left_cannot_pay_for_it(
    inventory_of, monkeypatch
) -> None:
    # The same phases as above, which do search, but the build estimate says the model
    # costs more than the time left: the plan in hand is kept, no model built (a short
    # share overran --time-limit by building one and loading it into CP-SAT).
    inventory = crowded(inventory_of)
    problem = cluster_problem(inventory, 0, 1)
    scratch = first_fit_decreasing(problem, True)
    assert scratch is not None

    class Costly:
        def build_seconds(self) -> float:
            return 10.0  # against the 20 s left: 3 estimates would be 30 s

    def no_model(*args, **kwargs):
        raise AssertionError("a model was built with too little time left to use it")

    monkeypatch.setattr(phases, "estimate_model", lambda problem: Costly())
    monkeypatch.setattr(phases, "build_model", no_model)
    params = Params(workers=1, seed=0, gap=0.02, disabled=frozenset({Rule.ANTI_AFFINITY}))
    deadline = time.monotonic() + 20
    owners, luns = phases.later_phases(
        problem, params, 520, (scratch.owners, scratch.luns), deadline, lambda i: None
    )
    assert check_plan(inventory, as_plan(problem, owners, luns), 1) == []


def test_phases_search_seconds_under_gap_follow_the_first_phase() -> None:
    # --gap: the later searches get as long as the first criterion took, at least
    # LATER_SECONDS; without --gap (or without a start) the time limit decides.
    now = time.monotonic()
    gap = Params(gap=0.02)
    assert phases.search_seconds(Params(), now - 30) == float("inf")
    assert phases.search_seconds(gap, None) == float("inf")
    assert phases.search_seconds(gap, now) == phases.LATER_SECONDS
    assert 30 <= phases.search_seconds(gap, now - 30) < 31

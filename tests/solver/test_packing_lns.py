"""solver/packing_lns.py: closing bins through a pool is reproducible under a seed,
beats the old bin-emptying search on a fixed case and gives plans the checker accepts
(valid packings under eligibility and the brute-force optimum: tests/solver/test_packing.py)."""

from __future__ import annotations

import time

import numpy as np

from data.check.checker import check_plan
from data.rules import Objective
from solver.packing import fit_decreasing
from solver.packing_bounds import packing_lower_bound
from solver.packing_lns import improve
from solver.packing_search import Packing
from solver.result import Status


def class_one(seed: int, n: int, d: int) -> np.ndarray:
    """Sizes as in the vector packing benchmark's class 1 (uniform in [10, 50], C 150)."""
    return np.random.default_rng(seed).integers(10, 51, (n, d))


def first_fit(weights: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    capacity = np.full((bins, weights.shape[1]), 150)
    allowed = np.ones((len(weights), bins), dtype=bool)
    key = weights.sum(axis=1).astype(float)
    start = fit_decreasing(weights, capacity, allowed, key, np.arange(bins), False)
    assert start is not None
    return capacity, allowed, start


def test_improve_is_reproducible_with_a_seed() -> None:
    """Seed 13 does not reach its bound (13): the search runs to the deadline, CP-SAT
    steps included, and the same seed still gives the same packing."""
    weights = class_one(13, 60, 3)
    capacity, allowed, start = first_fit(weights, 30)
    runs = [
        improve(Packing(weights, capacity, allowed, start), time.monotonic() + 1.0, 13, seed=5)
        for _ in range(2)
    ]
    assert np.array_equal(runs[0], runs[1])


def test_improve_beats_the_old_search_on_a_fixed_instance() -> None:
    """60 class-1 items in 3 dimensions (seed 11): first fit needs 14 bins, and so
    did the old search (pack_vectors, 1 s and 3 s); the pool search reaches the
    bound, 13."""
    weights = class_one(11, 60, 3)
    capacity, allowed, start = first_fit(weights, 30)
    assert len(set(start.tolist())) == 14
    assert packing_lower_bound(weights, capacity[:1]) == 13
    assign = improve(Packing(weights, capacity, allowed, start), time.monotonic() + 5.0, 13)
    assert len(set(assign.tolist())) == 13


def test_improve_closes_bins_of_a_plan_the_checker_accepts(inventory_of, solve_pinned) -> None:
    """40 class-1 VMs as res_* on nodes of 150: the `nodes` plan at k = 0 passes the
    checker and meets the bound."""
    weights = class_one(3, 40, 3)
    nodes = [
        {"node": f"n{j}", "memory_mb": 1 << 20, "res_a": 150, "res_b": 150, "res_c": 150}
        for j in range(14)
    ]
    vms = [
        {"vm": f"v{i}", "memory_mb": 256, "res_a": a, "res_b": b, "res_c": c}
        for i, (a, b, c) in enumerate(weights.tolist())
    ]
    inventory = inventory_of(nodes, vms)
    result = solve_pinned(inventory, failures=0, objective=Objective.NODES, time_limit=5.0)
    assert result.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert result.plan is not None
    assert check_plan(inventory, result.plan, 0) == []
    assert result.objective_value == packing_lower_bound(weights, np.full((1, 3), 150))

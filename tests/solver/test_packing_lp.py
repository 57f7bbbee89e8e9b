"""solver/packing_cg.py, packing_lp.py and packing_pricing.py: the column-generation bound never
exceeds the optimum (exact CP-SAT on tiny instances), even when stopped early, its
proof's ceiling bounds every set's profit (brute force), and it beats the analytic
bounds where the LP sees what they miss."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from data.inventory import Inventory
from data.rules import Objective
from solver.bounds import lower_bound
from solver.packing_bounds import packing_lower_bound
from solver.packing_cg import column_generation, dominating_pairs, farley_duals, lp_bound, summed
from solver.packing_columns import all_sets
from solver.packing_lp import forget_lp_bounds, packing_lp_bound
from solver.packing_pricing import DUAL_SCALE, enumerated_price, knapsack_1d, price
from solver.problem import cluster_problem
from solver.result import Status


def fewest_bins(weights: np.ndarray, room: np.ndarray) -> int:
    """The optimum by CP-SAT on the plain item-bin model (tiny instances only)."""
    n = len(weights)
    model = cp_model.CpModel()
    put = [[model.new_bool_var(f"p{i}{b}") for b in range(n)] for i in range(n)]
    used = [model.new_bool_var(f"u{b}") for b in range(n)]
    for i in range(n):
        model.add_exactly_one(put[i])
        for b in range(n):
            model.add_implication(put[i][b], used[b])  # an item of size 0 needs a bin too
    for b in range(n):
        for r in range(len(room)):
            load = sum(int(weights[i, r]) * put[i][b] for i in range(n))
            model.add(load <= int(room[r]) * used[b])
    model.minimize(sum(used))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    assert solver.solve(model) == cp_model.OPTIMAL
    return round(solver.objective_value)


@st.composite
def packings(draw: st.DrawFn, smallest: int = 0, fewest: int = 1) -> tuple[np.ndarray, np.ndarray]:
    d = draw(st.integers(1, 3))
    room = np.array(draw(st.lists(st.integers(5, 12), min_size=d, max_size=d)))
    n = draw(st.integers(fewest, 7))
    rows = [[draw(st.integers(smallest, int(c))) for c in room] for _ in range(n)]
    return np.array(rows, dtype=np.int64), room


@settings(max_examples=60, deadline=None)
@given(packings(), st.sampled_from([0.0, 0.002, 2.0]))
def test_lp_bound_never_exceeds_the_optimum(
    case: tuple[np.ndarray, np.ndarray], seconds: float
) -> None:
    weights, room = case
    assert lp_bound(weights, room, seconds) <= fewest_bins(weights, room)


def test_lp_bound_beats_the_analytic_bounds_on_three_items_that_fit_only_in_pairs() -> None:
    """b, c and d fit pairwise but not all three, a fits with none: the LP needs 2.5."""
    weights = np.array([[7, 9], [1, 3], [5, 2], [5, 4]])
    room = np.array([10, 10])
    assert packing_lower_bound(weights, room[None, :]) == 2
    assert lp_bound(weights, room) == 3 == fewest_bins(weights, room)


def test_column_generation_reaches_the_lp_optimum_of_pairwise_items() -> None:
    """Nine items of 2/5 of a bin: two per bin, the LP is 4.5, so the bound is 5."""
    weights = np.full((9, 2), 4)
    assert column_generation(weights, np.array([10, 10]), 5.0) == 5


def test_summed_relaxation_fits_every_pattern_that_fits_each_dimension() -> None:
    weights = np.array([[3, 40], [5, 10], [2, 50]])
    room = np.array([10, 100])
    sizes, capacity = summed(weights, room)
    for r in range(1, len(weights) + 1):
        for group in itertools.combinations(range(len(weights)), r):
            if np.all(weights[list(group)].sum(axis=0) <= room):
                assert sizes[list(group)].sum() <= capacity[0]


def test_dominating_pairs_name_a_bigger_item_first() -> None:
    weights = np.array([[5, 5], [3, 4], [4, 3], [6, 1]])
    pairs = dominating_pairs(weights)
    assert (0, 1) in pairs and (0, 2) in pairs
    assert all(np.all(weights[big] >= weights[small]) for big, small in pairs)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 50)), min_size=1, max_size=8))
def test_knapsack_1d_finds_the_best_subset(items: list[tuple[int, int]]) -> None:
    sizes = np.array([s for s, _ in items])
    profit = np.array([p for _, p in items])
    chosen, value = knapsack_1d(sizes, 10, profit)
    best = max(
        int(profit[list(g)].sum())
        for r in range(len(items) + 1)
        for g in itertools.combinations(range(len(items)), r)
        if sizes[list(g)].sum() <= 10
    )
    assert value == best == int(profit[chosen].sum())
    assert sizes[chosen].sum() <= 10


def test_price_bounds_the_best_pattern_and_returns_only_patterns_that_fit() -> None:
    weights = np.array([[6, 1], [1, 6], [5, 5], [4, 4], [3, 7]])
    room = np.array([10, 10])
    profit = np.array([0.6, 0.6, 0.5, 0.45, 0.55]) * DUAL_SCALE
    pool, ceiling = price(weights, room, profit.astype(np.int64), deadline=1e18)
    best = max(
        int(profit[list(g)].sum())
        for r in range(1, 6)
        for g in itertools.combinations(range(5), r)
        if np.all(weights[list(g)].sum(axis=0) <= room)
    )
    assert ceiling >= best
    assert pool
    assert all(np.all(weights[p].sum(axis=0) <= room) for p in pool)


def _pairs_inventory(inventory_of: Callable[..., Inventory]) -> Inventory:
    """The four items above as VMs in res_a and res_b on nodes of 10 (memory free)."""
    nodes = [{"node": f"n{i}", "res_a": 10, "res_b": 10, "memory_mb": 65536} for i in range(4)]
    sizes = [(7, 9), (1, 3), (5, 2), (5, 4)]
    vms = [{"vm": f"v{i}", "res_a": a, "res_b": b} for i, (a, b) in enumerate(sizes)]
    return inventory_of(nodes, vms)


def test_nodes_bound_reads_the_lp_bound_of_a_packing_only_once_proven(
    inventory_of: Callable[..., Inventory],
) -> None:
    forget_lp_bounds()  # another test may have proven this instance's bound already
    inventory = _pairs_inventory(inventory_of)
    problem = cluster_problem(inventory, 0, 0)
    weights, room = problem.weight, problem.capacity.max(axis=1)
    assert lower_bound(problem, Objective.NODES) == 2  # the analytic bounds
    assert lp_bound(weights, room) == 3
    assert packing_lp_bound(problem) == 3 == lower_bound(problem, Objective.NODES)
    assert packing_lp_bound(cluster_problem(inventory, 0, 1)) == 0  # k = 1: not a packing


def test_solve_nodes_at_k0_is_proven_optimal_by_the_lp_bound(
    inventory_of: Callable[..., Inventory], solve_and_check: Callable[..., object]
) -> None:
    forget_lp_bounds()  # the packing search must prove it itself
    inventory = _pairs_inventory(inventory_of)
    result = solve_and_check(inventory, objective="nodes", failures=0)
    assert result.status is Status.OPTIMAL
    assert (result.objective_value, result.bound) == (3, 3)


def _fitting_profits(weights: np.ndarray, room: np.ndarray, profit: np.ndarray) -> list[int]:
    n = len(weights)
    return [
        int(profit[list(g)].sum())
        for r in range(1, n + 1)
        for g in itertools.combinations(range(n), r)
        if np.all(weights[list(g)].sum(axis=0) <= room)
    ]


@settings(max_examples=60, deadline=None)
@given(packings(), st.lists(st.integers(0, 2 * DUAL_SCALE), min_size=7, max_size=7), st.booleans())
def test_enumerated_price_bounds_the_best_pattern_and_returns_improving_ones(
    case: tuple[np.ndarray, np.ndarray], profits: list[int], known: bool
) -> None:
    weights, room = case
    profit = np.array(profits[: len(weights)], dtype=np.int64)
    sets = all_sets(weights, room) if known else None
    priced = enumerated_price(weights, room, profit, sets)
    assert priced is not None
    pool, ceiling = priced
    best = max(_fitting_profits(weights, room, profit), default=0)
    assert ceiling >= best
    assert ceiling == best or (not known and best <= ceiling == DUAL_SCALE)
    assert all(np.all(weights[p].sum(axis=0) <= room) for p in pool)
    assert all(int(profit[p].sum()) > DUAL_SCALE for p in pool)


@settings(max_examples=40, deadline=None)
@given(packings(), st.sampled_from([0.0, 0.002, 2.0]))
def test_farley_duals_no_set_is_worth_more_than_the_ceiling(
    case: tuple[np.ndarray, np.ndarray], seconds: float
) -> None:
    weights, room = case
    proof = farley_duals(weights, room, seconds)
    best = max(_fitting_profits(weights, room, proof.profit), default=0)
    assert proof.ceiling == 0 or best <= proof.ceiling
    assert proof.bound <= fewest_bins(weights, room)

"""Pricing for the column generation of solver/packing_lp.py: patterns (item sets that
fit one bin) of high dual value, and proven upper bounds on the best one's value.

Greedy knapsacks come first (many columns per LP solve, no proof); then dynamic
programming on one-dimensional relaxations, whose optimum bounds the true one
exactly in integers; CP-SAT only when neither settles the question.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.sat.python import cp_model

from data.inventory import FloatArray, IntArray
from solver.packing_columns import Sets, heavy_sets

PRICING_SECONDS = 0.5  # CP-SAT's limit on one exact pricing knapsack
DUAL_SCALE = 1_000_000  # duals are floored to multiples of 1 / DUAL_SCALE
DP_CAPACITY = 4000  # cells of a one-dimensional pricing table
GREEDY_STARTS = 8  # greedy knapsacks opened by each of the items with the largest duals
ENUMERATED_COLUMNS = 200  # improving columns an enumerated pricing hands the master


def keys(weights: IntArray, room: IntArray, duals: FloatArray) -> list[FloatArray]:
    """Orders for the greedy knapsack: dual per relative size (summed, largest, in the
    tightest dimension) and the dual alone."""
    share = weights / room
    return [
        duals / np.maximum(share.sum(axis=1), 1e-9),
        duals / np.maximum(share.max(axis=1), 1e-9),
        duals / np.maximum(share @ (share.sum(axis=0) / max(share.sum(), 1e-12)), 1e-9),
        duals.copy(),
    ]


def fill(weights: list[list[int]], room: list[int], order: list[int], first: int) -> list[int]:
    """`first`, then the items in `order`, each taken if it still fits (plain Python: a
    few dimensions, called thousands of times)."""
    load = list(weights[first])
    taken = [first]
    for i in order:
        size = weights[i]
        if i != first and all(a + b <= c for a, b, c in zip(load, size, room, strict=True)):
            load = [a + b for a, b in zip(load, size, strict=True)]
            taken.append(i)
    return taken


def greedy_patterns(weights: IntArray, room: IntArray, duals: FloatArray) -> list[IntArray]:
    """Greedy knapsacks over the items with a positive dual: per order, one opened by
    its first item and one by each of the items with the largest duals (more columns
    per LP solve)."""
    rows, limit = weights.tolist(), room.tolist()
    positive = duals > 0
    starts = [i for i in np.argsort(-duals, kind="stable")[:GREEDY_STARTS].tolist() if positive[i]]
    found = []
    for key in keys(weights, room, duals):
        order = [i for i in np.argsort(-key, kind="stable").tolist() if positive[i]]
        for first in dict.fromkeys(order[:1] + starts):
            found.append(np.array(sorted(fill(rows, limit, order, first)), dtype=np.int64))
    return found


def relaxed(weights: IntArray, room: IntArray, profit: IntArray) -> tuple[list[IntArray], int]:
    """Patterns from dynamic programming on one-dimensional relaxations (each dimension
    alone and their sum; the best of each repaired to fit every dimension), and the
    least of their optima: an upper bound on the best pattern's integer profit."""
    pool, ceiling = [], int(profit[profit > 0].sum())
    if ceiling == 0:
        return [], 0
    for sizes, capacity in _surrogates(weights, room):
        chosen, value = knapsack_1d(sizes, capacity, profit)
        ceiling = min(ceiling, value)
        pool.append(_repaired(weights, room, profit, chosen))
    return pool, ceiling


def price(
    weights: IntArray, room: IntArray, profit: IntArray, deadline: float
) -> tuple[list[IntArray], int]:
    """Patterns of high integer profit and a proven upper bound on the best one's:
    relaxed(), then CP-SAT only when that neither finds a pattern worth more than
    DUAL_SCALE (an improving column) nor proves that none exists."""
    pool, ceiling = relaxed(weights, room, profit)
    if ceiling <= DUAL_SCALE or any(int(profit[p].sum()) > DUAL_SCALE for p in pool):
        return pool, ceiling
    more, exact = price_exactly(weights, room, profit, deadline)
    return pool + more, min(ceiling, exact)


def enumerated_price(
    weights: IntArray, room: IntArray, profit: IntArray, known: Sets | None = None
) -> tuple[list[IntArray], int] | None:
    """The most profitable sets worth more than DUAL_SCALE and the best set's profit,
    exact: from `known`, every feasible set, where given; else by enumerating those
    worth more than DUAL_SCALE (the profit is then DUAL_SCALE, an upper bound, when
    none is); None when they are too many."""
    if known is not None:
        pool, best = known.best_of(profit, DUAL_SCALE, ENUMERATED_COLUMNS)
        return [np.sort(p) for p in pool], max(best, 0)
    sets = heavy_sets(weights, room, profit, DUAL_SCALE + 1, useful_only=True)
    if sets is None:
        return None
    if sets.best <= DUAL_SCALE:
        return [], DUAL_SCALE  # nothing reaches it: an upper bound
    pool, best = sets.best_of(profit, DUAL_SCALE, ENUMERATED_COLUMNS)
    return [np.sort(p) for p in pool], best


def _surrogates(weights: IntArray, room: IntArray) -> list[tuple[IntArray, int]]:
    """One-dimensional relaxations with at most DP_CAPACITY cells: each dimension and
    the sum of all, sizes rounded down and capacities up when scaled to fit."""
    out = [(weights[:, r], int(room[r])) for r in range(len(room))]
    out.append((weights.sum(axis=1), int(room.sum())))
    scaled = []
    for sizes, capacity in out:
        q = max(1, -(-capacity // DP_CAPACITY))
        scaled.append((sizes // q, -(-capacity // q)))
    return scaled


def knapsack_1d(sizes: IntArray, capacity: int, profit: IntArray) -> tuple[IntArray, int]:
    """The best 0-1 knapsack of the items with positive profit (exact, integers)."""
    items = np.flatnonzero(profit > 0)
    best = np.zeros(capacity + 1, dtype=np.int64)
    keep = np.zeros((len(items), capacity + 1), dtype=bool)
    for k, i in enumerate(items.tolist()):
        size = int(sizes[i])
        if size > capacity:
            continue
        candidate = np.full(capacity + 1, -1, dtype=np.int64)
        candidate[size:] = best[: capacity + 1 - size] + int(profit[i])
        keep[k] = candidate > best
        best = np.maximum(best, candidate)
    chosen, c = [], capacity
    for k in range(len(items) - 1, -1, -1):
        if keep[k, c]:
            chosen.append(int(items[k]))
            c -= int(sizes[items[k]])
    return np.array(sorted(chosen), dtype=np.int64), int(best[capacity])


def _repaired(weights: IntArray, room: IntArray, profit: IntArray, chosen: IntArray) -> IntArray:
    """`chosen` made to fit: drop its items of least profit per size while some
    dimension overflows, then add others by profit per size while they fit."""
    share = np.maximum((weights / room).sum(axis=1), 1e-9)
    ratio = profit / share
    kept = sorted(chosen.tolist(), key=lambda i: -ratio[i])
    while kept and np.any(weights[kept].sum(axis=0) > room):
        kept.pop()
    order = [i for i in np.argsort(-ratio, kind="stable").tolist() if profit[i] > 0]
    rows, limit = weights.tolist(), room.tolist()
    if not kept:
        return np.array(sorted(fill(rows, limit, order, order[0])), dtype=np.int64)
    rest = [i for i in order if i not in set(kept)]
    filled = fill(rows, limit, [*kept[1:], *rest], kept[0])
    return np.array(sorted(filled), dtype=np.int64)


def price_exactly(
    weights: IntArray, room: IntArray, profit: IntArray, deadline: float
) -> tuple[list[IntArray], int]:
    """The patterns CP-SAT met while maximising the integer profit (best last), and a
    proven upper bound on the best pattern's profit (0 when there is no item)."""
    items = np.flatnonzero(profit > 0)
    if len(items) == 0:
        return [], 0
    model = cp_model.CpModel()
    take = [model.new_bool_var(f"take[{i}]") for i in items.tolist()]
    for r in range(len(room)):
        sizes = weights[items, r].tolist()
        model.add(sum(w * x for w, x in zip(sizes, take, strict=True)) <= int(room[r]))
    model.maximize(sum(p * x for p, x in zip(profit[items].tolist(), take, strict=True)))
    solver = cp_model.CpSolver()
    left = deadline - time.monotonic()
    solver.parameters.max_time_in_seconds = max(0.05, min(PRICING_SECONDS, left))
    solver.parameters.num_workers = 1
    pool = _Pool(items, take)
    status = solver.solve(model, pool)
    total = int(profit[items].sum())
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return [], total  # nothing proven below the sum of all profits
    return pool.patterns, min(total, int(np.floor(solver.best_objective_bound + 1e-3)))


class _Pool(cp_model.CpSolverSolutionCallback):
    """Every pattern CP-SAT finds on its way to the best one."""

    def __init__(self, items: IntArray, take: list[cp_model.IntVar]) -> None:
        super().__init__()
        self.items, self.take = items, take
        self.patterns: list[IntArray] = []

    def on_solution_callback(self) -> None:
        chosen = [i for i, x in zip(self.items.tolist(), self.take, strict=True) if self.value(x)]
        self.patterns.append(np.array(chosen, dtype=np.int64))

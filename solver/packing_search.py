"""The state a vector packing is improved in (solver/packing_lns.py), and the moves
around that search: any packing by CP-SAT when every greedy rule got stuck, and
moving a bin's content to a smaller bin (heterogeneous bins).

A packing is item -> bin with -1 for an item out of every bin (the search's pool),
and the load of every bin, kept up to date move by move.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.sat.python import cp_model

from data.inventory import BoolArray, FloatArray, IntArray


def normalised_top(capacity: IntArray) -> FloatArray:
    """Per dimension, the largest capacity: sizes divided by it are comparable."""
    return np.maximum(capacity.max(axis=0), 1).astype(float)


def packing_score(assign: IntArray, capacity: IntArray) -> tuple[int, float]:
    """(bins used, their total capacity relative to the largest bin): smaller is better."""
    used = np.unique(assign[assign >= 0])
    return len(used), float((capacity[used] / normalised_top(capacity)).sum())


class Packing:
    """A packing being improved: item -> bin (-1: in the search's pool) and the load
    of every bin."""

    def __init__(
        self, weights: IntArray, capacity: IntArray, allowed: BoolArray, assign: IntArray
    ) -> None:
        self.weights, self.capacity, self.allowed = weights, capacity, allowed
        self.top = normalised_top(capacity)
        self.reset(assign)

    def reset(self, assign: IntArray) -> None:
        self.assign = assign.copy()
        self.load = np.zeros_like(self.capacity)
        placed = assign >= 0
        np.add.at(self.load, assign[placed], self.weights[placed])

    def used(self) -> list[int]:
        return sorted(set(self.assign[self.assign >= 0].tolist()))

    def items_of(self, bins: list[int]) -> IntArray:
        return np.flatnonzero(np.isin(self.assign, bins))

    def move(self, i: int, b: int) -> None:
        """Item i into bin b (-1: out of every bin)."""
        if self.assign[i] >= 0:
            self.load[self.assign[i]] -= self.weights[i]
        if b >= 0:
            self.load[b] += self.weights[i]
        self.assign[i] = b


def smaller_bins(packing: Packing) -> None:
    """Heterogeneous bins: move a used bin's whole content to a smaller unused bin
    that holds it (same count, less capacity). Identical bins: nothing to do (it took
    0.1 s past the deadline on 100 bins)."""
    if np.all(packing.capacity == packing.capacity[0]):
        return
    size = (packing.capacity / normalised_top(packing.capacity)).sum(axis=1)
    for b in sorted(packing.used(), key=lambda b: -size[b]):
        items = packing.items_of([b])
        free = set(range(len(packing.capacity))) - set(packing.used())
        smaller = [
            c
            for c in free
            if size[c] < size[b]
            and np.all(packing.load[b] <= packing.capacity[c])
            and packing.allowed[items, c].all()
        ]
        if smaller:
            target = min(smaller, key=lambda c: size[c])
            for i in items.tolist():
                packing.move(i, target)


def feasible_packing(
    weights: IntArray, capacity: IntArray, allowed: BoolArray, deadline: float, seed: int = 0
) -> IntArray | None:
    """Any packing, by CP-SAT, for when every greedy rule got stuck on eligibility
    (it gets at least a moment even at the deadline); None if none is found."""
    model = cp_model.CpModel()
    items, bins = range(len(weights)), range(len(capacity))
    put = {(i, b): model.new_bool_var(f"in[{i},{b}]") for i in items for b in bins if allowed[i, b]}
    for i in items:
        model.add_exactly_one(put[i, b] for b in bins if (i, b) in put)
    for b in bins:
        for r in range(weights.shape[1]):
            terms = [int(weights[i, r]) * put[i, b] for i in items if (i, b) in put]
            model.add(sum(terms) <= int(capacity[b, r]))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, deadline - time.monotonic())
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return np.array(
        [next(b for b in bins if (i, b) in put and solver.boolean_value(put[i, b])) for i in items],
        dtype=np.int64,
    )

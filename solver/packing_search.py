"""Improving a vector bin packing by emptying bins (the second half of solver/packing.py).

Each step takes a target bin (one of the least filled) and tries to move all its
items into the other used bins, first greedily, then by large-neighbourhood
search: CP-SAT repacks the items of the target and a few other bins into the same
bins, minimising what stays in the target (at least a little less than now). The
target's load only falls, so repeated steps empty it; a target that resists is set
aside for a while and the neighbourhood grows. It stops at the deadline or at the
lower bound.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.sat.python import cp_model

from data.inventory import BoolArray, FloatArray, IntArray

STEP_SECONDS = 0.5  # CP-SAT's limit on one neighbourhood
TRIES_PER_TARGET = 4  # failed steps before a target bin is set aside
SIZES = (3, 5, 8, 12, 16)  # other bins in a neighbourhood, growing while steps fail
STREAK_PER_SIZE = 6  # failed steps in a row before the next size


def normalised_top(capacity: IntArray) -> FloatArray:
    """Per dimension, the largest capacity: sizes divided by it are comparable."""
    return np.maximum(capacity.max(axis=0), 1).astype(float)


def packing_score(assign: IntArray, capacity: IntArray) -> tuple[int, float]:
    """(bins used, their total capacity relative to the largest bin): smaller is better."""
    used = np.unique(assign[assign >= 0])
    return len(used), float((capacity[used] / normalised_top(capacity)).sum())


class Packing:
    """A complete packing being improved: item -> bin and the load of every bin."""

    def __init__(
        self, weights: IntArray, capacity: IntArray, allowed: BoolArray, assign: IntArray
    ) -> None:
        self.weights, self.capacity, self.allowed = weights, capacity, allowed
        self.assign = assign.copy()
        self.load = np.zeros_like(capacity)
        np.add.at(self.load, assign, weights)
        self.share = (weights / normalised_top(capacity)).sum(axis=1)

    def used(self) -> list[int]:
        return sorted(set(self.assign.tolist()))

    def fill(self, b: int) -> float:
        return float((self.load[b] / np.maximum(self.capacity[b], 1)).mean())

    def items_of(self, bins: list[int]) -> IntArray:
        return np.flatnonzero(np.isin(self.assign, bins))

    def move(self, i: int, b: int) -> None:
        self.load[self.assign[i]] -= self.weights[i]
        self.load[b] += self.weights[i]
        self.assign[i] = b

    def fits(self, i: int, bins: list[int]) -> list[int]:
        room = self.capacity[bins] - self.load[bins]
        ok = np.all(self.weights[i] <= room, axis=1) & self.allowed[i, bins]
        return [b for b, good in zip(bins, ok, strict=True) if good]


def improve(packing: Packing, deadline: float, target: int, seed: int = 0) -> IntArray:
    """Empty bins until `deadline` or until only `target` bins (a lower bound) are used."""
    rng = np.random.default_rng(seed)
    failures: dict[int, int] = {}
    streak = 0  # failed steps in a row: the neighbourhood grows with it
    while len(packing.used()) > target and time.monotonic() < deadline:
        t = _pick_target(packing, failures, rng)
        if t is None:  # every bin resisted: try them all again
            failures.clear()
            continue
        size = SIZES[min(streak // STREAK_PER_SIZE, len(SIZES) - 1)]
        if _empty_greedily(packing, t) or _repack(packing, t, size, rng, deadline):
            failures.pop(t, None)
            streak = 0
        else:
            failures[t] = failures.get(t, 0) + 1
            streak += 1
    _smaller_bins(packing)
    return packing.assign.copy()


def _pick_target(
    packing: Packing, failures: dict[int, int], rng: np.random.Generator
) -> int | None:
    """One of the two least-filled used bins that have not resisted too often."""
    open_bins = [b for b in packing.used() if failures.get(b, 0) < TRIES_PER_TARGET]
    if not open_bins:
        return None
    ranked = sorted(open_bins, key=packing.fill)[:2]
    return int(ranked[int(rng.integers(len(ranked)))])


def _empty_greedily(packing: Packing, t: int) -> bool:
    """Move every item of bin t, largest first, to the other bin it fills best; undo
    all of it unless every item found a place."""
    others = [b for b in packing.used() if b != t]
    items = sorted(packing.items_of([t]).tolist(), key=lambda i: -packing.share[i])
    moved: list[int] = []
    for i in items:
        fits = packing.fits(i, others)
        if not fits:
            for j in moved:
                packing.move(j, t)
            return False
        packing.move(i, max(fits, key=packing.fill))
        moved.append(i)
    return True


def _repack(packing: Packing, t: int, size: int, rng: np.random.Generator, deadline: float) -> bool:
    """CP-SAT on bin t and `size` other used bins (more likely the emptier ones): their
    items go back into them with strictly less relative size left in t."""
    others = [b for b in packing.used() if b != t]
    if not others or deadline - time.monotonic() < 0.01:
        return False
    slack = np.array([1.05 - packing.fill(b) for b in others])
    chosen = rng.choice(others, min(size, len(others)), replace=False, p=slack / slack.sum())
    bins = [t, *(int(b) for b in chosen)]
    items = packing.items_of(bins)
    answer = _solve_neighbourhood(packing, items, bins, t, deadline, int(rng.integers(1 << 30)))
    if answer is None:
        return False
    for i, b in zip(items.tolist(), answer, strict=True):
        if packing.assign[i] != b:
            packing.move(i, b)
    return True


def _solve_neighbourhood(
    packing: Packing, items: IntArray, bins: list[int], t: int, deadline: float, seed: int
) -> list[int] | None:
    """The items' new bins, or None when CP-SAT found no better packing in time."""
    model = cp_model.CpModel()
    put = {
        (i, b): model.new_bool_var(f"in[{i},{b}]")
        for i in items.tolist()
        for b in bins
        if packing.allowed[i, b]
    }
    for i in items.tolist():
        model.add_exactly_one(put[i, b] for b in bins if (i, b) in put)
        model.add_hint(put[i, int(packing.assign[i])], True)
    for b in bins:
        for r in range(packing.weights.shape[1]):
            terms = [
                (int(packing.weights[i, r]), put[i, b]) for i in items.tolist() if (i, b) in put
            ]
            model.add(sum(w * x for w, x in terms) <= int(packing.capacity[b, r]))
    cost = {i: 1 + round(1000 * float(packing.share[i])) for i in items.tolist()}
    staying = sum(cost[i] * put[i, t] for i in items.tolist() if (i, t) in put)
    model.add(staying <= sum(cost[i] for i in items.tolist() if packing.assign[i] == t) - 1)
    model.minimize(staying)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(
        0.01, min(STEP_SECONDS, deadline - time.monotonic())
    )
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [
        next(b for b in bins if (i, b) in put and solver.boolean_value(put[i, b]))
        for i in items.tolist()
    ]


def _smaller_bins(packing: Packing) -> None:
    """Heterogeneous bins: move a used bin's whole content to a smaller unused bin
    that holds it (same count, less capacity)."""
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

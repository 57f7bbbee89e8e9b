"""The column-generation lower bound of a vector bin packing (Gilmore and Gomory's
set-covering LP), proven with integer arithmetic.

The LP picks fractional patterns (sets of items that fit one bin) covering every
item; its optimum z_LP is at least L1 and, on nearly one-dimensional instances, within
a bin of the optimum. Any dual vector y >= 0 proves a bound without reaching z_LP
(Farley 1990): every pattern p has sum_{i in p} y_i <= V, the best pricing value, so
y / V is dual feasible and z_LP >= sum(y) / V. Here y is the restricted master's dual
(GLOP), floored to integers, and V a proven upper bound on the integer knapsack (a
one-dimensional dynamic programme's, else CP-SAT's): the bound ceil(sum y / V) is
computed exactly, so floating point in the LP can weaken it but never make it wrong.
Heterogeneous bins are enlarged to the largest capacity of each dimension, as in
solver/packing_bounds.py; eligibility is ignored (both relax the problem, so the
bound stays valid).

Each bound is remembered per instance by solver/packing_lp.py, which
solver/bounds.py reads.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from data.inventory import FloatArray, IntArray
from solver.packing_columns import Sets, all_sets
from solver.packing_lp import (
    MAX_REMEMBERED,
    Key,
    forget_lp_bounds,
    instance_key,
    proven,
    remember,
)
from solver.packing_pricing import (
    DUAL_SCALE,
    enumerated_price,
    fill,
    greedy_patterns,
    keys,
    price,
)

LP_SECONDS = 3.0  # the most the bound may take in one solve
IMPROVING = 1 + 1e-7  # a column whose dual value exceeds this enters the master
SMOOTHING = 0.5  # weight of the best bound's duals in the duals priced
DOMINATORS = 2  # dual cuts y_big >= y_small per small item
SUMMED_SHARE = 0.25  # of the bound's time, kept for the summed relaxation
SUMMED_SCALE = 1000  # each dimension's room in the summed relaxation
ENUMERATION_SHARE = 0.8  # of the time, at most, for enumerating every set that fits a bin


def lp_bound(weights: IntArray, room: IntArray, seconds: float = LP_SECONDS) -> int:
    """Bins every packing of `weights` into bins of size `room` needs, by at most
    `seconds` of column generation (0 when the items are too many or the time too
    short to price once); the best bound proven for the instance is remembered."""
    key, weights, room = instance_key(weights, room)
    if key is None:
        return 0
    bound, spent = proven(key)
    if seconds > spent:
        farley, bound = _lp(weights, room, seconds)
        if farley.ceiling > 0 and farley.bound >= _DUALS.get(key, farley).bound:
            if len(_DUALS) >= MAX_REMEMBERED:
                _DUALS.clear()  # and the bounds: one remembered without its duals
                forget_lp_bounds()  # would stop a later call from proving them again
            _DUALS[key] = farley
        bound = max(bound, proven(key)[0])
        remember(key, bound, seconds)
    return bound


def known_duals(weights: IntArray, room: IntArray) -> Farley | None:
    """The integer duals of the best bound lp_bound proved on the vector LP of this
    instance (its reduced form, packing_lp.reduced), or None."""
    key, _, _ = instance_key(weights, room)
    return _DUALS.get(key) if key is not None else None


def _lp(weights: IntArray, room: IntArray, seconds: float) -> tuple[Farley, int]:
    """The vector LP first; if it runs out of time before converging, the summed
    relaxation's LP (weaker, but its pricing is an exact, fast dynamic programme)
    for the time left. A converged vector LP is at least the summed one."""
    deadline = time.monotonic() + seconds
    vector_until = time.monotonic() + (1 - SUMMED_SHARE) * seconds
    vector = farley_duals(weights, room, (1 - SUMMED_SHARE) * seconds)
    if len(room) == 1 or time.monotonic() < vector_until:
        return vector, vector.bound
    other = column_generation(*summed(weights, room), deadline - time.monotonic())
    return vector, max(vector.bound, other)


def summed(weights: IntArray, room: IntArray) -> tuple[IntArray, IntArray]:
    """One dimension: the sum of all, each scaled to SUMMED_SCALE with sizes rounded
    down (a relaxation: every bin that fits each dimension fits the sum). Bins of
    equal room in every dimension are summed as they are."""
    if np.all(room == room[0]):
        return weights.sum(axis=1, keepdims=True), np.array([room.sum()])
    scaled = (weights * SUMMED_SCALE // room).sum(axis=1, keepdims=True)
    return scaled, np.array([SUMMED_SCALE * len(room)])


@dataclass(frozen=True, eq=False)
class Farley:
    """A proven bound and its proof: integer duals `profit` such that no item set that
    fits a bin is worth more than `ceiling` (0: nothing proven), so any packing needs
    at least sum(profit) / ceiling bins."""

    bound: int
    profit: IntArray
    ceiling: int


_DUALS: dict[Key, Farley] = {}  # the best proof per instance, beside packing_lp's bounds


def column_generation(weights: IntArray, room: IntArray, seconds: float) -> int:
    """The best Farley bound met while column generation runs for `seconds`: at its end
    (no improving column) that is ceil(z_LP)."""
    return farley_duals(weights, room, seconds).bound


def farley_duals(weights: IntArray, room: IntArray, seconds: float) -> Farley:
    """The best Farley bound met while column generation runs for `seconds`, with its
    duals. A master on the instance of the last call starts from that one's columns (a
    solve asks twice: in a first short search and after it).

    Pricing is stabilised (Wentges 1997): it looks at a mix of the master's duals and
    the duals of the best bound so far, whose columns the LP needs sooner; a mix that
    yields no column for the master's own duals is followed by a plain pricing.
    """
    deadline = time.monotonic() + seconds
    master = _Master(len(weights))
    pool = (weights.tobytes(), weights.shape, room.tobytes())
    for pattern in _first_patterns(weights, room) + _COLUMNS.get(pool, []):
        master.add(pattern)
    for big, small in dominating_pairs(weights):
        master.add_exchange(big, small)
    best, center, center_value = 0, np.zeros(len(weights)), 0.0
    proof = Farley(0, np.zeros(len(weights), dtype=np.int64), 0)
    mix, pricer = 0.0, _Pricer(weights, room, time.monotonic() + ENUMERATION_SHARE * seconds)
    while time.monotonic() < deadline:
        duals = master.solve()
        if best >= np.ceil(master.value() - 1e-6):
            break  # no dual of this LP proves more
        point = mix * center + (1 - mix) * duals
        profit = np.floor(point * DUAL_SCALE).astype(np.int64)
        found, ceiling = pricer.price(point, profit, duals, deadline)
        if ceiling > 0 and int(profit.sum()) / ceiling > center_value:
            center, center_value = point, int(profit.sum()) / ceiling
            best = max(best, -(-int(profit.sum()) // ceiling))
            proof = Farley(best, profit, ceiling)
        if not found and mix == 0:
            break  # converged: no pattern prices above 1
        mix = SMOOTHING if found and center_value > 0 else 0.0  # mispriced: plain next
        for pattern in found:
            master.add(pattern)
    _COLUMNS.clear()
    _COLUMNS[pool] = [np.array(p, dtype=np.int64) for p in master.seen]
    return proof


class _Pricer:
    """Improving columns for the master's duals and a proven upper bound on the best
    pattern's integer profit (0 when none is proven): by enumerating the patterns worth
    more than DUAL_SCALE while they are few (exact, milliseconds), else greedy
    knapsacks first and, when they find nothing, price()."""

    def __init__(self, weights: IntArray, room: IntArray, until: float) -> None:
        self.weights, self.room = weights, room
        self.known = fitting_sets(weights, room, until)  # None: too many to hold
        self.enumerable = True  # until an enumeration meets too many sets

    def price(
        self, point: FloatArray, profit: IntArray, duals: FloatArray, deadline: float
    ) -> tuple[list[IntArray], int]:
        weights, room = self.weights, self.room
        enumerated = (
            enumerated_price(weights, room, profit, self.known) if self.enumerable else None
        )
        self.enumerable = enumerated is not None
        if enumerated is not None:
            pool, ceiling = enumerated
            return [p for p in pool if duals[p].sum() > IMPROVING], ceiling
        found = [p for p in greedy_patterns(weights, room, point) if duals[p].sum() > IMPROVING]
        if found:
            return found, 0
        pool, ceiling = price(weights, room, profit, deadline)
        return [p for p in pool if duals[p].sum() > IMPROVING], ceiling


_SETS: dict[Key, Sets] = {}  # the last instance's sets, for its next bound's pricing
_COLUMNS: dict[Key, list[IntArray]] = {}  # the last master's columns: the next starts there


def fitting_sets(weights: IntArray, room: IntArray, until: float) -> Sets | None:
    """Every set that fits a bin (solver/packing_columns.py), kept for the last instance
    (a solve asks for its bound twice: in a first short search and after it); None
    when they are too many or not listed by `until`."""
    key = (weights.tobytes(), weights.shape, room.tobytes())
    if key not in _SETS:
        sets = all_sets(weights, room, deadline=until)
        if sets is None:
            return None
        _SETS.clear()
        _SETS[key] = sets
    return _SETS[key]


class _Master:
    """The restricted master LP: min sum x_p, every item covered, x >= 0 (GLOP)."""

    def __init__(self, n: int) -> None:
        solver = pywraplp.Solver.CreateSolver("GLOP")
        if solver is None:  # pragma: no cover - GLOP ships with OR-Tools
            raise RuntimeError("OR-Tools was built without GLOP")
        self.solver = solver
        self.cover = [solver.Constraint(1.0, solver.infinity(), f"cover[{i}]") for i in range(n)]
        self.objective = solver.Objective()
        self.objective.SetMinimization()
        self.seen: set[tuple[int, ...]] = set()

    def add(self, pattern: IntArray) -> None:
        key = tuple(sorted(int(i) for i in pattern))
        if key in self.seen:
            return
        self.seen.add(key)
        x = self.solver.NumVar(0.0, self.solver.infinity(), f"x{len(self.seen)}")
        self.objective.SetCoefficient(x, 1.0)
        for i in key:
            self.cover[i].SetCoefficient(x, 1.0)

    def add_exchange(self, big: int, small: int) -> None:
        """A free column moving cover from item `big` to `small`: in the dual,
        y_big >= y_small (a dual-optimal inequality)."""
        z = self.solver.NumVar(0.0, self.solver.infinity(), f"swap[{big},{small}]")
        self.cover[small].SetCoefficient(z, 1.0)
        self.cover[big].SetCoefficient(z, -1.0)

    def value(self) -> float:
        return float(self.objective.Value())

    def solve(self) -> FloatArray:
        """The duals of the covering rows, clipped at 0 (any y >= 0 proves a bound)."""
        self.solver.Solve()
        return np.array([max(c.dual_value(), 0.0) for c in self.cover])


def dominating_pairs(weights: IntArray) -> list[tuple[int, int]]:
    """(big, small) pairs where item big is at least as large as small in every
    dimension, up to DOMINATORS closest bigs per small item.

    Valid dual cuts (Ben Amor, Desrosiers and Valerio de Carvalho 2006): a pattern
    holding big still fits with small in its place, so some optimal dual has
    y_big >= y_small; imposing it only removes dual solutions the LP does not need,
    and the master converges in far fewer iterations.
    """
    n = len(weights)
    covers = np.all(weights[:, None, :] >= weights[None, :, :], axis=2)
    np.fill_diagonal(covers, False)
    excess = np.where(covers, (weights[:, None, :] - weights[None, :, :]).sum(axis=2), -1)
    pairs = []
    for small in range(n):
        bigs = np.flatnonzero(covers[:, small])
        closest = bigs[np.argsort(excess[bigs, small], kind="stable")[:DOMINATORS]]
        pairs += [(int(big), small) for big in closest]
    return pairs


def _first_patterns(weights: IntArray, room: IntArray) -> list[IntArray]:
    """Every item alone (so the master is feasible), and the bins of a first-fit
    decreasing packing (so it starts near a good solution)."""
    patterns = [np.array([i]) for i in range(len(weights))]
    order = np.argsort(-keys(weights, room, np.ones(len(weights)))[0], kind="stable").tolist()
    rows, limit = weights.tolist(), room.tolist()
    while order:
        pattern = fill(rows, limit, order, order[0])
        patterns.append(np.array(sorted(pattern), dtype=np.int64))
        order = [i for i in order if i not in set(pattern)]
    return patterns

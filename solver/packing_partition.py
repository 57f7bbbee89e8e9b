"""A vector packing rounded from the column-generation LP (solver/packing_cg.py): a dive
over the item sets of low reduced cost, enumerated by solver/packing_columns.py.

With large items (two or three per bin) the LP's optimum is nearly integral and
within a bin of the optimum, but the search of solver/packing.py, which moves items
between bins, often ends 2-5 bins above it. Diving reads a packing off the LP: solve
it over the sets whose reduced cost (against the LP's proven duals: 1 - profit /
ceiling) is small, fix every set the LP takes whole (the one it takes most when
none), forbid the sets that overlap them, solve again (GLOP warm-starts), until every
item is covered. The singletons keep it feasible. A dive meeting the LP bound is
optimal. Identical bins, every item allowed in every bin (the caller checks).
"""

from __future__ import annotations

import math
import time

import numpy as np
from ortools.linear_solver import pywraplp

from data.inventory import IntArray
from solver.packing_cg import known_duals
from solver.packing_columns import heavy_sets
from solver.packing_lp import reduction

DIVE_SLACKS = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3)  # reduced costs of the sets a dive takes:
# dives differ a lot by it (measured: 54, 54, 54, 53, 54 bins on ct4-d3-n120-s0), each
# takes ~0.2 s, so several are tried
DIVE_MAX_SETS = 8000  # sets past which a dive is not started (GLOP's model is built in Python)
WHOLE = 0.999  # an LP value this close to 1 is a set taken whole


def dived_plan(weights: IntArray, room: IntArray, deadline: float) -> IntArray | None:
    """item -> bin by diving on the LP (the fewest bins of the dives tried), or None
    when no LP duals are known for the instance (lp_bound proves them), the sets are
    too many or time ends."""
    weights, room = np.asarray(weights, dtype=np.int64), np.asarray(room, dtype=np.int64)
    rows, binding = reduction(weights, room)
    if len(rows) == 0:
        return np.zeros(len(weights), dtype=np.int64)  # nothing binds: one bin holds all
    farley = known_duals(weights, room)
    if farley is None:
        return None
    reduced, size = weights[rows][:, binding], room[binding]
    singletons = [np.array([i]) for i in range(len(rows))]
    best: list[IntArray] | None = None
    for slack in DIVE_SLACKS:
        floor = math.ceil(farley.ceiling * (1 - slack))
        sets = heavy_sets(reduced, size, farley.profit, floor, cap=DIVE_MAX_SETS, deadline=deadline)
        if sets is None:
            break  # too many sets (or no time): more slack only brings more
        cover = dive(sets.columns() + singletons, len(rows), deadline)
        if cover is not None and (best is None or len(cover) < len(best)):
            best = cover
        if best is not None and len(best) <= farley.bound:
            break  # optimal
    return None if best is None else _assignment(best, rows, len(weights))


def dive(columns: list[IntArray], n: int, deadline: float) -> list[IntArray] | None:
    """Sets covering items 0..n-1, read off the covering LP over `columns` by fixing and
    solving again (None when `deadline` passes first)."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:  # pragma: no cover - GLOP ships with OR-Tools
        raise RuntimeError("OR-Tools was built without GLOP")
    take = [solver.NumVar(0.0, 1.0, f"set[{c}]") for c in range(len(columns))]
    holders: list[list[int]] = [[] for _ in range(n)]
    for c, column in enumerate(columns):
        for i in column.tolist():
            holders[i].append(c)
    for i in range(n):
        row = solver.Constraint(1.0, solver.infinity(), f"cover[{i}]")
        for c in holders[i]:
            row.SetCoefficient(take[c], 1.0)
    objective = solver.Objective()
    for var in take:
        objective.SetCoefficient(var, 1.0)
    objective.SetMinimization()
    return _fix_until_covered(solver, take, columns, holders, deadline)


def _fix_until_covered(
    solver: pywraplp.Solver,
    take: list[pywraplp.Variable],
    columns: list[IntArray],
    holders: list[list[int]],
    deadline: float,
) -> list[IntArray] | None:
    """The dive itself: each round fixes the sets the LP takes whole (else the one it
    takes most) and forbids every set overlapping them."""
    covered = np.zeros(len(holders), dtype=bool)
    open_set = np.ones(len(columns), dtype=bool)
    chosen: list[IntArray] = []
    while not covered.all():
        if time.monotonic() > deadline or solver.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        value = np.where(open_set, [var.solution_value() for var in take], -1.0)
        picked = np.flatnonzero(value >= WHOLE).tolist() or [int(value.argmax())]
        for c in picked:
            if covered[columns[c]].any():
                continue
            chosen.append(columns[c])
            covered[columns[c]] = True
            take[c].SetBounds(1.0, 1.0)
            open_set[c] = False
            for other in {o for i in columns[c].tolist() for o in holders[i]} - {c}:
                if open_set[other]:
                    open_set[other] = False
                    take[other].SetBounds(0.0, 0.0)
    return chosen


def _assignment(cover: list[IntArray], rows: IntArray, n: int) -> IntArray:
    """item -> bin from a cover of the reduced items: each in the first set holding it;
    the items left out of the reduction (size 0) in bin 0."""
    assign = np.zeros(n, dtype=np.int64)
    placed = np.zeros(len(rows), dtype=bool)
    for b, column in enumerate(cover):
        fresh = column[~placed[column]]
        assign[rows[fresh]] = b
        placed[fresh] = True
    return np.unique(assign, return_inverse=True)[1].astype(np.int64)

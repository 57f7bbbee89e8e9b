"""The `nodes` objective at k = 0 as vector bin packing: solver/packing.py's plan as
the hint (and fallback) of the CP-SAT model.

At k = 0 a plan is one node per unit, and nodes_used is the number of bins of a
vector packing of the units' weights into the nodes' capacities, as long as no
other rule links units: anti-affinity and LUN choice do, so such clusters keep the
first-fit-decreasing hint.
"""

from __future__ import annotations

import time

import numpy as np

from data.inventory import BoolArray, IntArray
from data.rules import Objective
from solver.bounds import lower_bound
from solver.greedy import GreedyPlan
from solver.model import PlanModel, criterion_value
from solver.packing import LP_ITEMS_PER_BIN, pack_vectors
from solver.packing_cg import LP_SECONDS, lp_bound
from solver.packing_lp import is_packing
from solver.packing_partition import dived_plan
from solver.params import Params, in_steps
from solver.problem import ClusterProblem

PACKING_SHARE = 0.7  # of a cluster's budget, for the packing search
EARLY_SHARE = 0.9  # of it, for the packing search before any model (it was 0.7, CP-SAT on
# the exact model having the rest; measured under load 8: ct1-d3-n120-s0 26 bins at 0.7,
# 25 at 0.9; ct1-d5-n120-s0 27 and 26; ct4-d3-n120-s0 54 and 53)
QUICK_SHARE = 0.2  # of the packing's time, for a first search (often meets the bound)
LP_SHARE = 0.5  # of the packing's time, at most, for the LP bound before the search
DIVE_SHARE = 0.3  # of the packing's time, for diving on the LP


def packing_plan(problem: ClusterProblem, deadline: float) -> GreedyPlan | None:
    """One owner per unit from pack_vectors, or None when it is not a packing problem
    or no packing was found (time.monotonic() `deadline`). A first short search
    settles the easy packings; above the bound, the LP bound and a dive on it
    (_dived) come next, then the search again with the time left."""
    if not is_packing(problem):
        return None
    eligible = np.zeros((len(problem.units), problem.n_nodes), dtype=bool)
    for u, unit in enumerate(problem.units):
        eligible[u, list(unit.eligible)] = True
    bound = lower_bound(problem, Objective.NODES)  # with the LP bound, cached
    weights, capacity = problem.weight, problem.capacity.T
    share = QUICK_SHARE if _divable(problem, eligible, bound) else 1.0
    quick = time.monotonic() + share * max(deadline - time.monotonic(), 0.0)
    assign = pack_vectors(weights, capacity, quick, eligible, bound=bound)
    if _bins(assign) > bound and share < 1:  # the LP and a dive on it, then search again
        assign = _better(_dived(problem, eligible, bound, deadline), assign)
        bound = lower_bound(problem, Objective.NODES)  # the LP's, if _dived proved it
        if _bins(assign) > bound:
            again = pack_vectors(weights, capacity, deadline, eligible, bound=bound)
            assign = _better(again, assign)
    if len(assign) and assign.min() < 0:
        return None
    return GreedyPlan([(int(b),) for b in assign], {})


def _dived(
    problem: ClusterProblem, eligible: BoolArray, bound: int, deadline: float
) -> IntArray | None:
    """The LP bound (solver/packing_cg.py) and a packing read off it by diving
    (solver/packing_partition.py), for a _divable packing."""
    weights, capacity = problem.weight, problem.capacity.T
    room = capacity.max(axis=0)
    left = max(deadline - time.monotonic(), 0.0)
    if lp_bound(weights, room, min(LP_SECONDS, LP_SHARE * left)) < bound:
        return None  # the LP is far from converged: its duals would lead a dive astray
    dived = dived_plan(weights, room, time.monotonic() + DIVE_SHARE * left)
    return dived if dived is not None and _bins(dived) <= len(capacity) else None


def _divable(problem: ClusterProblem, eligible: BoolArray, bound: int) -> bool:
    """A node holds few units (the LP is then close to the optimum), the nodes are
    identical and every unit fits every one."""
    weights, capacity = problem.weight, problem.capacity.T
    room = capacity.max(axis=0)
    same = eligible.all() and np.all(capacity == room) and np.all(weights <= room)
    return bool(same) and len(weights) <= LP_ITEMS_PER_BIN * bound


def _bins(assign: IntArray) -> int:
    """Bins a packing uses (past any count when it is none: -1 everywhere)."""
    return len(np.unique(assign)) if assign.min(initial=0) >= 0 else len(assign) + 1


def _better(found: IntArray | None, best: IntArray) -> IntArray:
    return found if found is not None and _bins(found) < _bins(best) else best


def early_packing(
    problem: ClusterProblem, params: Params, start: float, budget: float
) -> GreedyPlan | None:
    """packing_plan before any model is built, in EARLY_SHARE of the cluster's budget,
    for the `nodes` objective of a vector packing (is_packing) with hints on and no
    moves cap; else None. solve.py returns it when it meets packed_bound (building the
    exact model takes 1-5 s on a loaded machine at 240 units) or when the model does not
    fit the time left; else it hints the model."""
    plain = params.objective is Objective.NODES and params.max_moves is None
    if not (plain and params.hint and not params.disabled and is_packing(problem)):
        return None
    return packing_plan(problem, start + EARLY_SHARE * budget)


def packed_bound(problem: ClusterProblem) -> int:
    """The nodes bound a packing is proven optimal by (the LP's included)."""
    return lower_bound(problem, Objective.NODES)


def hint_share(problem: ClusterProblem, params: Params) -> float:
    """Of the budget, what the hint may take: a quarter, but most of it for a vector
    packing (`nodes` at k = 0), whose search finds better plans than CP-SAT's on the
    whole model, which is then left mainly to prove them against the bound."""
    if params.objective is Objective.NODES and params.max_moves is None and is_packing(problem):
        return PACKING_SHARE
    return 0.25


def hint_bound(plan_model: PlanModel, params: Params, greedy: GreedyPlan) -> int | None:
    """The analytic bound on the first criterion when the hint meets it, or comes within
    --gap of it; else None. Then CP-SAT's first phase has nothing to add: its presolve of
    a model with thousands of literals would only take seconds to say so, and a fleet
    of small clusters pays that once per cluster."""
    if params.disabled:
        return None
    objective = params.objective
    if objective is Objective.MOVES and params.gap <= 0:
        return None  # moves are proven by CP-SAT unless a gap is allowed
    value = criterion_value(plan_model, objective, greedy.owners, params.tolerance)
    bound = lower_bound(plan_model.problem, objective)
    if objective is Objective.BALANCE:
        bound = in_steps(bound, params.tolerance)  # U counted in steps
    within = value <= bound or value - bound <= params.gap * max(value, 1)
    return bound if within else None

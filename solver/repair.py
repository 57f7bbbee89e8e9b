"""Move back: undo moves of a valid plan while it stays valid and within a utilisation.

The repair in first_fit_decreasing (stay_within) builds a plan anew and can get
stuck on a large cluster; this one starts from a plan that obeys every rule and
only ever swaps a unit's owners list for one that starts at its current node and
fits, so it cannot fail and never adds a move.
"""

from __future__ import annotations

import math
import time

import numpy as np

from solver.greedy import GreedyPlan, _all_tuples, _classes, _current_nodes, _movable, _State
from solver.problem import ClusterProblem


def move_back(
    problem: ClusterProblem, plan: GreedyPlan, stay_within: int, deadline: float = math.inf
) -> GreedyPlan:
    """The plan with as many units as the greedy can put back on their current node,
    memory held to `stay_within` permille under every failure set."""
    state = _State(problem)
    state.cap[0] = np.floor(problem.capacity[0] * stay_within / 1000)
    owners = list(plan.owners)
    for u, listed in enumerate(owners):
        if problem.units[u].members:
            state.take(listed, problem.weight[u].astype(float), _classes(problem, u))
    current = _current_nodes(problem)
    order = range(len(problem.units))
    for u in _movable(problem, list(order), plan.luns):
        if u not in current or owners[u][0] == current[u] or time.monotonic() > deadline:
            continue
        tuples = _all_tuples(problem, u, sample=False)
        tuples = tuples[tuples[:, 0] == current[u]]
        weight, classes = problem.weight[u].astype(float), _classes(problem, u)
        state.take(owners[u], weight, classes, sign=-1)
        fits, worst = state.scores(tuples, weight, classes) if len(tuples) else ([], [])
        if len(tuples) and np.any(fits):
            pick = int(np.flatnonzero(fits)[np.argmin(worst[fits])])
            owners[u] = tuple(int(n) for n in tuples[pick])
        state.take(owners[u], weight, classes)
    return GreedyPlan(owners, plan.luns)

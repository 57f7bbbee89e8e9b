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
    problem: ClusterProblem,
    plan: GreedyPlan,
    stay_within: int,
    deadline: float = math.inf,
    rounds: int = 4,
) -> GreedyPlan:
    """The plan with as many units as the greedy can put back on their current node,
    memory held to `stay_within` permille under every failure set; a unit put back
    can make room for another, so it sweeps again while that helps."""
    state = _State(problem)
    state.cap[0] = np.floor(problem.capacity[0] * stay_within / 1000)
    owners = list(plan.owners)
    for u, listed in enumerate(owners):
        if problem.units[u].members:
            state.take(listed, problem.weight[u].astype(float), _classes(problem, u))
    current = _current_nodes(problem)
    movable = [u for u in _movable(problem, list(range(len(owners))), plan.luns) if u in current]
    for _ in range(rounds):
        returned = [
            u for u in movable if owners[u][0] != current[u] and time.monotonic() < deadline
        ]
        put = [
            _put_back(state, problem, owners, u, current[u]) for u in returned
        ]  # all, no short cut
        if not any(put):
            break
    return GreedyPlan(owners, plan.luns)


def _put_back(state: _State, problem: ClusterProblem, owners: list, u: int, node: int) -> bool:
    """Give unit u the best fitting owners list that starts at `node`, if any."""
    tuples = _all_tuples(problem, u, sample=False)
    tuples = tuples[tuples[:, 0] == node]
    weight, classes = problem.weight[u].astype(float), _classes(problem, u)
    state.take(owners[u], weight, classes, sign=-1)
    moved = False
    if len(tuples):
        fits, worst = state.scores(tuples, weight, classes)
        if fits.any():
            owners[u] = tuple(
                int(n) for n in tuples[int(np.flatnonzero(fits)[np.argmin(worst[fits])])]
            )
            moved = True
    state.take(owners[u], weight, classes)
    return moved

"""The later phases' criteria, scored without a model, and their proven floors.

A later phase whose starting plan meets its criterion's floor (or comes within
--gap of it) is done without search: on a fleet of small clusters that saves
building a model and a CP-SAT run per cluster and phase. Where a search is
needed, the floor is stated in the model, so CP-SAT's relative gap can end it.
"""

from __future__ import annotations

from collections.abc import Mapping

from data.rules import Objective
from solver.bounds import lower_bound
from solver.large import utilisation
from solver.model import moves_of, no_failure_permille
from solver.moves_bound import fewest_moves, no_failure_floor
from solver.params import Params
from solver.problem import ClusterProblem

MOVES, EXACT, NO_FAILURE = 1, 2, 3  # balance's later criteria (PlanModel.criteria)


def criterion_of(
    problem: ClusterProblem, objective: Objective, i: int, owners: list[tuple[int, ...]]
) -> int:
    """The value of later criterion i (an index into PlanModel.criteria) of a plan."""
    if objective is not Objective.BALANCE or i == EXACT:
        return utilisation(problem, owners)  # the other objectives' second criterion is U
    if i == MOVES:
        return moves_of(problem, owners)
    return no_failure_permille(problem, owners)


def criterion_floor(
    problem: ClusterProblem, params: Params, i: int, first_value: int, held: Mapping[int, int]
) -> int | None:
    """A value of later criterion i that no plan holding the first criterion at
    `first_value` and the earlier later ones at `held` can beat; None without one
    (the floors assume every rule is on)."""
    if params.disabled:
        return None
    u_floor = lower_bound(problem, Objective.BALANCE)
    if params.objective is not Objective.BALANCE:
        return u_floor
    if i == MOVES:
        return fewest_moves(problem, first_value)
    moves = held.get(MOVES, sum(len(unit.members) for unit in problem.units))
    no_failure = no_failure_floor(problem, moves, held.get(EXACT, first_value))
    return max(u_floor, no_failure) if i == EXACT else no_failure


def within_gap(value: int, floor: int, gap: float) -> bool:
    """The plan's value is proven optimal, or within the relative gap of optimal."""
    return value <= floor or value - floor <= gap * max(value, 1)

"""Balance's first criterion settled by the greedy plan, before the first model is built.

Under `balance` the greedy plan (first-fit, or the large path's when better) often
meets the analytic bound on U already, or comes within --gap of it: on the
40-cluster fleet every cluster. The first model was then built only to be hinted and
never searched, and only the later phases' own model is used, so building it took a
tenth of a second per cluster for nothing. Here the same plan is scored without a
model and, where the bound settles it, handed straight to the later phases; every
other cluster takes the usual path (solver/exact_search.py), which builds the same plan again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from data.rules import Objective
from solver.bounds import lower_bound
from solver.greedy import GreedyPlan, first_fit_decreasing
from solver.large import large_plan, utilisation
from solver.packing_plan import hint_share
from solver.params import Params, in_steps
from solver.phases import Reporter, later_criteria, later_phases
from solver.problem import ClusterProblem
from solver.result import Progress, Status
from solver.size_estimate import estimate_model
from solver.start_results import SECONDS_PER_LITERAL
from solver.symmetry import canonical_hint


@dataclass(frozen=True)
class SettledFirst:
    """A plan whose first criterion the bound settles, after the later phases."""

    status: Status
    value: int
    bound: int
    owners: list[tuple[int, ...]]
    luns: dict[int, int]

    @property
    def parts(self) -> tuple[Status, int, int, list[tuple[int, ...]], dict[int, int]]:
        """As solver.start_results.cluster_result takes them, before the seconds."""
        return self.status, self.value, self.bound, self.owners, self.luns


def greedy_settles(
    problem: ClusterProblem,
    params: Params,
    window: tuple[float, float],
    on_progress: Callable[[Progress], None] | None,
    reporter: Reporter,
) -> SettledFirst | None:
    """The greedy plan, its later criteria improved, when its rounded U meets the rounded
    analytic bound or comes within --gap of it; None otherwise, and for every case the
    usual path treats otherwise (another objective, a moves cap, rules off, no hint).
    `window` is (start, budget) of the cluster's solve."""
    greedy = balance_greedy(problem, params, window)
    return settled_by(problem, params, window, greedy, (on_progress, reporter))


def balance_greedy(
    problem: ClusterProblem, params: Params, window: tuple[float, float]
) -> GreedyPlan | None:
    """The plan greedy_settles scores (None for every case it leaves alone): solve.py
    also hands it to the exact model as its hint, so that it is not made twice."""
    ours = params.objective is Objective.BALANCE and params.max_moves is None
    if not ours or params.disabled or not params.hint:
        return None
    start, budget = window
    return _greedy(problem, params, start + budget * hint_share(problem, params))


def settled_by(
    problem: ClusterProblem,
    params: Params,
    window: tuple[float, float],
    greedy: GreedyPlan | None,
    listeners: tuple[Callable[[Progress], None] | None, Reporter],
) -> SettledFirst | None:
    """greedy_settles on the plan balance_greedy made."""
    if greedy is None:
        return None
    (start, budget), (on_progress, reporter) = window, listeners
    value = in_steps(utilisation(problem, greedy.owners), params.tolerance)
    bound = in_steps(lower_bound(problem, Objective.BALANCE), params.tolerance)
    if value > bound and value - bound > params.gap * max(value, 1):
        return None
    if on_progress is not None:
        on_progress(Progress(problem.name, 1, value, 0.0, time.monotonic() - start))
    owners, luns = canonical_hint(problem, greedy.owners, False), greedy.luns
    left = start + budget - time.monotonic()
    quick = 2 * SECONDS_PER_LITERAL * estimate_model(problem).literals < left
    if quick and later_criteria(problem, params):
        plan = (owners, luns)
        owners, luns = later_phases(
            problem, params, value, plan, start + budget, reporter, begun=start
        )
    status = Status.OPTIMAL if value <= bound else Status.FEASIBLE
    return SettledFirst(status, value, min(value, bound), owners, luns)


def _greedy(problem: ClusterProblem, params: Params, deadline: float) -> GreedyPlan | None:
    """First-fit's balanced plan or the large path's, whichever has the lower U (first-fit
    on a tie), as solver.large_result.better_start picks the hint."""
    greedy = first_fit_decreasing(problem, True, deadline)
    found = large_plan(problem, params.objective, deadline)
    if found is None:
        return greedy
    large = GreedyPlan(found.owners, found.luns)
    if greedy is None:
        return large
    ours = in_steps(utilisation(problem, large.owners), params.tolerance)
    theirs = in_steps(utilisation(problem, greedy.owners), params.tolerance)
    return large if ours < theirs else greedy

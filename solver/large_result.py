"""When the exact model is too large, and what the large-cluster path then returns.

The prefix-set model is counted before it is built (solver/size_estimate.py):
it is built only when building takes a small share of the time left and the
model fits the memory allowed. Otherwise the large path plans by heuristic
(solver/large.py) and reports its plan as feasible with the analytic lower bound,
optimal only where the two meet.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from math import comb, perm

from data.rules import Objective
from solver.greedy import MAX_CANDIDATES, GreedyPlan, first_fit_decreasing
from solver.large import LargePlan, cluster_bound, large_plan, utilisation
from solver.large_groups import packing_groups
from solver.large_quick import quick_plan
from solver.model import PlanModel, criterion_value, moves_of
from solver.params import Params, in_steps
from solver.problem import ClusterProblem
from solver.result import Status
from solver.size_estimate import SECONDS_PER_ITEM, estimate_model, loaded_seconds_per_item

BUILD_SHARE = 0.25  # of the cluster's budget, at most, spent building the exact model
ABANDON_BUILD = 0.9  # of the budget: a build (and hint) projected to end later is abandoned
QUICK_BUILD = 0.5  # seconds: a model this quick is built on any real budget
# CPU seconds of first-fit per unit, resource, owners list scored and failure set
# (measured 3.4e-8 to 4.9e-8 on 16-64 nodes, k = 1 to 3); its placement never looks
# at the clock, so it is only started where it ends in time
FIRST_FIT_SECONDS_PER_ITEM = 5e-8
QUICK_FIRST_FIT = 2.0  # seconds: a first-fit this quick runs even on a spent budget (a
# plan a little late beats exit 3 where one is easy: 16 nodes, 200 VMs in 0.1 s)
# units from which the quick first plan is made: below, the large path takes well under a
# second, and on a fleet of 1,000 small clusters the quick plans cost a third of the solve
QUICK_PLAN_FROM = 1000
# seconds per unit kept back from the large path to score its plan and build the answer
# (at 8,000 VMs ~0.2 s of CPU, 0.4-1 s on the loaded 2-core machine), at most a tenth
ANSWER_SECONDS_PER_UNIT = 6e-5
SPENT_BUDGET = 2 * QUICK_BUILD  # below it no model: a fleet of 1,000 clusters sharing a
# minute would otherwise pay ~0.3 s of model building per cluster, five times the limit


def exact_model_fits(problem: ClusterProblem, params: Params, budget: float) -> bool:
    """Whether the exact model may be built within this cluster's budget and memory.

    Decided by the calibrated estimate alone, never by the machine's load, so the same
    inventory and parameters always choose the same method; a build that overruns on a
    busy machine is abandoned by its deadline instead (build_deadline)."""
    size = estimate_model(problem)
    if params.max_model_items is not None:
        return size.items <= params.max_model_items
    if size.memory_bytes > params.model_memory_mb * 2**20:
        return False
    allowed = BUILD_SHARE * budget
    if budget >= SPENT_BUDGET:
        allowed = max(allowed, QUICK_BUILD)
    return size.build_seconds() <= allowed


def build_deadline(start: float, budget: float) -> float:
    """The latest end of the exact model's build and what follows it
    (solver/build_clock.py): a build admitted at its full share (BUILD_SHARE) is
    abandoned only on a machine about 1.5 times as slow as calibrated (one of a tenth
    of the budget: 3.6 times), and the large path's answer (~0.2 s of CPU at 22 nodes,
    700 VMs) still fits the rest."""
    return start + ABANDON_BUILD * budget


def exact_model_is_quick(problem: ClusterProblem) -> bool:
    """Whether building the exact model costs next to nothing (then it is worth its
    later criteria even where the large path already meets the first one's bound)."""
    return estimate_model(problem).build_seconds() <= QUICK_BUILD


@dataclass(frozen=True)
class LargeOutcome:
    status: Status
    value: int
    bound: int
    plan: LargePlan


def solve_large(
    problem: ClusterProblem, params: Params, deadline: float, quick: bool = True
) -> LargeOutcome | None:
    """The large path's plan scored in the objective's first criterion, or None when the
    heuristic finds none in time (or only one breaking --max-moves); with `quick` the
    quick first plan (solver/large_quick.py) stands in where the large path ends without
    one, and wins where it scores lower."""
    found = packing_groups(problem)
    if found is None:
        return None
    quick = quick and len(problem.units) >= QUICK_PLAN_FROM
    first = quick_plan(problem, *found) if quick else None  # a third of the time, not as good
    # with the quick plan in hand, a spent budget gets no extra try of the large path
    plans = (large_plan(problem, params.objective, deadline, found, first is None), first)
    outcomes = [scored(problem, params, plan) for plan in plans if plan is not None]
    return min((o for o in outcomes if o is not None), key=lambda o: o.value, default=None)


def first_fit_outcome(
    problem: ClusterProblem, params: Params, deadline: float
) -> LargeOutcome | None:
    """First-fit decreasing, scored without a model: the fallback when no model is
    built and the large path finds no plan (the greedy answered there before); None
    without trying when it would end well past `deadline` (64 nodes, 500 VMs at N+2:
    95 s)."""
    if first_fit_seconds(problem) > max(deadline - time.monotonic(), QUICK_FIRST_FIT):
        return None
    found = first_fit_decreasing(problem, params.objective is not Objective.NODES, deadline)
    if found is None:
        return None
    used = len({n for listed in found.owners for n in listed})
    plan = LargePlan(found.owners, found.luns, utilisation(problem, found.owners), used)
    return scored(problem, params, plan)


def first_fit_seconds(problem: ClusterProblem) -> float:
    """Seconds first-fit takes on this cluster, on the machine as loaded now: each unit
    scores up to MAX_CANDIDATES lists under every failure set, per resource."""
    k, nodes = problem.failures, problem.n_nodes
    lists = min(MAX_CANDIDATES, perm(nodes, min(k + 1, nodes)))
    sets = comb(nodes, min(k, max(nodes - 1, 0)))
    items = len(problem.units) * problem.capacity.shape[0] * lists * sets
    slower = loaded_seconds_per_item() / SECONDS_PER_ITEM
    return items * FIRST_FIT_SECONDS_PER_ITEM * slower


def scored(problem: ClusterProblem, params: Params, plan: LargePlan) -> LargeOutcome | None:
    """The plan scored in the first criterion with the analytic bound; None when it
    breaks --max-moves."""
    moves = moves_of(problem, plan.owners)
    if params.max_moves is not None and moves > params.max_moves:
        return None
    objective, tolerance = params.objective, params.tolerance
    bound = cluster_bound(problem, objective)
    if objective is Objective.BALANCE:
        value = in_steps(plan.utilisation, tolerance)
        bound = in_steps(bound, tolerance)
    else:
        value = plan.nodes_used if objective is Objective.NODES else moves
    bound = min(bound, value)
    status = Status.OPTIMAL if value <= bound else Status.FEASIBLE
    return LargeOutcome(status, value, bound, plan)


def answer_seconds(problem: ClusterProblem, budget: float) -> float:
    """The end of the budget the large path leaves for building the answer."""
    return min(0.1 * budget, ANSWER_SECONDS_PER_UNIT * len(problem.units))


def without_model(
    problem: ClusterProblem, params: Params, start: float, budget: float, fits: bool
) -> tuple[LargeOutcome | None, LargePlan | None]:
    """(the answer, None) when the large path answers alone: the exact model does not
    `fits` (then first-fit stands in if the large path finds nothing), or for `nodes`
    the large path meets the bound and the model is slow to build (nodes proven, U
    left as it is); else (None, a plan to hint the model)."""
    if not fits:
        answer = solve_large(problem, params, start + budget - answer_seconds(problem, budget))
        return answer or first_fit_outcome(problem, params, start + max(budget, 0.5)), None
    if params.objective is not Objective.NODES:
        return None, None
    # no quick plan: the model's own greedy plan is the fallback on this path
    early = solve_large(problem, params, start + budget / 4, quick=False)
    if early is not None and early.status is Status.OPTIMAL and not exact_model_is_quick(problem):
        return early, None
    return None, early.plan if early is not None else None


def better_start(
    plan_model: PlanModel,
    params: Params,
    greedy: GreedyPlan | None,
    deadline: float,
    found: LargePlan | None = None,
) -> GreedyPlan | None:
    """The first-fit plan or the large path's, whichever is better on the first criterion,
    to hint CP-SAT and to fall back on (on 22 nodes, 700 VMs, N+1 first-fit names 19
    nodes, the large path the lower bound, 16: CP-SAT then proves it at once); `found`
    is the large path's plan when the caller has it already."""
    if found is None:
        found = large_plan(plan_model.problem, params.objective, deadline)
    if found is None:
        return greedy
    large = GreedyPlan(found.owners, found.luns)
    if greedy is None:
        return large
    objective, tolerance = params.objective, params.tolerance
    ours = criterion_value(plan_model, objective, large.owners, tolerance)
    return (
        large if ours < criterion_value(plan_model, objective, greedy.owners, tolerance) else greedy
    )

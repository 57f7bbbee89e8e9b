"""The exact model's path for one cluster: build the CP-SAT model, start it from the
greedy hint, search the first criterion, then the later criteria's phases.

solve.solve_cluster comes here once the shortcuts (pre-checks, the early packing, the
large-cluster path) have not settled the cluster.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import replace

from ortools.sat.python import cp_model

from data.rules import Objective
from solver.balance_start import balanced_start
from solver.build_clock import BuildOverrun
from solver.cpsat import run_cpsat
from solver.greedy import GreedyPlan, first_fit_decreasing
from solver.large import LargePlan, cluster_bound
from solver.large_result import better_start, build_deadline, without_model
from solver.model import PlanModel, build_model, criterion_value, moves_of, read_luns, read_owners
from solver.moves_cap import cap_reason
from solver.packing_plan import hint_bound, hint_share, packing_plan
from solver.params import Params, in_steps
from solver.phases import first_phase_share, later_criteria, later_phases
from solver.problem import ClusterProblem
from solver.progress import OnProgress, report_greedy, reporter
from solver.result import ClusterResult, Status
from solver.start_results import (
    cluster_result,
    greedy_result,
    large_result,
    packed_result,
    proven_hint,
)
from solver.symmetry import canonical_hint
from solver.unsat_core import infeasibility_core

Window = tuple[float, float]  # (start, budget): the cluster's clock and its seconds
# plans made before the model: the large path's, the early packing's, balance's greedy
Starts = tuple[LargePlan | None, GreedyPlan | None, GreedyPlan | None]


def exact_search(
    problem: ClusterProblem,
    params: Params,
    window: Window,
    starts: Starts,
    on_progress: OnProgress | None,
) -> ClusterResult:
    """The model, its hint (returned at once when a bound proves it), then CP-SAT."""
    start, budget = window
    packed = starts[1]
    plan_model = _built(problem, params, window)
    if plan_model is None:  # its build overran on a machine slower than calibrated
        if packed is not None:  # the early packing's plan, not the large path's leftovers
            return packed_result(problem, params, packed, window, on_progress)
        answer, _ = without_model(problem, params, start, budget, False)
        return large_result(problem, answer, start)
    first = _first_criterion(plan_model, params)  # before the hint, which must cover it
    greedy = _start(plan_model, params, window, starts)
    if greedy is not None and on_progress is not None:  # a plan to show before presolve ends
        report_greedy(plan_model, params, greedy, start, on_progress)
    bound = hint_bound(plan_model, params, greedy) if greedy is not None else None
    if greedy is not None and bound is not None:
        return proven_hint(problem, plan_model, params, greedy, bound, window, on_progress)
    plan_model.model.minimize(first)
    left = budget - (time.monotonic() - start)  # building the model counts against the limit
    if left <= 0.01:
        analytic = analytic_bound(problem, params)
        return greedy_result(problem, plan_model, params, greedy, analytic, start)
    return _search(plan_model, params, greedy, window, left, on_progress)


def _built(problem: ClusterProblem, params: Params, window: Window) -> PlanModel | None:
    """The exact model, or None when its build would end past build_deadline, counted
    over the time left when it starts: at k = 0 the early packing has used 0.9 of the
    budget by then, and a deadline over the whole budget abandoned even a tiny model."""
    objective, cap = params.objective, params.max_moves
    scores = objective is Objective.MOVES or cap is not None
    start, budget = window
    now = time.monotonic()
    deadline = build_deadline(now, start + budget - now)
    try:
        return build_model(
            problem, objective, params.disabled, scores, max_moves=cap, deadline=deadline
        )
    except BuildOverrun:
        return None


def _start(
    plan_model: PlanModel,
    params: Params,
    window: Window,
    starts: Starts,
) -> GreedyPlan | None:
    """The greedy hint (none that breaks the moves cap), then the balance start's search."""
    start, budget = window
    problem, cap = plan_model.problem, params.max_moves
    hint_until = start + budget * hint_share(problem, params)
    greedy = _hint(plan_model, params, hint_until, starts) if params.hint else None
    if greedy is not None and cap is not None and moves_of(problem, greedy.owners) > cap:
        greedy = None  # still a hint, but no fallback: it breaks the cap
    return balanced_start(plan_model, params, greedy, start + 0.6 * budget)


def _search(
    plan_model: PlanModel,
    params: Params,
    greedy: GreedyPlan | None,
    window: Window,
    left: float,
    on_progress: OnProgress | None,
) -> ClusterResult:
    """CP-SAT on the first criterion within its share of `left`, then the later phases."""
    problem, (start, budget) = plan_model.problem, window
    share = first_phase_share(problem, params)
    callback = reporter(problem, 1, on_progress)
    solver, status = run_cpsat(plan_model.model, params, left * share, callback, gap=params.gap)
    bound = rounded_bound(solver, params, problem) if status is not Status.INFEASIBLE else 0
    if status is Status.UNKNOWN:
        if greedy is not None and share < 1:  # the moves still count: improve on the greedy
            greedy = _later_on_greedy(plan_model, params, greedy, start + budget, on_progress)
        return greedy_result(problem, plan_model, params, greedy, bound, start)
    if not status.has_plan:
        why = _infeasible_why(problem, params, budget - (time.monotonic() - start))
        return ClusterResult(problem.name, status, None, 0, time.monotonic() - start, reasons=why)
    value = round(solver.objective_value)
    owners, luns = read_owners(plan_model, solver), read_luns(plan_model, solver)
    deadline = start + budget
    proven = status is Status.OPTIMAL or share < 1
    if proven and deadline - time.monotonic() > 0.05 and later_criteria(problem, params):
        report = functools.partial(reporter, problem, on_progress=on_progress)
        owners, luns = later_phases(
            problem, params, value, (owners, luns), deadline, report, begun=start
        )
    if value > bound:  # CP-SAT says OPTIMAL when it stops at the --gap limit
        status = Status.FEASIBLE
    return cluster_result(problem, status, value, bound, owners, luns, time.monotonic() - start)


def _later_on_greedy(
    plan_model: PlanModel,
    params: Params,
    greedy: GreedyPlan,
    deadline: float,
    on_progress: OnProgress | None,
) -> GreedyPlan:
    """The first search found nothing better: the later phases improve the greedy plan."""
    problem = plan_model.problem
    value = criterion_value(plan_model, params.objective, greedy.owners, params.tolerance)
    report = functools.partial(reporter, problem, on_progress=on_progress)
    start_plan = (greedy.owners, greedy.luns)
    return GreedyPlan(*later_phases(problem, params, value, start_plan, deadline, report))


def _first_criterion(plan_model: PlanModel, params: Params) -> cp_model.LinearExprT:
    if params.objective is Objective.BALANCE:
        return plan_model.rounded_utilisation(params.tolerance)
    return plan_model.criteria(params.objective)[0]


def rounded_bound(solver: cp_model.CpSolver, params: Params, problem: ClusterProblem) -> int:
    """CP-SAT's bound, rounded up to a value the first criterion can take, or the analytic
    one when it is higher (CP-SAT stopped in presolve says 0); rules switched off (tests)
    leave only CP-SAT's."""
    bound = max(
        math.ceil(solver.best_objective_bound - 1e-6), analytic_bound(problem, params, False)
    )
    if params.objective is Objective.BALANCE:
        return in_steps(bound, params.tolerance)
    return bound


def analytic_bound(problem: ClusterProblem, params: Params, rounded: bool = True) -> int:
    """The analytic bound (0 with rules switched off), `rounded` to U's steps: what a plan
    returned before CP-SAT ran can still claim."""
    bound = 0 if params.disabled else cluster_bound(problem, params.objective)
    if rounded and params.objective is Objective.BALANCE:
        return in_steps(bound, params.tolerance)
    return bound


def _infeasible_why(problem: ClusterProblem, params: Params, left: float) -> tuple[str, ...]:
    """The reason for a proven infeasibility: the moves cap when the rules alone can be
    met, otherwise the rule items of an unsat core."""
    if params.max_moves is not None:
        capped = cap_reason(problem, params, left)
        if capped is not None:
            return (capped,)
    uncapped = replace(params, max_moves=None)
    return tuple(infeasibility_core(problem, uncapped, left)) or (_PROVEN_INFEASIBLE,)


def _hint(
    plan_model: PlanModel,
    params: Params,
    deadline: float,
    starts: Starts = (None, None, None),
) -> GreedyPlan | None:
    """Start CP-SAT from the greedy plan, renamed to fit the symmetry breaking.

    The greedy's local search stops at `deadline` (a quarter of the budget): on
    16 nodes at k = 2 it needs ~6 s, and CP-SAT improves little on its plan there.
    """
    problem, objective = plan_model.problem, params.objective
    large, packed, greedy = starts  # greedy: greedy_first's, first-fit's or large's already
    if greedy is None:
        packs = objective is Objective.NODES and params.max_moves is None
        greedy = packed or (packing_plan(problem, deadline) if packs else None)
        greedy = greedy or first_fit_decreasing(problem, objective is not Objective.NODES, deadline)
        greedy = better_start(plan_model, params, greedy, deadline, large)
    if greedy is None:
        return None
    keep_current = objective is Objective.MOVES or params.max_moves is not None
    greedy = GreedyPlan(canonical_hint(problem, greedy.owners, keep_current), greedy.luns)
    plan_model.add_hint(greedy.owners, greedy.luns)
    return greedy


_PROVEN_INFEASIBLE = (
    "CP-SAT proved that the rules cannot all hold: no single bound is broken, but the "
    "combination of capacity, failover order, anti-affinity and LUN choice is"
)

"""solve(): a short wiring of the other modules, cluster by cluster."""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from ortools.sat.python import cp_model

from data.inventory import Inventory
from data.plan import Plan
from data.rules import Objective
from solver.balance_start import balanced_start
from solver.cpsat import run_cpsat, stopping_on
from solver.greedy import GreedyPlan, first_fit_decreasing
from solver.large import LargePlan, cluster_bound
from solver.large_result import (
    LargeOutcome,
    better_start,
    exact_model_fits,
    without_model,
)
from solver.model import (
    PlanModel,
    build_model,
    criterion_value,
    moves_of,
    named_nodes,
    read_luns,
    read_owners,
)
from solver.moves_cap import cap_reason
from solver.packing_plan import (
    early_packing,
    hint_bound,
    hint_share,
    packed_bound,
    packing_plan,
)
from solver.params import Params, in_steps
from solver.phases import first_phase_share, later_criteria, later_phases
from solver.prechecks import impossibility_reasons
from solver.problem import ClusterProblem
from solver.result import ClusterResult, Progress, Result, Status
from solver.size_estimate import estimate_model
from solver.symmetry import canonical_hint
from solver.unsat_core import infeasibility_core

if TYPE_CHECKING:
    from solver.fleet import FanOut

OnProgress = Callable[[Progress], None]
SECONDS_PER_LITERAL = 2e-4  # building and presolving a later phase's model, per literal


def solve(
    inventory: Inventory,
    params: Params,
    on_progress: OnProgress | None = None,
    stop: threading.Event | None = None,
    fleet: FanOut | None = None,
) -> Result:
    """Plan every cluster independently within one shared time limit.

    The clusters are fanned out as `fleet` says (solver.fleet: each job gets only its
    cluster). --max-moves caps the whole plan instead: clusters are then solved in
    order in this process, each within the moves the earlier ones left. Once `stop`
    is set the running searches end with their best plan, and the result says it was
    interrupted.
    """
    from solver.fleet import FanOut, solve_capped, solve_fleet  # it imports this module

    start = time.monotonic()
    with stopping_on(stop):
        if params.max_moves is not None:
            results = solve_capped(inventory, params, on_progress, stop)
        else:
            deadline = start + params.time_limit
            results = solve_fleet(inventory, params, fleet or FanOut(), deadline, on_progress, stop)
    result = _combine(inventory, params, results, time.monotonic() - start)
    if stop is not None and stop.is_set():
        result = replace(result, interrupted=True)
    return result


def solve_cluster(
    problem: ClusterProblem, params: Params, budget: float, on_progress: OnProgress | None = None
) -> ClusterResult:
    start = time.monotonic()
    settled = _settled_without_search(problem, params)
    if settled is not None:
        return settled
    packed = early_packing(problem, params, start, budget)
    left = budget - (time.monotonic() - start)  # what the exact model may still use
    fits = exact_model_fits(problem, params, left if packed else budget)  # sized first
    if packed is not None and (not fits or _packed_value(problem, packed) <= packed_bound(problem)):
        return _packed_result(problem, params, packed, (start, budget), on_progress)
    answer, large = without_model(problem, params, start, budget, fits)
    if answer is not None or not fits:
        return _large_result(problem, answer, start)
    objective, cap = params.objective, params.max_moves
    scores = objective is Objective.MOVES or cap is not None
    plan_model = build_model(problem, objective, params.disabled, scores, max_moves=cap)
    first = _first_criterion(plan_model, params)  # before the hint, which must cover it
    hint_until = start + budget * hint_share(problem, params)
    greedy = _hint(plan_model, params, hint_until, large, packed) if params.hint else None
    if greedy is not None and cap is not None and moves_of(problem, greedy.owners) > cap:
        greedy = None  # still a hint, but no fallback: it breaks the cap
    greedy = balanced_start(plan_model, params, greedy, start + 0.6 * budget)
    if greedy is not None and on_progress is not None:  # a plan to show before presolve ends
        _report_greedy(plan_model, params, greedy, start, on_progress)
    bound = hint_bound(plan_model, params, greedy) if greedy is not None else None
    if greedy is not None and bound is not None:
        window = (start, budget)
        return _proven_hint(problem, plan_model, params, greedy, bound, window, on_progress)
    plan_model.model.minimize(first)
    left = budget - (time.monotonic() - start)  # building the model counts against the limit
    if left <= 0.01:
        return _greedy_result(
            problem, plan_model, params, greedy, _analytic(problem, params), start
        )
    share = first_phase_share(problem, params)
    callback = _reporter(problem, 1, on_progress)
    solver, status = run_cpsat(plan_model.model, params, left * share, callback, gap=params.gap)
    bound = _rounded_bound(solver, params, problem) if status is not Status.INFEASIBLE else 0
    if status is Status.UNKNOWN:
        if greedy is not None and share < 1:  # the moves still count: improve on the greedy
            value = criterion_value(plan_model, objective, greedy.owners, params.tolerance)
            reporter = functools.partial(_reporter, problem, on_progress=on_progress)
            greedy = GreedyPlan(
                *later_phases(
                    problem, params, value, (greedy.owners, greedy.luns), start + budget, reporter
                )
            )
        return _greedy_result(problem, plan_model, params, greedy, bound, start)
    if not status.has_plan:
        why = _infeasible_why(problem, params, budget - (time.monotonic() - start))
        return ClusterResult(problem.name, status, None, 0, time.monotonic() - start, reasons=why)
    value = round(solver.objective_value)
    owners, luns = read_owners(plan_model, solver), read_luns(plan_model, solver)
    deadline = start + budget
    proven = status is Status.OPTIMAL or share < 1
    if proven and deadline - time.monotonic() > 0.05 and later_criteria(problem, params):
        reporter = functools.partial(_reporter, problem, on_progress=on_progress)
        owners, luns = later_phases(
            problem, params, value, (owners, luns), deadline, reporter, begun=start
        )
    if value > bound:  # CP-SAT says OPTIMAL when it stops at the --gap limit
        status = Status.FEASIBLE
    return _cluster_result(problem, status, value, bound, owners, luns, time.monotonic() - start)


def _settled_without_search(problem: ClusterProblem, params: Params) -> ClusterResult | None:
    """A cluster that a pre-check proves impossible, or with nothing to place, needs no
    model; None for every other cluster."""
    reasons = impossibility_reasons(problem, params.disabled)
    if reasons:
        return ClusterResult(problem.name, Status.INFEASIBLE, None, 0, 0.0, reasons=tuple(reasons))
    if not problem.units:
        return ClusterResult(problem.name, Status.OPTIMAL, 0, 0, 0.0)
    return None


def _large_result(
    problem: ClusterProblem, outcome: LargeOutcome | None, start: float
) -> ClusterResult:
    """The large-cluster path's plan (solver/large.py): no model, so no CP-SAT bound."""
    if outcome is None:
        return ClusterResult(problem.name, Status.UNKNOWN, None, 0, time.monotonic() - start)
    owners, luns = outcome.plan.owners, outcome.plan.luns
    seconds = time.monotonic() - start
    return _cluster_result(
        problem, outcome.status, outcome.value, outcome.bound, owners, luns, seconds
    )


def _report_greedy(
    plan_model: PlanModel,
    params: Params,
    greedy: GreedyPlan,
    start: float,
    on_progress: OnProgress,
) -> None:
    """Show the greedy plan's score at once: presolving a large model takes seconds."""
    value = criterion_value(plan_model, params.objective, greedy.owners, params.tolerance)
    on_progress(Progress(plan_model.problem.name, 1, value, 0.0, time.monotonic() - start))


def _first_criterion(plan_model: PlanModel, params: Params) -> cp_model.LinearExprT:
    if params.objective is Objective.BALANCE:
        return plan_model.rounded_utilisation(params.tolerance)
    return plan_model.criteria(params.objective)[0]


def _rounded_bound(solver: cp_model.CpSolver, params: Params, problem: ClusterProblem) -> int:
    """CP-SAT's bound, rounded up to a value the first criterion can take, or the analytic
    one when it is higher (CP-SAT stopped in presolve says 0); rules switched off (tests)
    leave only CP-SAT's."""
    bound = max(math.ceil(solver.best_objective_bound - 1e-6), _analytic(problem, params, False))
    if params.objective is Objective.BALANCE:
        return in_steps(bound, params.tolerance)
    return bound


def _analytic(problem: ClusterProblem, params: Params, rounded: bool = True) -> int:
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
    large: LargePlan | None = None,
    packed: GreedyPlan | None = None,
) -> GreedyPlan | None:
    """Start CP-SAT from the greedy plan, renamed to fit the symmetry breaking.

    The greedy's local search stops at `deadline` (a quarter of the budget): on
    16 nodes at k = 2 it needs ~6 s, and CP-SAT improves little on its plan there.
    """
    problem, objective = plan_model.problem, params.objective
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


def _proven_hint(
    problem: ClusterProblem,
    plan_model: PlanModel,
    params: Params,
    greedy: GreedyPlan,
    bound: int,
    window: tuple[float, float],
    on_progress: OnProgress | None,
) -> ClusterResult:
    """The hint, proven optimal (or within --gap) by the bound; the later criteria
    improve it as usual, unless building and presolving their model would likely
    overrun the time limit (measured: ~2e-4 s per owner literal on a loaded 2-core
    machine; 35k took 7 s)."""
    start, budget = window
    value = criterion_value(plan_model, params.objective, greedy.owners, params.tolerance)
    owners, luns = greedy.owners, greedy.luns
    left = start + budget - time.monotonic()
    literals = sum(len(listed) for listed in plan_model.owners.prefix)
    if 2 * SECONDS_PER_LITERAL * literals < left and later_criteria(problem, params):
        reporter = functools.partial(_reporter, problem, on_progress=on_progress)
        owners, luns = later_phases(
            problem, params, value, (owners, luns), start + budget, reporter, begun=start
        )
    seconds = time.monotonic() - start
    status = Status.OPTIMAL if value <= bound else Status.FEASIBLE
    return _cluster_result(problem, status, value, min(value, bound), owners, luns, seconds)


def _packed_value(problem: ClusterProblem, packed: GreedyPlan) -> int:
    return len(named_nodes(problem, packed.owners))


def _packed_result(
    problem: ClusterProblem,
    params: Params,
    packed: GreedyPlan,
    window: tuple[float, float],
    on_progress: OnProgress | None,
) -> ClusterResult:
    """A vector packing's plan without the exact model (solver/packing_plan.py: it meets
    the bound, or the model is too large); the later criteria as in _proven_hint."""
    start, budget = window
    value, bound = _packed_value(problem, packed), packed_bound(problem)
    owners = canonical_hint(problem, packed.owners, False)
    luns = packed.luns
    left = start + budget - time.monotonic()
    quick = 2 * SECONDS_PER_LITERAL * estimate_model(problem).items < left
    if value <= bound and quick and later_criteria(problem, params):
        reporter = functools.partial(_reporter, problem, on_progress=on_progress)
        deadline = start + budget
        owners, luns = later_phases(problem, params, value, (owners, luns), deadline, reporter)
    status = Status.OPTIMAL if value <= bound else Status.FEASIBLE
    seconds = time.monotonic() - start
    return _cluster_result(problem, status, value, min(value, bound), owners, luns, seconds)


def _greedy_result(
    problem: ClusterProblem,
    plan_model: PlanModel,
    params: Params,
    greedy: GreedyPlan | None,
    bound: int,
    start: float,
) -> ClusterResult:
    """Time ran out before CP-SAT confirmed a plan: fall back on the greedy one.

    The greedy plan obeys every rule (and `plan` certifies it with the checker
    like any other), so it is returned as feasible, scored, with CP-SAT's bound.
    """
    seconds = time.monotonic() - start
    if greedy is None:
        return ClusterResult(problem.name, Status.UNKNOWN, None, 0, seconds)
    value = criterion_value(plan_model, params.objective, greedy.owners, params.tolerance)
    return _cluster_result(
        problem, Status.FEASIBLE, value, min(value, bound), greedy.owners, greedy.luns, seconds
    )


_PROVEN_INFEASIBLE = (
    "CP-SAT proved that the rules cannot all hold: no single bound is broken, but the "
    "combination of capacity, failover order, anti-affinity and LUN choice is"
)


class _Callback(cp_model.CpSolverSolutionCallback):
    """Reports each better plan, and each better bound between plans."""

    def __init__(self, report: Callable[[float, float, float], None]) -> None:
        super().__init__()
        self.report = report
        self.objective = math.nan
        self.start = time.monotonic()

    def on_solution_callback(self) -> None:
        self.objective = self.objective_value
        self.report(self.objective, self.best_objective_bound, self.wall_time)

    def on_bound(self, bound: float) -> None:
        self.report(self.objective, bound, time.monotonic() - self.start)


def _reporter(
    problem: ClusterProblem, phase: int, on_progress: OnProgress | None = None
) -> _Callback | None:
    if on_progress is None:
        return None
    return _Callback(lambda o, b, s: on_progress(Progress(problem.name, phase, o, b, s)))


def _cluster_result(
    problem: ClusterProblem,
    status: Status,
    value: int,
    bound: int,
    owners: list[tuple[int, ...]],
    luns: dict[int, int],
    seconds: float,
) -> ClusterResult:
    """Unit answers -> per-VM LUN and owners in global indices."""
    answers = problem.per_vm(owners, luns)
    vm_owners = {v: listed for v, (_, listed) in answers.items()}
    vm_luns = {v: lun for v, (lun, _) in answers.items()}
    return ClusterResult(problem.name, status, value, bound, seconds, vm_owners, vm_luns)


def _combine(
    inventory: Inventory, params: Params, results: list[ClusterResult], seconds: float
) -> Result:
    objective = params.objective.value
    failed = [r for r in results if not r.status.has_plan]
    if failed:
        status = (
            Status.INFEASIBLE
            if any(r.status is Status.INFEASIBLE for r in failed)
            else Status.UNKNOWN
        )
        return Result(status, objective, None, 0, seconds, tuple(results), None)
    value = params.objective.combine(r.objective_value or 0 for r in results)
    bound = params.objective.combine(r.bound for r in results)
    status = Status.OPTIMAL if value <= bound else Status.FEASIBLE
    return Result(
        status,
        objective,
        value,
        bound,
        seconds,
        tuple(results),
        _plan(inventory, results, params.failures),
    )


def _plan(inventory: Inventory, results: list[ClusterResult], failures: int) -> Plan:
    vm_lun = np.full(inventory.n_vms, -1, dtype=np.int64)
    owners = np.full((inventory.n_vms, failures + 1), -1, dtype=np.int64)
    for result in results:
        for v, listed in result.owners.items():
            owners[v, : len(listed)] = listed
            vm_lun[v] = result.luns[v]
    return Plan(vm_lun, owners)

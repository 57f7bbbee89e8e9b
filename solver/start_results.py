"""A cluster's result from a plan CP-SAT did not search for: the vector packing, the
large-cluster path, or the greedy hint (proven by a bound, or kept when time ran out).

Each still gets the later criteria's phases when they fit the time left, and every
plan is certified by `plan` with the checker like any other.
"""

from __future__ import annotations

import functools
import time

from solver.greedy import GreedyPlan
from solver.large_result import LargeOutcome
from solver.model import PlanModel, criterion_value, named_nodes
from solver.packing_plan import packed_bound
from solver.params import Params
from solver.phases import later_criteria, later_phases
from solver.prechecks import impossibility_reasons
from solver.problem import ClusterProblem
from solver.progress import OnProgress, reporter
from solver.result import ClusterResult, Status
from solver.size_estimate import estimate_model
from solver.symmetry import canonical_hint

SECONDS_PER_LITERAL = 2e-4  # building and presolving a later phase's model, per literal


def settled_without_search(problem: ClusterProblem, params: Params) -> ClusterResult | None:
    """A cluster that a pre-check proves impossible, or with nothing to place, needs no
    model; None for every other cluster."""
    reasons = impossibility_reasons(problem, params.disabled)
    if reasons:
        return ClusterResult(problem.name, Status.INFEASIBLE, None, 0, 0.0, reasons=tuple(reasons))
    if not problem.units:
        return ClusterResult(problem.name, Status.OPTIMAL, 0, 0, 0.0)
    return None


def large_result(
    problem: ClusterProblem, outcome: LargeOutcome | None, start: float
) -> ClusterResult:
    """The large-cluster path's plan (solver/large.py): no model, so no CP-SAT bound."""
    if outcome is None:
        return ClusterResult(problem.name, Status.UNKNOWN, None, 0, time.monotonic() - start)
    owners, luns = outcome.plan.owners, outcome.plan.luns
    seconds = time.monotonic() - start
    return cluster_result(
        problem, outcome.status, outcome.value, outcome.bound, owners, luns, seconds
    )


def proven_hint(
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
        report = functools.partial(reporter, problem, on_progress=on_progress)
        owners, luns = later_phases(
            problem, params, value, (owners, luns), start + budget, report, begun=start
        )
    seconds = time.monotonic() - start
    status = Status.OPTIMAL if value <= bound else Status.FEASIBLE
    return cluster_result(problem, status, value, min(value, bound), owners, luns, seconds)


def packed_value(problem: ClusterProblem, packed: GreedyPlan) -> int:
    return len(named_nodes(problem, packed.owners))


def packed_result(
    problem: ClusterProblem,
    params: Params,
    packed: GreedyPlan,
    window: tuple[float, float],
    on_progress: OnProgress | None,
) -> ClusterResult:
    """A vector packing's plan without the exact model (solver/packing_plan.py: it meets
    the bound, or the model is too large); the later criteria as in proven_hint."""
    start, budget = window
    value, bound = packed_value(problem, packed), packed_bound(problem)
    owners = canonical_hint(problem, packed.owners, False)
    luns = packed.luns
    left = start + budget - time.monotonic()
    quick = 2 * SECONDS_PER_LITERAL * estimate_model(problem).items < left
    if value <= bound and quick and later_criteria(problem, params):
        report = functools.partial(reporter, problem, on_progress=on_progress)
        deadline = start + budget
        owners, luns = later_phases(problem, params, value, (owners, luns), deadline, report)
    status = Status.OPTIMAL if value <= bound else Status.FEASIBLE
    seconds = time.monotonic() - start
    return cluster_result(problem, status, value, min(value, bound), owners, luns, seconds)


def greedy_result(
    problem: ClusterProblem,
    plan_model: PlanModel,
    params: Params,
    greedy: GreedyPlan | None,
    bound: int,
    start: float,
) -> ClusterResult:
    """Time ran out before CP-SAT confirmed a plan: fall back on the greedy one.

    The greedy plan obeys every rule, so it is returned as feasible, scored, with
    CP-SAT's bound.
    """
    seconds = time.monotonic() - start
    if greedy is None:
        return ClusterResult(problem.name, Status.UNKNOWN, None, 0, seconds)
    value = criterion_value(plan_model, params.objective, greedy.owners, params.tolerance)
    return cluster_result(
        problem, Status.FEASIBLE, value, min(value, bound), greedy.owners, greedy.luns, seconds
    )


def cluster_result(
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

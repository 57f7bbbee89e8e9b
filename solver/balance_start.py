"""A plan at the balance bound, built failure-first: pack the worst failure, then owners.

Under `balance` at N+1 the analytic bound (solver/bounds.py) is usually the optimum,
but the greedy plan and CP-SAT's search on the whole model stop a tolerance step
above it (measured: 8 of 18 clusters of <= 16 nodes, benchmarks/balance_proof.py).
A plan at the bound must fill the survivors of the largest node's failure almost
exactly, which is a bin packing, so that failure is built first:
1. pack every unit on the survivors of node b, the largest, with memory at u permille
   of each node (u = the rounded bound), CPU and extra resources at their limits,
   eligibility and anti-affinity kept: a local search (solver/balance_lns.py) from
   the greedy plan's positions under b's failure, then CP-SAT on the packing;
2. allow a unit packed on q only the owners (q, any) or (b, q): under b's failure
   every node then runs its packing. First the plan with one survivor on standby
   (solver/balance_standby.py, checked by the model with every owner fixed), else
   the whole model, with every other first or second owner fixed off and U <= u,
   a far smaller search.
Step 1 states the rules of one failure set only, a relaxation: when CP-SAT proves it
infeasible no plan has U <= u, and the model is told so (U > u), for its bound.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.sat.python import cp_model

from data.rules import PERMILLE, Objective
from solver.anti_affinity import class_members
from solver.balance_lns import repair_packing
from solver.balance_search import Packing
from solver.balance_standby import standby_plan
from solver.bounds import lower_bound
from solver.cpsat import run_cpsat
from solver.greedy import GreedyPlan
from solver.model import PlanModel, criterion_value, read_luns, read_owners
from solver.params import Params, in_steps
from solver.problem import MEMORY_ROW, ClusterProblem
from solver.result import Status
from solver.symmetry import interchangeable_groups, interchangeable_units

PACK_SHARE = 0.75  # of the time given, for step 1; step 2 takes 1-4 s once packed
LOCAL_SHARE = 0.6  # of step 1's, for the local search before CP-SAT's packing


def balanced_start(
    plan_model: PlanModel, params: Params, greedy: GreedyPlan | None, deadline: float
) -> GreedyPlan | None:
    """A plan at the rounded bound when steps 1 and 2 find one before `deadline`,
    else `greedy` unchanged (N+1 `balance` only, every rule on, no moves cap)."""
    problem = plan_model.problem
    target = _target(plan_model, params, greedy)
    if greedy is None or target is None:
        return greedy
    failed = int(np.argmax(problem.capacity[MEMORY_ROW]))
    packing = _packing(plan_model, params, greedy, failed, target, deadline)
    if packing is None:
        return greedy
    standby = standby_plan(plan_model, params, greedy, failed, packing, target, deadline)
    if standby is not None:
        return standby
    failed, packing = canonical_packing(problem, failed, packing)
    found = _restricted_plan(plan_model, params, packing, failed, target, deadline)
    return found or greedy


def _packing(
    plan_model: PlanModel,
    params: Params,
    greedy: GreedyPlan,
    failed: int,
    target: int,
    deadline: float,
) -> Packing | None:
    """Step 1: the local search from the greedy plan's positions under the failure, then
    CP-SAT from the nearest packing it saw (it may also prove the target impossible:
    the model is then told U > target)."""
    problem = plan_model.problem
    seconds = PACK_SHARE * (deadline - time.monotonic())
    hint = {u: _host_without(listed, failed) for u, listed in enumerate(greedy.owners)}
    local_until = time.monotonic() + LOCAL_SHARE * seconds
    packing, nearest = repair_packing(problem, failed, target, hint, params, local_until)
    if packing is not None:
        return packing
    seconds = PACK_SHARE * (deadline - time.monotonic())
    status, packing = pack_survivors(problem, failed, target, nearest, params, seconds)
    if status is Status.INFEASIBLE:
        plan_model.model.add(plan_model.utilisation >= target + 1)
    return packing


def _target(plan_model: PlanModel, params: Params, greedy: GreedyPlan | None) -> int | None:
    """The rounded analytic bound, when the greedy plan misses it and the case is ours."""
    problem = plan_model.problem
    ours = params.objective is Objective.BALANCE and problem.failures == 1
    if greedy is None or not ours or params.disabled or params.max_moves is not None:
        return None
    if problem.n_nodes < 3:
        return None
    tolerance = params.tolerance
    bound = in_steps(lower_bound(problem, Objective.BALANCE), tolerance)
    value = criterion_value(plan_model, Objective.BALANCE, greedy.owners, tolerance)
    within_gap = value - bound <= params.gap * max(value, 1)  # hint_bound takes it as it is
    return bound if value > bound and not within_gap else None


def _host_without(listed: tuple[int, ...], failed: int) -> int:
    return next((n for n in listed if n != failed), -1)


def pack_survivors(
    problem: ClusterProblem,
    failed: int,
    target: int,
    hint: Packing,
    params: Params,
    seconds: float,
) -> tuple[Status, Packing | None]:
    """Step 1: every unit with VMs on a node other than `failed`, within memory at
    `target` permille, CPU and extra resources, eligibility and anti-affinity.

    Memory may overflow at a cost, minimised: CP-SAT's neighbourhood search repairs
    the greedy plan's packing far sooner (measured 3-15 s against 2-26 s) than it
    finds a packing with no overflow allowed. A least overflow above zero proves
    the packing impossible (status INFEASIBLE)."""
    if seconds <= 0.05:
        return Status.UNKNOWN, None
    model = cp_model.CpModel()
    on = _placement(model, problem, failed, hint)
    overflow = _limit_loads(model, problem, on, failed, target)
    _keep_apart(model, problem, on, failed)
    model.minimize(overflow)
    solver, status = run_cpsat(model, params, seconds, gap=params.gap)
    if solver.best_objective_bound > 0.5 or status is Status.INFEASIBLE:
        return Status.INFEASIBLE, None
    if not status.has_plan or solver.objective_value > 0.5:
        return Status.UNKNOWN, None
    return status, {u: n for (u, n), literal in on.items() if solver.boolean_value(literal)}


def _placement(
    model: cp_model.CpModel, problem: ClusterProblem, failed: int, hint: Packing
) -> dict[tuple[int, int], cp_model.IntVar]:
    """on[u, n]: unit u runs on n while `failed` is down; exactly one survivor each."""
    on = {}
    for u, unit in enumerate(problem.units):
        if not unit.members:
            continue
        hosts = [n for n in unit.eligible if n != failed]
        for n in hosts:
            on[u, n] = model.new_bool_var(f"on[{u},{problem.node_name(n)}]")
            model.add_hint(on[u, n], hint.get(u) == n)
        model.add_exactly_one(on[u, n] for n in hosts)
    return on


def _limit_loads(
    model: cp_model.CpModel,
    problem: ClusterProblem,
    on: dict[tuple[int, int], cp_model.IntVar],
    failed: int,
    target: int,
) -> cp_model.LinearExprT:
    """Memory within `target` permille (as U <= target says) plus an overflow, the
    rest within limits; the overflows' sum."""
    overflows = []
    for n in range(problem.n_nodes):
        if n == failed:
            continue
        for row in range(len(problem.resource_labels)):
            cap = int(problem.capacity[row, n])
            limit = cap * target // PERMILLE if row == MEMORY_ROW else cap
            terms = [
                (literal, int(problem.weight[u, row]))
                for (u, m), literal in on.items()
                if m == n and problem.weight[u, row]
            ]
            if terms:
                literals, weights = zip(*terms, strict=True)
                total = cp_model.LinearExpr.weighted_sum(literals, weights)
                if row == MEMORY_ROW:
                    overflows.append(model.new_int_var(0, sum(weights), f"overflow[{n}]"))
                    total -= overflows[-1]
                model.add(total <= limit)
    return sum(overflows)


def _keep_apart(
    model: cp_model.CpModel,
    problem: ClusterProblem,
    on: dict[tuple[int, int], cp_model.IntVar],
    failed: int,
) -> None:
    """Anti-affinity with one node failed: a class of at most E - 1 VMs, one per node."""
    survivors = problem.n_nodes - 1
    for members in class_members(problem).values():
        if sum(members.values()) > survivors:
            continue  # Windows exempts the class (solver/anti_affinity.py)
        for n in range(problem.n_nodes):
            terms = [(on[u, n], count) for u, count in members.items() if (u, n) in on]
            if n != failed and len(terms) > 1:
                literals, counts = zip(*terms, strict=True)
                model.add(cp_model.LinearExpr.weighted_sum(literals, counts) <= 1)


def canonical_packing(
    problem: ClusterProblem, failed: int, packing: Packing
) -> tuple[int, Packing]:
    """The packing renamed to fit the model's symmetry breaking (solver/symmetry.py).

    Step 2 keeps those constraints: interchangeable nodes carry non-increasing
    no-failure loads, identical units take ordered owners lists. So nodes of a group
    are renamed by packed load, largest first (the failed node first of all: it holds
    the primaries moved off the others), and identical units take their hosts sorted.
    """
    load = np.zeros(problem.n_nodes, dtype=np.int64)
    for u, n in packing.items():
        load[n] += problem.weight[u, MEMORY_ROW]
    load[failed] = load.max(initial=0) + 1
    mapping = list(range(problem.n_nodes))
    for group in interchangeable_groups(problem, keep_current=False):
        ranked = sorted(group, key=lambda n: (-int(load[n]), n))
        for target, source in zip(group, ranked, strict=True):
            mapping[source] = target
    renamed = {u: mapping[n] for u, n in packing.items()}
    for group in interchangeable_units(problem, keep_current=False):
        hosts = sorted(renamed[u] for u in group if u in renamed)
        renamed.update(zip([u for u in group if u in renamed], hosts, strict=True))
    return mapping[failed], renamed


def _restricted_plan(
    plan_model: PlanModel,
    params: Params,
    packing: Packing,
    failed: int,
    target: int,
    deadline: float,
) -> GreedyPlan | None:
    """Step 2: the whole model, each unit packed on q owned by (q, any) or (failed, q),
    and U <= target; None when CP-SAT finds no such plan in time."""
    model = plan_model.model.clone()
    model.clear_hints()
    model.clear_objective()
    for u, host in packing.items():
        for (prefix, n), literal in plan_model.owners.prefix[u].items():
            first = prefix == () and n not in (host, failed)
            second = prefix == (failed,) and n != host
            if first or second:
                model.add(model.get_bool_var_from_proto_index(literal.index) == 0)
    utilisation = model.get_int_var_from_proto_index(plan_model.utilisation.index)
    model.add(utilisation <= target)
    solver, status = run_cpsat(model, params, deadline - time.monotonic(), gap=params.gap)
    if not status.has_plan:
        return None
    return GreedyPlan(read_owners(plan_model, solver), read_luns(plan_model, solver))

"""The naive monolithic CP-SAT model: the baseline that shows what solver/model.py buys.

It states MODEL.md's rules the way a first attempt would:
- one CpModel for the whole inventory, every cluster at once;
- positional owners: own[g, n, j] is true when node n is owner number j of group g;
- runs_under[g, n, F] for every failure set F of 0..k nodes (all sizes, not only the
  largest ones that imply the rest), linearised by plain AND (product) reification:
  all_failed[g, j, F] says owners 0..j-1 of g are all in F, and
  runs_under[g, n, F] = sum over j of own[g, n, j] AND all_failed[g, j, F];
- memory (through the utilisation U), CPU and extra resources per node and per F;
  anti-affinity per failure set, for every class with no more VMs than survivors;
- no symmetry breaking, no hints, no decomposition, first criterion only.
The data (units, weights, capacities, eligibility) comes from ClusterProblem, as
for the real solver; the formulation shares nothing with it. VMs whose LUN the
planner chooses are not supported.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from data.inventory import Inventory
from data.plan import Plan
from data.rules import PERMILLE, Objective
from solver.cpsat import run_cpsat
from solver.params import Params
from solver.problem import MEMORY_ROW, ClusterProblem, cluster_problem
from solver.result import ClusterResult, Result, Status

Own = dict[tuple[int, int], cp_model.IntVar]  # (local node n, position j) -> literal


@dataclass
class _NaiveCluster:
    problem: ClusterProblem
    own: list[Own]  # per unit
    criterion: cp_model.LinearExprT  # this cluster's part of the first criterion


def solve_naive(inventory: Inventory, params: Params) -> Result:
    """Build the naive model of the whole inventory, solve it once, return our Result."""
    start = time.monotonic()
    problems = [
        cluster_problem(inventory, c, params.failures) for c in range(len(inventory.clusters))
    ]
    for problem in problems:
        _require_fixed_luns(problem)
    model = cp_model.CpModel()
    model.name = "hvplace-naive"
    clusters = [_build_cluster(model, p, params.objective) for p in problems]
    total = _objective(model, clusters, params.objective)
    model.minimize(total)
    left = params.time_limit - (time.monotonic() - start)  # building counts, as in solve.py
    if left <= 0:
        return _result(inventory, params, clusters, None, Status.UNKNOWN, time.monotonic() - start)
    solver, status = run_cpsat(model, params, left)
    return _result(inventory, params, clusters, solver, status, time.monotonic() - start)


def _require_fixed_luns(problem: ClusterProblem) -> None:
    free = [problem.inventory.vm_names[u.members[0]] for u in problem.units if u.free]
    if free:
        raise NotImplementedError(
            f"the naive model needs every VM on a fixed LUN; cluster {problem.name!r} has "
            f"{len(free)} VM(s) whose LUN the planner chooses (first: {free[0]!r})"
        )


def _build_cluster(
    model: cp_model.CpModel, problem: ClusterProblem, objective: Objective
) -> _NaiveCluster:
    own = _add_positions(model, problem)
    utilisation = model.new_int_var(0, PERMILLE, f"U[{problem.name}]")
    for failed in _all_failure_sets(problem):
        runs = _add_runs_under(model, problem, own, failed)
        _add_capacity(model, problem, runs, failed, utilisation)
        _add_anti_affinity(model, problem, runs, failed)
    if objective is Objective.NODES:
        criterion = _nodes_used(model, problem, own)
    elif objective is Objective.MOVES:
        criterion = _moves(problem, own)
    else:
        criterion = utilisation
    return _NaiveCluster(problem, own, criterion)


def _add_positions(model: cp_model.CpModel, problem: ClusterProblem) -> list[Own]:
    """Every group has one eligible node at each of its k+1 positions, all distinct."""
    k, out = problem.failures, []
    for u, unit in enumerate(problem.units):
        own = {
            (n, j): model.new_bool_var(f"own[g{u}|{problem.node_name(n)}|{j}]")
            for n in unit.eligible
            for j in range(k + 1)
        }
        for j in range(k + 1):
            model.add_exactly_one(own[n, j] for n in unit.eligible)
        for n in unit.eligible:
            model.add_at_most_one(own[n, j] for j in range(k + 1))
        out.append(own)
    return out


def _all_failure_sets(problem: ClusterProblem) -> list[tuple[int, ...]]:
    """Every set of 0..min(k, E-1) failed nodes of the cluster, the empty set first."""
    largest = min(problem.failures, max(problem.n_nodes - 1, 0))
    nodes = range(problem.n_nodes)
    return [f for size in range(largest + 1) for f in itertools.combinations(nodes, size)]


def _and(
    model: cp_model.CpModel, a: cp_model.IntVar, b: cp_model.IntVar | int, name: str
) -> cp_model.IntVar:
    """A new literal equal to a AND b (the product a*b, linearised)."""
    both = model.new_bool_var(name)
    model.add(both <= a)
    model.add(both <= b)
    model.add(both >= a + b - 1)
    return both


def _add_runs_under(
    model: cp_model.CpModel, problem: ClusterProblem, own: list[Own], failed: tuple[int, ...]
) -> dict[tuple[int, int], cp_model.IntVar]:
    """runs_under[g, n] for this F: n survives and is g's first owner not in F."""
    runs: dict[tuple[int, int], cp_model.IntVar] = {}
    tag = ",".join(problem.node_name(f) for f in failed)
    for u, unit in enumerate(problem.units):
        if not failed:
            runs.update({(u, n): own[u][n, 0] for n in unit.eligible})
            continue
        all_failed, prefix = [], None  # all_failed[j - 1]: owners 0..j-1 all in F
        for j in range(1, min(problem.failures, len(failed)) + 1):
            in_f = sum(own[u][m, j - 1] for m in failed if (m, j - 1) in own[u])
            if prefix is None:
                prefix = model.new_bool_var(f"all_failed[g{u}|1|{tag}]")
                model.add(prefix == in_f)
            else:
                prefix = _and(model, prefix, in_f, f"all_failed[g{u}|{j}|{tag}]")
            all_failed.append(prefix)
        for n in unit.eligible:
            if n in failed:
                continue
            name = f"runs_under[g{u}|{problem.node_name(n)}|{tag}]"
            terms = [
                _and(model, own[u][n, j], all_failed[j - 1], f"{name}#{j}")
                for j in range(1, len(all_failed) + 1)
            ]
            runs[u, n] = model.new_bool_var(name)
            model.add(runs[u, n] == own[u][n, 0] + sum(terms))
    return runs


def _add_capacity(
    model: cp_model.CpModel,
    problem: ClusterProblem,
    runs: dict[tuple[int, int], cp_model.IntVar],
    failed: tuple[int, ...],
    utilisation: cp_model.IntVar,
) -> None:
    """Each surviving node holds what it runs under F: 1000 * memory <= U * capacity,
    and CPU and every extra resource within the node's limit."""
    for n in range(problem.n_nodes):
        if n in failed:
            continue
        for row in range(problem.capacity.shape[0]):
            terms = [
                (runs[u, n], int(problem.weight[u, row]))
                for u in range(len(problem.units))
                if (u, n) in runs
            ]
            terms = [(lit, w) for lit, w in terms if w]
            if not terms:
                continue
            load = cp_model.LinearExpr.weighted_sum([t[0] for t in terms], [t[1] for t in terms])
            cap = int(problem.capacity[row, n])
            if row == MEMORY_ROW:
                model.add(PERMILLE * load <= cap * utilisation)
            else:
                model.add(load <= cap)


def _add_anti_affinity(
    model: cp_model.CpModel,
    problem: ClusterProblem,
    runs: dict[tuple[int, int], cp_model.IntVar],
    failed: tuple[int, ...],
) -> None:
    """Under F, at most one member of a class of at most E - |F| VMs runs on each node."""
    classes = problem.inventory.vm_classes
    for c in range(classes.shape[1]):
        counts = [int(classes[list(unit.members), c].sum()) for unit in problem.units]
        if sum(counts) > problem.n_nodes - len(failed):
            continue
        for n in range(problem.n_nodes):
            terms = [(counts[u], runs[u, n]) for u in range(len(counts)) if (u, n) in runs]
            terms = [(count, lit) for count, lit in terms if count]
            if sum(count for count, _ in terms) > 1:
                model.add(sum(count * lit for count, lit in terms) <= 1)


def _nodes_used(
    model: cp_model.CpModel, problem: ClusterProblem, own: list[Own]
) -> cp_model.LinearExprT:
    """A node counts as used when it holds any position of a group with VMs."""
    used = [model.new_bool_var(f"used[{problem.node_name(n)}]") for n in range(problem.n_nodes)]
    for u, unit in enumerate(problem.units):
        if unit.members:
            for (n, _), literal in own[u].items():
                model.add_implication(literal, used[n])
    return sum(used)


def _moves(problem: ClusterProblem, own: list[Own]) -> cp_model.LinearExprT:
    """VMs with a current node that is not their first owner."""
    local = problem.local_node
    known, stays = 0, []
    for u, unit in enumerate(problem.units):
        for v in unit.members:
            current = int(problem.inventory.vm_node[v])
            if current >= 0:
                known += 1
                if (local[current], 0) in own[u]:
                    stays.append(own[u][local[current], 0])
    return known - sum(stays)


def _objective(
    model: cp_model.CpModel, clusters: list[_NaiveCluster], objective: Objective
) -> cp_model.LinearExprT:
    """Balance: the largest cluster U; nodes and moves: the sum over clusters."""
    if objective is not Objective.BALANCE:
        return sum(c.criterion for c in clusters)
    worst = model.new_int_var(0, PERMILLE, "U")
    for c in clusters:
        model.add(worst >= c.criterion)
    return worst


def _result(
    inventory: Inventory,
    params: Params,
    clusters: list[_NaiveCluster],
    solver: cp_model.CpSolver | None,
    status: Status,
    seconds: float,
) -> Result:
    objective = params.objective.value
    if solver is None or not status.has_plan:
        why = ("CP-SAT proved the naive model of the whole inventory infeasible",)
        reasons = why if status is Status.INFEASIBLE else ()
        per = tuple(
            ClusterResult(
                c.problem.name, status, None, 0, seconds, reasons=reasons if i == 0 else ()
            )
            for i, c in enumerate(clusters)
        )
        return Result(status, objective, None, 0, seconds, per, None)
    vm_lun = np.array(inventory.vm_lun, dtype=np.int64)
    owners = np.full((inventory.n_vms, params.failures + 1), -1, dtype=np.int64)
    per_cluster = []
    for c in clusters:
        vm_owners = _read_owners(c, solver)
        for v, listed in vm_owners.items():
            owners[v] = listed
        luns = {v: int(inventory.vm_lun[v]) for v in vm_owners}
        value = int(solver.value(c.criterion))
        per_cluster.append(
            ClusterResult(c.problem.name, status, value, 0, seconds, vm_owners, luns)
        )
    value = round(solver.objective_value)
    bound = math.ceil(solver.best_objective_bound - 1e-6)
    return Result(
        status, objective, value, bound, seconds, tuple(per_cluster), Plan(vm_lun, owners)
    )


def _read_owners(cluster: _NaiveCluster, solver: cp_model.CpSolver) -> dict[int, tuple[int, ...]]:
    """Per VM, its group's owners list in position order (global node indices)."""
    problem, out = cluster.problem, {}
    for u, unit in enumerate(problem.units):
        by_position = {j: n for (n, j), lit in cluster.own[u].items() if solver.boolean_value(lit)}
        listed = tuple(int(problem.nodes[by_position[j]]) for j in sorted(by_position))
        for v in unit.members:
            out[v] = listed
    return out

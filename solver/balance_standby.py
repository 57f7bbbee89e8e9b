"""Step 2 of the failure-first balance start without a search: one survivor on standby.

Given a packing of every unit on the survivors of node b at the target U
(solver/balance_start.py, step 1), a plan at that U follows directly when one
survivor s can stand by for all: the units packed on s run on b (owners (b, s)),
every other unit runs where it is packed with s as its backup (owners (n, s)).
Then b's failure gives the packing exactly, s's failure moves nothing, and any
other node n's failure moves its packed units onto the idle s, within the target
when s is at least as large as n (s: the largest survivor). Units s may not run
take b as their backup instead. CP-SAT searched 8-27 s for such plans on 16 nodes
and missed some; here the model only checks the plan, every owner fixed (its
capacity, anti-affinity and LUN rules are the judge), in well under a second.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.sat.python import cp_model

from data.rules import PERMILLE
from solver.balance_search import Packing
from solver.cpsat import run_cpsat
from solver.greedy import GreedyPlan
from solver.model import PlanModel
from solver.owners import prefix_hint
from solver.params import Params
from solver.problem import MEMORY_ROW, ClusterProblem
from solver.symmetry import canonical_hint

SPLIT_SECONDS = 1.0  # at most, per node whose backups first fit cannot place


def standby_plan(
    plan_model: PlanModel,
    params: Params,
    greedy: GreedyPlan,
    failed: int,
    packing: Packing,
    target: int,
    deadline: float,
) -> GreedyPlan | None:
    """The first standby plan of `packing` the model accepts with U <= target, trying
    the largest survivor and the largest of those the most units may run on; else None
    (a rule it breaks, or no time)."""
    problem = plan_model.problem
    for standby in dict.fromkeys(_standbys(problem, failed)):
        owners = standby_owners(problem, failed, standby, packing, target, greedy.owners, params)
        if owners is None or time.monotonic() >= deadline:
            continue
        owners = canonical_hint(problem, owners, keep_current=False)  # as build_model breaks it
        plan = _accepted(plan_model, params, GreedyPlan(owners, greedy.luns), target, deadline)
        if plan is not None:
            return plan
    return None


def standby_owners(
    problem: ClusterProblem,
    failed: int,
    standby: int,
    packing: Packing,
    target: int,
    others: list[tuple[int, ...]],
    params: Params,
) -> list[tuple[int, ...]] | None:
    """Owners lists with `standby` idle (units without VMs keep `others`' lists); None
    when some node's units fit neither on the standby nor in b's room."""
    owners = list(others)
    on: dict[int, list[int]] = {}
    for u, host in packing.items():
        on.setdefault(host, []).append(u)
    for u in on.get(standby, []):
        if failed not in problem.units[u].eligible:
            return None
        owners[u] = (failed, standby)
    limit = problem.capacity.T.astype(np.int64).copy()
    limit[:, MEMORY_ROW] = limit[:, MEMORY_ROW] * target // PERMILLE
    room = limit[failed] - problem.weight[on.get(standby, [])].sum(axis=0)
    for host, units in on.items():
        if host == standby:
            continue
        rooms, on_failed = (limit[standby], room), on.get(standby, [])
        backups = _split(problem, units, (standby, failed), rooms, on_failed)
        if backups is None:
            backups = _exact_split(problem, units, (standby, failed), rooms, on_failed, params)
        if backups is None:
            return None
        for u, backup in backups.items():
            owners[u] = (host, backup)
    return owners


def _split(
    problem: ClusterProblem,
    units: list[int],
    nodes: tuple[int, int],
    rooms: tuple[np.ndarray, np.ndarray],
    on_failed: list[int],
) -> dict[int, int] | None:
    """Backups for one node's units, largest first, on the standby while it has room,
    else on b (which already runs the standby's packed units): first fit, no search."""
    left = [rooms[0].copy(), rooms[1].copy()]
    taken = [set(), {c for u in on_failed for c in _classes_of(problem, u)}]
    out = {}
    for u in sorted(units, key=lambda u: -int(problem.weight[u, MEMORY_ROW])):
        weight, mine = problem.weight[u], _classes_of(problem, u)
        for side, node in enumerate(nodes):
            fits = (weight <= left[side]).all() and node in problem.units[u].eligible
            if fits and not mine & taken[side]:
                left[side] = left[side] - weight
                taken[side] |= mine
                out[u] = node
                break
        else:
            return None
    return out


def _exact_split(
    problem: ClusterProblem,
    units: list[int],
    nodes: tuple[int, int],
    rooms: tuple[np.ndarray, np.ndarray],
    on_failed: list[int],
    params: Params,
) -> dict[int, int] | None:
    """The same split by a two-node CP-SAT model, for the tight nodes first fit misses
    (a node as large as the standby fills it and b's room almost exactly)."""
    model = cp_model.CpModel()
    to_standby = {u: model.new_bool_var(f"standby[{u}]") for u in units}
    classes = {u: _classes_of(problem, u) for u in units}
    for side, node in enumerate(nodes):
        chosen = [to_standby[u] if side == 0 else ~to_standby[u] for u in units]
        for u, literal in zip(units, chosen, strict=True):
            if node not in problem.units[u].eligible:
                model.add(literal == 0)
        for row in range(problem.weight.shape[1]):
            weights = [int(problem.weight[u, row]) for u in units]
            model.add(cp_model.LinearExpr.weighted_sum(chosen, weights) <= int(rooms[side][row]))
        taken = set() if side == 0 else {c for u in on_failed for c in _classes_of(problem, u)}
        for c in set().union(*classes.values()) | taken:
            here = [
                lit for u, lit in zip(units, chosen, strict=True) if c in _classes_of(problem, u)
            ]
            model.add(sum(here) <= (0 if c in taken else 1))
    solver, status = run_cpsat(model, params, SPLIT_SECONDS, workers=1)
    if not status.has_plan:
        return None
    return {u: nodes[0] if solver.boolean_value(to_standby[u]) else nodes[1] for u in units}


def _classes_of(problem: ClusterProblem, u: int) -> set[int]:
    members = list(problem.units[u].members)
    return set(np.flatnonzero(problem.inventory.vm_classes[members].any(axis=0)).tolist())


def _standbys(problem: ClusterProblem, failed: int) -> list[int]:
    """The survivor with the most memory, and the one with the most memory among those
    the most units may run on."""
    runs = np.zeros(problem.n_nodes, dtype=np.int64)
    for unit in problem.units:
        runs[list(unit.eligible)] += 1
    memory = problem.capacity[MEMORY_ROW]
    survivors = [n for n in range(problem.n_nodes) if n != failed]
    return [
        max(survivors, key=lambda n: (int(memory[n]), int(runs[n]), -n)),
        max(survivors, key=lambda n: (int(runs[n]), int(memory[n]), -n)),
    ]


def _accepted(
    plan_model: PlanModel, params: Params, plan: GreedyPlan, target: int, deadline: float
) -> GreedyPlan | None:
    """`plan` when the model, with every owner literal fixed to it and U <= target,
    finds it feasible before `deadline`."""
    model = plan_model.model.clone()
    model.clear_hints()
    model.clear_objective()
    for u, listed in enumerate(plan.owners):
        true = prefix_hint(listed)
        for key, literal in plan_model.owners.prefix[u].items():
            fixed = model.get_bool_var_from_proto_index(literal.index)
            model.add(fixed == int(key in true))
    for (v, lun), literal in plan_model.on_lun.items():
        fixed = model.get_bool_var_from_proto_index(literal.index)
        model.add(fixed == int(plan.luns.get(v) == lun))
    utilisation = model.get_int_var_from_proto_index(plan_model.utilisation.index)
    model.add(utilisation <= target)
    _, status = run_cpsat(model, params, deadline - time.monotonic())
    return plan if status.has_plan else None

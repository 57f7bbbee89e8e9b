"""Capacity under every failure set, and the utilisation it defines.

Rule: for every set F of at most k failed nodes, every surviving node holds
the units it then runs within its memory, CPU and extra-resource limits.
Loads only grow with F, so the sets of exactly min(k, E-1) nodes stand for
all (ClusterProblem.failure_sets).

A unit runs on n under F exactly when its owners list starts with some
prefix set S within F followed by n, so the load on n under F is the sum,
over S within F, of `shifted[S, n]`: the resource carried by units whose
owners list starts with S and then n. Each `shifted` sums over the units once;
each capacity row then needs only 2^k terms instead of 2^k per unit.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from data.rules import PERMILLE, Rule
from solver.owners import OwnerVars, Prefix, prefix_hint
from solver.problem import MEMORY_ROW, ClusterProblem
from solver.switches import Switches

Shifted = dict[tuple[Prefix, int], cp_model.IntVar]


@dataclass
class CapacityVars:
    utilisation: cp_model.IntVar
    shifted: dict[int, Shifted]  # resource row -> shifted[S, n]
    sets: list[Prefix]  # the failure sets whose capacity is constrained


def checked_failure_sets(problem: ClusterProblem, disabled: frozenset[Rule]) -> list[Prefix]:
    return [()] if Rule.FAILOVER in disabled else problem.failure_sets()


def add_capacity(
    model: cp_model.CpModel,
    problem: ClusterProblem,
    owners: OwnerVars,
    disabled: frozenset[Rule],
    switches: Switches,
) -> CapacityVars:
    """CPU and extra resources as limits; memory through the utilisation U.

    U >= ceil(1000 * memory load / capacity) on every node under every failure
    set, and memory fits exactly when U <= 1000, so one family of constraints
    serves both the memory rule and the balance objective.
    """
    sets = checked_failure_sets(problem, disabled)
    utilisation = model.new_int_var(0, _utilisation_ceiling(problem, disabled), "utilisation")
    shifted = {}
    for row, label in enumerate(problem.resource_labels):
        if _unconstrained(problem, row, disabled):
            continue
        shifted[row] = _shifted_loads(model, problem, owners, row, label, sets)
        for failed in sets:
            for n in range(problem.n_nodes):
                if n not in failed:
                    total = load(shifted[row], n, failed)
                    cap = int(problem.capacity[row, n])
                    if row == MEMORY_ROW:
                        constraint = model.add(PERMILLE * total <= cap * utilisation)
                    else:
                        constraint = model.add(total <= cap)
                    keys = [("capacity", label, n)] + ([("failure", failed)] if failed else [])
                    switches.guard(constraint, *keys)
    return CapacityVars(utilisation, shifted, sets)


def load(shifted: Shifted, n: int, failed: Prefix) -> cp_model.LinearExprT:
    """The load on node n under failure set `failed`."""
    return sum(shifted[s, n] for s in _subsets(failed) if (s, n) in shifted)


def _subsets(failed: Prefix) -> list[Prefix]:
    return [s for size in range(len(failed) + 1) for s in itertools.combinations(failed, size)]


def _shifted_loads(
    model: cp_model.CpModel,
    problem: ClusterProblem,
    owners: OwnerVars,
    row: int,
    label: str,
    sets: list[Prefix],
) -> Shifted:
    needed = {
        (s, n)
        for failed in sets
        for s in _subsets(failed)
        for n in range(problem.n_nodes)
        if n not in failed
    }
    terms: dict[tuple[Prefix, int], tuple[list, list]] = {key: ([], []) for key in needed}
    for u in range(len(problem.units)):
        weight = int(problem.weight[u, row])
        if weight:
            for key, literal in owners.prefix[u].items():
                if key in terms:
                    terms[key][0].append(literal)
                    terms[key][1].append(weight)
    shifted = {}
    for (s, n), (literals, weights) in sorted(terms.items()):
        name = f"{label}[{','.join(problem.node_name(m) for m in s)}>{problem.node_name(n)}]"
        shifted[s, n] = model.new_int_var(0, sum(weights), name)
        model.add(shifted[s, n] == cp_model.LinearExpr.weighted_sum(literals, weights))
    return shifted


def _utilisation_ceiling(problem: ClusterProblem, disabled: frozenset[Rule]) -> int:
    if Rule.MEMORY not in disabled:
        return PERMILLE
    total = int(problem.weight[:, MEMORY_ROW].sum())
    smallest = max(int(problem.capacity[MEMORY_ROW].min()), 1) if problem.n_nodes else 1
    return -(-PERMILLE * total // smallest)


def _unconstrained(problem: ClusterProblem, row: int, disabled: frozenset[Rule]) -> bool:
    """Memory always has rows (it defines U); another resource none when its rule is
    switched off or it can never bind."""
    if row == MEMORY_ROW:
        return False
    return problem.rule_of_row(row) in disabled or _never_binding(problem, row)


def _never_binding(problem: ClusterProblem, row: int) -> bool:
    """A resource whose whole cluster demand fits on its smallest node needs no rows."""
    return int(problem.weight[:, row].sum()) <= int(problem.capacity[row].min())


def capacity_hint(
    problem: ClusterProblem, capacity: CapacityVars, owners: list[tuple[int, ...]]
) -> dict[cp_model.IntVar, int]:
    """Values of the shifted loads and of U for an owners list per unit."""
    values: dict[cp_model.IntVar, int] = {}
    for row, shifted in capacity.shifted.items():
        amount = dict.fromkeys(shifted, 0)
        for u, listed in enumerate(owners):
            for key in prefix_hint(listed):
                if key in amount:
                    amount[key] += int(problem.weight[u, row])
        values.update({shifted[key]: v for key, v in amount.items()})
        if row == MEMORY_ROW:
            values[capacity.utilisation] = _worst_permille(problem, amount, capacity.sets)
    return values


def _worst_permille(problem: ClusterProblem, amount: dict, sets: list[Prefix]) -> int:
    worst = 0
    capacity = np.maximum(problem.capacity[MEMORY_ROW], 1)
    for failed in sets:
        for n in range(problem.n_nodes):
            if n not in failed:
                used = sum(amount.get((s, n), 0) for s in _subsets(failed))
                worst = max(worst, -(-PERMILLE * used // int(capacity[n])))
    return worst

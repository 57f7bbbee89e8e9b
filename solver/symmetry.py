"""Symmetry breaking between interchangeable nodes.

Rule (not a MODEL.md rule but a sound reduction): swapping two nodes with the
same capacities, VLAN support and logical processors turns any plan into one
that scores the same on utilisation and nodes used. So among such nodes we
may demand that no-failure memory load never increases along the node order,
and that a node is used only if the one before it is. Moves do change under a
swap, so when moves are scored only nodes no VM currently runs on qualify.
"""

from __future__ import annotations

import itertools

import numpy as np
from ortools.sat.python import cp_model

from solver.capacity import Shifted, load
from solver.owners import OwnerVars
from solver.problem import MEMORY_ROW, ClusterProblem


def interchangeable_groups(problem: ClusterProblem, keep_current: bool) -> list[list[int]]:
    """Groups (of two or more) of local nodes that a plan may swap freely."""
    inventory = problem.inventory
    current = set(inventory.vm_node[inventory.vm_node >= 0].tolist()) if keep_current else set()
    groups: dict[tuple, list[int]] = {}
    for n in range(problem.n_nodes):
        g = int(problem.nodes[n])
        if g in current:
            continue
        key = (
            *problem.capacity[:, n].tolist(),
            bool(inventory.node_vlan[g]),
            int(inventory.node_lps[g]),
        )
        groups.setdefault(key, []).append(n)
    return [g for g in groups.values() if len(g) > 1]


def add_symmetry_breaking(
    model: cp_model.CpModel,
    problem: ClusterProblem,
    memory: Shifted,
    keep_current: bool,
    used: list[cp_model.IntVar] | None = None,
) -> None:
    """Among interchangeable nodes, no-failure memory load never increases."""
    for group in interchangeable_groups(problem, keep_current):
        for a, b in itertools.pairwise(group):
            model.add(load(memory, a, ()) >= load(memory, b, ()))
            if used is not None:
                model.add_implication(used[b], used[a])


def interchangeable_units(problem: ClusterProblem, keep_current: bool) -> list[list[int]]:
    """Groups of units that differ in nothing a rule or the criterion can see."""
    inventory = problem.inventory
    groups: dict[tuple, list[int]] = {}
    for u, unit in enumerate(problem.units):
        if unit.free or not unit.members or (unit.lun >= 0 and problem.lun_candidates):
            continue
        members = list(unit.members)
        key = (
            tuple(problem.weight[u].tolist()),
            unit.eligible,
            tuple(np.flatnonzero(inventory.vm_classes[members].any(axis=0)).tolist()),
            tuple(sorted(inventory.vm_node[members].tolist())) if keep_current else (),
        )
        groups.setdefault(key, []).append(u)
    return [g for g in groups.values() if len(g) > 1]


def add_unit_ordering(
    model: cp_model.CpModel, problem: ClusterProblem, owners: OwnerVars, keep_current: bool
) -> None:
    """Identical units take their owners lists in lexicographic order.

    Swapping two identical units' whole owners lists changes no load, so any
    plan can be re-sorted this way; node re-ordering commutes with it.
    """
    base = problem.n_nodes
    for group in interchangeable_units(problem, keep_current):
        codes = [_code(owners, u, problem.failures, base) for u in group]
        for a, b in itertools.pairwise(codes):
            model.add(a <= b)


def _code(owners: OwnerVars, u: int, k: int, base: int) -> cp_model.LinearExprT:
    """The owners list read as a number in base E: lexicographic order as <=."""
    literals, coefficients = [], []
    for (subset, n), literal in owners.prefix[u].items():
        literals.append(literal)
        coefficients.append(n * base ** (k - len(subset)))
    return cp_model.LinearExpr.weighted_sum(literals, coefficients)


def canonical_hint(
    problem: ClusterProblem, owners: list[tuple[int, ...]], keep_current: bool
) -> list[tuple[int, ...]]:
    """The same plan, renamed to satisfy the symmetry-breaking constraints.

    A hint that breaks them would have to be repaired by CP-SAT; swapping
    interchangeable nodes and re-sorting identical units gives an equally good
    plan that already satisfies them.
    """
    renamed = _rename_nodes(problem, owners, keep_current)
    for group in interchangeable_units(problem, keep_current):
        ordered = sorted((renamed[u] for u in group), key=lambda t: _tuple_code(t, problem))
        for u, listed in zip(group, ordered, strict=True):
            renamed[u] = listed
    return renamed


def _rename_nodes(
    problem: ClusterProblem, owners: list[tuple[int, ...]], keep_current: bool
) -> list[tuple[int, ...]]:
    load = np.zeros(problem.n_nodes, dtype=np.int64)
    used = np.zeros(problem.n_nodes, dtype=bool)
    for u, listed in enumerate(owners):
        load[listed[0]] += problem.weight[u, MEMORY_ROW]
        if problem.units[u].members:
            used[list(listed)] = True
    mapping = list(range(problem.n_nodes))
    for group in interchangeable_groups(problem, keep_current):
        ranked = sorted(group, key=lambda n: (-int(load[n]), -int(used[n]), n))
        for target, source in zip(group, ranked, strict=True):
            mapping[source] = target
    return [tuple(mapping[n] for n in listed) for listed in owners]


def _tuple_code(listed: tuple[int, ...], problem: ClusterProblem) -> int:
    base, k = problem.n_nodes, problem.failures
    return sum(n * base ** (k - j) for j, n in enumerate(listed))

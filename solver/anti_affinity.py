"""Anti-affinity as Windows applies it when it picks a failover target.

Rule: under every failure set F of at most k nodes (the empty set included), the
VMs of a class with at most E - |F| VMs in the cluster run on pairwise different
nodes; under a set leaving fewer survivors than the class has VMs, the class is
exempt (Windows then ignores anti-affinity too).

Unit u runs on n under F exactly when prefix[u][S, n] holds for some S within F,
so "at most one VM of class c on n under F" is one at-most-one constraint over
those literals. Only the sets of exactly j = min(k, E - size) nodes are stated:
if two members share n under a smaller F, they still share it under F plus any
other node m (each reached n past owners all in F), so the largest constrained
sets imply the smaller ones; that keeps C(E, j) * (E - j) rows per class.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from ortools.sat.python import cp_model

from solver.owners import OwnerVars, Prefix
from solver.problem import ClusterProblem
from solver.switches import Switches


def class_members(problem: ClusterProblem) -> dict[int, dict[int, int]]:
    """class -> {unit: VMs of the class in it}, for classes with two or more VMs."""
    classes = problem.inventory.vm_classes
    out = {}
    for c in range(classes.shape[1]):
        members = {
            u: int(classes[list(unit.members), c].sum())
            for u, unit in enumerate(problem.units)
            if unit.members
        }
        members = {u: count for u, count in members.items() if count}
        if sum(members.values()) >= 2:
            out[c] = members
    return out


def constrained_sets(problem: ClusterProblem, size: int) -> list[Prefix]:
    """The failure sets whose rows imply all others for a class of `size` VMs ([] if exempt)."""
    largest = min(problem.failures, problem.n_nodes - size)
    if largest < 0:
        return []
    return list(itertools.combinations(range(problem.n_nodes), largest))


def add_anti_affinity(
    model: cp_model.CpModel, problem: ClusterProblem, owners: OwnerVars, switches: Switches
) -> None:
    for c, members in class_members(problem).items():
        for failed in constrained_sets(problem, sum(members.values())):
            for n in range(problem.n_nodes):
                if n not in failed:
                    _at_most_one_on(model, owners, members, failed, n, switches.guard, c)


def _at_most_one_on(
    model: cp_model.CpModel,
    owners: OwnerVars,
    members: dict[int, int],
    failed: Prefix,
    n: int,
    guard: Callable[..., None],
    c: int,
) -> None:
    """At most one VM of the class runs on n under `failed` (a unit holding two never may)."""
    literals, counts = [], []
    for u, count in members.items():
        for s in subsets(failed):
            literal = owners.prefix[u].get((s, n))
            if literal is not None:
                literals.append(literal)
                counts.append(count)
    if sum(counts) > 1:
        constraint = model.add(cp_model.LinearExpr.weighted_sum(literals, counts) <= 1)
        guard(constraint, ("anti-affinity", c))


def subsets(failed: Prefix) -> list[Prefix]:
    """Every subset of a sorted tuple, as sorted tuples (the prefix sets within it)."""
    return [s for size in range(len(failed) + 1) for s in itertools.combinations(failed, size)]

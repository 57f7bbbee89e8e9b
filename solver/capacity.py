"""Capacity under every failure set, and the utilisation it defines.

Rule: for every set F of at most k failed nodes, every surviving node holds
the units it then runs within its memory, CPU and extra-resource limits.
Loads only grow with F, so the sets of exactly min(k, E-1) nodes stand for
all (ClusterProblem.failure_sets).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from data.rules import Rule
from solver.owners import OwnerVars, Prefix
from solver.problem import ClusterProblem

PERMILLE = 1000
_RULE_OF_ROW = {0: Rule.MEMORY, 1: Rule.CPU}


def checked_failure_sets(problem: ClusterProblem, disabled: frozenset[Rule]) -> list[Prefix]:
    return [()] if Rule.FAILOVER in disabled else problem.failure_sets()


def load(problem: ClusterProblem, owners: OwnerVars, row: int, n: int, failed: Prefix):
    """The linear load of resource `row` on node n under failure set `failed`."""
    literals, coefficients = [], []
    for u in range(len(problem.units)):
        weight = int(problem.weight[u, row])
        if weight:
            serving = owners.serving(u, n, failed)
            literals += serving
            coefficients += [weight] * len(serving)
    return cp_model.LinearExpr.weighted_sum(literals, coefficients)


def add_capacity(
    model: cp_model.CpModel,
    problem: ClusterProblem,
    owners: OwnerVars,
    disabled: frozenset[Rule],
) -> cp_model.IntVar:
    """CPU and extra resources as limits; memory through the utilisation U.

    U >= ceil(1000 * memory load / capacity) on every node under every failure
    set, and memory fits exactly when U <= 1000, so one family of constraints
    serves both the memory rule and the balance objective.
    """
    sets = checked_failure_sets(problem, disabled)
    utilisation = model.new_int_var(0, _utilisation_ceiling(problem, disabled), "utilisation")
    for row in range(problem.capacity.shape[0]):
        rule = _RULE_OF_ROW.get(row, Rule.RESOURCE)
        if row > 0 and (rule in disabled or _never_binding(problem, row)):
            continue
        for failed in sets:
            for n in range(problem.n_nodes):
                if n in failed:
                    continue
                cap = int(problem.capacity[row, n])
                if row == 0:
                    model.add(PERMILLE * load(problem, owners, 0, n, failed) <= cap * utilisation)
                else:
                    model.add(load(problem, owners, row, n, failed) <= cap)
    return utilisation


def _utilisation_ceiling(problem: ClusterProblem, disabled: frozenset[Rule]) -> int:
    if Rule.MEMORY not in disabled:
        return PERMILLE
    total = int(problem.weight[:, 0].sum())
    smallest = max(int(problem.capacity[0].min()), 1) if problem.n_nodes else 1
    return -(-PERMILLE * total // smallest)


def _never_binding(problem: ClusterProblem, row: int) -> bool:
    """A resource whose whole cluster demand fits on its smallest node needs no rows."""
    return int(problem.weight[:, row].sum()) <= int(problem.capacity[row].min())

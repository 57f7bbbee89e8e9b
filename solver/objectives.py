"""The objective terms of MODEL.md: nodes used and moves (utilisation is in capacity.py)."""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.owners import OwnerVars
from solver.problem import ClusterProblem


def add_nodes_used(
    model: cp_model.CpModel, problem: ClusterProblem, owners: OwnerVars
) -> list[cp_model.IntVar]:
    """Rule: a node counts as used when any owners list names it (standbys too)."""
    used = [
        model.new_bool_var(f"node_used[{problem.node_name(n)}]") for n in range(problem.n_nodes)
    ]
    for u, unit in enumerate(problem.units):
        if not unit.members:
            continue  # an empty LUN's owners are never written to a plan
        for n in unit.eligible:
            model.add(sum(owners.named(u, n)) <= used[n])
    return used


def moves_expression(problem: ClusterProblem, owners: OwnerVars) -> cp_model.LinearExprT:
    """Rule: a move is a VM whose node differs from its current node (where given)."""
    local = problem.local_node
    constant, literals, coefficients = 0, [], []
    for u, unit in enumerate(problem.units):
        stays: dict[int, int] = {}
        for v in unit.members:
            current = int(problem.inventory.vm_node[v])
            if current >= 0:
                constant += 1
                stays[local[current]] = stays.get(local[current], 0) + 1
        for n, count in stays.items():
            literal = owners.runs_on(u, n)
            if literal is not None:
                literals.append(literal)
                coefficients.append(-count)
    return constant + cp_model.LinearExpr.weighted_sum(literals, coefficients)

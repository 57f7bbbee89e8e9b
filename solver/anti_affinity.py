"""Anti-affinity.

Rule: with no node failed, VMs sharing an anti-affinity class run on
different nodes (after a failure the rule is not required).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.owners import OwnerVars
from solver.problem import ClusterProblem
from solver.switches import Switches


def add_anti_affinity(
    model: cp_model.CpModel, problem: ClusterProblem, owners: OwnerVars, switches: Switches
) -> None:
    classes = problem.inventory.vm_classes
    for c in range(classes.shape[1]):
        count = {
            u: int(classes[list(unit.members), c].sum())
            for u, unit in enumerate(problem.units)
            if unit.members
        }
        members = {u: k for u, k in count.items() if k}
        if sum(members.values()) < 2:
            continue
        for n in range(problem.n_nodes):
            terms = [(owners.runs_on(u, n), k) for u, k in members.items()]
            present = [(lit, k) for lit, k in terms if lit is not None]
            if sum(k for _, k in present) > 1:
                constraint = model.add(sum(k * lit for lit, k in present) <= 1)
                switches.guard(constraint, ("anti-affinity", c))

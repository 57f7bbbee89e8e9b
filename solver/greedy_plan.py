"""The first-fit-decreasing baseline as a whole-inventory Plan, for benchmarks and tests.

greedy.py answers per cluster in unit terms (it is also the solver's hint); this
turns its answers into the per-VM plan that data.check.checker measures.
"""

from __future__ import annotations

import numpy as np

from data.inventory import Inventory
from data.plan import Plan
from solver.greedy import first_fit_decreasing
from solver.problem import ClusterProblem, cluster_problem


def greedy_plan(inventory: Inventory, failures: int, balanced: bool = False) -> Plan | None:
    """Every cluster placed by first_fit_decreasing, or None when it gets stuck in one."""
    vm_lun = np.array(inventory.vm_lun, dtype=np.int64)
    owners = np.full((inventory.n_vms, failures + 1), -1, dtype=np.int64)
    for c in range(len(inventory.clusters)):
        problem = cluster_problem(inventory, c, failures)
        greedy = first_fit_decreasing(problem, balanced=balanced)
        if greedy is None:
            return None
        _write_cluster(problem, greedy.owners, greedy.luns, vm_lun, owners)
    return Plan(vm_lun, owners)


def _write_cluster(
    problem: ClusterProblem,
    unit_owners: list[tuple[int, ...]],
    luns: dict[int, int],
    vm_lun: np.ndarray,
    owners: np.ndarray,
) -> None:
    """Unit owners (local nodes) -> per-VM LUN and owners (ClusterProblem.per_vm)."""
    for v, (lun, listed) in problem.per_vm(unit_owners, luns).items():
        owners[v] = listed
        vm_lun[v] = lun

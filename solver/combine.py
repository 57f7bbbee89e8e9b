"""The clusters' results combined into one answer: status, value, bound and whole plan."""

from __future__ import annotations

import numpy as np

from data.inventory import Inventory
from data.plan import Plan
from solver.params import Params
from solver.result import ClusterResult, Result, Status


def combine_clusters(
    inventory: Inventory, params: Params, results: list[ClusterResult], seconds: float
) -> Result:
    """One cluster without a plan leaves the whole inventory without one (infeasible
    before unknown); otherwise the objective combines the clusters' values and bounds."""
    objective = params.objective.value
    failed = [r for r in results if not r.status.has_plan]
    if failed:
        status = (
            Status.INFEASIBLE
            if any(r.status is Status.INFEASIBLE for r in failed)
            else Status.UNKNOWN
        )
        return Result(status, objective, None, 0, seconds, tuple(results), None)
    value = params.objective.combine(r.objective_value or 0 for r in results)
    bound = params.objective.combine(r.bound for r in results)
    status = Status.OPTIMAL if value <= bound else Status.FEASIBLE
    return Result(
        status,
        objective,
        value,
        bound,
        seconds,
        tuple(results),
        _plan(inventory, results, params.failures),
    )


def _plan(inventory: Inventory, results: list[ClusterResult], failures: int) -> Plan:
    vm_lun = np.full(inventory.n_vms, -1, dtype=np.int64)
    owners = np.full((inventory.n_vms, failures + 1), -1, dtype=np.int64)
    for result in results:
        for v, listed in result.owners.items():
            owners[v, : len(listed)] = listed
            vm_lun[v] = result.luns[v]
    return Plan(vm_lun, owners)

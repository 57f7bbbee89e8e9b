"""A fleet's clusters fanned out: which executor, how many slots, what is already done."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from data.inventory import Inventory
from data.subset import Subset, cluster_subsets
from solver.executors import Slots, cores, dask_executor, job_bytes, pool_slots, process_pool
from solver.fanout import OnCluster, fan_out, solve_in_order
from solver.params import Params
from solver.problem import ClusterProblem, cluster_problem
from solver.result import ClusterResult, Status
from solver.solve import OnProgress, solve_cluster

_UNLIMITED_MEMORY = 2**62


class Executor(StrEnum):
    POOL = "pool"  # the stdlib process pool on this machine
    DASK = "dask"  # Dask distributed: a scheduler's workers, or a local cluster


@dataclass(frozen=True)
class FanOut:
    """How to spread the clusters; `done` holds results kept from an earlier run."""

    executor: Executor = Executor.POOL
    jobs: int = 1  # 0: one per core; 1: in this process, one cluster after another
    scheduler: str | None = None  # Dask scheduler address; None: a local cluster
    memory_bytes: int = _UNLIMITED_MEMORY  # memory the jobs may use together
    done: Mapping[int, ClusterResult] = field(default_factory=dict)  # whole indices
    on_cluster: OnCluster | None = None  # told of each cluster solved, as it completes


def solve_fleet(
    inventory: Inventory,
    params: Params,
    fleet: FanOut,
    deadline: float,
    on_progress: OnProgress | None = None,
    stop: threading.Event | None = None,
) -> list[ClusterResult]:
    """Every cluster's result in cluster order: the ones in `fleet.done` as they are,
    the rest solved; a cluster a stop left unsolved is UNKNOWN."""
    subsets = {c: s for c, s in enumerate(cluster_subsets(inventory)) if c not in fleet.done}
    slots = fleet_slots(subsets, params, fleet)
    if fleet.executor is Executor.DASK:
        with dask_executor(slots.count, fleet.scheduler) as (executor, total):
            worker_params = _per_job_workers(params, slots.count)
            solved = fan_out(
                subsets, worker_params, executor, total, deadline, fleet.on_cluster, stop
            )
    elif slots.count == 1:
        in_order = sorted(subsets.items())
        solved = solve_in_order(in_order, params, deadline, fleet.on_cluster, on_progress, stop)
    else:
        with process_pool(slots.count, stop) as executor:
            worker_params = _per_job_workers(params, slots.count)
            solved = fan_out(
                subsets, worker_params, executor, slots.count, deadline, fleet.on_cluster, stop
            )
    merged = {**fleet.done, **solved}
    return [merged.get(c) or _unreached(inventory, c) for c in range(len(inventory.clusters))]


def fleet_slots(subsets: Mapping[int, Subset], params: Params, fleet: FanOut) -> Slots:
    """The jobs that fit at once on this machine (a Dask cluster's own size is its own)."""
    sizes = [(s.inventory.n_vms, s.inventory.n_nodes) for s in subsets.values()]
    largest = max((job_bytes(v, n, params.failures) for v, n in sizes), default=0)
    return pool_slots(fleet.jobs, len(subsets), largest, fleet.memory_bytes)


def _per_job_workers(params: Params, slots: int) -> Params:
    """CP-SAT threads per job: the cores shared among the slots, unless --workers says."""
    if params.workers:
        return params
    return replace(params, workers=max(1, cores() // slots))


def _unreached(inventory: Inventory, cluster: int) -> ClusterResult:
    return ClusterResult(inventory.clusters[cluster], Status.UNKNOWN, None, 0, 0.0)


def solve_capped(
    inventory: Inventory,
    params: Params,
    on_progress: OnProgress | None,
    stop: threading.Event | None,
) -> list[ClusterResult]:
    """Clusters one after another, each within the moves the earlier ones left."""
    assert params.max_moves is not None
    start = time.monotonic()
    problems = [
        cluster_problem(inventory, c, params.failures, params.disabled)
        for c in range(len(inventory.clusters))
    ]
    sizes = [max(1, len(p.units) * p.n_nodes) for p in problems]
    results: list[ClusterResult] = []
    for i, problem in enumerate(problems):
        left = params.time_limit - (time.monotonic() - start)
        budget = max(0.1, left * sizes[i] / sum(sizes[i:]))
        if stop is not None and stop.is_set():
            budget = 0.0  # the greedy plan, as under a spent time limit
        used = sum(_cluster_moves(problems[j], r) for j, r in enumerate(results))
        cluster_params = replace(params, max_moves=max(params.max_moves - used, 0))
        results.append(solve_cluster(problem, cluster_params, budget, on_progress))
    return results


def _cluster_moves(problem: ClusterProblem, result: ClusterResult) -> int:
    vm_node = problem.inventory.vm_node
    return sum(
        1 for v, listed in result.owners.items() if vm_node[v] >= 0 and listed[0] != vm_node[v]
    )

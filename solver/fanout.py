"""Fan-out: independent clusters solved side by side, each worker sent only its cluster.

Every cluster is cut out of the inventory (data.subset) and solved by the same
per-cluster solve as in one process; answers come back in the cut's indices and
are mapped to the whole inventory here, in the parent. The executor is any
`concurrent.futures.Executor`: the stdlib process pool, or Dask distributed's
(solver.executors). At most `slots` jobs are in flight, so each job's budget is
taken from what is left when it starts.
"""

from __future__ import annotations

import concurrent.futures as cf
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from data.inventory import Inventory
from data.subset import Subset
from solver.cpsat import stopping_on
from solver.params import Params
from solver.problem import cluster_problem
from solver.progress import OnProgress
from solver.result import ClusterResult
from solver.solve import solve_cluster

OnCluster = Callable[[int, ClusterResult], None]  # whole cluster index, its result
_STOP = threading.Event()  # a worker's stop token (set by solver.executors on a signal)


@dataclass(frozen=True, eq=False)
class ClusterJob:
    """What a worker receives: one cluster alone, and the seconds it may take."""

    inventory: Inventory  # the cluster cut out of the fleet: its cluster index is 0
    params: Params
    budget: float


def solve_job(job: ClusterJob) -> ClusterResult:
    """The worker's side: the per-cluster solve of the cut, in the cut's indices."""
    return _solve_cut(job, None, _STOP)


def _solve_cut(
    job: ClusterJob, on_progress: OnProgress | None, stop: threading.Event | None
) -> ClusterResult:
    params, begun = job.params, time.monotonic()
    problem = cluster_problem(job.inventory, 0, params.failures, params.disabled)
    budget = max(0.0, job.budget - (time.monotonic() - begun))  # 0.8 s at 64 nodes, 8,000 VMs
    with stopping_on(stop):
        return solve_cluster(problem, params, budget, on_progress)


def in_whole(result: ClusterResult, subset: Subset) -> ClusterResult:
    """A cut's result with VM, node and LUN indices of the whole inventory."""
    vms, nodes, luns = subset.vms, subset.nodes, subset.luns
    owners = {
        int(vms[v]): tuple(int(nodes[n]) for n in listed) for v, listed in result.owners.items()
    }
    vm_luns = {int(vms[v]): int(luns[lun]) if lun >= 0 else -1 for v, lun in result.luns.items()}
    return replace(result, owners=owners, luns=vm_luns)


def cluster_size(subset: Subset) -> int:
    """How much search a cluster deserves, relative to the others: VMs x nodes."""
    return max(1, subset.inventory.n_vms * subset.inventory.n_nodes)


_FIRST_OVERRUN = 0.3  # seconds a job is expected to take beyond its budget, until measured


@dataclass
class _Flight:
    """The jobs in flight (their futures, starts and budgets) and what the finished
    ones took beyond their budgets: start-up, the model build, the greedy plan a zero
    budget still gets."""

    futures: dict[cf.Future[ClusterResult], int] = field(default_factory=dict)
    started: dict[int, tuple[float, float]] = field(default_factory=dict)  # start, budget
    overruns: list[float] = field(default_factory=list)

    def committed(self, now: float) -> float:
        """Slot-seconds the running jobs still hold."""
        return sum(max(0.0, t + b + self.overrun() - now) for t, b in self.started.values())

    def overrun(self) -> float:
        return sum(self.overruns) / len(self.overruns) if self.overruns else _FIRST_OVERRUN

    def start(self, c: int, future: cf.Future[ClusterResult], budget: float) -> None:
        self.futures[future] = c
        self.started[c] = (time.monotonic(), budget)

    def finish(self, future: cf.Future[ClusterResult]) -> int:
        c = self.futures.pop(future)
        begun, budget = self.started.pop(c)
        self.overruns.append(max(0.0, time.monotonic() - begun - budget))
        return c


def fan_out(
    subsets: Mapping[int, Subset],
    params: Params,
    executor: cf.Executor,
    slots: int,
    deadline: float,
    on_cluster: OnCluster | None = None,
    stop: threading.Event | None = None,
) -> dict[int, ClusterResult]:
    """Solve each cluster on `executor`, the largest first, within `deadline`.

    A job starts with its size's share of the slot-seconds left once every waiting
    job's expected overrun is set aside (never more than the wall time left). Once
    `stop` is set no new job starts; the running ones end soon after (the executor
    stops them) and what they return is kept unless they failed.
    """
    sizes = {c: cluster_size(s) for c, s in subsets.items()}
    waiting = sorted(subsets, key=lambda c: (sizes[c], -c))  # popped from the end
    later = sum(sizes.values())
    flight = _Flight()
    results: dict[int, ClusterResult] = {}
    while waiting or flight.futures:
        while waiting and len(flight.futures) < slots and not _stopped(stop):
            c = waiting.pop()
            later -= sizes[c]
            budget = _budget(sizes[c], later, len(waiting), slots, deadline, flight)
            job = ClusterJob(subsets[c].inventory, params, budget)
            flight.start(c, executor.submit(solve_job, job), budget)
        if _stopped(stop) and not flight.futures:
            break
        done, _ = cf.wait(list(flight.futures), timeout=0.2, return_when=cf.FIRST_COMPLETED)
        for future in done:
            c = flight.finish(future)
            if _stopped(stop) and future.exception() is not None:
                continue  # a worker the signal ended: the cluster stays unsolved
            results[c] = in_whole(future.result(), subsets[c])
            if on_cluster is not None:
                on_cluster(c, results[c])
    return results


def _budget(
    size: int, later: int, waiting: int, slots: int, deadline: float, flight: _Flight
) -> float:
    """This job's share of the slot-seconds left, given the sizes still waiting."""
    now = time.monotonic()
    wall = deadline - now - flight.overrun()
    free = wall * slots - flight.committed(now) - waiting * flight.overrun()
    return max(0.0, min(wall, free * size / (size + later)))


def _stopped(stop: threading.Event | None) -> bool:
    return stop is not None and stop.is_set()


def solve_in_order(
    subsets: Sequence[tuple[int, Subset]],
    params: Params,
    deadline: float,
    on_cluster: OnCluster | None = None,
    on_progress: OnProgress | None = None,
    stop: threading.Event | None = None,
) -> dict[int, ClusterResult]:
    """One job after another in this process (one slot): the same cut, the same solve,
    each cluster's share of the time left when it starts; progress shown inside. Once
    `stop` is set the clusters not yet reached get only the greedy plan (budget 0)."""
    sizes = [cluster_size(s) for _, s in subsets]
    results: dict[int, ClusterResult] = {}
    for i, (c, subset) in enumerate(subsets):
        left = 0.0 if _stopped(stop) else deadline - time.monotonic()
        budget = max(0.0, left * sizes[i] / sum(sizes[i:]))
        job = ClusterJob(subset.inventory, params, budget)
        results[c] = in_whole(_solve_cut(job, on_progress, stop), subset)
        if on_cluster is not None:
            on_cluster(c, results[c])
    return results

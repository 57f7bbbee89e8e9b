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

from data.subset import Subset
from solver.cpsat import stopping_on
from solver.fanout_chunks import MIN_SEARCH, ChunkJob, ClusterJob, in_turn, told_aside
from solver.fanout_chunks import stopped as _stopped
from solver.params import Params
from solver.problem import cluster_problem
from solver.progress import OnProgress
from solver.result import ClusterResult
from solver.solve import solve_cluster

OnCluster = Callable[[int, ClusterResult], None]  # whole cluster index, its result
_STOP = threading.Event()  # a worker's stop token (set by solver.executors on a signal)


def solve_job(job: ClusterJob) -> ClusterResult:
    """The worker's side: the per-cluster solve of the cut, in the cut's indices."""
    return _solve_cut(job, None, _STOP)


def solve_chunk(chunk: ChunkJob) -> list[ClusterResult]:
    """The worker's side of a chunk: its clusters in turn, each its share of the
    chunk's time left (as solve_in_order shares the whole limit)."""
    deadline = time.monotonic() + chunk.budget
    return in_turn(chunk.inventories, chunk.params, deadline, _solve_cut, stop=_STOP)


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


_FIRST_OVERRUN = 0.3  # seconds a cluster is expected to take beyond its budget, until measured
_CHUNK_SECONDS = 0.5  # a job of small clusters holds about this much expected work
_CHUNKS_PER_SLOT = 4  # never fewer jobs than this per slot, so the slots end together


@dataclass
class _Flight:
    """The jobs in flight (their futures, clusters, starts and budgets) and what the
    finished ones took per cluster beyond their budgets: start-up, the cut's problem,
    the model build, the quick plan a zero budget still gets."""

    futures: dict[cf.Future[list[ClusterResult]], tuple[int, ...]] = field(default_factory=dict)
    started: dict[tuple[int, ...], tuple[float, float]] = field(default_factory=dict)
    overruns: list[float] = field(default_factory=list)  # seconds per cluster

    def committed(self, now: float) -> float:
        """Slot-seconds the running jobs still hold."""
        return sum(
            max(0.0, t + b + len(chunk) * self.overrun() - now)
            for chunk, (t, b) in self.started.items()
        )

    def overrun(self) -> float:
        return sum(self.overruns) / len(self.overruns) if self.overruns else _FIRST_OVERRUN

    def start(
        self, chunk: tuple[int, ...], future: cf.Future[list[ClusterResult]], budget: float
    ) -> None:
        self.futures[future] = chunk
        self.started[chunk] = (time.monotonic(), budget)

    def finish(self, future: cf.Future[list[ClusterResult]]) -> tuple[int, ...]:
        chunk = self.futures.pop(future)
        begun, budget = self.started.pop(chunk)
        self.overruns.append(max(0.0, time.monotonic() - begun - budget) / len(chunk))
        return chunk


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

    A job is a chunk of clusters (solver.fanout_chunks): one where a cluster's share
    is long, several where the per-cluster floor dominates. It starts with its
    clusters' share of the slot-seconds left once every waiting cluster's expected
    overrun is set aside (never more than the wall time left). Once `stop` is set no
    new job starts; the running ones end soon after (the executor stops them) and
    what they return is kept unless they failed. `on_cluster` runs beside the loop
    (solver.fanout_chunks.told_aside), so writing a result never idles a slot.
    """
    sizes = {c: cluster_size(s) for c, s in subsets.items()}
    waiting = sorted(subsets, key=lambda c: (sizes[c], -c))  # popped from the end
    later = sum(sizes.values())
    flight = _Flight()
    results: dict[int, ClusterResult] = {}
    with told_aside(on_cluster) as tell:
        while waiting or flight.futures:
            while waiting and len(flight.futures) < slots and not _stopped(stop):
                chunk = _next_chunk(waiting, sizes, later, slots, deadline, flight)
                size = sum(sizes[c] for c in chunk)
                later -= size
                window = (deadline, slots)
                budget = _budget(size, later, (len(waiting), len(chunk)), window, flight)
                job = ChunkJob(tuple(subsets[c].inventory for c in chunk), params, budget)
                flight.start(chunk, executor.submit(solve_chunk, job), budget)
            if _stopped(stop) and not flight.futures:
                break
            done, _ = cf.wait(list(flight.futures), timeout=0.2, return_when=cf.FIRST_COMPLETED)
            for future in done:
                chunk = flight.finish(future)
                if _stopped(stop) and future.exception() is not None:
                    continue  # a worker the signal ended: its clusters stay unsolved
                for c, result in zip(chunk, future.result(), strict=True):
                    results[c] = in_whole(result, subsets[c])
                    tell(c, results[c])
    return results


def _next_chunk(
    waiting: list[int],
    sizes: Mapping[int, int],
    later: int,
    slots: int,
    deadline: float,
    flight: _Flight,
) -> tuple[int, ...]:
    """The next clusters to send together, popped from `waiting`: as many as fill
    _CHUNK_SECONDS at the expected share and overrun per cluster, leaving at least
    _CHUNKS_PER_SLOT jobs per slot."""
    now, overrun = time.monotonic(), flight.overrun()
    free = (deadline - now) * slots - flight.committed(now) - len(waiting) * overrun
    share = max(0.0, free) * sizes[waiting[-1]] / max(later, 1)
    most = max(1, len(waiting) // (_CHUNKS_PER_SLOT * slots))
    count = min(most, max(1, int(_CHUNK_SECONDS / max(share + overrun, 1e-3))))
    return tuple(waiting.pop() for _ in range(count))


def _budget(
    size: int,
    later: int,
    clusters: tuple[int, int],
    window: tuple[float, int],
    flight: _Flight,
) -> float:
    """A job's share of the slot-seconds left, given the sizes still waiting; the
    expected overruns of the `clusters` (waiting, in this job) are set aside first."""
    (deadline, slots), (waiting, mine) = window, clusters
    now, overrun = time.monotonic(), flight.overrun()
    wall = deadline - now - mine * overrun
    free = (deadline - now) * slots - flight.committed(now) - (waiting + mine) * overrun
    return max(0.0, min(wall, free * size / (size + later)))


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
    results: dict[int, ClusterResult] = {}

    def told(i: int, result: ClusterResult) -> None:
        c, subset = subsets[i]
        results[c] = in_whole(result, subset)
        if on_cluster is not None:
            on_cluster(c, results[c])

    inventories = tuple(subset.inventory for _, subset in subsets)
    quick_below = MIN_SEARCH if len(subsets) > 1 else 0.0  # one cluster: all its time
    in_turn(inventories, params, deadline, _solve_cut, on_progress, stop, told, quick_below)
    return results

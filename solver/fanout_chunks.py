"""What a fan-out job carries, and how a job of several clusters spends its time.

On a fleet of small clusters (1,000 x 8 nodes x 100 VMs) a cluster's search share is
a few hundredths of a second, while its fixed cost (the round trip to the worker, the
problem build, the quick plan) is about as much again: one job per cluster left the
slots idle between round trips. A chunk sends several clusters in one job, and its
worker shares the chunk's budget among them as the one-slot path shares the limit.
"""

from __future__ import annotations

import concurrent.futures as cf
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

from data.inventory import Inventory
from data.rules import Objective
from solver.params import Params
from solver.result import ClusterResult, Progress, Status

OnProgress = Callable[[Progress], None]
OnEach = Callable[[int, ClusterResult], None]  # position in the chunk, its result


@dataclass(frozen=True, eq=False)
class ClusterJob:
    """What a worker receives: one cluster alone, and the seconds it may take."""

    inventory: Inventory  # the cluster cut out of the fleet: its cluster index is 0
    params: Params
    budget: float


@dataclass(frozen=True, eq=False)
class ChunkJob:
    """Several clusters for one worker, each cut alone, and the seconds they share."""

    inventories: tuple[Inventory, ...]
    params: Params
    budget: float


SolveCut = Callable[[ClusterJob, OnProgress | None, threading.Event | None], ClusterResult]
# seconds below which a fleet's cluster gets the quick plan (budget 0) instead of a search:
# at 64 nodes, 200 VMs a share of 0.05-0.1 s built the model and ran out before any plan
MIN_SEARCH = 0.25


def in_turn(
    inventories: Sequence[Inventory],
    params: Params,
    deadline: float,
    solve_cut: SolveCut,
    on_progress: OnProgress | None = None,
    stop: threading.Event | None = None,
    on_each: OnEach | None = None,
    quick_below: float = MIN_SEARCH,
) -> list[ClusterResult]:
    """Each cut solved after the other, with its size's share (VMs x nodes) of the time
    left when it starts; once `stop` is set, budget 0 (the quick plan). A share under
    `quick_below` (0: none) also gets the quick plan, and so does a search that ended
    without a plan: a fleet's time is better spent on the next cluster."""
    sizes = [max(1, inv.n_vms * inv.n_nodes) for inv in inventories]
    results: list[ClusterResult] = []
    for i, inventory in enumerate(inventories):
        left = 0.0 if stopped(stop) else deadline - time.monotonic()
        budget = max(0.0, left * sizes[i] / sum(sizes[i:]))
        job = ClusterJob(
            inventory, params, budget if budget >= _below(params, quick_below) else 0.0
        )
        results.append(_with_quick_plan(solve_cut, job, on_progress, stop, quick_below > 0))
        if on_each is not None:
            on_each(i, results[-1])
    return results


def _below(params: Params, quick_below: float) -> float:
    """`nodes` keeps its share however short: the quick plan names every node, where a
    0.1 s pass of the large path packs within 1% of the bound (1,000 x 8/100 at T = 60:
    7,682 nodes with the quick plan against 6,070)."""
    return 0.0 if params.objective is Objective.NODES else quick_below


def _with_quick_plan(
    solve_cut: SolveCut,
    job: ClusterJob,
    on_progress: OnProgress | None,
    stop: threading.Event | None,
    fallback: bool,
) -> ClusterResult:
    result = solve_cut(job, on_progress, stop)
    if fallback and job.budget > 0 and result.status is Status.UNKNOWN:
        result = solve_cut(replace(job, budget=0.0), on_progress, stop)
    return result


def stopped(stop: threading.Event | None) -> bool:
    return stop is not None and stop.is_set()


@contextmanager
def told_aside(
    on_cluster: Callable[[int, ClusterResult], None] | None,
) -> Iterator[Callable[[int, ClusterResult], None]]:
    """A `tell(c, result)` that runs `on_cluster` on one thread beside the caller, in
    order: keeping a finished cluster (json and two fsyncs, ~12 ms on this machine)
    would otherwise hold the loop that starts the next job. Every call has ended when
    the block does; the first one that failed raises there."""
    if on_cluster is None:
        yield lambda c, result: None
        return
    calls: list[cf.Future[None]] = []
    with cf.ThreadPoolExecutor(1, thread_name_prefix="hvplace-on-cluster") as teller:
        yield lambda c, result: calls.append(teller.submit(on_cluster, c, result))
    for call in calls:
        call.result()

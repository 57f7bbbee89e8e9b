"""Chunks of small clusters: a fleet's jobs carry several clusters, each still planned,
certified and shared the time as one by one."""

from __future__ import annotations

import concurrent.futures as cf
import threading
import time
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from data.check.checker import check_plan
from data.plan import Plan
from data.rules import Objective
from data.subset import cluster_subsets
from data.synth.fleet import fleet_inventory, generate_fleet
from solver.fanout import fan_out
from solver.fanout_chunks import MIN_SEARCH, ClusterJob, in_turn, told_aside
from solver.params import Params
from solver.result import ClusterResult, Status

PINNED = Params(failures=1, workers=1, seed=0, time_limit=60.0, gap=0.0)


class _Counting(cf.ThreadPoolExecutor):
    """A thread pool that counts the jobs submitted to it."""

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        self.submitted = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


def test_fan_out_sends_small_clusters_in_chunks_and_plans_each() -> None:
    inventory = fleet_inventory(generate_fleet(clusters=24, nodes=3, vms=6, seed=2))
    subsets = dict(enumerate(cluster_subsets(inventory)))
    start = time.monotonic()
    with _Counting(2) as executor:
        results = fan_out(subsets, PINNED, executor, 2, start + 1.0)
    assert executor.submitted < len(subsets)
    assert sorted(results) == list(range(24))
    assert all(r.status.has_plan for r in results.values())
    owners = np.full((inventory.n_vms, 2), -1, dtype=np.int64)
    vm_lun = np.full(inventory.n_vms, -1, dtype=np.int64)
    for result in results.values():
        for v, listed in result.owners.items():
            owners[v, : len(listed)] = listed
            vm_lun[v] = result.luns[v]
    assert check_plan(inventory, Plan(vm_lun, owners), 1) == []


def _recording(statuses: dict[bool, Status], budgets: list[float]) -> Any:
    def solve_cut(job: ClusterJob, on_progress: Any, stop: Any) -> ClusterResult:
        budgets.append(job.budget)
        return ClusterResult("c", statuses[job.budget > 0], None, 0, 0.0)

    return solve_cut


def test_in_turn_gives_a_share_too_short_to_search_the_quick_plan() -> None:
    inventory = cluster_subsets(fleet_inventory(generate_fleet(2, 3, 4, seed=1)))[0].inventory
    budgets: list[float] = []
    solve_cut = _recording({True: Status.FEASIBLE, False: Status.FEASIBLE}, budgets)
    in_turn([inventory] * 2, PINNED, time.monotonic() + MIN_SEARCH, solve_cut)
    assert budgets == [0.0, 0.0]
    in_turn([inventory], PINNED, time.monotonic() + MIN_SEARCH, solve_cut, quick_below=0.0)
    assert budgets[-1] > 0


def test_in_turn_searches_a_short_share_under_nodes() -> None:
    # the quick plan names every node: under `nodes` even a short search packs better
    inventory = cluster_subsets(fleet_inventory(generate_fleet(2, 3, 4, seed=1)))[0].inventory
    budgets: list[float] = []
    solve_cut = _recording({True: Status.FEASIBLE, False: Status.FEASIBLE}, budgets)
    nodes = replace(PINNED, objective=Objective.NODES)
    in_turn([inventory] * 2, nodes, time.monotonic() + MIN_SEARCH, solve_cut)
    assert len(budgets) == 2
    assert all(b > 0 for b in budgets)


def test_in_turn_falls_back_on_the_quick_plan_when_a_search_finds_none() -> None:
    inventory = cluster_subsets(fleet_inventory(generate_fleet(2, 3, 4, seed=1)))[0].inventory
    budgets: list[float] = []
    solve_cut = _recording({True: Status.UNKNOWN, False: Status.FEASIBLE}, budgets)
    results = in_turn([inventory], PINNED, time.monotonic() + 10, solve_cut)
    assert [r.status for r in results] == [Status.FEASIBLE]
    assert budgets[0] > MIN_SEARCH
    assert budgets[1:] == [0.0]


def test_told_aside_tells_each_cluster_in_order_off_the_caller_thread() -> None:
    told: list[tuple[int, str]] = []
    result = ClusterResult("c", Status.OPTIMAL, 0, 0, 0.0)
    with told_aside(lambda c, _: told.append((c, threading.current_thread().name))) as tell:
        for c in range(5):
            tell(c, result)
    assert [c for c, _ in told] == list(range(5))
    assert threading.current_thread().name not in {name for _, name in told}


def test_told_aside_raises_what_a_listener_raised() -> None:
    def fails(c: int, result: ClusterResult) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"), told_aside(fails) as tell:
        tell(0, ClusterResult("c", Status.OPTIMAL, 0, 0, 0.0))

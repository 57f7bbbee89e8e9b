"""Fan-out over clusters: the same plan whatever the executor, each job its cluster alone."""

from __future__ import annotations

import concurrent.futures as cf
import sys
import time

import numpy as np
import pytest

from data.check.checker import check_plan
from data.inventory import Inventory
from data.subset import cluster_subset, cluster_subsets
from data.synth.fleet import fleet_inventory, generate_fleet
from solver.executors import MissingExtra, dask_executor, job_bytes, pool_slots, process_pool
from solver.fanout import ClusterJob, fan_out, in_whole, solve_job
from solver.fleet import Executor, FanOut
from solver.params import Params
from solver.result import ClusterResult, Status
from solver.solve import solve

PINNED = Params(failures=1, workers=1, seed=0, time_limit=60.0, gap=0.0)


@pytest.fixture(scope="module")
def fleet() -> Inventory:
    return fleet_inventory(generate_fleet(clusters=3, nodes=4, vms=10, seed=3))


def _plan_arrays(inventory: Inventory, fanout: FanOut) -> tuple[np.ndarray, np.ndarray]:
    result = solve(inventory, PINNED, fleet=fanout)
    assert result.status is Status.OPTIMAL
    assert result.plan is not None
    assert check_plan(inventory, result.plan, PINNED.failures) == []
    return result.plan.owners, result.plan.vm_lun


def test_fan_out_gives_the_same_plan_whatever_jobs(fleet: Inventory) -> None:
    one = _plan_arrays(fleet, FanOut(jobs=1))
    two = _plan_arrays(fleet, FanOut(jobs=2))
    assert np.array_equal(one[0], two[0])
    assert np.array_equal(one[1], two[1])


def test_fan_out_on_dask_gives_the_same_plan(fleet: Inventory) -> None:
    one = _plan_arrays(fleet, FanOut(jobs=1))
    dask = _plan_arrays(fleet, FanOut(executor=Executor.DASK, jobs=2))
    assert np.array_equal(one[0], dask[0])


def test_fan_out_keeps_done_clusters_and_reports_the_others(fleet: Inventory) -> None:
    first = solve(fleet, PINNED)
    kept = {1: first.clusters[1]}
    told: list[int] = []
    again = solve(fleet, PINNED, fleet=FanOut(done=kept, on_cluster=lambda c, _: told.append(c)))
    assert sorted(told) == [0, 2]
    assert again.clusters[1] is kept[1]
    assert again.plan is not None
    assert first.plan is not None
    assert np.array_equal(again.plan.owners, first.plan.owners)


def test_solve_job_sees_only_its_cluster(fleet: Inventory) -> None:
    subset = cluster_subsets(fleet)[2]
    local = solve_job(ClusterJob(subset.inventory, PINNED, 20.0))
    assert subset.inventory.clusters == (fleet.clusters[2],)
    assert max(local.owners) < subset.inventory.n_vms
    whole = in_whole(local, subset)
    assert set(whole.owners) == set(subset.vms.tolist())
    assert all(fleet.node_cluster[n] == 2 for listed in whole.owners.values() for n in listed)


def test_cluster_subsets_equal_cluster_subset_one_by_one(fleet: Inventory) -> None:
    for c, subset in enumerate(cluster_subsets(fleet)):
        alone = cluster_subset(fleet, [c])
        assert subset.inventory.equals(alone.inventory)
        assert np.array_equal(subset.vms, alone.vms)
        assert np.array_equal(subset.luns, alone.luns)


def test_fan_out_ends_by_the_deadline_with_every_cluster(fleet: Inventory) -> None:
    subsets = dict(enumerate(cluster_subsets(fleet)))
    start = time.monotonic()
    with cf.ThreadPoolExecutor(2) as executor:
        results = fan_out(subsets, PINNED, executor, 2, start + 1.0)
    assert time.monotonic() - start < 1.1 + 0.5
    assert sorted(results) == [0, 1, 2]
    assert all(r.status.has_plan for r in results.values())


def test_fan_out_stops_starting_jobs_once_stopped(fleet: Inventory) -> None:
    import threading

    stop = threading.Event()
    stop.set()
    subsets = dict(enumerate(cluster_subsets(fleet)))
    with cf.ThreadPoolExecutor(1) as executor:
        results = fan_out(subsets, PINNED, executor, 1, time.monotonic() + 10, stop=stop)
    assert results == {}


def test_solve_marks_clusters_a_stop_left_unsolved_unknown(fleet: Inventory) -> None:
    import threading

    stop = threading.Event()
    stop.set()
    result = solve(fleet, PINNED, stop=stop, fleet=FanOut(jobs=2))
    assert result.interrupted
    assert result.plan is None
    assert {c.status for c in result.clusters} == {Status.UNKNOWN}


def test_pool_slots_are_limited_by_memory_for_large_clusters() -> None:
    small, large = job_bytes(100, 8, 1), job_bytes(8000, 64, 2)
    assert large > small
    assert pool_slots(8, 40, small, 8 * 2**30).count == 8
    assert pool_slots(8, 40, large, 8 * 2**30).count == 4  # 2 GiB each
    assert pool_slots(8, 40, large, 3 * 2**30).limited_by == "memory"
    assert pool_slots(8, 3, small, 8 * 2**30).count == 3


def test_pool_slots_default_to_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("solver.executors.cores", lambda: 3)
    slots = pool_slots(0, 40, job_bytes(100, 8, 1), 2**40)
    assert (slots.count, slots.limited_by) == (3, "cores")


def test_dask_executor_without_the_extra_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(MissingExtra, match=r"hvplace\[dask\]"), dask_executor(1, None):
        pass


def test_in_whole_maps_free_luns_and_owners() -> None:
    subset = cluster_subsets(fleet_inventory(generate_fleet(2, 3, 4, seed=1)))[1]
    local = ClusterResult("x", Status.OPTIMAL, 1, 1, 0.0, {0: (1, 0)}, {0: 0})
    whole = in_whole(local, subset)
    v = int(subset.vms[0])
    assert whole.owners == {v: (int(subset.nodes[1]), int(subset.nodes[0]))}
    assert whole.luns == {v: int(subset.luns[0])}


def test_process_pool_stops_a_worker_it_spawns_after_the_stop() -> None:
    # the pool spawns a worker per job submitted while none is idle: a stop passed on
    # to the workers alive at that moment once missed every later one
    import threading

    hard = cluster_subsets(fleet_inventory(generate_fleet(1, 10, 200, 7)))[0]  # not proven
    stop = threading.Event()
    with process_pool(1, stop) as executor:
        stop.set()
        time.sleep(0.5)  # the stop is passed on before the first worker exists
        begun = time.monotonic()
        result = executor.submit(solve_job, ClusterJob(hard.inventory, PINNED, 120.0)).result()
    assert time.monotonic() - begun < 60  # its budget was 120 s
    assert result.status.has_plan

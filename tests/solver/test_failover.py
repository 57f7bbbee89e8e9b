"""FailoverLoads keeps, owners list by owners list, the loads a brute force finds."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.failover import FailoverLoads


def brute_worst(lists: list[tuple[int, ...]], weights: np.ndarray, m: int, k: int) -> np.ndarray:
    """The most each node runs under any set of at most k failed nodes."""
    worst = np.zeros((m, weights.shape[1]), dtype=np.int64)
    for size in range(k + 1):
        for failed in itertools.combinations(range(m), size):
            load = np.zeros_like(worst)
            for listed, weight in zip(lists, weights, strict=True):
                alive = [n for n in listed if n not in failed]
                if alive:
                    load[alive[0]] += weight
            worst = np.maximum(worst, load)
    return worst


@settings(max_examples=40, deadline=None)
@given(
    m=st.integers(2, 6),
    k=st.integers(0, 3),
    seed=st.integers(0, 10_000),
    removed=st.integers(0, 3),
)
def test_failover_loads_worst_matches_brute_force(m: int, k: int, seed: int, removed: int) -> None:
    k = min(k, m - 1)
    rng = np.random.default_rng(seed)
    lists = [tuple(int(n) for n in rng.permutation(m)[: k + 1]) for _ in range(8)]
    weights = rng.integers(1, 100, size=(8, 2))
    loads = FailoverLoads(np.full((m, 2), 10_000), k)
    for listed, weight in zip(lists, weights, strict=True):
        loads.add(listed, weight)
    for listed, weight in zip(lists[:removed], weights[:removed], strict=True):
        loads.add(listed, weight, sign=-1)
    expected = brute_worst(lists[removed:], weights[removed:], m, k)
    assert (loads.worst == expected).all()


def test_failover_loads_peak_after_a_prefix_is_the_load_where_the_next_owner_carries() -> None:
    loads = FailoverLoads(np.full((4, 1), 100), 2)
    loads.add((0, 1, 2), np.array([5]))
    # with node 0 failed, 1 runs the group (and 2 would, were 1 failed too)
    assert loads.peak((0,))[1, 0] == 5
    assert loads.peak((0, 1))[2, 0] == 5
    assert loads.peak((0, 1))[3, 0] == 0


def test_failover_loads_fits_fails_when_a_failover_overloads_a_node() -> None:
    loads = FailoverLoads(np.array([[10], [10], [4]]), 1)
    loads.add((0, 1), np.array([5]))
    assert loads.fits()
    loads.add((1, 2), np.array([5]))  # node 1 failed: 2 runs 5 > 4
    assert not loads.fits()


def brute_peak(
    lists: list[tuple[int, ...]], weights: np.ndarray, m: int, k: int, a: int
) -> np.ndarray:
    """peak((a,)) by brute force: the most each node runs under a k-set holding node a
    (a failed node counts its primary load only, as FailoverLoads does)."""
    primary = np.zeros((m, weights.shape[1]), dtype=np.int64)
    for listed, weight in zip(lists, weights, strict=True):
        primary[listed[0]] += weight
    peak = np.zeros_like(primary)
    for failed in itertools.combinations(range(m), k):
        if a not in failed:
            continue
        load = primary.copy()
        load[list(failed)] = 0
        for listed, weight in zip(lists, weights, strict=True):
            alive = [n for n in listed if n not in failed]
            if alive and alive[0] != listed[0]:
                load[alive[0]] += weight
        load[list(failed)] = primary[list(failed)]
        peak = np.maximum(peak, load)
    return peak


@settings(max_examples=30, deadline=None)
@given(m=st.integers(4, 7), seed=st.integers(0, 10_000), removed=st.integers(0, 3))
def test_failover_loads_one_node_peak_matches_brute_force_at_k3(
    m: int, seed: int, removed: int
) -> None:
    k = 3  # from here on the one-node peaks are kept, not scanned
    rng = np.random.default_rng(seed)
    lists = [tuple(int(n) for n in rng.permutation(m)[: k + 1]) for _ in range(8)]
    weights = rng.integers(1, 100, size=(8, 2))
    loads = FailoverLoads(np.full((m, 2), 10_000), k)
    assert loads.keeps_single
    for listed, weight in zip(lists, weights, strict=True):
        loads.add(listed, weight)
    for listed, weight in zip(lists[:removed], weights[:removed], strict=True):
        loads.add(listed, weight, sign=-1)
    for a in range(m):
        expected = brute_peak(lists[removed:], weights[removed:], m, k, a)
        assert (loads.peak((a,)) == expected).all()

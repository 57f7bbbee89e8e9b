"""solver/packing.py: packings that never overfill a bin, respect eligibility and, on
tiny instances, sit between the lower bound and the brute-force optimum."""

from __future__ import annotations

import time

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.packing import bin_centric, fit_decreasing, item_orderings, pack_vectors
from solver.packing_bounds import packing_lower_bound
from solver.packing_exact import full_bins
from solver.packing_lns import improve
from solver.packing_search import Packing


def brute_force_bins(weights: np.ndarray, capacity: np.ndarray) -> int | None:
    """The fewest bins of a packing, trying every assignment (tiny instances only)."""
    n, bins = len(weights), len(capacity)
    best: list[int | None] = [None]

    def place(i: int, load: np.ndarray, used: set[int]) -> None:
        if best[0] is not None and len(used) >= best[0]:
            return
        if i == n:
            best[0] = len(used)
            return
        for b in range(bins):
            if np.all(load[b] + weights[i] <= capacity[b]):
                load[b] += weights[i]
                place(i + 1, load, used | {b})
                load[b] -= weights[i]

    place(0, np.zeros_like(capacity), set())
    return best[0]


@st.composite
def instances(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random sizes, capacities and eligibility, made packable: bin i may hold item i
    alone (eligible and large enough), so a packing always exists."""
    d = draw(st.integers(1, 3))
    n = draw(st.integers(1, 12))
    sizes = st.lists(st.integers(0, 10), min_size=d, max_size=d)
    weights = np.array(draw(st.lists(sizes, min_size=n, max_size=n)))
    rooms = st.lists(st.integers(1, 12), min_size=d, max_size=d)
    capacity = np.maximum(np.array(draw(st.lists(rooms, min_size=n, max_size=n))), weights)
    flags = st.lists(st.booleans(), min_size=n, max_size=n)
    eligible = np.array(draw(st.lists(flags, min_size=n, max_size=n)))
    eligible[np.arange(n), np.arange(n)] = True
    return weights, capacity, eligible


@settings(max_examples=60, deadline=None)
@given(instances())
def test_pack_vectors_never_overfills_and_respects_eligibility(
    case: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    weights, capacity, eligible = case
    assign = pack_vectors(weights, capacity, time.monotonic() + 0.05, eligible)
    assert_packs(assign, weights, capacity, eligible)


def assert_packs(
    assign: np.ndarray, weights: np.ndarray, capacity: np.ndarray, eligible: np.ndarray
) -> None:
    """Every item in an eligible bin, no bin over its capacity in any dimension."""
    assert assign.shape == (len(weights),)
    assert (assign >= 0).all()
    assert eligible[np.arange(len(weights)), assign].all()
    load = np.zeros_like(capacity)
    np.add.at(load, assign, weights)
    assert (load <= capacity).all()


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_pack_vectors_and_bound_bracket_the_brute_force_optimum(data: st.DataObject) -> None:
    d = data.draw(st.integers(1, 3))
    n = data.draw(st.integers(1, 7))
    weights = np.array(
        data.draw(
            st.lists(st.lists(st.integers(1, 10), min_size=d, max_size=d), min_size=n, max_size=n)
        )
    )
    capacity = np.full((n, d), 10)
    optimum = brute_force_bins(weights, capacity)
    assert optimum is not None  # n bins always hold n items of size <= capacity
    assign = pack_vectors(weights, capacity, time.monotonic() + 0.2)
    assert packing_lower_bound(weights, capacity) <= optimum <= len(set(assign.tolist()))


def test_pack_vectors_pairs_items_that_fit_only_crosswise() -> None:
    """(6,4) fills a bin of (10,10) only beside (4,6), and (5,5) beside (5,5): 3 bins."""
    weights = np.array([[6, 4], [4, 6], [6, 4], [4, 6], [5, 5], [5, 5]])
    capacity = np.full((6, 2), 10)
    assign = pack_vectors(weights, capacity, time.monotonic() + 1.0)
    assert len(set(assign.tolist())) == 3


def test_pack_vectors_with_heterogeneous_bins_prefers_the_smaller_bin() -> None:
    weights = np.array([[3, 3], [2, 2]])
    capacity = np.array([[100, 100], [5, 5], [6, 6]])
    assign = pack_vectors(weights, capacity, time.monotonic() + 0.5)
    assert set(assign.tolist()) == {1}


def test_pack_vectors_reports_no_packing_when_an_item_fits_nowhere() -> None:
    weights = np.array([[3], [20]])
    assign = pack_vectors(weights, np.array([[10], [10]]), time.monotonic() + 0.1)
    assert (assign == -1).all()


def test_constructions_place_every_item_within_capacity() -> None:
    rng = np.random.default_rng(3)
    weights = rng.integers(10, 51, (60, 3))
    capacity = np.full((60, 3), 150)
    allowed = np.ones((60, 60), dtype=bool)
    bins = np.arange(60)
    found = [
        fit_decreasing(weights, capacity, allowed, key, bins, bf)
        for key in item_orderings(weights / 150)
        for bf in (False, True)
    ]
    found.append(bin_centric(weights, capacity, allowed, bins))
    for assign in found:
        assert assign is not None
        load = np.zeros_like(capacity)
        np.add.at(load, assign, weights)
        assert (load <= capacity).all()


def test_full_bins_finds_disjoint_exact_pairs_and_triples() -> None:
    """(5,5)+(5,5) and (2,3)+(3,3)+(5,4) fill (10,10); (9,9) fills nothing exactly.
    The constant third column (1 each, room 100) never binds, so it does not count."""
    weights = np.array([[5, 5, 1], [2, 3, 1], [9, 9, 1], [3, 3, 1], [5, 5, 1], [5, 4, 1]])
    found = full_bins(weights, np.array([10, 10, 100]))
    assert sorted(tuple(sorted(g)) for g in found) == [(0, 4), (1, 3, 5)]


def test_pack_vectors_rebuilds_a_perfect_packing_of_triples() -> None:
    """30 triples that each fill (150,150,150) exactly, shuffled: 30 bins."""
    rng = np.random.default_rng(7)
    a = rng.integers(37, 76, (30, 3))
    b = rng.integers(37, 150 - a - 37 + 1)
    weights = np.concatenate([a, b, 150 - a - b])[rng.permutation(90)]
    assign = pack_vectors(weights, np.full((40, 3), 150), time.monotonic() + 2.0)
    assert len(set(assign.tolist())) == 30


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_improve_from_one_item_per_bin_reaches_the_brute_force_optimum(
    data: st.DataObject,
) -> None:
    d = data.draw(st.integers(1, 3))
    n = data.draw(st.integers(1, 7))
    sizes = st.lists(st.integers(1, 10), min_size=d, max_size=d)
    weights = np.array(data.draw(st.lists(sizes, min_size=n, max_size=n)))
    capacity = np.full((n, d), 10)
    optimum = brute_force_bins(weights, capacity)
    assert optimum is not None
    allowed = np.ones((n, n), dtype=bool)
    packing = Packing(weights, capacity, allowed, np.arange(n))
    target = packing_lower_bound(weights, capacity)
    assign = improve(packing, time.monotonic() + 0.3, target, seed=0)
    assert len(set(assign.tolist())) == optimum


@settings(max_examples=60, deadline=None)
@given(instances())
def test_improve_from_one_item_per_bin_never_overfills_and_respects_eligibility(
    case: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    weights, capacity, eligible = case
    allowed = eligible & np.all(weights[:, None, :] <= capacity[None, :, :], axis=2)
    packing = Packing(weights, capacity, allowed, np.arange(len(weights)))
    assert_packs(improve(packing, time.monotonic() + 0.1, 1), weights, capacity, allowed)

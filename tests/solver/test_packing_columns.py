"""solver/packing_columns.py: the enumeration lists exactly the item sets that fit a bin
and reach the floor, and its best value is the best set's (brute force on tiny
instances), so pricing by it is exact."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.packing_columns import all_sets, heavy_sets


@st.composite
def valued_items(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = draw(st.integers(1, 3))
    room = np.array(draw(st.lists(st.integers(4, 12), min_size=d, max_size=d)))
    n = draw(st.integers(1, 8))
    weights = np.array([[draw(st.integers(0, 9)) for _ in range(d)] for _ in range(n)])
    value = np.array(draw(st.lists(st.integers(0, 20), min_size=n, max_size=n)))
    return weights.reshape(n, d), room, value


def fitting(weights: np.ndarray, room: np.ndarray) -> list[tuple[int, ...]]:
    n = len(weights)
    return [
        group
        for r in range(1, n + 1)
        for group in itertools.combinations(range(n), r)
        if np.all(weights[list(group)].sum(axis=0) <= room)
    ]


@settings(max_examples=150, deadline=None)
@given(valued_items(), st.integers(0, 40))
def test_heavy_sets_lists_exactly_the_fitting_sets_reaching_the_floor(
    case: tuple[np.ndarray, np.ndarray, np.ndarray], floor: int
) -> None:
    weights, room, value = case
    sets = heavy_sets(weights, room, value, floor)
    assert sets is not None
    got = sorted(tuple(sorted(c.tolist())) for c in sets.columns())
    want = sorted(g for g in fitting(weights, room) if value[list(g)].sum() >= floor)
    assert got == want


@settings(max_examples=150, deadline=None)
@given(valued_items(), st.integers(0, 40), st.booleans())
def test_heavy_sets_best_is_the_best_fitting_set_when_it_reaches_the_floor(
    case: tuple[np.ndarray, np.ndarray, np.ndarray], floor: int, useful_only: bool
) -> None:
    weights, room, value = case
    sets = heavy_sets(weights, room, value, floor, useful_only=useful_only)
    assert sets is not None
    considered = (value > 0) | (not useful_only)
    best = max(
        (int(value[list(g)].sum()) for g in fitting(weights, room) if considered[list(g)].all()),
        default=-1,
    )
    assert (sets.best == best) if best >= floor else (sets.best < floor)
    assert all(np.all(weights[c].sum(axis=0) <= room) for c in sets.columns())


@settings(max_examples=100, deadline=None)
@given(valued_items(), st.integers(0, 30))
def test_all_sets_best_of_prices_every_fitting_set(
    case: tuple[np.ndarray, np.ndarray, np.ndarray], above: int
) -> None:
    weights, room, value = case
    sets = all_sets(weights, room)
    assert sets is not None
    pool, best = sets.best_of(value, above, 3)
    values = sorted((int(value[list(g)].sum()) for g in fitting(weights, room)), reverse=True)
    assert best == (values[0] if values else -1)
    assert [int(value[p].sum()) for p in pool] == [v for v in values if v > above][:3]


def test_heavy_sets_gives_up_past_the_cap() -> None:
    weights = np.ones((12, 2), dtype=np.int64)  # every one of the 4,095 subsets fits
    room = np.array([12, 12])
    assert heavy_sets(weights, room, np.ones(12, dtype=np.int64), 0, cap=1000) is None
    full = all_sets(weights, room)
    assert full is not None and full.count() == 4095

"""solver/packing_partition.py: a dive on the LP packs every item within the bins, and
meets the optimum where the LP is integral."""

from __future__ import annotations

import time

import numpy as np
from hypothesis import given, settings

from solver.packing_cg import lp_bound
from solver.packing_lp import MAX_REMEMBERED, forget_lp_bounds
from solver.packing_partition import dived_plan
from tests.solver.test_packing_lp import fewest_bins, packings


@settings(max_examples=40, deadline=None)
@given(packings(smallest=1, fewest=2))
def test_dived_plan_packs_every_item_within_the_bins(case: tuple[np.ndarray, np.ndarray]) -> None:
    weights, room = case
    lp_bound(weights, room, 2.0)  # the duals the dive reads
    assign = dived_plan(weights, room, time.monotonic() + 5.0)
    assert assign is not None
    load = np.zeros((len(weights), len(room)), dtype=np.int64)
    np.add.at(load, assign, weights)
    assert np.all(load <= room)
    assert len(np.unique(assign)) >= fewest_bins(weights, room)


def test_dived_plan_meets_the_optimum_of_items_that_fit_only_in_pairs() -> None:
    weights = np.array([[7, 9], [1, 3], [5, 2], [5, 4]])
    room = np.array([10, 10])
    assert lp_bound(weights, room) == 3
    assign = dived_plan(weights, room, time.monotonic() + 5.0)
    assert assign is not None
    assert len(np.unique(assign)) == 3 == fewest_bins(weights, room)


def test_dived_plan_needs_the_lp_duals() -> None:
    weights = np.array([[9, 1], [8, 3], [2, 8]])  # no other test proves its LP bound
    assert dived_plan(weights, np.array([11, 12]), time.monotonic() + 5.0) is None


def test_dived_plan_puts_everything_in_one_bin_when_nothing_binds() -> None:
    weights = np.array([[3, 4], [4, 3], [2, 2]])
    assign = dived_plan(weights, np.array([23, 29]), time.monotonic() + 5.0)
    assert assign is not None
    assert assign.tolist() == [0, 0, 0]


def test_dived_plan_still_dives_after_other_instances_filled_the_lp_memory() -> None:
    # a bound remembered without its duals once left the dive with nothing to read
    # (the suite failed here after test_packing_lp had proved this very instance)
    weights = np.array([[7, 9], [1, 3], [5, 2], [5, 4]])
    room = np.array([10, 10])
    others = [np.vstack([weights, [[1 + i % 9, 1 + i // 9]]]) for i in range(MAX_REMEMBERED + 1)]
    lp_bound(others[-1], room)  # duals held that the bounds' memory no longer holds
    forget_lp_bounds()
    assert lp_bound(weights, room) == 3
    for other in others[:-2]:  # the duals' memory fills first, the bounds' just after
        lp_bound(other, room)
    lp_bound(weights, room)
    assign = dived_plan(weights, room, time.monotonic() + 5.0)
    assert assign is not None
    assert len(np.unique(assign)) == 3

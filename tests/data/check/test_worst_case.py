"""Worst loads from subset tables: the same figures and sets as the walk over positions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.check import worst_case
from data.check.loads import valid_owners, vm_loads
from data.check.metrics import node_loads, walked_worst
from data.check.worst_case import combination_ranks, fits_tables, peak_loads, worst_loads
from data.inventory import Inventory
from data.io.build import build_inventory, table
from data.plan import NO_NODE, Plan


def test_combination_ranks_follow_itertools_order() -> None:
    for m, size in itertools.product(range(1, 8), range(1, 4)):
        sets = np.array(list(itertools.combinations(range(m), size)), dtype=np.int64)
        if len(sets):
            assert combination_ranks(sets.reshape(-1, size), m).tolist() == list(range(len(sets)))


def fleet(sizes: tuple[int, ...], vms: int) -> Inventory:
    """Clusters of the given node counts, nodes of unequal memory; `vms` VMs per cluster."""
    nodes = [
        {
            "node": f"c{c}n{n}",
            "memory_mb": 8192 * (1 + n % 3),
            "logical_processors": 8,
            "cluster": f"c{c}",
        }
        for c, size in enumerate(sizes)
        for n in range(size)
    ]
    rows = [
        {
            "vm": f"c{c}v{v}",
            "memory_mb": 256 * (1 + (7 * v + c) % 5),
            "vcpus": 1 + v % 3,
            "cluster": f"c{c}",
        }
        for c in range(len(sizes))
        for v in range(vms)
    ]
    return build_inventory(table("nodes.csv", nodes), table("vms.csv", rows))


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=1, max_size=3).map(tuple),
    failures=st.integers(0, 4),
    seed=st.integers(0, 2**16),
)
def test_worst_loads_equal_the_walk_over_positions(
    sizes: tuple[int, ...], failures: int, seed: int
) -> None:
    """Owners lists with repeats, invalid entries (another cluster's node), none, and any
    width: every figure and every named set as the position walk gives them."""
    inventory = fleet(sizes, 5)
    rng = np.random.default_rng(seed)
    width = int(rng.integers(1, 5))
    owners = rng.integers(0, inventory.n_nodes, size=(inventory.n_vms, width)).tolist()
    lengths = rng.integers(0, width + 1, size=inventory.n_vms)
    plan = Plan.from_lists(
        [-1] * inventory.n_vms, [o[:n] for o, n in zip(owners, lengths, strict=True)]
    )
    valid, loads = valid_owners(inventory, plan), vm_loads(inventory)
    fast, fast_sets = worst_loads(inventory, valid, loads, failures)
    slow, slow_sets = walked_worst(inventory, valid, loads, failures)
    assert fast.tolist() == slow.tolist()
    assert fast_sets == slow_sets


def test_node_loads_walk_positions_when_the_tables_would_be_large(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inventory = fleet((5,), 8)
    owners = [[v % 5, (v + 1) % 5, (v + 3) % 5] for v in range(8)]
    plan = Plan.from_lists([-1] * 8, owners)
    assert fits_tables(inventory, 2, 3)
    tabled = node_loads(inventory, plan, 2)
    monkeypatch.setattr(worst_case, "MAX_TABLE_CELLS", 1)
    assert not fits_tables(inventory, 2, 3)
    assert node_loads(inventory, plan, 2) == tabled


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 7), failures=st.integers(0, 4), seed=st.integers(0, 2**16))
def test_peak_loads_is_the_most_under_any_failure_set(m: int, failures: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    width = int(rng.integers(1, 5))
    lists = rng.integers(0, m, size=(9, width))
    lists[rng.random(lists.shape) < 0.2] = NO_NODE  # invalid entries anywhere
    loads = rng.integers(0, 100, size=(9, 2))
    expected = np.zeros((m, 2), dtype=np.int64)
    for size in range(min(failures, m) + 1):
        for failed in itertools.combinations(range(m), size):
            under = np.zeros((m, 2), dtype=np.int64)
            for row, load in zip(lists.tolist(), loads, strict=True):
                alive = [n for n in row if n != NO_NODE and n not in failed]
                if alive:
                    under[alive[0]] += load
            expected = np.maximum(expected, under)
    assert peak_loads(lists, loads, m, failures).tolist() == expected.tolist()

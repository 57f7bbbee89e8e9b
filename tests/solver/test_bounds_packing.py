"""solver/packing_bounds.py and the nodes bound built on it: textbook cases worked by
hand, and the bound proving a solve optimal."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from data.inventory import Inventory
from data.rules import Objective
from solver.bounds import lower_bound
from solver.packing_bounds import (
    cardinality_bound,
    conflict_clique,
    continuous_bound,
    martello_toth_l2,
    packing_lower_bound,
    surrogate_bound,
)
from solver.packing_plan import is_packing
from solver.problem import cluster_problem
from solver.result import Status


def test_martello_toth_l2_counts_items_above_half_apart() -> None:
    """Three items of 6 in bins of 10: L1 = ceil(18 / 10) = 2, but no two share a bin."""
    assert martello_toth_l2(np.array([6, 6, 6]), 10) == 3


def test_martello_toth_l2_adds_the_small_items_that_cannot_join_large_ones() -> None:
    """{8, 8, 3, 3, 3, 3}, C = 10: L1 = 3; with K = 3 the 8s take a bin each and no 3
    fits beside them, so the 3s (12) need 2 more bins: 4, the optimum."""
    sizes = np.array([8, 8, 3, 3, 3, 3])
    assert continuous_bound(sizes[:, None], np.array([[10]])) == 3
    assert martello_toth_l2(sizes, 10) == 4


def test_martello_toth_l2_is_l1_when_items_are_small() -> None:
    assert martello_toth_l2(np.array([2, 2, 2, 2, 2, 2]), 10) == 2


def test_conflict_clique_counts_items_pairwise_too_big_to_share() -> None:
    capacity = np.array([[10, 10]])
    assert conflict_clique(np.array([[6, 1], [1, 6], [6, 6]]), capacity) == 2
    assert conflict_clique(np.array([[6, 6], [6, 6], [6, 6]]), capacity) == 3


def test_cardinality_bound_from_the_smallest_items() -> None:
    """The three smallest of {4, 4, 5, 9} already overflow 12: two items per bin."""
    assert cardinality_bound(np.array([4, 4, 5, 9]), 12) == 2


def test_surrogate_bound_sees_negatively_correlated_items() -> None:
    """(3,6) and (6,3), four of each, in bins of (12,12): every dimension sums to 36
    (L1 = 3), but any three items add up to 27 > 24 over both: 2 per bin, 4 bins."""
    weights = np.array([[3, 6], [6, 3]] * 4)
    capacity = np.array([[12, 12]])
    assert continuous_bound(weights, capacity) == 3
    assert surrogate_bound(weights, capacity) == 4
    assert packing_lower_bound(weights, capacity) == 4


def test_nodes_bound_is_k_plus_the_packing_bound(
    inventory_of: Callable[..., Inventory],
) -> None:
    """Three VMs of res_a 6 on nodes of 10: no two share a node, so 3 nodes at k = 0 and
    4 at k = 1 (the counting bound alone says 2 and 3)."""
    nodes = [{"node": f"n{i}", "res_a": 10} for i in range(5)]
    inventory = inventory_of(nodes, [{"vm": f"v{i}", "res_a": 6} for i in range(3)])
    assert lower_bound(cluster_problem(inventory, 0, 0), Objective.NODES) == 3
    assert lower_bound(cluster_problem(inventory, 0, 1), Objective.NODES) == 4


def _vbp_inventory(inventory_of: Callable[..., Inventory]) -> Inventory:
    """{8, 8, 3, 3, 3, 3} in res_a on nodes of 10 (L2 = 4, L1 = 3), memory non-binding."""
    nodes = [{"node": f"n{i}", "res_a": 10, "memory_mb": 65536} for i in range(6)]
    vms = [{"vm": f"v{i}", "res_a": size} for i, size in enumerate([8, 8, 3, 3, 3, 3])]
    return inventory_of(nodes, vms)


def test_solve_nodes_at_k0_on_a_vector_packing_is_proven_optimal(
    inventory_of: Callable[..., Inventory], solve_and_check: Callable[..., object]
) -> None:
    inventory = _vbp_inventory(inventory_of)
    assert is_packing(cluster_problem(inventory, 0, 0))
    result = solve_and_check(inventory, objective="nodes", failures=0)
    assert result.status is Status.OPTIMAL
    assert (result.objective_value, result.bound) == (4, 4)


def test_is_packing_only_without_anti_affinity_and_at_k0(
    inventory_of: Callable[..., Inventory],
) -> None:
    nodes = [{"node": f"n{i}"} for i in range(3)]
    classed = inventory_of(nodes, [{"vm": "a", "anti_affinity": "x"}, {"vm": "b"}])
    plain = inventory_of(nodes, [{"vm": "a"}, {"vm": "b"}])
    assert not is_packing(cluster_problem(classed, 0, 0))
    assert not is_packing(cluster_problem(plain, 0, 1))
    assert is_packing(cluster_problem(plain, 0, 0))

"""Lower bounds on the number of bins of a vector bin packing (pure numpy, no search).

Each bound is a count of bins that every packing of the items needs. They hold for
heterogeneous bins too because they are computed against bins enlarged to the
largest capacity of each dimension: enlarging bins never raises the count needed.
solver/bounds.py turns them into bounds on nodes_used at N+k.
"""

from __future__ import annotations

import numpy as np

from data.inventory import IntArray


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def continuous_bound(weights: IntArray, capacity: IntArray) -> int:
    """L1: max over dimensions of ceil(total size / largest bin capacity)."""
    if len(weights) == 0:
        return 0
    top = np.maximum(capacity.max(axis=0), 1)
    return max(_ceil_div(int(weights[:, r].sum()), int(top[r])) for r in range(weights.shape[1]))


def martello_toth_l2(sizes: IntArray, capacity: int) -> int:
    """Martello and Toth's L2 for one-dimensional bin packing (Martello & Toth 1990, 8.3.1).

    For a threshold K <= C/2: items larger than C-K (J1) each need a bin of their own;
    items in (C/2, C-K] (J2) also take one bin each, and no J1 item fits beside them
    or beside each other; items in [K, C/2] (J3) fit only beside J2 items or in new
    bins, so they need ceil((size(J3) - free room beside J2) / C) more bins.
    Items smaller than K are dropped (a relaxation). The maximum over K is L2 >= L1.
    """
    ordered = np.sort(np.asarray(sizes, dtype=np.int64))
    ordered = ordered[ordered > 0]
    if len(ordered) == 0 or capacity <= 0:
        return 0
    prefix = np.concatenate([[0], np.cumsum(ordered)])
    half = capacity // 2  # sizes <= half are at most C/2, sizes > half exceed it
    k = np.unique(np.concatenate([[0], ordered[ordered <= half]]))

    def count_sum(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """How many sizes, and their sum, lie in [low, high] (per threshold)."""
        a = np.searchsorted(ordered, low, side="left")
        b = np.searchsorted(ordered, high, side="right")
        return np.maximum(b - a, 0), np.where(b > a, prefix[b] - prefix[np.minimum(a, b)], 0)

    n1, _ = count_sum(capacity - k + 1, np.full_like(k, capacity))
    n2, s2 = count_sum(np.full_like(k, half + 1), capacity - k)
    _, s3 = count_sum(k, np.full_like(k, half))
    room = n2 * capacity - s2
    extra = np.maximum(0, -(-(s3 - room) // capacity))
    return int(max((n1 + n2 + extra).max(), _ceil_div(int(prefix[-1]), capacity)))


def per_dimension_l2(weights: IntArray, capacity: IntArray) -> int:
    """L2 of every dimension on its own, against that dimension's largest capacity."""
    if len(weights) == 0:
        return 0
    top = capacity.max(axis=0)
    return max(martello_toth_l2(weights[:, r], int(top[r])) for r in range(weights.shape[1]))


def conflict_clique(weights: IntArray, capacity: IntArray) -> int:
    """The size of a set of items no two of which fit in one bin: each needs its own.

    Two items conflict when, in some dimension, their sizes add up to more than the
    largest capacity. Finding the largest such set is a clique problem; taking items
    greedily by decreasing largest relative size gives a valid (possibly smaller) one,
    as in Spieksma's (1994) bound for 2-dimensional vector packing.
    """
    if len(weights) == 0:
        return 0
    top = np.maximum(capacity.max(axis=0), 1)
    share = (weights / top).max(axis=1)
    clique: list[int] = []
    for i in np.argsort(-share, kind="stable"):
        if share[i] <= 0:
            break
        chosen = weights[clique]
        if np.all(np.any(chosen + weights[i] > top, axis=1)):
            clique.append(int(i))
    return len(clique)


def cardinality_bound(sizes: IntArray, capacity: int) -> int:
    """ceil(n / p), p the most items any bin holds: the p+1 smallest overflow it."""
    ordered = np.sort(np.asarray(sizes, dtype=np.int64))
    most = int(np.searchsorted(np.cumsum(ordered), capacity, side="right"))
    return _ceil_div(len(ordered), max(most, 1)) if len(ordered) else 0


def surrogate_bound(weights: IntArray, capacity: IntArray) -> int:
    """L2 and the cardinality bound of every surrogate: the sum of a subset of the
    dimensions, each scaled to a common size.

    Valid: a bin that holds items within every dimension's (largest) capacity holds
    them within any non-negative integer combination of those capacities, so each
    surrogate is a one-dimensional relaxation. Negatively correlated sizes (large in
    one dimension where small in another) are what it catches, and L1 misses.
    """
    d = weights.shape[1]
    top = np.maximum(capacity.max(axis=0), 1)
    scale = np.maximum(np.round(SURROGATE_SCALE / top), 1).astype(np.int64)
    best = 0
    for mask in range(1, 1 << min(d, MAX_SURROGATE_DIMS)):
        chosen = [r for r in range(d) if mask >> r & 1]
        sizes = weights[:, chosen] @ scale[chosen]
        room = int(top[chosen] @ scale[chosen])
        best = max(best, martello_toth_l2(sizes, room), cardinality_bound(sizes, room))
    return best


SURROGATE_SCALE = 10_000  # dimensions are scaled to about this capacity
MAX_SURROGATE_DIMS = 6  # subsets of the first six dimensions (at most 63 surrogates)


def packing_lower_bound(weights: IntArray, capacity: IntArray) -> int:
    """The best of the bounds above: bins that every packing of `weights` needs."""
    weights = np.asarray(weights, dtype=np.int64)
    capacity = np.asarray(capacity, dtype=np.int64).reshape(-1, weights.shape[1])
    if len(weights) == 0:
        return 0
    return max(
        continuous_bound(weights, capacity),
        surrogate_bound(weights, capacity),
        conflict_clique(weights, capacity),
    )

"""Vector bin packing: items with d sizes into bins with d capacities, fewest bins.

A pure library (numpy and CP-SAT, no I/O) for the `nodes` objective at k = 0 and
for primary placement on large clusters. Several greedy constructions run first
(first-fit and best-fit decreasing under several item orderings and bin orders, and
a bin-centric rule that opens each bin with the largest item left and fills it with
the items that match its free room best, which pairs large items with their
complements); the best packing is then improved until the deadline by closing its
least-filled bins one by one (solver/packing_lns.py). A packing still above the analytic
bound, with few items per bin (where the LP sees combinations L1 and L2 miss; with
many small items it is about L1), first pays for the column-generation bound
(solver/packing_lp.py), which may prove it optimal and stops the search sooner.
Heterogeneous bins: fewest bins first, then the least total capacity (normalised
per dimension).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from data.inventory import BoolArray, FloatArray, IntArray
from solver.packing_bounds import packing_lower_bound
from solver.packing_cg import LP_SECONDS, lp_bound
from solver.packing_exact import full_bins
from solver.packing_lns import improve
from solver.packing_search import Packing, feasible_packing, normalised_top, packing_score

CONSTRUCTION_SHARE = 0.05  # of the time left: the greedy rules (0.15 gave the pool search less)
BIN_CENTRIC_MAX_ITEMS = 3000  # it is quadratic in the items
LP_SHARE = 0.4  # of the improvement's time, for the LP bound (solver/packing_lp.py)
LP_ITEMS_PER_BIN = 3  # past this many items per bin the LP bound is about L1: not tried
FEASIBLE_MAX_PAIRS = 100_000  # items x bins up to which CP-SAT looks for any packing


def pack_vectors(
    weights: IntArray,
    capacity: IntArray,
    deadline: float,
    eligible: BoolArray | None = None,
    seed: int = 0,
    bound: int = 0,
) -> IntArray:
    """item -> bin (-1 everywhere when no packing was found) using the fewest bins.

    `deadline` is a time.monotonic() instant: the greedy rules stop there once one
    has found a packing, and so does the improvement. `eligible`
    (items x bins) restricts the bins an item may go to. `bound`, a lower bound the
    caller knows (solver/packing_lp.py's), stops the search sooner when it is met.
    """
    weights = np.asarray(weights, dtype=np.int64).reshape(len(weights), -1)
    capacity = np.asarray(capacity, dtype=np.int64).reshape(-1, weights.shape[1])
    allowed = _allowed(weights, capacity, eligible)
    if len(weights) == 0:
        return np.empty(0, dtype=np.int64)
    weights, capacity = _binding(weights, capacity)
    construct_until = time.monotonic() + CONSTRUCTION_SHARE * max(deadline - time.monotonic(), 0)
    target = max(packing_lower_bound(weights, capacity), bound)
    if target > len(capacity):  # even bins of the largest size would not do
        return np.full(len(weights), -1, dtype=np.int64)
    best: IntArray | None = None
    for found in _constructions(weights, capacity, allowed, construct_until, seed):
        if found is not None and (
            best is None or packing_score(found, capacity) < packing_score(best, capacity)
        ):
            best = found
        if (
            best is not None
            and packing_score(best, capacity)[0] <= target
            and _homogeneous(capacity)
        ):
            break
        if best is not None and time.monotonic() > deadline:  # large: the first rules do
            break
    if best is None and allowed.size <= FEASIBLE_MAX_PAIRS:
        best = feasible_packing(weights, capacity, allowed, deadline, seed)
    if best is None:
        return np.full(len(weights), -1, dtype=np.int64)
    if packing_score(best, capacity)[0] > target and len(weights) <= LP_ITEMS_PER_BIN * target:
        seconds = min(LP_SECONDS, LP_SHARE * max(deadline - time.monotonic(), 0.0))
        target = max(target, lp_bound(weights, capacity.max(axis=0), seconds))
    packing = Packing(weights, capacity, allowed, best)
    return improve(packing, deadline, target, seed)


def _binding(weights: IntArray, capacity: IntArray) -> tuple[IntArray, IntArray]:
    """Only the dimensions some bin could overflow: where all items together fit the
    smallest bin (memory and vCPUs in a vector packing benchmark) none can, and such
    dimensions would only slow the search and blur its scores."""
    binding = weights.sum(axis=0) > capacity.min(axis=0)
    binding[0] |= not binding.any()  # one dimension keeps the shapes
    return weights[:, binding], capacity[:, binding]


def _homogeneous(capacity: IntArray) -> bool:
    return bool(np.all(capacity == capacity[0]))


def _allowed(weights: IntArray, capacity: IntArray, eligible: BoolArray | None) -> BoolArray:
    """eligible, and an item fits the empty bin in every dimension."""
    fits = np.all(weights[:, None, :] <= capacity[None, :, :], axis=2)
    if eligible is None:
        return fits
    return fits & np.asarray(eligible, dtype=bool).reshape(fits.shape)


def _constructions(
    weights: IntArray, capacity: IntArray, allowed: BoolArray, until: float, seed: int
) -> Iterator[IntArray | None]:
    """Every deterministic rule under every bin order, then noisy orderings to `until`
    (None where a rule got stuck, so the caller can watch its deadline)."""
    share = weights / normalised_top(capacity)
    keys = item_orderings(share)
    for bins in bin_orders(capacity):
        for key in keys:
            for best_fit in (False, True):
                yield fit_decreasing(weights, capacity, allowed, key, bins, best_fit)
        if len(weights) <= BIN_CENTRIC_MAX_ITEMS:
            yield bin_centric(weights, capacity, allowed, bins)
    if _homogeneous(capacity) and allowed.all():
        yield from _around_full_bins(weights, capacity, allowed, keys)
    rng = np.random.default_rng(seed)
    bins = bin_orders(capacity)[0]
    while time.monotonic() < until:
        key = keys[int(rng.integers(len(keys)))] * rng.uniform(0.8, 1.2, len(weights))
        yield fit_decreasing(weights, capacity, allowed, key, bins, bool(rng.random() < 0.5))


def _around_full_bins(
    weights: IntArray, capacity: IntArray, allowed: BoolArray, keys: list[FloatArray]
) -> Iterator[IntArray]:
    """The bins filled exactly (solver/packing_exact.py) first, the other items then
    packed by each rule into the other bins."""
    full = full_bins(weights, capacity[0])
    if not full:
        return
    fixed = np.full(len(weights), -1, dtype=np.int64)
    for b, group in enumerate(full):
        fixed[list(group)] = b
    rest = np.flatnonzero(fixed < 0)
    if len(rest) == 0:
        yield fixed
        return
    bins = np.arange(len(full), len(capacity))
    local = capacity[bins]
    tries = [
        fit_decreasing(
            weights[rest], local, allowed[rest][:, bins], key[rest], np.arange(len(bins)), bf
        )
        for key in keys
        for bf in (False, True)
    ]
    tries.append(bin_centric(weights[rest], local, allowed[rest][:, bins], np.arange(len(bins))))
    for found in tries:
        if found is not None:
            combined = fixed.copy()
            combined[rest] = bins[found]
            yield combined


def item_orderings(share: FloatArray) -> list[FloatArray]:
    """Keys to sort items by, largest first: the sum, the largest and the squared sum of
    their relative sizes, the sizes weighted by how scarce each dimension is overall,
    and the size in the tightest dimension (ties by the next tightest)."""
    scarcity = share.sum(axis=0)
    tightest = np.argsort(-scarcity, kind="stable")
    scale = share.max(initial=1.0) + 1.0
    lexicographic = sum(share[:, r] * scale ** (-j) for j, r in enumerate(tightest))
    return [
        share.sum(axis=1),
        share.max(axis=1),
        (share**2).sum(axis=1),
        share @ (scarcity / max(scarcity.sum(), 1e-9)),
        np.asarray(lexicographic, dtype=float),
    ]


def bin_orders(capacity: IntArray) -> list[IntArray]:
    """Bins largest first; with heterogeneous bins also smallest first (fewer, larger
    bins against less capacity)."""
    size = (capacity / normalised_top(capacity)).sum(axis=1)
    largest = np.argsort(-size, kind="stable")
    if _homogeneous(capacity):
        return [largest]
    return [largest, np.argsort(size, kind="stable")]


def fit_decreasing(
    weights: IntArray,
    capacity: IntArray,
    allowed: BoolArray,
    key: FloatArray,
    bins: IntArray,
    best_fit: bool,
) -> IntArray | None:
    """Items by decreasing key, each into the first open bin it fits (best fit: the one
    it leaves the least relative room in), else into the first new bin it fits."""
    rank = np.empty(len(bins), dtype=np.int64)
    rank[bins] = np.arange(len(bins))
    top = normalised_top(capacity)
    load = np.zeros_like(capacity)
    opened = np.zeros(len(capacity), dtype=bool)
    assign = np.full(len(weights), -1, dtype=np.int64)
    for i in np.argsort(-key, kind="stable"):
        fits = allowed[i] & np.all(load + weights[i] <= capacity, axis=1)
        if not fits.any():
            return None
        candidates = fits & opened
        if not candidates.any():
            b = int(np.where(fits, rank, len(rank)).argmin())
        elif best_fit:
            room = ((capacity - load - weights[i]) / top).sum(axis=1)
            b = int(np.where(candidates, room, np.inf).argmin())
        else:
            b = int(np.where(candidates, rank, len(rank)).argmin())
        assign[i], opened[b] = b, True
        load[b] += weights[i]
    return assign


def bin_centric(
    weights: IntArray, capacity: IntArray, allowed: BoolArray, bins: IntArray
) -> IntArray | None:
    """One bin at a time: open it with the largest item left that fits it, then add the
    item whose relative sizes best match the bin's relative free room (largest dot
    product, Panigrahy et al. 2011's DotProduct rule) until nothing more fits."""
    top = normalised_top(capacity)
    share = weights / top
    left = np.ones(len(weights), dtype=bool)
    assign = np.full(len(weights), -1, dtype=np.int64)
    for b in bins:
        room = capacity[b].copy()
        while True:
            fits = left & allowed[:, b] & np.all(weights <= room, axis=1)
            if not fits.any():
                break
            score = share @ (room / top) if room.sum() < capacity[b].sum() else share.sum(axis=1)
            i = int(np.where(fits, score, -np.inf).argmax())
            assign[i], left[i] = b, False
            room -= weights[i]
        if not left.any():
            return assign
    return None

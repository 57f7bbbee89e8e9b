"""The cheap moves of solver/packing_lns.py's search, in numpy over every item at once:
each either lowers the pool's cost or, for make_room, gathers free room in one bin
for a pool item that fits nowhere (fragmented room: every bin a little short in some
dimension)."""

from __future__ import annotations

import time

import numpy as np

from data.inventory import FloatArray, IntArray
from solver.packing_search import Packing

COST_SCALE = 100  # an item of relative size 1 costs this much in the pool
ROOM_BINS = 3  # bins closest to holding a pool item that make_room works on


class Pool:
    """The open bins, the items out of them and what each costs while it is out."""

    def __init__(self, packing: Packing, closed: int) -> None:
        self.packing = packing
        self.bins = np.array([b for b in packing.used() if b != closed], dtype=np.int64)
        self.base = _costs(packing, self.bins)
        self.cost = self.base.copy()
        for i in packing.items_of([closed]).tolist():
            packing.move(i, -1)

    def items(self) -> IntArray:
        """Pool items, dearest first (ties by index, for reproducibility)."""
        out = np.flatnonzero(self.packing.assign < 0)
        return out[np.argsort(-self.cost[out], kind="stable")]

    def penalise(self) -> None:
        out = self.packing.assign < 0
        self.cost[out] += self.base[out]


def _costs(packing: Packing, bins: IntArray) -> IntArray:
    """What an item costs in the pool: the square of its size relative to the bins,
    each dimension weighted by how full the open bins must be in it (the tightest
    dimension's room is the scarcest, so items large there are placed first)."""
    size = (packing.weights / packing.top) @ _tightness(packing, bins)
    return 1 + np.rint(COST_SCALE * size**2).astype(np.int64)


def _tightness(packing: Packing, bins: IntArray | list[int]) -> FloatArray:
    """Per dimension, how full `bins` are on average, relative to the mean over the
    dimensions."""
    tight = packing.weights.sum(axis=0) / np.maximum(packing.capacity[bins].sum(axis=0), 1)
    return tight / max(float(tight.mean()), 1e-9)


def least_filled(packing: Packing, bins: list[int]) -> list[int]:
    """`bins` by their load, each dimension weighted by its tightness, smallest first."""
    filled = (packing.load[bins] / packing.top) @ _tightness(packing, bins)
    return [bins[k] for k in np.argsort(filled, kind="stable").tolist()]


def tightest_bins(packing: Packing, items: IntArray, bins: IntArray) -> IntArray:
    """For each item, the bin of `bins` other than its own that it fits and leaves
    the least relative room in, else -1."""
    after = (
        packing.capacity[bins][None] - packing.load[bins][None] - packing.weights[items][:, None]
    )
    fits = np.all(after >= 0, axis=2) & packing.allowed[items][:, bins]
    fits &= bins[None, :] != packing.assign[items][:, None]
    room = np.where(fits, (after / packing.top).sum(axis=2), np.inf)
    return np.where(fits.any(axis=1), bins[room.argmin(axis=1)], -1)


def insert_where_fits(pool: Pool) -> bool:
    """Each pool item, dearest first, into the open bin it leaves least room in."""
    placed = False
    for i in pool.items().tolist():
        b = int(tightest_bins(pool.packing, np.array([i]), pool.bins)[0])
        if b >= 0:
            pool.packing.move(i, b)
            placed = True
    return placed


def insert_by_relocating(pool: Pool) -> bool:
    """A pool item, dearest first, into a bin once one of that bin's items has moved
    to another open bin (an ejection chain of two)."""
    packing = pool.packing
    inside, room = _inside(pool)
    for p in pool.items().tolist():
        ok = packing.allowed[p, packing.assign[inside]] & np.all(packing.weights[p] <= room, axis=1)
        movable = inside[ok]
        to = tightest_bins(packing, movable, pool.bins)
        if (to >= 0).any():
            j = int(movable[(to >= 0).argmax()])
            b = int(packing.assign[j])
            packing.move(j, int(to[(to >= 0).argmax()]))
            packing.move(p, b)
            return True
    return False


def _inside(pool: Pool) -> tuple[IntArray, IntArray]:
    """The items in open bins and the room each bin would have without that item."""
    packing = pool.packing
    inside = np.flatnonzero(np.isin(packing.assign, pool.bins))
    bins = packing.assign[inside]
    return inside, packing.capacity[bins] - packing.load[bins] + packing.weights[inside]


def swap_for_cheaper(pool: Pool) -> bool:
    """The first pool item (dearest first) that can take the place of a cheaper item in
    a bin does so, for the largest drop in cost; False when none can."""
    packing = pool.packing
    inside, room = _inside(pool)
    for p in pool.items().tolist():
        ok = (
            (pool.cost[inside] < pool.cost[p])
            & packing.allowed[p, packing.assign[inside]]
            & np.all(packing.weights[p] <= room, axis=1)
        )
        if ok.any():
            j = int(inside[np.where(ok, pool.cost[p] - pool.cost[inside], -1).argmax()])
            b = int(packing.assign[j])
            packing.move(j, -1)
            packing.move(p, b)
            return True
    return False


def make_room(pool: Pool, deadline: float) -> bool:
    """For a pool item, dearest first, in the bins it overflows least: move items out
    to other open bins, or swap them with smaller items of other bins, while its
    overflow there falls; True when it could be put in."""
    packing = pool.packing
    for p in pool.items().tolist():
        ok = packing.allowed[p, pool.bins]
        for b in pool.bins[ok][np.argsort(_overflow(packing, p, pool.bins[ok]), kind="stable")][
            :ROOM_BINS
        ].tolist():
            while (
                _overflow(packing, p, [b])[0] > 0
                and time.monotonic() < deadline
                and _shrink(pool, p, b)
            ):
                pass
            if _overflow(packing, p, [b])[0] <= 0:
                packing.move(p, b)
                return True
    return False


def _overflow(packing: Packing, p: int, bins: IntArray | list[int]) -> FloatArray:
    """How far item p overflows each bin, relative sizes summed over dimensions."""
    over = packing.load[bins] + packing.weights[p] - packing.capacity[bins]
    return (np.maximum(over, 0) / packing.top).sum(axis=1)


def _shrink(pool: Pool, p: int, b: int) -> bool:
    """The one move (an item of b to another open bin, or swapped with an item of
    another open bin) that lowers p's overflow in b most; False when none does."""
    packing = pool.packing
    mine = np.flatnonzero(packing.assign == b)
    others = np.flatnonzero(np.isin(packing.assign, pool.bins) & (packing.assign != b))
    if not len(mine) or not len(others):
        return False
    w, cap, load = packing.weights, packing.capacity, packing.load
    c = packing.assign[others]
    # swap j (of b) with k (of c); k = "nothing" is the plain move, as a zero row
    k_w = np.vstack([w[others], np.zeros((1, w.shape[1]), dtype=w.dtype)])
    k_bin = np.append(c, -1)
    new_b = load[b][None, None, :] - w[mine][:, None, :] + k_w[None, :, :]
    fits_b = np.all(new_b <= cap[b], axis=2)
    fits_b[:, :-1] &= packing.allowed[others, b][None, :]
    over = (np.maximum(new_b + w[p] - cap[b], 0) / packing.top).sum(axis=2)
    lower = over < _overflow(packing, p, [b])[0] - 1e-9
    good = fits_b & lower
    good[:, :-1] &= _fits_swapped(packing, mine, others, c)
    good[:, -1] = False  # a plain move goes to a bin chosen below
    plain = _plain_moves(pool, mine, b)
    over_plain = np.where((plain >= 0) & lower[:, -1], over[:, -1], np.inf)
    best_swap = float(np.where(good, over, np.inf).min())
    if min(best_swap, float(over_plain.min())) == np.inf:
        return False
    if float(over_plain.min()) <= best_swap:
        n = int(over_plain.argmin())
        packing.move(int(mine[n]), int(plain[n]))
        return True
    j, k = (
        int(x) for x in np.unravel_index(int(np.where(good, over, np.inf).argmin()), over.shape)
    )
    jj, kk, cc = int(mine[j]), int(others[k]), int(k_bin[k])
    packing.move(jj, -1)
    packing.move(kk, b)
    packing.move(jj, cc)
    return True


def _fits_swapped(packing: Packing, mine: IntArray, others: IntArray, c: IntArray) -> np.ndarray:
    """Whether bin c (of k) still fits once k leaves and j (of b) comes: j x k."""
    w, cap, load = packing.weights, packing.capacity, packing.load
    new_c = load[c][None, :, :] - w[others][None, :, :] + w[mine][:, None, :]
    return np.all(new_c <= cap[c][None, :, :], axis=2) & packing.allowed[mine][:, c]


def _plain_moves(pool: Pool, mine: IntArray, b: int) -> IntArray:
    """For each item of b, an open bin it could move to (tightest fit), else -1."""
    return tightest_bins(pool.packing, mine, pool.bins)

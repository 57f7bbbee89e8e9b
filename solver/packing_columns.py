"""Item sets that fit one bin, enumerated level by level with numpy: the feasible pairs,
the triples extending them, and so on, keeping only sets whose value can still reach
a floor.

Where a bin holds few items (large items: two or three per bin) there are few such
sets, so the column generation of solver/packing_cg.py prices exactly by looking at
all of them (milliseconds, where a CP-SAT knapsack takes a second), and
solver/packing_partition.py picks a packing among them. A set extends only with items
after its last one, so each set is met once. A partial set is dropped when no
extension can reach the floor: its value plus, in each dimension, the room left times
the best value per size of the items after it (a fractional knapsack's bound, taken
with a small margin against rounding) is below the floor; so the best value met is
exact whenever it reaches the floor.
Past `cap` sets kept at once the enumeration gives up (None): the caller falls back.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from data.inventory import FloatArray, IntArray

MAX_SETS = 300_000  # sets held at once: ~(4 k + 8 d) bytes each, so tens of MiB
CELLS = 1 << 20  # sets x items compared at once while extending
MARGIN = 1e-9  # relative slack on the float completion bound (never prunes a reachable set)


@dataclass(frozen=True)
class Sets:
    """The sets met whose value reached the floor, and the best value of any set."""

    members: list[IntArray]  # one (sets x k) array of item indices per size k
    values: list[IntArray]  # their values, aligned with members
    best: int  # the largest value of a set met: exact when it reaches the floor

    def count(self) -> int:
        return sum(len(v) for v in self.values)

    def columns(self) -> list[IntArray]:
        """Every set as its own array of item indices."""
        return [row for level in self.members for row in level]

    def best_of(self, value: IntArray, above: int, most: int) -> tuple[list[IntArray], int]:
        """Up to `most` sets whose summed `value` exceeds `above`, largest first, and the
        largest value of any set (-1 when none): a vectorised pricing of them all."""
        values = [np.asarray(value)[level].sum(axis=1) for level in self.members]
        flat = np.concatenate(values) if values else np.zeros(0, dtype=np.int64)
        if len(flat) == 0:
            return [], -1
        chosen = np.flatnonzero(flat > above)
        chosen = chosen[np.argsort(-flat[chosen], kind="stable")[:most]]
        starts = np.cumsum([0] + [len(v) for v in values])
        level = np.searchsorted(starts, chosen, side="right") - 1
        picked = [self.members[k][c - starts[k]] for k, c in zip(level, chosen, strict=True)]
        return picked, int(flat.max())


def all_sets(
    weights: IntArray, room: IntArray, cap: int = MAX_SETS, deadline: float = math.inf
) -> Sets | None:
    """Every item set that fits `room` (None past `cap` of them or `deadline`)."""
    zero = np.zeros(len(weights), dtype=np.int64)
    return heavy_sets(weights, room, zero, 0, cap=cap, deadline=deadline)


def heavy_sets(
    weights: IntArray,
    room: IntArray,
    value: IntArray,
    floor: int,
    useful_only: bool = False,
    cap: int = MAX_SETS,
    deadline: float = math.inf,
) -> Sets | None:
    """Every item set that fits `room` in every dimension and whose summed `value` is at
    least `floor`, or None past `cap` such sets, MAX_SETS partial ones at once or the
    time.monotonic() `deadline`. `useful_only` leaves out the items of value <= 0
    (a pricing never needs them: they raise no set's value)."""
    weights = np.asarray(weights, dtype=np.int64)
    value = np.asarray(value, dtype=np.int64)
    usable = np.all(weights <= room, axis=1) & ((value > 0) if useful_only else True)
    order = np.flatnonzero(usable)
    order = order[np.argsort(-_density(weights[order], room, value[order]), kind="stable")]
    w, v = weights[order], value[order]
    reach = _completion(w, v)
    members, values, best = [], [], -1
    last = np.arange(len(order))  # the frontier: partial sets by their last position
    rows, load, worth = last[:, None], w.copy(), v.copy()
    while len(rows):
        best = max(best, int(worth.max()))
        keep = worth >= floor
        members.append(order[rows[keep]])
        values.append(worth[keep])
        alive = _can_reach(worth, room - load, last, reach, floor)
        rows, load, worth, last = rows[alive], load[alive], worth[alive], last[alive]
        extended = _extend(rows, load, worth, last, w, v, room, max(cap, MAX_SETS))
        if extended is None:
            return None
        rows, load, worth, last = extended
        if sum(len(x) for x in values) > cap or time.monotonic() > deadline:
            return None
    return Sets(members, values, best)


def _density(weights: IntArray, room: IntArray, value: IntArray) -> FloatArray:
    """Value per relative size: items in this order make the completion bounds tight."""
    return value / np.maximum((weights / room).sum(axis=1), 1e-12)


def _completion(w: IntArray, v: IntArray) -> FloatArray:
    """reach[j, r]: the best value per unit of dimension r among items at positions >= j
    (inf where an item has size 0 there; row n is 0, nothing left)."""
    n, d = w.shape
    ratio = np.where(w > 0, np.maximum(v, 0)[:, None] / np.maximum(w, 1), np.inf)
    ratio = np.where((v > 0)[:, None], ratio, 0.0)
    reach = np.zeros((n + 1, d))
    if n:
        reach[:n] = np.maximum.accumulate(ratio[::-1], axis=0)[::-1]
    return reach


def _can_reach(
    worth: IntArray, left: IntArray, last: IntArray, reach: FloatArray, floor: int
) -> np.ndarray:
    """Whether some extension of each partial set (items after its last) may reach floor:
    in every dimension the items added use at most the room left, each at most the
    best value per size after `last`."""
    rates = reach[last + 1]
    with np.errstate(invalid="ignore"):
        gain = np.where(rates == np.inf, np.inf, rates * left)
    bound = worth + np.min(gain, axis=1) * (1 + MARGIN) + 1
    return bound >= floor


def _extend(
    rows: IntArray,
    load: IntArray,
    worth: IntArray,
    last: IntArray,
    w: IntArray,
    v: IntArray,
    room: IntArray,
    cap: int,
) -> tuple[IntArray, IntArray, IntArray, IntArray] | None:
    """Every partial set with one more item after its last that still fits (None past
    `cap`), by blocks of sets against all items at once."""
    left = room - load
    block = max(1, CELLS // max(len(w), 1))
    parts: list[tuple[IntArray, IntArray]] = []
    total = 0
    for start in range(0, len(rows), block):
        end = min(start + block, len(rows))
        fits = last[start:end, None] < np.arange(len(w))[None, :]
        for r in range(w.shape[1]):
            fits &= left[start:end, r, None] >= w[None, :, r]
        s, j = np.nonzero(fits)
        total += len(s)
        if total > cap:
            return None
        parts.append((s + start, j))
    s = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    j = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    grown = np.concatenate([rows[s], j[:, None]], axis=1)
    return grown, load[s] + w[j], worth[s] + v[j], j

"""Bins filled exactly: pairs and triples of items whose sizes add up to the capacity
in every dimension, as in Korf's bin completion ("A new algorithm for optimal bin
packing", AAAI 2002), which tries complete bins first.

Greedy rules and local search rarely rebuild such bins once items are scattered
(perfect packings, where every bin of the optimum is full, are the hard case for
them). A size vector is read as one integer in base C+1, so "the third item that
completes i and j" is a lookup; CP-SAT then picks the most disjoint full bins, and
the other items are packed as usual. Identical bins only, no eligibility.
"""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model

from data.inventory import IntArray

MAX_KEY = 1 << 62  # the base-(C+1) code of a size vector must fit in an int64
MAX_ITEMS = 2000  # the pair search is quadratic in the items
MAX_FULL_BINS = 5000  # candidate full bins kept (the lookup stops there)
SELECT_SECONDS = 0.5


def full_bins(weights: IntArray, room: IntArray) -> list[tuple[int, ...]]:
    """Disjoint pairs and triples of items that fill `room` exactly (maybe none).

    Only dimensions that bind count: where all items together fit in one bin (memory
    and vCPUs in a vector packing benchmark), no bin can overflow, so full there is
    never needed. The search is quadratic, hence skipped past MAX_ITEMS items.
    """
    binding = weights.sum(axis=0) > room
    weights, room = weights[:, binding], room[binding]
    base = int(room.max(initial=0)) + 1
    too_big = float(base) ** weights.shape[1] >= MAX_KEY
    if not binding.any() or too_big or not 2 <= len(weights) <= MAX_ITEMS:
        return []
    powers = base ** np.arange(weights.shape[1], dtype=np.int64)
    key = weights @ powers
    target = int(room @ powers)
    holders: dict[int, list[int]] = {}
    for i, k in enumerate(key.tolist()):
        holders.setdefault(k, []).append(i)
    candidates = _candidates(weights, room, key, target, holders)
    return _most_disjoint(candidates, len(weights)) if candidates else []


def _candidates(
    weights: IntArray, room: IntArray, key: IntArray, target: int, holders: dict[int, list[int]]
) -> list[tuple[int, ...]]:
    """Every full pair, and every full triple i < j < k, up to MAX_FULL_BINS."""
    found: list[tuple[int, ...]] = []
    for i in range(len(weights)):
        rest = np.arange(i + 1, len(weights))
        need = room - weights[i] - weights[rest]
        found += [(i, int(j)) for j in rest[key[rest] == target - key[i]]]
        ok = np.all(need >= 0, axis=1)
        for j, k in zip(rest[ok].tolist(), (target - key[i] - key[rest[ok]]).tolist(), strict=True):
            found += [(i, j, m) for m in holders.get(k, ()) if m > j]
        if len(found) >= MAX_FULL_BINS:
            break
    return found


def _most_disjoint(candidates: list[tuple[int, ...]], n: int) -> list[tuple[int, ...]]:
    """CP-SAT's candidates sharing no item that hold the most items between them."""
    model = cp_model.CpModel()
    take = [model.new_bool_var(f"full[{c}]") for c in range(len(candidates))]
    users: list[list[cp_model.IntVar]] = [[] for _ in range(n)]
    for var, group in zip(take, candidates, strict=True):
        for i in group:
            users[i].append(var)
    for listed in users:
        if len(listed) > 1:
            model.add_at_most_one(listed)
    model.maximize(sum(len(group) * var for var, group in zip(take, candidates, strict=True)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = SELECT_SECONDS
    solver.parameters.num_workers = 1
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return []
    return [group for var, group in zip(take, candidates, strict=True) if solver.boolean_value(var)]

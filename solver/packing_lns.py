"""Closing bins of a vector packing one at a time by large-neighbourhood search over a
pool of unplaced items.

The items of the least-filled bin leave it for the pool and the bin is closed; the
other used bins must take them back. "Fewest bins" is flat until a bin empties, so
the pool's cost guides the search: an item costs the square of its size (each
dimension weighted by how full the bins must be in it), so large items, the hard
ones to place last, go back first. Moves, cheapest first (solver/packing_moves.py,
numpy over every item at once): put a pool item where it fits, or where it fits once
an item there moved to another bin; swap it for a cheaper item of a bin; gather free
room for it in the bins it overflows least (with many small items per bin the room
is spread thin: every bin a few units short in some dimension). Every CP_EVERY-th
time none helps, CP-SAT repacks the pool and a few bins whose free room covers the
pool's sizes, leaving less cost out; otherwise the items still in the pool grow
dearer (guided local search), so later swaps push them in at the expense of others.
The bin is closed once the pool is empty; if time runs out first the packing is
restored. With a seed and CP-SAT's deterministic work limit, a run that is not cut
by the deadline is reproducible.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.sat.python import cp_model

from data.inventory import IntArray
from solver.packing_moves import (
    Pool,
    insert_by_relocating,
    insert_where_fits,
    least_filled,
    make_room,
    swap_for_cheaper,
)
from solver.packing_search import Packing, normalised_top, smaller_bins

STEP_SECONDS = 0.5  # wall-clock cap of one CP-SAT neighbourhood (a safety net)
STEP_WORK = 0.02  # CP-SAT's deterministic time per neighbourhood: same seed, same plan
ROOM_MARGIN = 1.5  # a neighbourhood has this much room for the pool's sizes
MAX_BINS = 8  # bins in one CP-SAT neighbourhood
CP_EVERY = 10  # local optima of the cheap moves per CP-SAT step


def improve(packing: Packing, deadline: float, target: int, seed: int = 0) -> IntArray:
    """Close bins until `deadline` or until only `target` bins (a lower bound) are used."""
    rng = np.random.default_rng(seed)
    while len(packing.used()) > target and time.monotonic() < deadline:
        if not close_one_bin(packing, deadline, rng):
            break
    smaller_bins(packing)
    return packing.assign.copy()


def close_one_bin(packing: Packing, deadline: float, rng: np.random.Generator) -> bool:
    """Empty the least-filled bin (tight dimensions weighing most) into the others by
    deadline; False (and the packing as it was) when the pool could not be emptied.
    (Trying the next least-filled bins in turn, after 30 or 100 local optima each, was
    measured: no bin more closed on class 1, some reached later.)"""
    before = packing.assign.copy()
    used = packing.used()
    if len(used) < 2:
        return False
    pool = Pool(packing, least_filled(packing, used)[0])
    stuck = 0
    while len(pool.items()) and time.monotonic() < deadline:
        if (
            insert_where_fits(pool)
            or insert_by_relocating(pool)
            or swap_for_cheaper(pool)
            or make_room(pool, deadline)
        ):
            continue
        stuck += 1
        if stuck % CP_EVERY == 0 and repair(pool, rng, deadline):
            continue
        pool.penalise()
    if len(pool.items()):
        packing.reset(before)
        return False
    return True


def repair(pool: Pool, rng: np.random.Generator, deadline: float) -> bool:
    """CP-SAT over the pool and a few open bins: True when it left less cost out."""
    bins = _neighbourhood(pool, rng)
    items = np.flatnonzero((pool.packing.assign < 0) | np.isin(pool.packing.assign, bins))
    answer = _solve(pool, items, bins, deadline, int(rng.integers(1 << 30)))
    if answer is None:
        return False
    for i, b in zip(items.tolist(), answer, strict=True):
        if pool.packing.assign[i] != b:
            pool.packing.move(i, b)
    return True


def _neighbourhood(pool: Pool, rng: np.random.Generator) -> list[int]:
    """Open bins drawn one by one, with odds rising with how well their free room
    matches what the pool still lacks (dot product), until together they have room
    for the pool in every dimension (with a margin) or MAX_BINS are drawn: fewer
    could never take the pool back, however CP-SAT repacks them."""
    packing = pool.packing
    top = normalised_top(packing.capacity)
    lacking = ROOM_MARGIN * (packing.weights[pool.items()] / top).sum(axis=0)
    room = (packing.capacity[pool.bins] - packing.load[pool.bins]) / top
    left = np.ones(len(pool.bins), dtype=bool)
    chosen: list[int] = []
    while left.any() and len(chosen) < MAX_BINS and (lacking > 0).any():
        odds = np.where(left, room @ np.maximum(lacking, 0) + 1e-3, 0)
        k = int(rng.choice(len(pool.bins), p=odds / odds.sum()))
        chosen.append(int(pool.bins[k]))
        left[k] = False
        lacking -= room[k]
    return sorted(chosen)


def _solve(
    pool: Pool, items: IntArray, bins: list[int], deadline: float, seed: int
) -> list[int] | None:
    """Each item's bin (-1: the pool) with less pool cost than now, or None."""
    packing = pool.packing
    model = cp_model.CpModel()
    put = {
        (i, b): model.new_bool_var(f"in[{i},{b}]")
        for i in items.tolist()
        for b in bins
        if packing.allowed[i, b]
    }
    out = {}
    for i in items.tolist():
        out[i] = model.new_bool_var(f"out[{i}]")
        model.add_exactly_one([out[i], *(put[i, b] for b in bins if (i, b) in put)])
        model.add_hint(out[i], bool(packing.assign[i] < 0))
    for (i, b), x in put.items():
        model.add_hint(x, bool(packing.assign[i] == b))
    for b in bins:
        for r in range(packing.weights.shape[1]):
            terms = [(int(packing.weights[i, r]), x) for (i, c), x in put.items() if c == b]
            model.add(sum(w * x for w, x in terms) <= int(packing.capacity[b, r]))
    left = sum(int(pool.cost[i]) * out[i] for i in items.tolist())
    model.add(left <= int(pool.cost[items][packing.assign[items] < 0].sum()) - 1)
    model.minimize(left)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(
        0.01, min(STEP_SECONDS, deadline - time.monotonic())
    )
    solver.parameters.max_deterministic_time = STEP_WORK
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [
        -1
        if solver.boolean_value(out[i])
        else next(b for b in bins if (i, b) in put and solver.boolean_value(put[i, b]))
        for i in items.tolist()
    ]

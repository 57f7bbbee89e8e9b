"""Step 1 of the failure-first balance start: a packing at the target, by local search.

solver/balance_start.py needs every unit packed on the survivors of one failed node
with memory at the target permille. At the bound the survivors' total room is only
1-3 GiB over 11-15 nodes, under the smallest VM on every node, so each node must be
filled to within a few hundred MiB: a subset-sum per node. CP-SAT on the whole
packing stalled 135-433 MiB short after 20 s on 12-16 nodes. Here the greedy plan's
positions under the failure are first improved by moves and swaps
(solver/balance_search.py), then, while some node overflows, it and a few other
survivors are re-packed by a small CP-SAT model over their units alone, asked for
less overflow (a large-neighbourhood search over nodes): 0.4-2.8 s to a packing on
the six hardest clusters of benchmarks/balance_proof.py, CP-SAT's misses included.
It proves nothing; balance_start.py's CP-SAT packing still proves a target
impossible when it is.
"""

from __future__ import annotations

import time
from math import comb

import numpy as np
from ortools.sat.python import cp_model

from solver.balance_search import Packing, PackingSearch, descend, search_state
from solver.cpsat import run_cpsat, stop_requested
from solver.params import Params
from solver.problem import MEMORY_ROW, ClusterProblem
from solver.result import Status

REPACK_SECONDS = 0.3  # at most, per neighbourhood
# other survivors re-packed with an overflowing node: one or two (measured on the six
# hardest of benchmarks/balance_proof.py: every packing in 0.4-2.8 s; with two to four
# others 0.8-13 s, the larger models often ending UNKNOWN at their time limit)
NEIGHBOURS = (1, 2)
ROOM_FLOOR = 50  # MiB: a full survivor is still drawn now and then, for variety


def repair_packing(
    problem: ClusterProblem,
    failed: int,
    target: int,
    start: Packing,
    params: Params,
    deadline: float,
) -> tuple[Packing | None, Packing]:
    """(a packing within every limit, memory at `target` permille, or None when the
    search stops short by `deadline`; the least overflowing packing seen, a hint).

    `start` must keep every rule but memory, as the greedy plan's positions under the
    failure do; otherwise (None, start)."""
    search = search_state(problem, failed, target, start)
    if search is None:
        return None, start
    rng = np.random.default_rng(params.seed)
    descend(search, rng, deadline)
    survivors = [n for n in range(problem.n_nodes) if n != failed]
    stuck: set[frozenset[int]] = set()  # neighbourhoods proven unable to improve now
    while search.overflow() > 0 and time.monotonic() < deadline and not stop_requested():
        if len(stuck) >= _neighbourhood_count(search, survivors):
            break  # every neighbourhood is proven stuck: more draws cannot help
        nodes = _neighbourhood(search, survivors, rng)
        if frozenset(nodes) in stuck:
            continue
        seconds = min(REPACK_SECONDS, deadline - time.monotonic())
        status = _repack(search, nodes, params, seconds)
        if status is Status.INFEASIBLE:
            stuck.add(frozenset(nodes))
        elif status.has_plan:
            stuck.clear()  # the loads changed: every neighbourhood may improve again
    return (search.packing() if search.overflow() == 0 else None), search.packing()


def _neighbourhood_count(search: PackingSearch, survivors: list[int]) -> int:
    """How many distinct node sets _neighbourhood can draw now: sets of the sizes it
    draws that hold at least one overflowing node."""
    over = int(
        np.count_nonzero(search.load[survivors, MEMORY_ROW] > search.limit[survivors, MEMORY_ROW])
    )
    total = len(survivors)
    sizes = {min(size, total - 1) + 1 for size in NEIGHBOURS}
    return sum(comb(total, t) - comb(total - over, t) for t in sizes)


def _neighbourhood(
    search: PackingSearch, survivors: list[int], rng: np.random.Generator
) -> list[int]:
    """One overflowing node, at random, and one or two other survivors drawn by their
    room (plus ROOM_FLOOR): those with room to take load are the likely partners."""
    over = search.load[:, MEMORY_ROW] > search.limit[:, MEMORY_ROW]
    chosen = int(rng.choice(np.flatnonzero(over)))
    others = np.array([n for n in survivors if n != chosen])
    size = min(int(rng.choice(NEIGHBOURS)), len(others))
    room = search.limit[others, MEMORY_ROW] - search.load[others, MEMORY_ROW]
    weight = np.maximum(room, 0) + ROOM_FLOOR
    picked = rng.choice(others, size=size, replace=False, p=weight / weight.sum())
    return [chosen, *(int(n) for n in picked)]


def _repack(search: PackingSearch, nodes: list[int], params: Params, seconds: float) -> Status:
    """Re-pack the units on `nodes` among those nodes, with less overflow than now, the
    least CP-SAT finds in `seconds`. Asking for strictly less lets CP-SAT prove a
    neighbourhood stuck in milliseconds (status INFEASIBLE), where minimising alone
    ran to the limit."""
    if seconds <= 0.01:
        return Status.UNKNOWN
    model = cp_model.CpModel()
    units = [int(i) for i in np.flatnonzero(np.isin(search.node, nodes))]
    on = {
        (i, n): model.new_bool_var(f"on[{i},{n}]")
        for i in units
        for n in nodes
        if search.eligible[i, n]
    }
    for i in units:
        model.add_exactly_one(on[i, n] for n in nodes if (i, n) in on)
    for (i, n), literal in on.items():
        model.add_hint(literal, int(search.node[i]) == n)
    overflow = _sub_limits(model, search, on, nodes)
    before = sum(_node_overflow(search, n) for n in nodes)
    model.add(overflow <= before - 1)
    model.minimize(overflow)
    solver, status = run_cpsat(model, params, seconds, workers=1)
    if not status.has_plan:
        return status
    for (i, n), literal in on.items():
        if solver.boolean_value(literal) and search.node[i] != n:
            search.move(i, n)
    return status


def _node_overflow(search: PackingSearch, n: int) -> int:
    return max(int(search.load[n, MEMORY_ROW] - search.limit[n, MEMORY_ROW]), 0)


def _sub_limits(
    model: cp_model.CpModel,
    search: PackingSearch,
    on: dict[tuple[int, int], cp_model.IntVar],
    nodes: list[int],
) -> cp_model.LinearExprT:
    """Each node within its limits, memory plus an overflow; each constrained class at
    most once per node (the units elsewhere hold none of these nodes); the overflows'
    sum."""
    overflows = []
    for n in nodes:
        here = [(i, literal) for (i, m), literal in on.items() if m == n]
        if not here:
            continue
        for row in range(search.weight.shape[1]):
            total = sum(int(search.weight[i, row]) * literal for i, literal in here)
            limit = int(search.limit[n, row])
            if row == MEMORY_ROW:
                top = int(search.weight[[i for i, _ in here], row].sum())
                overflows.append(model.new_int_var(0, max(top, 0), f"overflow[{n}]"))
                model.add_hint(overflows[-1], _node_overflow(search, n))
                model.add(total - overflows[-1] <= limit)
            else:
                model.add(total <= limit)
        for c in range(search.classes.shape[1]):
            members = [literal for i, literal in here if search.classes[i, c]]
            if len(members) > 1:
                model.add_at_most_one(members)
    return sum(overflows)

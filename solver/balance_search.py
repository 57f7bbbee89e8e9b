"""Step 1 of the failure-first balance start by local search: repair a packing in numpy.

solver/balance_start.py packs every unit on the survivors of one failed node with
memory at the target permille. CP-SAT finds that packing in 3-26 s on 12-16 nodes
(more under load); the greedy plan's own positions under that failure are usually a
few hundred MiB over on one or two nodes, and moving or swapping a handful of units
closes that. Here every rule but memory is kept hard (eligibility, CPU and extra
resources, anti-affinity): only the memory overflow over the target, summed over the
survivors, is searched down, by best-improvement relocations and swaps with a tabu
list against cycling. It proves nothing: when it stops short, CP-SAT takes over.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from data.rules import PERMILLE
from solver.anti_affinity import class_members
from solver.cpsat import stop_requested
from solver.problem import MEMORY_ROW, ClusterProblem

Packing = dict[int, int]  # unit -> the node it runs on while the failed node is down
TABU_MOVES = 7  # a unit moved is left alone for this many moves
MAX_STEPS = 2_000
STALL = 40  # moves without a new best before the search gives way to CP-SAT


@dataclass
class PackingSearch:
    """The packing as arrays: loads, class counts and the hard-rule masks."""

    units: np.ndarray  # the units placed (those with VMs), as problem indices
    weight: np.ndarray  # placed unit x resource
    limit: np.ndarray  # node x resource (memory at the target; the failed node 0)
    eligible: np.ndarray  # placed unit x node (never the failed node)
    classes: np.ndarray  # placed unit x constrained class, 0/1
    node: np.ndarray  # placed unit -> node
    load: np.ndarray  # node x resource
    count: np.ndarray  # node x class

    def overflow(self) -> int:
        return int(np.maximum(self.load[:, MEMORY_ROW] - self.limit[:, MEMORY_ROW], 0).sum())

    def packing(self) -> Packing:
        return {int(u): int(n) for u, n in zip(self.units, self.node, strict=True)}

    def reset(self, node: np.ndarray) -> None:
        """Put every unit back where `node` says."""
        for i in np.flatnonzero(node != self.node):
            self.move(int(i), int(node[i]))

    def move(self, i: int, to: int) -> None:
        self.load[self.node[i]] -= self.weight[i]
        self.count[self.node[i]] -= self.classes[i]
        self.node[i] = to
        self.load[to] += self.weight[i]
        self.count[to] += self.classes[i]


def descend(search: PackingSearch, rng: np.random.Generator, deadline: float) -> None:
    """Best moves until the overflow is gone or has not improved for STALL moves; the
    best packing seen is the one left."""
    tabu = np.full(len(search.units), -TABU_MOVES)
    best, best_node, since = search.overflow(), search.node.copy(), 0
    for step in range(MAX_STEPS):
        if best == 0 or since >= STALL or (step % 16 == 0 and _past(deadline)):
            break
        if not _best_step(search, tabu <= step - TABU_MOVES, rng, tabu, step):
            break
        overflow = search.overflow()
        best, best_node, since = (
            (overflow, search.node.copy(), 0) if overflow < best else (best, best_node, since + 1)
        )
    search.reset(best_node)


def _past(deadline: float) -> bool:
    return time.monotonic() > deadline or stop_requested()


def search_state(
    problem: ClusterProblem, failed: int, target: int, start: Packing
) -> PackingSearch | None:
    """The arrays of the search; None when `start` misses a unit or a hard rule."""
    units = np.array([u for u, unit in enumerate(problem.units) if unit.members], dtype=np.int64)
    if any(int(u) not in start for u in units):
        return None
    n_nodes = problem.n_nodes
    weight = problem.weight[units].astype(np.int64)
    limit = problem.capacity.T.astype(np.int64).copy()
    limit[:, MEMORY_ROW] = limit[:, MEMORY_ROW] * target // PERMILLE
    limit[failed] = 0
    eligible = np.zeros((len(units), n_nodes), dtype=bool)
    for i, u in enumerate(units):
        eligible[i, list(problem.units[int(u)].eligible)] = True
    eligible[:, failed] = False
    classes = _constrained_classes(problem, units)
    node = np.array([start[int(u)] for u in units], dtype=np.int64)
    load = np.zeros((n_nodes, weight.shape[1]), dtype=np.int64)
    np.add.at(load, node, weight)
    count = np.zeros((n_nodes, classes.shape[1]), dtype=np.int64)
    np.add.at(count, node, classes)
    search = PackingSearch(units, weight, limit, eligible, classes, node, load, count)
    hard = (load[:, MEMORY_ROW + 1 :] <= limit[:, MEMORY_ROW + 1 :]).all()
    if not hard or not eligible[np.arange(len(units)), node].all() or (count > 1).any():
        return None
    return search


def _constrained_classes(problem: ClusterProblem, units: np.ndarray) -> np.ndarray:
    """placed unit x class: 1 where the unit holds a VM of a class that must keep its VMs
    on different nodes with one node failed (at most E - 1 VMs, solver/anti_affinity.py)."""
    index = {int(u): i for i, u in enumerate(units)}
    kept = [
        members
        for members in class_members(problem).values()
        if sum(members.values()) <= problem.n_nodes - 1
    ]
    classes = np.zeros((len(units), len(kept)), dtype=np.int64)
    for c, members in enumerate(kept):
        for u, vms in members.items():
            classes[index[u], c] = vms
    return classes


def _best_step(
    search: PackingSearch, free: np.ndarray, rng: np.random.Generator, tabu: np.ndarray, step: int
) -> bool:
    """Apply the relocation or swap that lowers the overflow most (or raises it least,
    ties broken at random) among units not tabu; False when no move keeps the rules."""
    relocation = _relocation_gains(search, free)
    swap = _swap_gains(search, free)
    gains = (
        relocation.ravel() if swap is None else np.concatenate([relocation.ravel(), swap.ravel()])
    )
    best = gains.max(initial=-np.inf)
    if best == -np.inf:
        return False
    pick = int(rng.choice(np.flatnonzero(gains == best)))
    if pick < relocation.size:
        a, to = divmod(pick, relocation.shape[1])
        tabu[a] = step
        search.move(a, to)
        return True
    a, b = divmod(pick - relocation.size, len(search.units))
    tabu[a] = tabu[b] = step
    node_a, node_b = int(search.node[a]), int(search.node[b])
    search.move(a, node_b)
    search.move(b, node_a)
    return True


def _excess(load: np.ndarray, limit: np.ndarray) -> np.ndarray:
    return np.maximum(load - limit, 0)


def _relocation_gains(search: PackingSearch, free: np.ndarray) -> np.ndarray:
    """gain[i, n]: overflow saved by moving unit i to node n (-inf where a rule breaks)."""
    s = search
    at = s.node
    memory, limit = s.load[:, MEMORY_ROW], s.limit[:, MEMORY_ROW]
    w = s.weight[:, MEMORY_ROW]
    before = _excess(memory, limit)
    leave = before[at] - _excess(memory[at] - w, limit[at])  # saved where it was
    arrive = _excess(memory[None, :] + w[:, None], limit[None, :]) - before[None, :]
    gain = (leave[:, None] - arrive).astype(float)
    ok = s.eligible & free[:, None]
    ok &= (s.load[None, :, 1:] + s.weight[:, None, 1:] <= s.limit[None, :, 1:]).all(axis=2)
    ok &= (s.classes @ s.count.T) == 0
    ok[np.arange(len(at)), at] = False
    gain[~ok] = -np.inf
    return gain


def _swap_gains(search: PackingSearch, free: np.ndarray) -> np.ndarray | None:
    """gain[a, b]: overflow saved by swapping units a and b (-inf where a rule breaks),
    for a on an overflowing node (only such swaps can save anything)."""
    s = search
    memory, limit = s.load[:, MEMORY_ROW], s.limit[:, MEMORY_ROW]
    rows = np.flatnonzero((memory[s.node] > limit[s.node]) & free)
    if not rows.size:
        return None
    at_a, at_b = s.node[rows][:, None], s.node[None, :]
    delta = s.weight[rows][:, None, :] - s.weight[None, :, :]  # a x b x resource
    before = _excess(memory, limit)
    new_a = _excess(memory[at_a] - delta[:, :, MEMORY_ROW], limit[at_a])
    new_b = _excess(memory[at_b] + delta[:, :, MEMORY_ROW], limit[at_b])
    gain = (before[at_a] + before[at_b] - new_a - new_b).astype(float)
    ok = (at_a != at_b) & free[None, :]
    ok &= s.eligible[rows][:, s.node] & s.eligible[:, s.node[rows]].T
    rest = slice(MEMORY_ROW + 1, None)
    ok &= (s.load[at_a][:, :, rest] - delta[:, :, rest] <= s.limit[at_a][:, :, rest]).all(axis=2)
    ok &= (s.load[at_b][:, :, rest] + delta[:, :, rest] <= s.limit[at_b][:, :, rest]).all(axis=2)
    conflict = s.classes @ s.count.T  # unit x node: class-mates already there
    shared = s.classes[rows] @ s.classes.T
    ok &= conflict[rows][:, s.node] == shared
    ok &= shared == conflict[:, s.node[rows]].T
    gain[~ok] = -np.inf
    full = np.full((len(s.units), len(s.units)), -np.inf)
    full[rows] = gain
    return full

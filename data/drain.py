"""Rolling maintenance: the rounds in which to pause, patch and resume every node.

A round drains up to k nodes together (k = the plan's failures), so its node set is a
failure set the plan is certified for: each group of a drained node goes where it would
fail over under that set (the first owner not drained, as Windows takes its preferred
owners), and every other node stays within its limits. Per round: the moves, the
utilisation of every other node of the cluster, and what the round costs (VMs restarted
by quick migration and their memory; live-migrated VMs counted apart).

Pure evaluation plus a small greedy choice of rounds over evaluated candidates; it
computes loads from the raw columns itself, so tests can hold it against the checker's.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from data.inventory import Inventory
from data.moves import failover_groups
from data.names import natural_key
from data.plan import Plan

MAX_CANDIDATES = 5000  # node sets evaluated per greedy pick; beyond, rounds go in name order


class DrainError(ValueError):
    """No node can be drained safely (a plan for N+0, or a one-node cluster)."""


@dataclass(frozen=True)
class DrainMove:
    """One group leaving a drained node for its failover target under the round's set."""

    group: str
    vms: tuple[int, ...]
    source: int
    target: int
    live: bool  # a VM on a shared LUN; else quick migration: the group's VMs restart
    memory_mb: int  # the VMs' memory, without Hyper-V overhead


@dataclass(frozen=True)
class DrainRound:
    """Nodes drained together, where their groups go, and the other nodes' utilisation."""

    number: int
    cluster: int
    nodes: tuple[int, ...]
    moves: tuple[DrainMove, ...]
    utilisation: tuple[tuple[int, int], ...]  # (node, permille) of every other cluster node

    @property
    def peak_permille(self) -> int:
        return max((p for _, p in self.utilisation), default=0)

    @property
    def restarted_vms(self) -> int:
        return sum(len(m.vms) for m in self.moves if not m.live)

    @property
    def quick_gib(self) -> float:
        return sum(m.memory_mb for m in self.moves if not m.live) / 1024

    @property
    def live_vms(self) -> int:
        return sum(len(m.vms) for m in self.moves if m.live)


def target_under(plan: Plan, v: int, drained: Sequence[int]) -> int:
    """The first owner of VM v that is not drained (-1 when none is left)."""
    return next((n for n in plan.owners_of(v) if n not in drained), -1)


def evaluate(inventory: Inventory, plan: Plan, cluster: int, nodes: tuple[int, ...]) -> DrainRound:
    """The round draining `nodes` (number 0: not yet placed in the order)."""
    moves = []
    for name, vms, live, _ in failover_groups(inventory, plan):
        source = plan.owners_of(vms[0])[0] if plan.owners_of(vms[0]) else -1
        if source not in nodes:
            continue
        target = target_under(plan, vms[0], nodes)
        memory = int(sum(int(inventory.vm_memory_mb[v]) for v in vms))
        moves.append(DrainMove(name, vms, source, target, live, memory))
    used = dict.fromkeys((int(n) for n in inventory.nodes_of(cluster) if n not in nodes), 0)
    for v in range(inventory.n_vms):
        runner = target_under(plan, v, nodes)
        if runner in used:
            used[runner] += int(inventory.vm_cost_mb[v])
    capacity = inventory.node_capacity_mb
    utilisation = tuple((n, math.ceil(1000 * u / int(capacity[n]))) for n, u in used.items())
    return DrainRound(0, cluster, nodes, tuple(moves), utilisation)


def drain_rounds(inventory: Inventory, plan: Plan, failures: int) -> tuple[DrainRound, ...]:
    """Every node of every cluster drained exactly once, in rounds of up to k nodes,
    cluster by cluster; rounds chosen to keep each round's peak utilisation low."""
    if failures < 1:
        raise DrainError(
            "the plan is for N+0: a drained node's groups would have no failover target; "
            "plan with --failures 1 or more"
        )
    out: list[DrainRound] = []
    for cluster in range(len(inventory.clusters)):
        nodes = sorted((int(n) for n in inventory.nodes_of(cluster)), key=_by_name(inventory))
        if len(nodes) < 2:
            raise DrainError(f"cluster {inventory.clusters[cluster]!r} has one node: no room")
        size = min(failures, len(nodes) - 1)

        def peak(s: tuple[int, ...], c: int = cluster) -> tuple[int, int]:
            r = evaluate(inventory, plan, c, s)
            stranded = sum(1 for m in r.moves if m.target < 0)
            return stranded, r.peak_permille

        for chosen in choose_rounds(nodes, size, _cached(peak)):
            round_ = evaluate(inventory, plan, cluster, chosen)
            out.append(dataclasses.replace(round_, number=len(out) + 1))
    return tuple(out)


def _by_name(inventory: Inventory) -> Callable[[int], tuple]:
    return lambda n: natural_key(inventory.node_names[n])


Score = tuple[int, int]


def _cached(score: Callable[[tuple[int, ...]], Score]) -> Callable[[tuple[int, ...]], Score]:
    seen: dict[tuple[int, ...], Score] = {}

    def cached(nodes: tuple[int, ...]) -> Score:
        key = tuple(sorted(nodes))
        if key not in seen:
            seen[key] = score(key)
        return seen[key]

    return cached


def choose_rounds(
    nodes: list[int], size: int, score: Callable[[tuple[int, ...]], Score]
) -> list[tuple[int, ...]]:
    """A partition of `nodes` (in their order) into ceil(len / size) rounds: greedily the
    set of lowest score among the nodes left, then swaps between rounds while a swap
    lowers the worse of the two; the rounds come back in the order of their first node."""
    position = {n: i for i, n in enumerate(nodes)}
    left, rounds = list(nodes), []
    while left:
        s = min(size, len(left))
        if math.comb(len(left), s) <= MAX_CANDIDATES:
            pick = min(itertools.combinations(left, s), key=score)
        else:
            pick = tuple(left[:s])
        rounds.append(list(pick))
        left = [n for n in left if n not in pick]
    _improve(rounds, score)
    ordered = [tuple(sorted(r, key=position.__getitem__)) for r in rounds]
    return sorted(ordered, key=lambda r: position[r[0]])


def _improve(rounds: list[list[int]], score: Callable[[tuple[int, ...]], Score]) -> None:
    """Swap two nodes of two rounds while that lowers the worse score of the pair."""
    for _ in range(50):
        changed = False
        for a, b in itertools.combinations(range(len(rounds)), 2):
            before = max(score(tuple(rounds[a])), score(tuple(rounds[b])))
            for i, j in itertools.product(range(len(rounds[a])), range(len(rounds[b]))):
                ra, rb = list(rounds[a]), list(rounds[b])
                ra[i], rb[j] = rb[j], ra[i]
                after = max(score(tuple(ra)), score(tuple(rb)))
                if after < before:
                    rounds[a], rounds[b], before, changed = ra, rb, after, True
        if not changed:
            return

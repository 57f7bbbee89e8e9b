"""The witness of a synthetic cluster: owners lists that spread the load evenly, and
node sizes that make exactly that plan N+k feasible (MODEL.md "Failover groups
and owners").

Only failure sets of exactly k nodes are looked at: a surviving node keeps every
group it runs when one more node fails, so its load under a smaller set is never
higher. Everything here works on one cluster, with node indices local to it.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from data.inventory import BoolArray, IntArray

GIB = 1024
NODE_MEMORY_STEP_MB = 64 * GIB
LP_SIZES = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
IOPS_STEP = 5000
VCPU_PER_LP = 8
_NO_LOAD = np.iinfo(np.int64).max


def vm_cost_mb(memory_mb: IntArray) -> IntArray:
    """Startup memory plus Hyper-V's overhead, 32 + 8 * (ceil(memory_mb / 1024) - 1)."""
    return memory_mb + 32 + 8 * (-(-memory_mb // 1024) - 1)


def failed_sets(nodes: int, failures: int) -> BoolArray:
    """failed[s, n]: node n is down in set s; every set of exactly min(k, N - 1) nodes."""
    sets = list(itertools.combinations(range(nodes), min(failures, nodes - 1)))
    failed = np.zeros((len(sets), nodes), dtype=bool)
    for s, members in enumerate(sets):
        failed[s, list(members)] = True
    return failed


def runs_on(failed: BoolArray, owners: IntArray) -> IntArray:
    """runs_on[s, g]: the first owner of group g that is up in failure set s."""
    first_up = np.argmin(failed[:, owners], axis=2)
    return owners[np.arange(owners.shape[0])[None, :], first_up]


def assign_owners(
    cost_mb: IntArray, eligible: BoolArray, group_class: IntArray, failures: int
) -> IntArray:
    """owners[g] as owners_and_classes gives them."""
    return owners_and_classes(cost_mb, eligible, group_class, failures)[0]


def owners_and_classes(
    cost_mb: IntArray, eligible: BoolArray, group_class: IntArray, failures: int
) -> tuple[IntArray, IntArray]:
    """owners[g]: failures + 1 distinct eligible nodes, groups taken in decreasing memory,
    each owner picked greedily as the node whose worst load (over the failure sets that
    reach it) stays lowest; groups of one anti-affinity class run on different nodes
    under every failure set that holds the class (_Apart). A class the greedy cannot
    keep apart (at k >= 2 some cannot be kept apart at all) is dropped whole; the
    classes kept are returned beside the owners."""
    failed = failed_sets(eligible.shape[1], failures)
    load = np.zeros(failed.shape, dtype=np.int64)
    kept = np.array(group_class, dtype=np.int64)
    apart = _Apart(kept, eligible.shape[1], failures)
    owners = np.zeros((len(cost_mb), failures + 1), dtype=np.int64)
    every_set = np.arange(len(failed))
    for g in np.argsort(-cost_mb, kind="stable"):
        c = int(kept[g])
        try:
            blocked = functools.partial(apart.blocked, c)
            owners[g] = _owners_of(load, failed, eligible[g], failures + 1, blocked)
        except RuntimeError:
            if c < 0:
                raise
            kept[kept == c] = -1  # dropping a whole class never breaks the others
            apart.drop(c)
            owners[g] = _owners_of(load, failed, eligible[g], failures + 1, apart.none)
        load[every_set, runs_on(failed, owners[g : g + 1])[:, 0]] += cost_mb[g]
        apart.take(int(kept[g]), owners[g])
    return owners, kept


class _Apart:
    """Anti-affinity under failures (MODEL.md): a class of m VMs is held under every set
    of at most min(k, N - m) failed nodes; the sets of exactly that size imply the
    smaller ones (a clash under F persists under F plus one more node). Per class and
    such set, the nodes its members run on."""

    def __init__(self, group_class: IntArray, nodes: int, failures: int) -> None:
        sizes = np.bincount(group_class[group_class >= 0], minlength=1)
        self.failed = {
            c: failed_sets(nodes, min(failures, nodes - int(size)))
            for c, size in enumerate(sizes)
            if size >= 2 and nodes >= size
        }
        self.taken = {c: np.zeros(f.shape, dtype=bool) for c, f in self.failed.items()}

    def blocked(self, c: int, chosen: list[int]) -> BoolArray:
        """Nodes where the next owner after `chosen` would meet a member of class c."""
        if c not in self.failed:
            return np.zeros(0, dtype=bool)
        failed = self.failed[c]
        reached = failed[:, chosen].all(axis=1)  # sets under which the next owner runs it
        clash = np.any(self.taken[c][reached] & ~failed[reached], axis=0)
        return np.asarray(clash, dtype=bool)

    def drop(self, c: int) -> None:
        self.failed.pop(c, None)

    @staticmethod
    def none(chosen: list[int]) -> BoolArray:
        return np.zeros(0, dtype=bool)

    def take(self, c: int, owners: IntArray) -> None:
        if c in self.failed:
            runner = runs_on(self.failed[c], owners[None, :])[:, 0]
            self.taken[c][np.arange(len(runner)), runner] = True


def _owners_of(
    load: IntArray,
    failed: BoolArray,
    eligible: BoolArray,
    count: int,
    blocked: Callable[[list[int]], BoolArray],
) -> list[int]:
    """Owner j is the least loaded allowed node over the sets where owners 0..j-1 are down."""
    reached = np.ones(len(failed), dtype=bool)
    chosen: list[int] = []
    for _ in range(count):
        allowed = eligible.copy()
        allowed[chosen] = False
        clash = blocked(chosen)
        if clash.size:
            allowed &= ~clash
        if not allowed.any():
            raise RuntimeError("no eligible owner left for a group (a generator bug)")
        node = _least_loaded(load[reached], failed[reached], allowed)
        chosen.append(node)
        reached &= failed[:, node]
    return chosen


def _least_loaded(load: IntArray, failed: BoolArray, allowed: BoolArray) -> int:
    """The allowed node with the lowest worst load over the sets it survives; ties go to
    the lowest total load over those sets (spreads backups instead of pairing nodes)."""
    up = ~failed
    worst = np.where(allowed, np.where(up, load, -1).max(axis=0), _NO_LOAD)
    total = np.where(up, load, 0).sum(axis=0)
    return int(np.argmin(np.where(worst == worst.min(), total, _NO_LOAD)))


def worst_loads(owners: IntArray, amounts: IntArray, nodes: int, failures: int) -> IntArray:
    """worst[n, r]: the highest total of amounts[:, r] node n runs under any failure set."""
    failed = failed_sets(nodes, failures)
    runner = runs_on(failed, owners)
    totals = np.zeros((len(failed), nodes, amounts.shape[1]), dtype=np.int64)
    np.add.at(totals, (np.arange(len(failed))[:, None], runner), amounts[None, :, :])
    return totals.max(axis=0)  # a failed node runs nothing, so its total is 0


@dataclass(frozen=True, eq=False)
class NodeSizes:
    memory_mb: IntArray
    logical_processors: IntArray
    iops: IntArray


def size_nodes(
    rng: np.random.Generator, worst: IntArray, reserve_mb: int, min_lps: int, tight: bool
) -> NodeSizes:
    """Node sizes from the witness's worst loads (memory incl. overhead, vCPUs, IOPS).

    Default: 25% margin, one size per cluster rounded up to 64 GiB and a standard
    LP count, and in clusters of 8+ a newer, larger node per 8. Tight: each node
    its own worst load rounded up to 1 GiB, the fewest LPs that hold it.
    """
    memory, vcpus, iops = worst[:, 0], worst[:, 1], worst[:, 2]
    if tight:
        return NodeSizes(
            reserve_mb + np.maximum(-(-memory // GIB) * GIB, GIB),
            np.maximum(-(-vcpus // VCPU_PER_LP), max(min_lps, 1)),
            iops.copy(),
        )
    nodes = len(memory)
    size_mb = max(_round_up(_margin(memory.max()), NODE_MEMORY_STEP_MB), NODE_MEMORY_STEP_MB)
    lps = _lp_size(max(-(-_margin(vcpus.max()) // VCPU_PER_LP), min_lps))
    sizes = NodeSizes(
        np.full(nodes, reserve_mb + size_mb, dtype=np.int64),
        np.full(nodes, lps, dtype=np.int64),
        np.full(nodes, max(_round_up(_margin(iops.max()), IOPS_STEP), IOPS_STEP), np.int64),
    )
    newer = rng.choice(nodes, nodes // 8, replace=False)
    sizes.memory_mb[newer] = reserve_mb + _round_up(size_mb * 3 // 2, NODE_MEMORY_STEP_MB)
    sizes.logical_processors[newer] = _lp_size(lps + 1)
    return sizes


def _margin(value: int) -> int:
    return int(-(-int(value) * 5 // 4))


def _round_up(value: int, step: int) -> int:
    return -(-int(value) // step) * step


def _lp_size(needed: int) -> int:
    """The smallest standard logical-processor count >= needed."""
    for size in LP_SIZES:
        if size >= needed:
            return size
    return int(_round_up(needed, 128))

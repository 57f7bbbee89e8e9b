"""The large-cluster path: owners lists without a model, for clusters the exact
model cannot hold (64 nodes, 8,000 VMs at N+2).

Groups go largest and most constrained first; each takes its owners one by one,
each owner the eligible node with the lowest peak share under the failure sets
where it would carry the group (solver/failover.py keeps those loads exact), so
every accepted list keeps N+k and failover load spreads evenly. An
anti-affinity class keeps its members' owners lists disjoint where it can; where
it cannot, the exact rule is checked under every failure set and clashing
members are re-placed (solver/large_repair.py); the attempt fails if that does
not help. For `nodes` the chosen nodes grow from the counting lower bound until
the packing succeeds.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from data.inventory import IntArray
from data.rules import PERMILLE, Objective
from solver.bounds import lower_bound
from solver.failover import FailoverLoads
from solver.large_groups import Group, packing_groups
from solver.large_repair import repair_classes
from solver.problem import MEMORY_ROW, ClusterProblem

MAX_TABLE_BYTES = 1 << 30  # the failover load table of one attempt
# a cluster reached with its budget spent (a fleet's last ones) still gets one try this
# long: ample for 8 nodes, 100 VMs (~0.03 s); it was untimed, 41 s at 64 nodes N+3
SPENT_TRY_SECONDS = 1.0
DEADLINE_EVERY = 32  # groups placed between two looks at the clock (~0.1 s when loaded)


@functools.lru_cache(maxsize=8)
def cluster_bound(problem: ClusterProblem, objective: Objective) -> int:
    """lower_bound, once per problem (an identity key): at 64 nodes, 8,000 VMs the nodes
    bound takes ~0.4 s, and the large path, its scoring and solve() each asked for it."""
    return lower_bound(problem, objective)


@dataclass(frozen=True)
class LargePlan:
    owners: list[tuple[int, ...]]  # per unit, local node indices
    luns: dict[int, int]  # free VM -> LUN
    utilisation: int  # U, permille, under every failure set
    nodes_used: int


def large_plan(
    problem: ClusterProblem,
    objective: Objective,
    deadline: float,
    found: tuple[list[Group], dict[int, int]] | None = None,
    spent_try: bool = True,
) -> LargePlan | None:
    """The best plan the heuristic finds before `deadline`, or None; `found` is
    packing_groups' answer when the caller has it; `spent_try` False: no try at all
    once the deadline has passed (the caller holds a plan already)."""
    found = found or packing_groups(problem)
    if found is None:
        return None
    groups, luns = found
    orders = node_orders(problem, groups)
    counts = [problem.n_nodes]
    if objective is Objective.NODES:
        start = max(cluster_bound(problem, Objective.NODES), problem.failures + 1)
        counts = list(range(min(start, problem.n_nodes), problem.n_nodes + 1))
    if time.monotonic() > deadline and not spent_try:
        return None
    if time.monotonic() > deadline:  # no time left: one short try, on every node
        counts, orders = [problem.n_nodes], orders[:1]
        deadline = time.monotonic() + SPENT_TRY_SECONDS
    for m in counts:
        for order in orders:
            if time.monotonic() > deadline:
                return None
            chosen = sorted(order[:m])
            placed = place_groups(problem, groups, chosen, objective, deadline)
            if placed is not None:
                return plan_of(problem, groups, luns, *placed)
    return None


def node_orders(problem: ClusterProblem, groups: list[Group]) -> list[list[int]]:
    """Which nodes to use first: the largest, or those the most demand may run on."""
    cap = problem.capacity / np.maximum(problem.capacity.max(axis=1, keepdims=True), 1)
    size = cap.sum(axis=0)
    demand = np.zeros(problem.n_nodes)
    for g in groups:
        demand[list(g.eligible)] += float(g.weight[MEMORY_ROW])
    by_size = sorted(range(problem.n_nodes), key=lambda n: (-size[n], n))
    by_reach = sorted(range(problem.n_nodes), key=lambda n: (-demand[n], -size[n], n))
    return [by_size] if by_reach == by_size else [by_size, by_reach]


def place_groups(
    problem: ClusterProblem,
    groups: list[Group],
    chosen: list[int],
    objective: Objective,
    deadline: float,
    share: bool = False,
) -> tuple[list[tuple[int, ...]], int] | None:
    """Owners lists (local nodes) per group using only `chosen`, and their U; None when
    stuck or past `deadline`.

    A class too large for disjoint lists first keeps its failover owners off its
    primaries; if the exact rule still breaks, a second try (`share`) makes its
    members share failover owners, which leaves the most nodes for their primaries.
    """
    k = problem.failures
    if FailoverLoads.table_bytes(len(chosen), k, problem.capacity.shape[0]) > MAX_TABLE_BYTES:
        return None
    loads = FailoverLoads(problem.capacity[:, chosen].T, k)
    index = {n: i for i, n in enumerate(chosen)}
    classes = _ClassNodes(problem.inventory.vm_classes.shape[1], len(chosen), k + 1)
    allowed = _allowed_masks(groups, index)
    owners: list[tuple[int, ...]] = [()] * len(groups)
    relaxed = False
    for step, g in enumerate(group_order(problem, groups)):
        if step % DEADLINE_EVERY == 0 and time.monotonic() > deadline:
            return None
        group = groups[g]
        prefer = index.get(group.current, -1) if objective is Objective.MOVES else -1
        listed = _owners_list(
            loads,
            functools.partial(classes.tiers, group.classes, share),
            group,
            allowed[group.eligible],
            k,
            prefer,
        )
        if listed is None:
            return None
        relaxed |= listed[1]
        loads.add(listed[0], group.weight)
        classes.take(group.classes, listed[0])
        owners[g] = listed[0]
    if (relaxed or share) and not repair_classes(problem, groups, owners, loads, allowed):
        return None if share else place_groups(problem, groups, chosen, objective, deadline, True)
    memory = loads.capacity[:, MEMORY_ROW]  # U from the exact loads kept: no recount
    worst = int((-(-PERMILLE * loads.worst[:, MEMORY_ROW] // np.maximum(memory, 1))).max())
    return [tuple(chosen[n] for n in listed) for listed in owners], worst


def _allowed_masks(groups: list[Group], index: dict[int, int]) -> dict[tuple[int, ...], IntArray]:
    """Per distinct eligible set, which chosen nodes it allows (a mask over them)."""
    masks = {}
    for group in groups:
        if group.eligible not in masks:
            mask = np.zeros(len(index), dtype=bool)
            mask[[index[n] for n in group.eligible if n in index]] = True
            masks[group.eligible] = mask
    return masks


def _owners_list(
    loads: FailoverLoads,
    tiers: Callable[[int], list[np.ndarray]],
    group: Group,
    allowed: np.ndarray,
    k: int,
    prefer: int,
) -> tuple[tuple[int, ...], bool] | None:
    """Owner after owner, the allowed node with the lowest peak share; (list, relaxed)."""
    listed: list[int] = []
    relaxed = False
    free = allowed.copy()
    for j in range(k + 1):
        after = loads.peak(tuple(listed)) + group.weight
        fits = np.logical_and.reduce(after <= loads.capacity, axis=1) & free
        picks = [fits & tier for tier in tiers(j)]
        tier = next((t for t, pick in enumerate(picks) if pick.any()), None)
        if tier is None:
            return None
        pick, relaxed = picks[tier], relaxed or tier > 0
        if j == 0 and prefer >= 0 and pick[prefer]:
            choice = prefer
        else:
            choice = int(np.where(pick, _cost(loads, after, j), np.inf).argmin())
        listed.append(choice)
        free[choice] = False
    return tuple(listed), relaxed


def _cost(loads: FailoverLoads, after: np.ndarray, j: int) -> np.ndarray:
    """How much taking the group as owner j costs each node, in shares of its capacity.

    A primary raises the node's worst case by its whole weight, so the least loaded
    node is best (spreading leaves room for failover). A failover owner costs only
    what it lifts the node's worst case by: load that stays under the peak some other
    failure set already causes is free, and filling those valleys packs tight.
    """
    share = np.maximum.reduce(after * loads.inverse, axis=1)  # .max's wrapper: 1 us a call
    if j == 0:
        return share
    lift = np.maximum.reduce((np.maximum(after, loads.worst) - loads.worst) * loads.inverse, axis=1)
    return lift + 1e-3 * share


class _ClassNodes:
    """Per anti-affinity class and owner position, the nodes its members' lists name."""

    def __init__(self, n_classes: int, nodes: int, width: int) -> None:
        self.at = np.zeros((n_classes, width, nodes), dtype=bool)
        self.everywhere = [np.ones(nodes, dtype=bool)]

    def tiers(self, classes: tuple[int, ...], share: bool, j: int) -> list[np.ndarray]:
        """Masks of nodes for owner position j, in order of preference.

        Best apart from every list of the class. Else (relaxations the exact check
        judges) a primary off the class's primaries and first failover owners (where
        its members go when one node fails), a failover owner off its primaries (with
        `share`, first the node the class already uses at that position); last anywhere.
        """
        if not classes:
            return self.everywhere
        at = np.asarray(self.at[list(classes)].any(axis=0))  # position x nodes
        primary, backup = at[0], np.asarray(at[1:].any(axis=0))
        apart = np.asarray(~(primary | backup))
        if j == 0:
            return [apart, np.asarray(~primary & ~at[min(1, len(at) - 1)]), np.asarray(~primary)]
        later = [apart, np.asarray(~primary & ~backup), np.asarray(~primary), *self.everywhere]
        return [np.asarray(~primary & at[j]), *later] if share else later

    def take(self, classes: tuple[int, ...], listed: tuple[int, ...]) -> None:
        for c in classes:
            self.at[c, np.arange(len(listed)), list(listed)] = True


def group_order(problem: ClusterProblem, groups: list[Group]) -> list[int]:
    """Fewest eligible nodes first, then classes, then the largest share of any resource."""
    scale = np.maximum(problem.capacity.mean(axis=1), 1)
    size = [float((g.weight / scale).max()) for g in groups]
    return sorted(
        range(len(groups)),
        key=lambda g: (len(groups[g].eligible), -len(groups[g].classes), -size[g]),
    )


def plan_of(
    problem: ClusterProblem,
    groups: list[Group],
    luns: dict[int, int],
    placed: list[tuple[int, ...]],
    worst: int,
) -> LargePlan:
    k = problem.failures
    owners = [tuple(unit.eligible[: k + 1]) for unit in problem.units]  # empty LUNs only
    for group, listed in zip(groups, placed, strict=True):
        for u in group.units:
            owners[u] = listed
    return LargePlan(owners, luns, worst, len({n for o in placed for n in o}))


def utilisation(problem: ClusterProblem, owners: list[tuple[int, ...]]) -> int:
    """U of owners lists per unit, recomputed from scratch on every node."""
    memory = problem.capacity[[MEMORY_ROW]].T
    loads = FailoverLoads(memory, problem.failures, peaks=False)
    for u, listed in enumerate(owners):
        if problem.units[u].members:
            loads.add(listed, problem.weight[u, [MEMORY_ROW]])
    return int((-(-PERMILLE * loads.worst[:, 0] // np.maximum(memory[:, 0], 1))).max(initial=0))

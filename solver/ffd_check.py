"""FFD+check: the N+k plan a planner builds by hand, the baseline hvplace must beat.

Per cluster, with m nodes in service (the m largest; first the fewest the nodes
lower bound allows):
1. first-fit decreasing of the failover groups (by memory) onto the m nodes, each
   node filled to at most (m - k) / m of its capacity in every resource (the
   percentage reserve k/m), anti-affinity classes on different nodes;
2. every failure set F of 1..k of those nodes is simulated on its own: the failed
   nodes' groups, biggest first, restart each on the survivor whose free room
   (capacity minus its own groups) fits it most tightly, classes kept apart;
3. when the first fit or some set fails (a group fits nowhere), m grows by one (the next
   unused node of the cluster, or once those run out a copy of its largest node)
   and it starts over. `nodes_used` counts the nodes that run a group in step 1
   or 2.
Owners lists can replay step 2 exactly at k <= 1 (owners = [node, where it went
when its node failed]). At k >= 2 they cannot in general: the list fixes where a
group goes under {a, b} once it is fixed under {a}. There the lists are built
by the same simulation run cumulatively (a set extends only the lists whose
every owner it fails) and kept only if every set still passes; otherwise the
answer is the node count alone (`plan` None). VMs whose LUN the planner chooses
are not supported.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass

import numpy as np

from data.inventory import BoolArray, IntArray, Inventory
from data.plan import Plan
from data.rules import Objective
from data.subset import cluster_subset
from solver.bounds import lower_bound
from solver.problem import MEMORY_ROW, ClusterProblem, cluster_problem

NO_OWNER = -1
_NO_ROOM = np.iinfo(np.int64).max  # argmin never picks a node that does not fit


@dataclass(frozen=True, eq=False)
class FfdCheck:
    """The answer over `inventory`: the input with `added` copies of nodes appended."""

    inventory: Inventory
    plan: Plan | None  # None: owners lists cannot replay the simulation, or stuck
    nodes_used: int | None  # nodes the simulation runs groups on; None: stuck
    added: int


@dataclass(frozen=True)
class _Packed:
    """One cluster's answer: the nodes it uses, and owners lists where they replay it."""

    used: int
    owners: list[tuple[int, ...]] | None


def ffd_check(inventory: Inventory, failures: int, max_copies: int = 64) -> FfdCheck:
    """FFD+check of every cluster, each on its own cut of the inventory; copies of a
    cluster's largest node are bought (at most `max_copies` per cluster) only when its
    own nodes cannot pass every failure set."""
    whole, owners = inventory, {}
    used, added, expressed = 0, 0, True
    for c in range(len(inventory.clusters)):
        cut = cluster_subset(inventory, [c])
        packed, problem = _pack_cluster(cut.inventory, failures, max_copies)
        node_map = [int(n) for n in cut.nodes]
        for _ in range(problem.n_nodes - len(node_map)):
            whole = with_copy(whole, c)
            node_map.append(whole.n_nodes - 1)
        added += problem.n_nodes - len(cut.nodes)
        if packed is None:
            return FfdCheck(whole, None, None, added)
        used += packed.used
        if packed.owners is None:
            expressed = False
            continue
        for v, (_, listed) in problem.per_vm(packed.owners, {}).items():
            owners[int(cut.vms[v])] = [node_map[n] for n in listed]
    if not expressed:
        return FfdCheck(whole, None, used, added)
    plan = Plan.from_lists(list(inventory.vm_lun), [owners[v] for v in range(inventory.n_vms)])
    return FfdCheck(whole, plan, used, added)


def _pack_cluster(
    inventory: Inventory, failures: int, max_copies: int
) -> tuple[_Packed | None, ClusterProblem]:
    """The answer for a one-cluster inventory, and the problem it is over (with the
    copies bought appended as its last nodes)."""
    problem = cluster_problem(inventory, 0, failures)
    _require_fixed_luns(problem)
    packed = _pack(problem, max(failures + 1, lower_bound(problem, Objective.NODES)))
    copies = 0
    while packed is None and copies < max_copies and _copies_can_help(problem):
        inventory, copies = with_copy(inventory, 0), copies + 1
        problem = cluster_problem(inventory, 0, failures)
        packed = _pack(problem, problem.n_nodes)
    return packed, problem


def with_copy(inventory: Inventory, cluster: int) -> Inventory:
    """The inventory with one more node in `cluster`: a copy of its largest (most memory,
    then logical processors, then VLAN-capable: what a buyer would order), named
    `<largest>-copyNN`, appended after every node."""
    nodes = inventory.nodes_of(cluster)
    memory, lps = inventory.node_capacity_mb[nodes], inventory.node_lps[nodes]
    key = np.lexsort((~inventory.node_vlan[nodes], -lps, -memory))
    largest = int(nodes[key[0]])
    prefix = f"{inventory.node_names[largest]}-copy"
    count = sum(1 for name in inventory.node_names if name.startswith(prefix))
    name = f"{prefix}{count + 1:02d}"

    def grown(array: np.ndarray) -> np.ndarray:
        return np.concatenate([array, array[largest : largest + 1]])

    return dataclasses.replace(
        inventory,
        node_names=(*inventory.node_names, name),
        node_cluster=grown(inventory.node_cluster),
        node_memory_mb=grown(inventory.node_memory_mb),
        node_reserve_mb=grown(inventory.node_reserve_mb),
        node_lps=grown(inventory.node_lps),
        node_vcpu_per_lp=grown(inventory.node_vcpu_per_lp),
        node_vlan=grown(inventory.node_vlan),
        node_resources=grown(inventory.node_resources),
    )


def _copies_can_help(problem: ClusterProblem) -> bool:
    """More nodes cannot separate two VMs of one class in one unit, nor hold a unit larger
    than the largest node."""
    classes = problem.inventory.vm_classes
    if any((classes[list(u.members)].sum(axis=0) > 1).any() for u in problem.units):
        return False
    return bool((problem.weight <= problem.capacity.max(axis=1)).all())


def _require_fixed_luns(problem: ClusterProblem) -> None:
    if any(unit.free for unit in problem.units):
        raise NotImplementedError(
            f"FFD+check needs every VM on a fixed LUN; cluster {problem.name!r} has VMs "
            "whose LUN the planner chooses"
        )


def _pack(problem: ClusterProblem, start: int) -> _Packed | None:
    """The fewest nodes in service, from `start` on, on which every failure set passes."""
    if not problem.units:
        return _Packed(0, [])
    order = np.lexsort((-problem.capacity[1], -problem.capacity[MEMORY_ROW]))
    packing = _Packing.of(problem)
    for m in range(min(start, problem.n_nodes), problem.n_nodes + 1):
        primary = packing.first_fit(order[:m])
        if primary is None:
            continue
        checked = packing.check(primary, order[:m])
        if checked is None:
            continue
        used, owners = checked
        if owners is None:
            owners = packing.replay(primary, order[:m])
        if owners is None:
            return _Packed(used, None)
        return _Packed(used, [tuple(int(n) for n in row if n != NO_OWNER) for row in owners])
    return None


@dataclass(frozen=True, eq=False)
class _Packing:
    """One cluster's data as arrays: units x resources, resources x nodes."""

    failures: int
    weight: IntArray  # units x resources
    capacity: IntArray  # resources x nodes
    eligible: BoolArray  # units x nodes
    members: IntArray  # units x classes: class VMs in the unit
    class_size: IntArray  # VMs of each class in the cluster

    @staticmethod
    def of(problem: ClusterProblem) -> _Packing:
        classes = problem.inventory.vm_classes
        members = np.array(
            [classes[list(u.members)].sum(axis=0) for u in problem.units], dtype=np.int64
        ).reshape(len(problem.units), classes.shape[1])
        eligible = np.zeros((len(problem.units), problem.n_nodes), dtype=bool)
        for u, unit in enumerate(problem.units):
            eligible[u, list(unit.eligible)] = True
        return _Packing(
            problem.failures,
            problem.weight,
            problem.capacity,
            eligible,
            members,
            members.sum(axis=0),
        )

    def check(self, primary: IntArray, chosen: IntArray) -> tuple[int, IntArray | None] | None:
        """Every failure set simulated on its own from the primaries: the number of nodes
        that run a group under some set, and at k <= 1 the owners lists that replay it
        (each group orphaned by one set only); None when a set fails."""
        owners = np.stack([primary, np.full_like(primary, NO_OWNER)], axis=1)
        load = np.zeros_like(self.capacity)
        np.add.at(load.T, primary, self.weight)
        clash = np.zeros((self.capacity.shape[1], self.members.shape[1]), dtype=np.int64)
        np.add.at(clash, primary, self.members)
        by_node = {int(n): np.flatnonzero(primary == n) for n in chosen}
        used = set(primary.tolist())
        for failed in self._failure_sets(chosen):
            orphans = np.concatenate([by_node[n] for n in failed])
            base = load.copy()
            base[:, list(failed)] = 0
            listed = owners if self.failures <= 1 else owners.copy()
            targets = self._fail_over(listed, chosen, failed, orphans, base, clash.copy())
            if targets is None:
                return None
            used |= targets
        return len(used), (owners[:, : self.failures + 1] if self.failures <= 1 else None)

    def replay(self, primary: IntArray, chosen: IntArray) -> IntArray | None:
        """Owners lists (units x k+1, NO_OWNER padded) from the simulation run
        cumulatively, smaller sets first, or None when some set then fails."""
        owners = np.full((len(self.weight), self.failures + 1), NO_OWNER, dtype=np.int64)
        owners[:, 0] = primary
        for failed in self._failure_sets(chosen):
            if self._simulate(owners, chosen, failed) is None:
                return None
        return owners

    def _failure_sets(self, chosen: IntArray) -> itertools.chain[tuple[int, ...]]:
        nodes = [int(n) for n in chosen]
        sizes = range(1, min(self.failures, len(nodes) - 1) + 1)
        return itertools.chain.from_iterable(itertools.combinations(nodes, s) for s in sizes)

    def first_fit(self, chosen: IntArray) -> IntArray | None:
        """Primary node of each unit, biggest first, each node within (m - k) / m."""
        m = len(chosen)
        limit = self.capacity * (m - self.failures) // m
        held = self.members * (self.class_size <= self.capacity.shape[1])
        load = np.zeros_like(self.capacity)
        clash = np.zeros((self.capacity.shape[1], self.members.shape[1]), dtype=np.int64)
        primary = np.full(len(self.weight), NO_OWNER, dtype=np.int64)
        for u in self._decreasing(np.arange(len(self.weight))):
            fits = (load[:, chosen] + self.weight[u][:, None] <= limit[:, chosen]).all(axis=0)
            fits &= self.eligible[u, chosen] & ~(clash[chosen] @ held[u] > 0)
            if not fits.any():
                return None
            n = int(chosen[np.argmax(fits)])
            primary[u] = n
            load[:, n] += self.weight[u]
            clash[n] += held[u]
        return primary

    def _decreasing(self, units: IntArray) -> IntArray:
        """Units by decreasing memory, then vCPUs, then index (deterministic)."""
        return units[np.lexsort((units, -self.weight[units, 1], -self.weight[units, 0]))]

    def _simulate(
        self, owners: IntArray, chosen: IntArray, failed: tuple[int, ...]
    ) -> set[int] | None:
        """Failure set `failed` under the lists in `owners`, extending the orphans' lists."""
        down = np.zeros(self.capacity.shape[1], dtype=bool)
        down[list(failed)] = True
        runner, orphans = _runners(owners, down)
        running = runner != NO_OWNER
        load = np.zeros_like(self.capacity)
        np.add.at(load.T, runner[running], self.weight[running])
        clash = np.zeros((self.capacity.shape[1], self.members.shape[1]), dtype=np.int64)
        np.add.at(clash, runner[running], self.members[running])
        return self._fail_over(owners, chosen, failed, orphans, load, clash)

    def _fail_over(
        self,
        owners: IntArray,
        chosen: IntArray,
        failed: tuple[int, ...],
        orphans: IntArray,
        load: IntArray,
        clash: IntArray,
    ) -> set[int] | None:
        """Each orphan (biggest first) takes the survivor it fits most tightly beside
        `load`, appended to its list in `owners`. The nodes taken, or None when a survivor
        is overloaded already, two held class VMs meet, or an orphan fits nowhere."""
        held = self.class_size <= self.capacity.shape[1] - len(failed)  # Windows exempts the rest
        if (load > self.capacity).any() or (clash[:, held] > 1).any():
            return None
        down = np.zeros(self.capacity.shape[1], dtype=bool)
        down[list(failed)] = True
        alive, taken = chosen[~down[chosen]], set()
        free = self.capacity[:, alive] - load[:, alive]  # survivors' room, kept up to date
        on_alive = clash[alive]
        weight, members = self.weight, self.members * held
        for u in self._decreasing(orphans):
            fits = (free >= weight[u][:, None]).all(axis=0) & self.eligible[u, alive]
            if members[u].any():
                fits &= on_alive @ members[u] == 0
            if not fits.any():
                return None
            j = int(np.argmin(np.where(fits, free[MEMORY_ROW], _NO_ROOM)))
            n = int(alive[j])
            owners[u, np.argmax(owners[u] == NO_OWNER)] = n
            free[:, j] -= weight[u]
            on_alive[j] += members[u]
            taken.add(n)
        return taken


def _runners(owners: IntArray, down: BoolArray) -> tuple[IntArray, IntArray]:
    """The node each unit runs on under `down` (NO_OWNER when orphaned), and the orphans."""
    listed = owners != NO_OWNER
    up = listed.copy()
    up[listed] = ~down[owners[listed]]
    first = owners[np.arange(len(owners)), np.argmax(up, axis=1)]
    has = up.any(axis=1)
    return np.where(has, first, NO_OWNER), np.flatnonzero(~has)

"""One cluster's planning problem: failover units, their weights and eligible nodes.

A *unit* is what the model gives one owners list: an exclusive LUN with the
VMs fixed on it, one VM on a shared LUN, or one VM whose LUN the planner
chooses (it then copies the owners of the exclusive LUN it joins). Node
indices here are local to the cluster (0..E-1); `nodes` maps them back.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from data.inventory import UNLIMITED, IntArray, Inventory
from data.rules import Rule

# Rows of ClusterProblem.capacity (columns of its weight): memory, vCPUs, then res_<name>
MEMORY_ROW, CPU_ROW = 0, 1


@dataclass(frozen=True)
class Unit:
    members: tuple[int, ...]  # global VM indices
    lun: int  # the exclusive LUN this unit is the group of, or -1
    free: bool  # one VM whose LUN the planner chooses
    eligible: tuple[int, ...]  # local node indices every member may run on


@dataclass(frozen=True, eq=False)
class ClusterProblem:
    inventory: Inventory
    cluster: int
    failures: int
    nodes: IntArray  # local -> global node index
    resource_labels: tuple[str, ...]  # "memory", "cpu", then "res_<name>"
    capacity: IntArray  # resources x local nodes
    units: tuple[Unit, ...]
    weight: IntArray  # units x resources
    luns: IntArray  # global LUN indices of the cluster
    lun_candidates: dict[int, tuple[int, ...]]  # free VM -> LUNs it may go on

    @property
    def name(self) -> str:
        return self.inventory.clusters[self.cluster]

    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    @cached_property
    def local_node(self) -> dict[int, int]:
        """Global node index -> local index, for the nodes of the cluster."""
        return {int(g): n for n, g in enumerate(self.nodes)}

    def node_name(self, local: int) -> str:
        return self.inventory.node_names[int(self.nodes[local])]

    def failure_sets(self) -> list[tuple[int, ...]]:
        """The failure sets whose capacity rules imply all others.

        Loads only grow as more owners fail, so the sets of exactly
        min(k, E - 1) nodes dominate every smaller set.
        """
        size = min(self.failures, max(self.n_nodes - 1, 0))
        return list(itertools.combinations(range(self.n_nodes), size))

    def rule_of_row(self, row: int) -> Rule:
        """The capacity rule a resource row stands for (rows follow resource_labels)."""
        return Rule.MEMORY if row == MEMORY_ROW else Rule.CPU if row == CPU_ROW else Rule.RESOURCE

    def unit_of_lun(self) -> dict[int, int]:
        return {u.lun: i for i, u in enumerate(self.units) if u.lun >= 0}

    def per_vm(
        self, owners: list[tuple[int, ...]], luns: dict[int, int]
    ) -> dict[int, tuple[int, tuple[int, ...]]]:
        """Unit answers (local owners lists, LUNs of free VMs) -> vm: (LUN, global owners).

        Each VM takes its own unit's list: where the rules hold, a free VM on an
        exclusive LUN has the LUN's list already, and where a test switched the
        rule off the plan must show the split.
        """
        answers = {}
        for u, unit in enumerate(self.units):
            listed = tuple(int(self.nodes[n]) for n in owners[u])
            for v in unit.members:
                answers[v] = (luns.get(v, int(self.inventory.vm_lun[v])), listed)
        return answers


def cluster_problem(
    inventory: Inventory,
    cluster: int,
    failures: int,
    disabled: frozenset[Rule] = frozenset(),
) -> ClusterProblem:
    """The cluster's units and capacities; `disabled` rules are left out (tests only)."""
    nodes = inventory.nodes_of(cluster)
    vms = inventory.vms_of(cluster)
    capacity = _capacity(inventory, nodes)
    eligible = _eligible(inventory, vms, nodes, disabled)
    units, weights = _units(inventory, cluster, vms, _vm_weights(inventory, vms), eligible)
    luns = inventory.luns_of(cluster)
    return ClusterProblem(
        inventory=inventory,
        cluster=cluster,
        failures=failures,
        nodes=nodes,
        resource_labels=("memory", "cpu", *("res_" + r for r in inventory.resource_names)),
        capacity=capacity,
        units=tuple(units),
        weight=weights.reshape(len(units), capacity.shape[0]),
        luns=luns,
        lun_candidates=_lun_candidates(inventory, vms, luns, Rule.LUN_CAPACITY in disabled),
    )


def _capacity(inventory: Inventory, nodes: IntArray) -> IntArray:
    rows = [inventory.node_capacity_mb[nodes], inventory.node_vcpu_capacity[nodes]]
    rows += list(inventory.node_resources[nodes].T)
    return np.array(rows, dtype=np.int64).reshape(len(rows), len(nodes))


def _vm_weights(inventory: Inventory, vms: IntArray) -> IntArray:
    """weight[vm row, resource]: memory cost, vCPUs, then each res_ column."""
    columns = [inventory.vm_cost_mb[vms, None], inventory.vm_vcpus[vms, None]]
    return np.hstack([*columns, inventory.vm_resources[vms]]).astype(np.int64)


def _lun_candidates(
    inventory: Inventory, vms: IntArray, luns: IntArray, ignore_capacity: bool
) -> dict[int, tuple[int, ...]]:
    """Free VM -> the cluster's LUNs with room for its disk beside the fixed VMs."""
    free = vms[inventory.vm_lun[vms] < 0]
    if not free.size:
        return {}
    room = lun_room(inventory, ignore_capacity)[luns]
    fits = room[None, :] >= inventory.vm_disk_mib[free, None]
    return {int(v): tuple(luns[row].tolist()) for v, row in zip(free, fits, strict=True)}


def _units(
    inventory: Inventory,
    cluster: int,
    vms: IntArray,
    vm_weight: IntArray,
    eligible: np.ndarray,
) -> tuple[list[Unit], IntArray]:
    """Exclusive LUN groups first (in LUN order), then single-VM units (in VM order)."""
    vm_lun = inventory.vm_lun[vms]
    units: list[Unit] = []
    weights: list[IntArray] = []
    rows_on: dict[int, list[int]] = {}  # one pass: a scan per LUN is quadratic at 8,000 VMs
    for i, lun in enumerate(vm_lun.tolist()):
        rows_on.setdefault(lun, []).append(i)
    for lun in _exclusive_luns(inventory, cluster, vms, bool(np.any(vm_lun < 0))):
        on = rows_on.get(lun, [])
        mask = eligible[on].all(axis=0)
        members = tuple(vms[on].tolist())
        units.append(Unit(members, lun, False, tuple(np.flatnonzero(mask).tolist())))
        weights.append(vm_weight[on].sum(axis=0))
    fixed = vm_lun >= 0
    shared = np.zeros(len(vms), dtype=bool)
    shared[fixed] = inventory.lun_shared[vm_lun[fixed]]
    rows = np.flatnonzero(~fixed | shared)
    lists: dict[bytes, tuple[int, ...]] = {}  # most VMs share one eligibility row
    singles = zip(rows.tolist(), vms[rows].tolist(), (~fixed[rows]).tolist(), strict=True)
    for i, v, free in singles:
        key = eligible[i].tobytes()
        if key not in lists:
            lists[key] = tuple(np.flatnonzero(eligible[i]).tolist())
        units.append(Unit((v,), -1, free, lists[key]))
    grouped = np.array(weights, dtype=np.int64).reshape(-1, vm_weight.shape[1])
    return units, np.vstack([grouped, vm_weight[rows]])


def _exclusive_luns(inventory: Inventory, cluster: int, vms: IntArray, any_free: bool) -> list[int]:
    """Exclusive LUNs that hold a VM, or may receive one the planner places."""
    fixed = {int(inventory.vm_lun[v]) for v in vms if inventory.vm_lun[v] >= 0}
    return [
        int(lun)
        for lun in inventory.luns_of(cluster)
        if not inventory.lun_shared[lun] and (lun in fixed or any_free)
    ]


def lun_room(inventory: Inventory, ignore_capacity: bool = False) -> IntArray:
    """Disk MiB left on each LUN beside the VMs fixed on it (huge when unlimited)."""
    fixed_disk = np.zeros(inventory.n_luns, dtype=np.int64)
    fixed = inventory.vm_lun >= 0
    np.add.at(fixed_disk, inventory.vm_lun[fixed], inventory.vm_disk_mib[fixed])
    room = inventory.lun_capacity_mib - fixed_disk
    unlimited = (inventory.lun_capacity_mib == UNLIMITED) | ignore_capacity
    return np.where(unlimited, np.iinfo(np.int64).max, room)


def _eligible(
    inventory: Inventory, vms: IntArray, nodes: IntArray, disabled: frozenset[Rule]
) -> np.ndarray:
    """eligible[vm row, local node] under the per-node rules that are switched on."""
    vlan_ok = ~inventory.vm_vlan[vms, None] | inventory.node_vlan[None, nodes]
    lps_ok = inventory.vm_vcpus[vms, None] <= inventory.node_lps[None, nodes]
    if Rule.VLAN in disabled:
        vlan_ok = np.ones_like(vlan_ok)
    if Rule.VCPU_FIT in disabled:
        lps_ok = np.ones_like(lps_ok)
    return vlan_ok & lps_ok

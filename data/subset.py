"""An inventory cut down to some of its clusters, with the map back to the whole.

Clusters are independent planning problems: a worker process (or a Dask worker)
is sent only its cluster, `plan --cluster` plans only the named ones, and a plan
of a few clusters is checked against those alone. The cut keeps every name and
value of the kept rows; only indices change, and `Subset` maps them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from data.inventory import IntArray, Inventory
from data.plan import Plan


@dataclass(frozen=True, eq=False)
class Subset:
    """The cut inventory and, for each of its nodes, VMs and LUNs, the index it has in
    the whole one."""

    inventory: Inventory
    clusters: IntArray  # subset cluster -> whole cluster index
    nodes: IntArray  # subset node -> whole node index
    vms: IntArray
    luns: IntArray

    def plan_in_whole(self, plan: Plan, whole: Inventory) -> Plan:
        """The subset's plan in the whole inventory's indices: VMs outside the subset
        get no LUN and no owners (-1)."""
        vm_lun = np.full(whole.n_vms, -1, dtype=np.int64)
        owners = np.full((whole.n_vms, plan.owners.shape[1]), -1, dtype=np.int64)
        vm_lun[self.vms] = np.where(plan.vm_lun >= 0, self.luns[plan.vm_lun], -1)
        owners[self.vms] = np.where(plan.owners >= 0, self.nodes[plan.owners], -1)
        return Plan(vm_lun, owners)


def cluster_subset(inventory: Inventory, clusters: Sequence[int]) -> Subset:
    """The inventory of `clusters` alone (in index order), classes unused by its VMs
    dropped; an empty cluster list gives an empty inventory."""
    kept = np.asarray(sorted(set(int(c) for c in clusters)), dtype=np.int64)
    nodes = np.flatnonzero(np.isin(inventory.node_cluster, kept))
    vms = np.flatnonzero(np.isin(inventory.vm_cluster, kept))
    luns = np.flatnonzero(np.isin(inventory.lun_cluster, kept))
    return _cut(inventory, kept, nodes, vms, luns)


def cluster_subsets(inventory: Inventory) -> list[Subset]:
    """Every cluster alone, in cluster order: one pass over the inventory, where
    cluster_subset per cluster would scan it once per cluster."""
    n = len(inventory.clusters)
    nodes = _members(inventory.node_cluster, n)
    vms = _members(inventory.vm_cluster, n)
    luns = _members(inventory.lun_cluster, n)
    return [
        _cut(inventory, np.array([c], dtype=np.int64), nodes[c], vms[c], luns[c]) for c in range(n)
    ]


def _members(cluster_of: IntArray, clusters: int) -> list[IntArray]:
    """The indices of each cluster's rows, ascending, from one stable sort."""
    order = np.argsort(cluster_of, kind="stable")
    bounds = np.searchsorted(cluster_of[order], np.arange(clusters + 1))
    return [order[bounds[c] : bounds[c + 1]].astype(np.int64) for c in range(clusters)]


def _cut(
    inventory: Inventory, kept: IntArray, nodes: IntArray, vms: IntArray, luns: IntArray
) -> Subset:
    empty = np.zeros(0, dtype=np.int64)
    classes = np.flatnonzero(inventory.vm_classes[vms].any(axis=0)) if vms.size else empty
    cut = Inventory(
        clusters=tuple(inventory.clusters[c] for c in kept),
        resource_names=inventory.resource_names,
        class_names=tuple(inventory.class_names[c] for c in classes),
        node_names=tuple(inventory.node_names[n] for n in nodes),
        node_cluster=_renumbered(inventory.node_cluster[nodes], kept),
        node_memory_mb=inventory.node_memory_mb[nodes],
        node_reserve_mb=inventory.node_reserve_mb[nodes],
        node_lps=inventory.node_lps[nodes],
        node_vcpu_per_lp=inventory.node_vcpu_per_lp[nodes],
        node_vlan=inventory.node_vlan[nodes],
        node_resources=inventory.node_resources[nodes],
        vm_names=tuple(inventory.vm_names[v] for v in vms),
        vm_cluster=_renumbered(inventory.vm_cluster[vms], kept),
        vm_memory_mb=inventory.vm_memory_mb[vms],
        vm_vcpus=inventory.vm_vcpus[vms],
        vm_disk_gb=inventory.vm_disk_gb[vms],
        vm_lun=_renumbered(inventory.vm_lun[vms], luns),
        vm_node=_renumbered(inventory.vm_node[vms], nodes),
        vm_vlan=inventory.vm_vlan[vms],
        vm_classes=inventory.vm_classes[np.ix_(vms, classes)],
        vm_resources=inventory.vm_resources[vms],
        lun_names=tuple(inventory.lun_names[i] for i in luns),
        lun_cluster=_renumbered(inventory.lun_cluster[luns], kept),
        lun_capacity_gb=inventory.lun_capacity_gb[luns],
        lun_shared=inventory.lun_shared[luns],
        lun_node=_renumbered(inventory.lun_node[luns], nodes),
        has_lun_table=inventory.has_lun_table,
        classes_known=inventory.classes_known,
    )
    return Subset(cut, kept, nodes, vms, luns)


def _renumbered(indices: IntArray, kept: IntArray) -> IntArray:
    """Whole-inventory indices -> positions in the sorted `kept`; -1 stays -1."""
    out = np.searchsorted(kept, indices)
    return np.where(indices >= 0, out, -1).astype(np.int64)

"""Split a cluster too large for --max-cluster-nodes into parts `<cluster>-2`, `-3`, ...

What must stay together is found by a union-find: the VMs of one LUN (an
exclusive LUN moves whole; a LUN belongs to one cluster, so a shared one keeps
its VMs together too) and the VMs of one anti-affinity class (the class is
kept whole so its rule means what it meant). The components then go, largest
memory first, to the part with the least memory so far; existing nodes, largest
first, to the part with the least capacity. The first part keeps the name.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from data.inventory import IntArray, Inventory


def split_name(cluster: str, part: int) -> str:
    return cluster if part == 0 else f"{cluster}-{part + 1}"


def components(inventory: Inventory, cluster: int) -> list[list[int]]:
    """The VM sets of `cluster` that must share a part (global VM indices)."""
    vms = [int(v) for v in inventory.vms_of(cluster)]
    parent = {v: v for v in vms}

    def root(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    def join(members: list[int]) -> None:
        for v in members[1:]:
            parent[root(v)] = root(members[0])

    by_lun: dict[int, list[int]] = {}
    for v in vms:
        if inventory.vm_lun[v] >= 0:
            by_lun.setdefault(int(inventory.vm_lun[v]), []).append(v)
    for members in by_lun.values():
        join(members)
    for c in range(len(inventory.class_names)):
        join([v for v in vms if inventory.vm_classes[v, c]])
    groups: dict[int, list[int]] = {}
    for v in vms:
        groups.setdefault(root(v), []).append(v)
    return list(groups.values())


def split_cluster(inventory: Inventory, cluster: int, parts: int) -> Inventory:
    """The inventory with `cluster` split into `parts` balanced clusters (appended)."""
    inv, name = inventory, inventory.clusters[cluster]
    names = [split_name(name, p) for p in range(1, parts)]
    clash = set(names) & set(inv.clusters)
    if clash:
        raise ValueError(f"cannot split {name!r}: cluster {sorted(clash)[0]!r} exists")
    index = [cluster] + [len(inv.clusters) + p for p in range(parts - 1)]
    vm_part = np.array(inv.vm_cluster)
    load = [0] * parts
    for group in sorted(components(inv, cluster), key=lambda g: -int(inv.vm_cost_mb[g].sum())):
        p = load.index(min(load))
        vm_part[group] = index[p]
        load[p] += int(inv.vm_cost_mb[group].sum())
    node_part = _balanced_nodes(inv, cluster, index)
    lun_part = _lun_parts(inv, cluster, vm_part, index)
    return dataclasses.replace(
        inv,
        clusters=inv.clusters + tuple(names),
        node_cluster=node_part,
        vm_cluster=vm_part,
        lun_cluster=lun_part,
        vm_node=_kept_if(inv.vm_node, vm_part, node_part),
        lun_node=_kept_if(inv.lun_node, lun_part, node_part),
    )


def _balanced_nodes(inv: Inventory, cluster: int, index: list[int]) -> IntArray:
    node_part = np.array(inv.node_cluster)
    room = [0] * len(index)
    nodes = sorted(inv.nodes_of(cluster), key=lambda n: -int(inv.node_capacity_mb[n]))
    for n in nodes:
        p = room.index(min(room))
        node_part[n] = index[p]
        room[p] += int(inv.node_capacity_mb[n])
    return node_part


def _lun_parts(inv: Inventory, cluster: int, vm_part: IntArray, index: list[int]) -> IntArray:
    """A LUN goes with its VMs; an empty one (room for free VMs) round-robin."""
    lun_part = np.array(inv.lun_cluster)
    spare = 0
    for lun in inv.luns_of(cluster):
        holders = np.flatnonzero(inv.vm_lun == lun)
        if holders.size:
            lun_part[lun] = vm_part[holders[0]]
        else:
            lun_part[lun] = index[spare % len(index)]
            spare += 1
    return lun_part


def _kept_if(current: IntArray, part: IntArray, node_part: IntArray) -> IntArray:
    """A current node reference, kept only where the node went to the same part."""
    placed = current >= 0
    same = np.zeros(len(current), dtype=bool)
    same[placed] = node_part[current[placed]] == part[placed]
    return np.where(same, current, -1).astype(np.int64)

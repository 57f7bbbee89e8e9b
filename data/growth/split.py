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
    vm_part, load = np.array(inv.vm_cluster), [0] * parts
    groups = sorted(components(inv, cluster), key=lambda g: -int(inv.vm_cost_mb[g].sum()))
    fixed = [g for g in groups if (inv.vm_lun[g] >= 0).any()]
    for group in fixed:  # the groups that bring their LUNs first
        p = load.index(min(load))
        vm_part[group] = index[p]
        load[p] += int(inv.vm_cost_mb[group].sum())
    lun_part = _lun_parts(inv, cluster, vm_part, index)
    _place_free(inv, [g for g in groups if g not in fixed], vm_part, lun_part, index, load)
    node_part = _balanced_nodes(inv, cluster, index)
    return dataclasses.replace(
        inv,
        clusters=inv.clusters + tuple(names),
        node_cluster=node_part,
        vm_cluster=vm_part,
        lun_cluster=lun_part,
        vm_node=_kept_if(inv.vm_node, vm_part, node_part),
        lun_node=_kept_if(inv.lun_node, lun_part, node_part),
    )


def _place_free(
    inv: Inventory,
    groups: list[list[int]],
    vm_part: IntArray,
    lun_part: IntArray,
    index: list[int],
    load: list[int],
) -> None:
    """Groups of VMs whose LUN the planner chooses go to the least loaded part that has
    a LUN with room for each of them (the room is then taken, first fit)."""
    fixed = inv.vm_lun >= 0
    used = np.zeros(inv.n_luns, dtype=np.int64)
    np.add.at(used, inv.vm_lun[fixed], inv.vm_disk_mib[fixed])
    room = {int(lun): int(inv.lun_capacity_mib[lun] - used[lun]) for lun in range(inv.n_luns)}
    for group in groups:
        order = sorted(range(len(index)), key=lambda p: load[p])
        p = next((p for p in order if _takes(inv, group, room, lun_part, index[p])), order[0])
        vm_part[group] = index[p]
        load[p] += int(inv.vm_cost_mb[group].sum())


def _takes(
    inv: Inventory, group: list[int], room: dict[int, int], lun_part: IntArray, part: int
) -> bool:
    """Whether LUNs of `part` have room for every VM of `group`; if so the room is taken."""
    trial = {lun: left for lun, left in room.items() if lun_part[lun] == part}
    for v in sorted(group, key=lambda v: -int(inv.vm_disk_mib[v])):
        fits = [lun for lun, left in trial.items() if left >= inv.vm_disk_mib[v]]
        if not fits:
            return False
        best = max(fits, key=trial.__getitem__)
        trial[best] -= int(inv.vm_disk_mib[v])
    room.update(trial)
    return True


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

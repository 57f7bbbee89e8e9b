"""Seeded synthetic fleets for tests and benchmarks, N+k feasible by construction.

Each cluster is drawn in three steps: VMs and their storage (data/synth/draws.py),
then a witness plan whose owners lists spread the load evenly, and only then the
nodes, sized from the witness's worst load under every failure set
(data/synth/witness.py). The witness therefore always passes MODEL.md's rules;
`witness_plan` turns it into a `Plan` for `check_plan` or as a solver hint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from data.inventory import IntArray, Inventory
from data.io.build import BuildReport, build_inventory, table
from data.plan import Plan
from data.synth.draws import (
    Storage,
    VmDraw,
    draw_classes,
    draw_node_vlan,
    draw_vms,
    own_luns,
    table_luns,
)
from data.synth.witness import (
    NodeSizes,
    owners_and_classes,
    size_nodes,
    vm_cost_mb,
    worst_loads,
)

Row = dict[str, Any]

RESERVES_MB = (2048, 4096, 8192)
KNOWN_NODE_SHARE = 0.9  # VMs with a current node
MOVED_SHARE = 0.1  # of those, VMs currently away from their witness primary
LUN_STEP_GB = 50
ROOM_SHARE = 0.25  # LUNs given extra free room


@dataclass(frozen=True)
class Fleet:
    """Canonical tables (rows keyed by data/schema.py's column names) and a witness: a
    plan proving the fleet N+`failures` feasible."""

    tables: dict[str, list[Row]]  # "nodes", "vms" and, with luns=True, "luns"
    witness: dict[str, tuple[str, ...]]  # vm -> owners (failures + 1 node names)
    witness_lun: dict[str, str]  # vm -> its LUN in the witness
    failures: int


def generate_fleet(
    clusters: int,
    nodes: int,
    vms: int,
    seed: int,
    *,
    luns: bool = False,
    tight: bool = False,
    failures: int = 1,
    lun_vms: tuple[int, int] | None = None,
) -> Fleet:
    """`clusters` clusters c1..cC of `nodes` nodes and `vms` VMs each; same arguments,
    same tables. tight=True sizes every node to its witness load (little headroom).
    lun_vms=(lo, hi), without a luns table only, puts ~60% of the VMs on exclusive LUNs
    of lo..hi VMs each (e.g. (5, 20))."""
    if clusters < 1 or vms < 1 or failures < 0 or nodes < failures + 1:
        raise ValueError(
            f"need clusters >= 1, vms >= 1, failures >= 0 and nodes >= failures + 1, got "
            f"clusters={clusters}, nodes={nodes}, vms={vms}, failures={failures}"
        )
    if lun_vms is not None and (luns or not 1 <= lun_vms[0] <= lun_vms[1]):
        raise ValueError(f"lun_vms needs 1 <= lo <= hi and no luns table, got {lun_vms}")
    rng = np.random.default_rng(seed)
    fleet = Fleet({"nodes": [], "vms": []}, {}, {}, failures)
    if luns:
        fleet.tables["luns"] = []
    for c in range(clusters):
        _add_cluster(fleet, rng, f"c{c + 1}", nodes, vms, luns=luns, tight=tight, lun_vms=lun_vms)
    return fleet


def fleet_inventory(fleet: Fleet, report: BuildReport | None = None) -> Inventory:
    """The fleet's tables, validated and built like any input."""
    luns = table("luns", fleet.tables["luns"]) if "luns" in fleet.tables else None
    nodes, vms = table("nodes", fleet.tables["nodes"]), table("vms", fleet.tables["vms"])
    return build_inventory(nodes, vms, luns, report)


def witness_plan(fleet: Fleet, inventory: Inventory) -> Plan:
    """The witness as a Plan over `inventory`'s node and LUN indices."""
    node = {name: n for n, name in enumerate(inventory.node_names)}
    lun = {name: i for i, name in enumerate(inventory.lun_names)}
    owners = [[node[n] for n in fleet.witness[vm]] for vm in inventory.vm_names]
    return Plan.from_lists([lun[fleet.witness_lun[vm]] for vm in inventory.vm_names], owners)


@dataclass(frozen=True)
class _Cluster:
    """One cluster while it is written out: names, draws and the witness."""

    name: str
    node_names: tuple[str, ...]
    vm_names: tuple[str, ...]
    vm: VmDraw
    storage: Storage
    group_of: IntArray  # failover group of each VM
    current: IntArray  # current node of each group, -1 when not given


def _add_cluster(
    fleet: Fleet,
    rng: np.random.Generator,
    name: str,
    n_nodes: int,
    n_vms: int,
    *,
    luns: bool,
    tight: bool,
    lun_vms: tuple[int, int] | None = None,
) -> None:
    vm = draw_vms(rng, n_vms)
    node_vlan = draw_node_vlan(rng, n_nodes, fleet.failures)
    storage = table_luns(rng, name, n_vms) if luns else own_luns(rng, name, n_vms, lun_vms)
    group_class, member_class = draw_classes(rng, name, storage.groups, int(node_vlan.sum()))
    group_of, amounts = _group_loads(vm, storage.groups, n_vms)
    group_vlan = np.bincount(group_of, weights=vm.vlan, minlength=len(storage.groups)) > 0
    eligible = ~group_vlan[:, None] | node_vlan[None, :]
    owners, kept = owners_and_classes(amounts[:, 0], eligible, group_class, fleet.failures)
    member_class = {v: c for v, c in member_class.items() if kept[group_of[v]] >= 0}
    worst = worst_loads(owners, amounts, n_nodes, fleet.failures)
    reserve_mb = int(rng.choice(RESERVES_MB))
    sizes = size_nodes(rng, worst, reserve_mb, int(vm.vcpus.max()), tight)
    current = _current_nodes(rng, owners, eligible)
    cluster = _Cluster(
        name,
        _names(f"{name}-hv", n_nodes, 2),
        _names(f"{name}-vm", n_vms, 4),
        vm,
        storage,
        group_of,
        current,
    )
    fleet.tables["nodes"] += _node_rows(cluster, sizes, reserve_mb, node_vlan)
    fleet.tables["vms"] += _vm_rows(cluster, member_class)
    if luns:
        fleet.tables["luns"] += _lun_rows(rng, cluster, tight)
    for v, vm_name in enumerate(cluster.vm_names):
        fleet.witness[vm_name] = tuple(cluster.node_names[n] for n in owners[group_of[v]])
        fleet.witness_lun[vm_name] = storage.witness_lun[v] or vm_name


def _group_loads(
    vm: VmDraw, groups: tuple[tuple[int, ...], ...], n_vms: int
) -> tuple[IntArray, IntArray]:
    """Each VM's failover group, and per group its memory incl. overhead, vCPUs and IOPS."""
    group_of = np.zeros(n_vms, dtype=np.int64)
    for g, members in enumerate(groups):
        group_of[list(members)] = g
    amounts = np.zeros((len(groups), 3), dtype=np.int64)
    np.add.at(amounts, group_of, np.stack([vm_cost_mb(vm.memory_mb), vm.vcpus, vm.iops], 1))
    return group_of, amounts


def _names(prefix: str, count: int, digits: int) -> tuple[str, ...]:
    width = max(digits, len(str(count)))
    return tuple(f"{prefix}{i + 1:0{width}d}" for i in range(count))


def _current_nodes(rng: np.random.Generator, owners: IntArray, eligible: np.ndarray) -> IntArray:
    """Most groups run on their witness primary now, some elsewhere, some are unknown."""
    known = rng.random(len(owners)) < KNOWN_NODE_SHARE
    moved = known & (rng.random(len(owners)) < MOVED_SHARE)
    current = np.where(known, owners[:, 0], -1)
    for g in np.flatnonzero(moved):
        others = np.flatnonzero(eligible[g] & (np.arange(eligible.shape[1]) != owners[g, 0]))
        if len(others):
            current[g] = others[rng.integers(len(others))]
    return current


def _node_rows(cluster: _Cluster, sizes: NodeSizes, reserve_mb: int, vlan: np.ndarray) -> list[Row]:
    return [
        {
            "node": node,
            "memory_mb": int(sizes.memory_mb[n]),
            "logical_processors": int(sizes.logical_processors[n]),
            "reserve_mb": reserve_mb,
            "vcpu_per_lp": 8.0,
            "vlan": bool(vlan[n]),
            "cluster": cluster.name,
            "res_iops": int(sizes.iops[n]),
        }
        for n, node in enumerate(cluster.node_names)
    ]


def _vm_rows(cluster: _Cluster, member_class: dict[int, str]) -> list[Row]:
    vm, current = cluster.vm, cluster.current[cluster.group_of]
    return [
        {
            "vm": name,
            "memory_mb": int(vm.memory_mb[v]),
            "vcpus": int(vm.vcpus[v]),
            "disk_gb": float(vm.disk_gb[v]),
            "lun": cluster.storage.lun_column[v],
            "node": cluster.node_names[current[v]] if current[v] >= 0 else "",
            "vlan": bool(vm.vlan[v]),
            "anti_affinity": member_class.get(v, ""),
            "cluster": cluster.name,
            "res_iops": int(vm.iops[v]),
        }
        for v, name in enumerate(cluster.vm_names)
    ]


def _lun_rows(rng: np.random.Generator, cluster: _Cluster, tight: bool) -> list[Row]:
    """Every LUN holds its witness VMs' disks x 1.3; by default rounded up to 50 GB, some
    with extra room, spare LUNs empty; an exclusive LUN is owned where its VMs run."""
    storage = cluster.storage
    need = dict.fromkeys(storage.table_luns, 0)
    holder = dict.fromkeys(storage.table_luns, "")
    for v, lun in enumerate(storage.witness_lun):
        need[lun] += int(cluster.vm.disk_gb[v])
        current = cluster.current[cluster.group_of[v]]
        if storage.lun_column[v] == lun and current >= 0:
            holder[lun] = cluster.node_names[current]
    rows = []
    for lun, shared in zip(storage.table_luns, storage.table_shared, strict=True):
        capacity = -(-need[lun] * 13 // 10)
        if not tight or need[lun] == 0:
            capacity = -(-capacity // LUN_STEP_GB) * LUN_STEP_GB
            room = rng.random() < ROOM_SHARE or need[lun] == 0
            capacity += LUN_STEP_GB * int(rng.integers(1, 11)) if room else 0
        if shared:
            holder[lun] = cluster.node_names[int(rng.integers(len(cluster.node_names)))]
        rows.append(
            {
                "lun": lun,
                "capacity_gb": float(capacity),
                "shared": shared,
                "cluster": cluster.name,
                "node": holder[lun],
            }
        )
    return rows

"""The random half of a synthetic cluster: VM sizes, VLAN needs, LUN groups, classes.

Sizes are skewed the way public-cloud VM mixes are: most VMs are small (half of
them 1 vCPU, most 2-8 GiB), a long tail is large. Every draw comes from the one
generator handed in, in a fixed order, so a seed always gives the same cluster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from data.inventory import BoolArray, IntArray

VCPUS = (1, 2, 4, 8, 16)
VCPU_P = (0.50, 0.25, 0.15, 0.07, 0.03)
MEMORY_GIB = (1, 2, 4, 8, 16, 32, 64)
MEMORY_P = (0.08, 0.27, 0.30, 0.20, 0.09, 0.05, 0.01)
EXCLUSIVE_SIZES = (1, 2, 3, 4, 5, 6, 7, 8)
EXCLUSIVE_P = (0.35, 0.20, 0.15, 0.10, 0.08, 0.05, 0.04, 0.03)
CLASS_NAMES = ("dc", "sql-ag", "web", "file", "rds", "exch", "app", "proxy")

VLAN_SHARE = 0.20  # VMs that need VLAN tagging
NAMED_SHARE = 0.15  # without a luns table: VMs sharing a named LUN in groups of 2-4
LARGE_LUN_SHARE = 0.6  # with a lun_vms range: VMs sharing a named LUN in groups of that range
FREE_SHARE = 0.10  # with a luns table: VMs whose LUN the planner chooses
CSV_SHARE = 0.30  # with a luns table: VMs on Cluster Shared Volumes
VMS_PER_CSV = 25
VMS_PER_CLASS = 50


@dataclass(frozen=True, eq=False)
class VmDraw:
    """The per-VM columns of one cluster, in VM order."""

    memory_mb: IntArray
    vcpus: IntArray
    disk_gb: IntArray  # whole GiB; written as floats
    iops: IntArray
    vlan: BoolArray


@dataclass(frozen=True)
class Storage:
    """Where the VMs of one cluster are stored, and so which failover groups exist.

    `groups` lists the VM indices of each failover group of the witness: an
    exclusive LUN with its VMs, or one VM on a shared or own LUN.
    """

    groups: tuple[tuple[int, ...], ...]
    lun_column: tuple[str, ...]  # vms.lun as written ("" = own LUN / planner's choice)
    witness_lun: tuple[str, ...]  # the LUN each VM is on in the witness ("" = its own)
    table_luns: tuple[str, ...] = ()  # rows of the luns table (luns=True only)
    table_shared: tuple[bool, ...] = ()


def draw_vms(rng: np.random.Generator, count: int) -> VmDraw:
    """VM sizes: skewed small, memory at least half a GiB per vCPU, some x.5 GiB VMs."""
    vcpus = rng.choice(VCPUS, count, p=VCPU_P).astype(np.int64)
    gib = np.maximum(rng.choice(MEMORY_GIB, count, p=MEMORY_P), vcpus // 2)
    memory = gib * 1024 - 512 * (rng.random(count) < 0.1)
    disk = np.clip(np.rint(rng.lognormal(math.log(80), 0.9, count)), 40, 2000)
    iops = np.clip(np.rint(rng.lognormal(math.log(200), 0.8, count) / 10) * 10, 50, 2000)
    vlan = rng.random(count) < VLAN_SHARE
    return VmDraw(
        memory.astype(np.int64), vcpus, disk.astype(np.int64), iops.astype(np.int64), vlan
    )


def draw_node_vlan(rng: np.random.Generator, nodes: int, failures: int) -> BoolArray:
    """About a quarter of the nodes of a cluster of 4+ lack VLAN tagging, never so many
    that VLAN VMs could not find failures + 1 owners."""
    without = min(round(nodes / 4), nodes - failures - 1) if nodes >= 4 else 0
    vlan = np.ones(nodes, dtype=bool)
    vlan[rng.choice(nodes, without, replace=False)] = False
    return vlan


def own_luns(
    rng: np.random.Generator, cluster: str, count: int, lun_vms: tuple[int, int] | None = None
) -> Storage:
    """Without a luns table: one LUN per VM, except ~15% sharing named LUNs by 2-4, or
    with `lun_vms` = (lo, hi) ~60% sharing named LUNs by lo..hi (the large multi-VM LUNs
    on which a reserve-and-check plan wastes nodes)."""
    order = [int(v) for v in rng.permutation(count)]
    share, chunk = NAMED_SHARE, (2, 3, 4)
    if lun_vms is not None:
        share = LARGE_LUN_SHARE
    sizes = _chunk_sizes(rng, round(share * count), _range(lun_vms) if lun_vms else chunk, None)
    width = max(3, len(str(len(sizes))))
    lun_column, groups = [""] * count, []
    start = 0
    for i, size in enumerate(sizes):
        members = order[start : start + size]
        start += size
        groups.append(tuple(sorted(members)))
        for v in members:
            lun_column[v] = f"{cluster}-lun{i + 1:0{width}d}"
    groups += [(v,) for v in sorted(order[start:])]
    return Storage(tuple(groups), tuple(lun_column), tuple(lun_column))


def table_luns(rng: np.random.Generator, cluster: str, count: int) -> Storage:
    """With a luns table: exclusive LUNs of 1-8 VMs, a few CSVs holding many VMs, spare
    LUNs, and ~10% free VMs (empty lun) that the witness puts on a CSV."""
    order = [int(v) for v in rng.permutation(count)]
    n_free, n_csv = round(FREE_SHARE * count), round(CSV_SHARE * count)
    free, csv, exclusive = order[:n_free], order[n_free : n_free + n_csv], order[n_free + n_csv :]
    sizes = _chunk_sizes(rng, len(exclusive), EXCLUSIVE_SIZES, EXCLUSIVE_P)
    n_spare, n_csvs = (n_free + 4) // 5, min(4, max(1, math.ceil(n_csv / VMS_PER_CSV)))
    width = max(3, len(str(len(sizes) + n_spare)))
    names = [f"{cluster}-lun{i + 1:0{width}d}" for i in range(len(sizes) + n_spare)]
    csvs = [f"{cluster}-csv{i + 1}" for i in range(n_csvs)]
    lun_column, witness, groups = [""] * count, [""] * count, []
    start = 0
    for name, size in zip(names[: len(sizes)], sizes, strict=True):
        members = exclusive[start : start + size]
        start += size
        groups.append(tuple(sorted(members)))
        for v in members:
            lun_column[v] = witness[v] = name
    for v, c in zip(csv, rng.integers(n_csvs, size=len(csv)), strict=True):
        lun_column[v] = witness[v] = csvs[c]
    for v, c in zip(free, rng.integers(n_csvs, size=len(free)), strict=True):
        witness[v] = csvs[c]
    groups += [(v,) for v in sorted(csv + free)]
    return Storage(
        tuple(groups),
        tuple(lun_column),
        tuple(witness),
        tuple(names + csvs),
        (False,) * len(names) + (True,) * n_csvs,
    )


def _range(bounds: tuple[int, int]) -> tuple[int, ...]:
    return tuple(range(bounds[0], bounds[1] + 1))


def _chunk_sizes(
    rng: np.random.Generator, total: int, sizes: tuple[int, ...], p: tuple[float, ...] | None
) -> list[int]:
    """Group sizes drawn from `sizes` covering at most `total` VMs (the rest stay alone)."""
    chunks: list[int] = []
    left = total
    while left >= sizes[0]:
        size = min(int(rng.choice(sizes, p=p)), left)
        if size < sizes[0]:
            break
        chunks.append(size)
        left -= size
    return chunks


def draw_classes(
    rng: np.random.Generator, cluster: str, groups: tuple[tuple[int, ...], ...], largest: int
) -> tuple[IntArray, dict[int, str]]:
    """A few anti-affinity classes ("c1-dc", "c1-sql-ag", ...) of 2..min(4, `largest`) VMs,
    each member in its own failover group and no group holding two members: (class of
    each group or -1, class name of each member VM)."""
    largest = min(largest, 4)
    wanted = min(len(CLASS_NAMES), max(1, sum(len(g) for g in groups) // VMS_PER_CLASS))
    sizes: list[int] = []
    while largest >= 2 and len(sizes) < wanted:
        size = int(rng.integers(2, largest + 1))
        if sum(sizes) + size > len(groups):
            break
        sizes.append(size)
    chosen = [int(g) for g in rng.choice(len(groups), sum(sizes), replace=False)]
    group_class = np.full(len(groups), -1, dtype=np.int64)
    member_class: dict[int, str] = {}
    ends = np.cumsum(sizes)
    for c in range(len(sizes)):
        for g in chosen[ends[c] - sizes[c] : ends[c]]:
            group_class[g] = c
            member = groups[g][int(rng.integers(len(groups[g])))]
            member_class[member] = f"{cluster}-{CLASS_NAMES[c]}"
    return group_class, member_class

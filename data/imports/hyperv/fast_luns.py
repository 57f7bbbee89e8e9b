"""luns.py a column at a time (for fast.py): each VM's LUN, and the luns table, given and
reported exactly as the row-by-row path does.

Paths become volume codes (volumes.volume_codes), and VMs are grouped into LUNs by
(cluster, volume key) with numpy, so only the LUNs themselves are Python objects.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data.imports.common import CanonicalTable, ImportReport, Origin
from data.imports.hyperv.fast_disks import DiskRows
from data.imports.hyperv.fast_hosts import shared_rows
from data.imports.hyperv.frame import VmFrame
from data.imports.hyperv.luns import LunTally, lun_name, report_lun_table, report_luns
from data.imports.hyperv.volumes import (
    SharedVolume,
    SharedVolumes,
    Volume,
    read_shared_volumes,
    shared_volume,
    volume_codes,
)
from data.io.build import RawTable


@dataclass
class _Lun:
    """luns._Lun: a volume in use, where it was first named, the VMs on it."""

    volume: Volume
    name: str
    first: int  # VM index
    source: tuple[str, int]  # file, row
    source_column: str | None
    csv: SharedVolume | None
    vms: np.ndarray  # VM indices, in order


@dataclass
class _Chosen:
    """Each VM's volume (a code into `volumes`, -1: none) and the disk it is read from
    (its index in the DiskRows, -1: the VM's configuration)."""

    volume: np.ndarray
    disk: np.ndarray
    volumes: list[Volume]


def assign_luns(
    vms: VmFrame,
    disks: DiskRows | None,
    shared_tables: Sequence[RawTable],
    several_clusters: bool,
    report: ImportReport,
) -> CanonicalTable | None:
    """luns.assign_luns: each VM's lun; the luns table, or None when all are exclusive."""
    shared = read_shared_volumes(shared_tables, report, shared_rows(shared_tables))
    tally = LunTally()
    nodes = _texts(vms.values.get("node"), len(vms))
    chosen = _chosen(vms, disks, nodes, tally)
    tally.none = vms.names[chosen.volume < 0].tolist()
    clusters = _texts(vms.values.get("cluster") if several_clusters else None, len(vms))
    lun_of, luns = _group(chosen, clusters)
    made = [_lun(vms, disks, chosen, members, clusters, shared) for members in luns]
    _set_luns(vms, disks, chosen, lun_of, made)
    local = [vms.names[lun.vms] for lun in made if lun.volume.local]
    report_luns(np.concatenate(local).tolist() if local else [], tally, report)
    if not any(lun.volume.shared for lun in made):
        return None
    return _table(vms, made, nodes, report)


def _texts(values: np.ndarray | None, n: int) -> np.ndarray:
    """A canonical column's values, "" where a VM has none."""
    if values is None:
        return np.full(n, "", object)
    texts = values.copy()
    texts[texts == None] = ""  # noqa: E711
    return texts


def _keys(volumes: list[Volume]) -> np.ndarray:
    """Each volume's key as a number (volumes named alike ignoring case share one)."""
    keys: dict[str, int] = {}
    return np.array([keys.setdefault(v.key, len(keys)) for v in volumes], np.int64)


def _chosen(vms: VmFrame, disks: DiskRows | None, nodes: np.ndarray, tally: LunTally) -> _Chosen:
    """luns._volume of every VM: the volume of its first disk on one, else of its
    configuration."""
    clustered = vms.facts["clustered"]
    chosen, volumes = volume_codes(vms.facts["config_path"], nodes, clustered)
    disk = np.full(len(vms), -1, np.int64)
    if disks is not None and len(disks.path):
        vm = np.repeat(np.arange(len(vms)), np.diff(disks.start))
        read = np.flatnonzero(~disks.passthrough)  # a pass-through disk is on no volume
        path, vm_read = disks.path.take(pa.array(read)), vm[read]
        codes, on_disks = volume_codes(path, nodes[vm_read], clustered[vm_read])
        on = np.full(len(vm), -1, np.int64)
        on[read] = np.where(codes >= 0, codes + len(volumes), -1)
        volumes += on_disks
        key = np.where(on >= 0, _keys(volumes)[on], -1)
        placed = np.flatnonzero(key >= 0)  # by VM, first disk first
        at, first = np.unique(vm[placed], return_index=True)
        if len(at):
            keys = key[placed]
            several = np.minimum.reduceat(keys, first) != np.maximum.reduceat(keys, first)
            tally.several += vms.names[at[several]].tolist()
            disk[at] = placed[first]
            chosen[at] = on[placed[first]]
    tally.by_config += vms.names[(disk < 0) & (chosen >= 0)].tolist()
    return _Chosen(chosen, disk, volumes)


def _group(chosen: _Chosen, clusters: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Each VM's LUN (-1: none), LUNs by cluster and volume key in order of their first
    VM; and each LUN's VMs in order."""
    lun_of = np.full(len(chosen.volume), -1, np.int64)
    placed = np.flatnonzero(chosen.volume >= 0)
    if not len(placed):
        return lun_of, []
    keys = _keys(chosen.volumes)[chosen.volume[placed]]
    cluster = pc.dictionary_encode(pa.array(clusters[placed].tolist(), pa.string()))
    pair = cluster.indices.to_numpy().astype(np.int64) * (int(keys.max()) + 1) + keys
    _, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
    rank = np.empty(len(first), np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    lun_of[placed] = rank[inverse.reshape(-1)]
    ordered = placed[np.argsort(lun_of[placed], kind="stable")]
    starts = np.searchsorted(lun_of[ordered], np.arange(len(first) + 1))
    return lun_of, [ordered[a:b] for a, b in itertools.pairwise(starts.tolist())]


def _lun(
    vms: VmFrame,
    disks: DiskRows | None,
    chosen: _Chosen,
    members: np.ndarray,
    clusters: np.ndarray,
    shared: SharedVolumes,
) -> _Lun:
    """The LUN of these VMs, named and sourced as its first VM names it."""
    v = int(members[0])
    volume, cluster = chosen.volumes[chosen.volume[v]], str(clusters[v])
    csv = shared_volume(shared, cluster, volume) if volume.shared else None
    source, column = _source(vms, disks, int(chosen.disk[v]), v)
    return _Lun(volume, lun_name(volume, csv, cluster), v, source, column, csv, members)


def _source(
    vms: VmFrame, disks: DiskRows | None, disk: int, v: int
) -> tuple[tuple[str, int], str | None]:
    if disk >= 0:
        assert disks is not None
        return (disks.file, int(disks.row[disk])), disks.column
    return (vms.file, int(vms.row[v])), vms.config_column


def _set_luns(
    vms: VmFrame, disks: DiskRows | None, chosen: _Chosen, lun_of: np.ndarray, luns: list[_Lun]
) -> None:
    """lun of every VM on one, from its own disk's row (or its configuration's)."""
    names = np.array([lun.name for lun in luns] + [None], object)
    vms.values["lun"] = names[lun_of]  # -1: the None at the end
    on_disk = chosen.disk >= 0
    source = np.full(len(vms), vms.config_column, object)
    if disks is not None:
        source[on_disk] = disks.column
        there = np.full(len(vms), -1, np.int64)
        if disks.file != vms.file:
            there[on_disk] = disks.row[chosen.disk[on_disk]]
        vms.elsewhere["lun"] = (disks.file, there)
    source[lun_of < 0] = None
    vms.source["lun"] = source


def _table(
    vms: VmFrame, luns: list[_Lun], nodes: np.ndarray, report: ImportReport
) -> CanonicalTable:
    """luns._table: a row per LUN, then one per VM without one (its own, named after it)."""
    gb = vms.values.get("disk_gb", np.zeros(len(vms)))
    mib = np.round(np.where(gb == None, 0, gb).astype(float) * 1024).astype(np.int64)  # noqa: E711
    clusters = vms.values.get("cluster", np.full(len(vms), None, object))
    table = CanonicalTable()
    for lun, node in zip(luns, _single_nodes(luns, nodes), strict=True):
        row, origin = _lun_row(vms, lun, node, _capacity_gb(int(mib[lun.vms].sum())))
        if clusters[lun.first]:
            row["cluster"] = clusters[lun.first]
        table.add(row, origin)
    lun_of = vms.values["lun"]
    for v in np.flatnonzero(lun_of == None).tolist():  # noqa: E711
        lun_of[v] = vms.names[v]
        row = {"lun": lun_of[v], "capacity_gb": _capacity_gb(int(mib[v])), "shared": False}
        row["node"] = nodes[v]
        if clusters[v]:
            row["cluster"] = clusters[v]
        table.add(row, Origin(vms.file, int(vms.row[v])))
    report_lun_table(len(table), report)
    return table


def _single_nodes(luns: list[_Lun], nodes: np.ndarray) -> list[str | None]:
    """The one node all of a LUN's VMs run on (None: several, or a VM on none)."""
    if not luns:
        return []
    encoded = pc.dictionary_encode(pa.array(nodes.tolist(), pa.string()))
    codes = encoded.indices.to_numpy().astype(np.int64)
    names = encoded.dictionary.to_pylist()
    ordered = codes[np.concatenate([lun.vms for lun in luns])]
    starts = np.cumsum([0] + [len(lun.vms) for lun in luns[:-1]])
    low, high = np.minimum.reduceat(ordered, starts), np.maximum.reduceat(ordered, starts)
    return [names[a] if a == b and names[a] else None for a, b in zip(low, high, strict=True)]


def _lun_row(
    vms: VmFrame, lun: _Lun, node: str | None, capacity_gb: float
) -> tuple[dict[str, Any], Origin]:
    """The LUN's row, from the row that first named it; its node the CSV's owner, or for
    an exclusive LUN the node all its VMs run on (luns._set_owner)."""
    row: dict[str, Any] = {"lun": lun.name, "capacity_gb": capacity_gb}
    row["shared"] = lun.volume.shared
    columns = {"lun": lun.source_column} if lun.source_column else {}
    elsewhere: dict[str, tuple[str, int | None]] = {}
    if lun.csv is not None and lun.csv.owner:
        row["node"] = lun.csv.owner
        if lun.csv.owner_column:
            columns["node"] = lun.csv.owner_column
        elsewhere["node"] = (lun.csv.cells.table.file, lun.csv.cells.row_number)
    elif not lun.volume.shared and node is not None:
        row["node"] = node
        origin = vms.origin(lun.first)
        if origin.columns.get("node"):
            columns["node"] = origin.columns["node"]
        if (origin.file, origin.row) != lun.source:
            elsewhere["node"] = (origin.file, origin.row)
        if "node" in origin.elsewhere:
            elsewhere["node"] = origin.elsewhere["node"]
    return row, Origin(lun.source[0], lun.source[1], columns, elsewhere)


def _capacity_gb(mib: int) -> float:
    """luns._capacity_gb: the VMs' disks in whole GiB, at least 1."""
    return float(max(1, -(-mib // 1024)))

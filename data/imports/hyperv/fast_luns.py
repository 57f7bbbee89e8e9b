"""luns.py a column at a time (for fast.py): each VM's LUN, given and reported exactly as
the row-by-row path does (the luns table: fast_lun_table.py).

Paths become volume codes (volumes.volume_codes), and VMs are grouped into LUNs by
(cluster, volume key) with numpy, so only the LUNs' names are made one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data.imports.common import CanonicalTable, ImportReport
from data.imports.hyperv.fast_disks import DiskRows
from data.imports.hyperv.fast_hosts import shared_rows
from data.imports.hyperv.fast_lun_table import Grouped, LunsInUse, lun_table
from data.imports.hyperv.frame import VmFrame
from data.imports.hyperv.luns import LunTally, lun_name, report_luns
from data.imports.hyperv.volumes import (
    Volume,
    read_shared_volumes,
    shared_volume,
    volume_codes,
)
from data.io.build import RawTable


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
    tally.none = vms.named(chosen.volume < 0)
    clusters = _texts(vms.values.get("cluster") if several_clusters else None, len(vms))
    lun_of, grouped = _group(chosen, clusters)
    volumes = [chosen.volumes[c] for c in chosen.volume[grouped.first].tolist()]
    csvs = [
        shared_volume(shared, cluster, volume) if volume.shared else None
        for volume, cluster in zip(volumes, clusters[grouped.first].tolist(), strict=True)
    ]
    names = [
        lun_name(volume, csv, cluster)
        for volume, csv, cluster in zip(volumes, csvs, clusters[grouped.first], strict=True)
    ]
    _set_luns(vms, disks, chosen, lun_of, names)
    local = np.repeat([v.local for v in volumes], np.diff(grouped.starts)).astype(bool)
    report_luns(vms.named(grouped.ordered[local]), tally, report)
    if not any(volume.shared for volume in volumes):
        return None
    sources = _sources(vms, disks, chosen.disk[grouped.first], grouped.first)
    return lun_table(vms, LunsInUse(grouped, volumes, names, csvs, *sources), nodes, report)


def _sources(
    vms: VmFrame, disks: DiskRows | None, disk: np.ndarray, first: np.ndarray
) -> tuple[list[str], np.ndarray, list[str | None]]:
    """The file, row and column naming each LUN: its first VM's disk, or configuration."""
    on_disk = disk >= 0
    rows = vms.row[first].copy()
    files, columns = [vms.file] * len(first), [vms.config_column] * len(first)
    if disks is not None and on_disk.any():
        rows[on_disk] = disks.row[disk[on_disk]]
        for i in np.flatnonzero(on_disk).tolist():
            files[i], columns[i] = disks.file, disks.column
    return files, rows, columns


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
    if disks is not None and len(disks.row):
        vm = np.repeat(np.arange(len(vms)), np.diff(disks.start))
        read = np.flatnonzero(~disks.passthrough)  # a pass-through disk is on no volume
        path, vm_read = disks.path.take(pa.array(disks.row[read] - 1)), vm[read]
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
            tally.several += vms.named(at[several])
            disk[at] = placed[first]
            chosen[at] = on[placed[first]]
    tally.by_config += vms.named((disk < 0) & (chosen >= 0))
    return _Chosen(chosen, disk, volumes)


def _group(chosen: _Chosen, clusters: np.ndarray) -> tuple[np.ndarray, Grouped]:
    """Each VM's LUN (-1: none), LUNs by cluster and volume key in order of their first
    VM; and each LUN's VMs in order."""
    lun_of = np.full(len(chosen.volume), -1, np.int64)
    placed = np.flatnonzero(chosen.volume >= 0)
    if not len(placed):
        return lun_of, Grouped(placed, placed, np.zeros(1, np.int64))
    keys = _keys(chosen.volumes)[chosen.volume[placed]]
    cluster = pc.dictionary_encode(pa.array(clusters[placed].tolist(), pa.string()))
    pair = cluster.indices.to_numpy().astype(np.int64) * (int(keys.max()) + 1) + keys
    _, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
    rank = np.empty(len(first), np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    lun_of[placed] = rank[inverse.reshape(-1)]
    ordered = placed[np.argsort(lun_of[placed], kind="stable")]
    starts = np.searchsorted(lun_of[ordered], np.arange(len(first) + 1))
    return lun_of, Grouped(placed[np.sort(first)], ordered, starts)


def _set_luns(
    vms: VmFrame, disks: DiskRows | None, chosen: _Chosen, lun_of: np.ndarray, names: list[str]
) -> None:
    """lun of every VM on one, from its own disk's row (or its configuration's)."""
    vms.values["lun"] = np.array([*names, None], object)[lun_of]  # -1: the None at the end
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

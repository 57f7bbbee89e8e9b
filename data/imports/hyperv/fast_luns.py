"""luns.py a column at a time (for fast.py): each VM's LUN, and the luns table, given and
reported exactly as the row-by-row path does."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from data.imports.common import CanonicalTable, ImportReport, Origin
from data.imports.hyperv.fast_disks import DiskRows
from data.imports.hyperv.fast_hosts import shared_rows
from data.imports.hyperv.frame import VmFrame
from data.imports.hyperv.luns import LunTally, lun_name, report_lun_table, report_luns
from data.imports.hyperv.volumes import (
    SharedVolume,
    Volume,
    read_shared_volumes,
    shared_volume,
    volumes_of,
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
    vms: list[int] = field(default_factory=list)


def assign_luns(
    vms: VmFrame,
    disks: DiskRows | None,
    shared_tables: Sequence[RawTable],
    several_clusters: bool,
    report: ImportReport,
) -> CanonicalTable | None:
    """luns.assign_luns: each VM's lun; the luns table, or None when all are exclusive."""
    shared = read_shared_volumes(shared_tables, report, shared_rows(shared_tables))
    luns: dict[tuple[str, str], _Lun] = {}
    tally = LunTally()
    nodes = [str(n or "") for n in vms.values.get("node", np.full(len(vms), None)).tolist()]
    clusters = vms.values.get("cluster", np.full(len(vms), None, object)).tolist()
    names = vms.names.tolist()
    lun_of: list[str | None] = [None] * len(vms)
    source_of: list[str | None] = [None] * len(vms)
    there = np.full(len(vms), -1, np.int64)
    chosen, disk = _chosen(vms, disks, _volumes(vms, disks, nodes), tally)
    source_column: str | None
    for v, volume in enumerate(chosen):
        if volume is None:
            tally.none.append(names[v])
            continue
        if disk[v] >= 0:
            assert disks is not None
            source, source_column = (disks.file, int(disks.row[disk[v]])), disks.column
        else:
            source, source_column = (vms.file, int(vms.row[v])), vms.config_column
        cluster = str(clusters[v] or "") if several_clusters else ""
        lun = luns.get((cluster, volume.key))
        if lun is None:
            csv = shared_volume(shared, cluster, volume) if volume.shared else None
            name = lun_name(volume, csv, cluster)
            lun = luns[cluster, volume.key] = _Lun(volume, name, v, source, source_column, csv)
        lun.vms.append(v)
        lun_of[v], source_of[v] = lun.name, source_column
        if source[0] != vms.file:
            there[v] = source[1]
    _set_luns(vms, disks, lun_of, source_of, there)
    local = [names[v] for lun in luns.values() if lun.volume.local for v in lun.vms]
    report_luns(local, tally, report)
    if not any(lun.volume.shared for lun in luns.values()):
        return None
    return _table(vms, list(luns.values()), report)


def _volumes(
    vms: VmFrame, disks: DiskRows | None, nodes: list[str]
) -> tuple[list[Volume | None], list[Volume | None]]:
    """The volume of each disk (but pass-through ones) and of each VM's configuration."""
    clustered = vms.facts["clustered"].tolist()
    configured = volumes_of(vms.facts["config_path"].tolist(), nodes, clustered)
    if disks is None:
        return [], configured
    vm = np.repeat(np.arange(len(vms)), np.diff(disks.start)).tolist()
    on = volumes_of(disks.path, [nodes[v] for v in vm], [clustered[v] for v in vm])
    return [
        None if skip else v for v, skip in zip(on, disks.passthrough.tolist(), strict=True)
    ], configured


def _chosen(
    vms: VmFrame,
    disks: DiskRows | None,
    volumes: tuple[list[Volume | None], list[Volume | None]],
    tally: LunTally,
) -> tuple[list[Volume | None], np.ndarray]:
    """luns._volume of every VM: the volume of its first disk on one, else of its
    configuration; and that disk (its index in `disks`, -1: the configuration)."""
    on_disks, configured = volumes
    chosen, disk = list(configured), np.full(len(vms), -1, np.int64)
    if disks is not None and on_disks:
        keys: dict[str, int] = {}
        key = np.array([-1 if v is None else keys.setdefault(v.key, len(keys)) for v in on_disks])
        placed = np.flatnonzero(key >= 0)  # by VM, first disk first
        owner = np.repeat(np.arange(len(vms)), np.diff(disks.start))[placed]
        at, first = np.unique(owner, return_index=True)
        if len(at):
            several = np.minimum.reduceat(key[placed], first) != np.maximum.reduceat(
                key[placed], first
            )
            tally.several += vms.names[at[several]].tolist()
            disk[at] = placed[first]
            for v, k in zip(at.tolist(), placed[first].tolist(), strict=True):
                chosen[v] = on_disks[k]
    by_config = (disk < 0) & np.array([v is not None for v in chosen], bool)
    tally.by_config += vms.names[by_config].tolist()
    return chosen, disk


def _set_luns(
    vms: VmFrame,
    disks: DiskRows | None,
    lun_of: list[str | None],
    source_of: list[str | None],
    there: np.ndarray,
) -> None:
    vms.values["lun"] = np.array(lun_of, object)
    vms.source["lun"] = np.array(source_of, object)
    if disks is not None:
        vms.elsewhere["lun"] = (disks.file, there)


def _table(vms: VmFrame, luns: list[_Lun], report: ImportReport) -> CanonicalTable:
    """luns._table: a row per LUN, then one per VM without one (its own, named after it)."""
    disk_gb = [float(gb or 0) for gb in vms.values.get("disk_gb", np.zeros(len(vms))).tolist()]
    nodes = [n or "" for n in vms.values.get("node", np.full(len(vms), None)).tolist()]
    clusters = vms.values.get("cluster", np.full(len(vms), None, object)).tolist()
    table = CanonicalTable()
    for lun in luns:
        row, origin = _lun_row(vms, lun, nodes, _capacity_gb(disk_gb, lun.vms))
        if clusters[lun.first]:
            row["cluster"] = clusters[lun.first]
        table.add(row, origin)
    lun_of = vms.values["lun"]
    for v in np.flatnonzero(lun_of == None).tolist():  # noqa: E711
        lun_of[v] = vms.names[v]
        row = {"lun": lun_of[v], "capacity_gb": _capacity_gb(disk_gb, [v]), "shared": False}
        row["node"] = nodes[v]
        if clusters[v]:
            row["cluster"] = clusters[v]
        table.add(row, Origin(vms.file, int(vms.row[v])))
    report_lun_table(len(table), report)
    return table


def _lun_row(
    vms: VmFrame, lun: _Lun, nodes: list[str], capacity_gb: float
) -> tuple[dict[str, Any], Origin]:
    """The LUN's row, from the row that first named it; its node the CSV's owner, or for
    an exclusive LUN the node all its VMs run on (luns._set_owner)."""
    row: dict[str, Any] = {"lun": lun.name, "capacity_gb": capacity_gb}
    row["shared"] = lun.volume.shared
    columns = {"lun": lun.source_column} if lun.source_column else {}
    elsewhere: dict[str, tuple[str, int | None]] = {}
    on = {nodes[v] for v in lun.vms}
    if lun.csv is not None and lun.csv.owner:
        row["node"] = lun.csv.owner
        if lun.csv.owner_column:
            columns["node"] = lun.csv.owner_column
        elsewhere["node"] = (lun.csv.cells.table.file, lun.csv.cells.row_number)
    elif not lun.volume.shared and len(on) == 1 and "" not in on:
        row["node"] = on.pop()
        origin = vms.origin(lun.first)
        if origin.columns.get("node"):
            columns["node"] = origin.columns["node"]
        if (origin.file, origin.row) != lun.source:
            elsewhere["node"] = (origin.file, origin.row)
        if "node" in origin.elsewhere:
            elsewhere["node"] = origin.elsewhere["node"]
    return row, Origin(lun.source[0], lun.source[1], columns, elsewhere)


def _capacity_gb(disk_gb: list[float], vms: list[int]) -> float:
    """luns._capacity_gb: the VMs' disks in whole GiB, at least 1."""
    mib = sum(round(disk_gb[v] * 1024) for v in vms)
    return float(max(1, math.ceil(mib / 1024)))

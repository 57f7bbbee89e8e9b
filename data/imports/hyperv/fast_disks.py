"""disks.py and luns.py a column at a time (for fast.py): each VM's disks and disk_gb,
its LUN, and the luns table, given and reported exactly as the row-by-row path does."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from data.imports.columns import Columns
from data.imports.common import (
    CanonicalTable,
    DiskMeasure,
    ImportOptions,
    ImportReport,
    Origin,
    column,
    files,
    required_column,
)
from data.imports.hyperv.disks import DiskTally, report_disks
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

_CONTROLLERS = {"ide": 0, "scsi": 1}


@dataclass
class DiskRows:
    """The VMs' disks in order (by VM, first disk first): their rows of `file`, paths."""

    file: str
    column: str  # the column naming their paths
    row: np.ndarray
    path: list[str]
    passthrough: np.ndarray
    start: np.ndarray  # VM v's disks are start[v]:start[v + 1]


def attach_disks(
    vms: VmFrame,
    drives: Sequence[RawTable],
    vhds: Sequence[RawTable],
    options: ImportOptions,
    report: ImportReport,
) -> DiskRows | None:
    """disks.attach_disks: each VM's disk_gb; its disks in order, for its LUN."""
    vhd = Columns(vhds[0]) if vhds else None
    by_path, sizes = _vhds(vhd)
    if drives:
        disks = Columns(drives[0])
        found = _drives(disks, by_path)
    elif vhd is not None and column(vhd.table, "VMName"):
        disks, found = vhd, _listed(vhd, by_path)
    else:
        if vhds:
            report.dropped.append(
                f"{files(vhds)}: no VMName column and no Get-VMHardDiskDrive export, so its "
                "disks cannot be matched to VMs; add get-vmharddiskdrive.csv"
            )
        return None
    tally = DiskTally()
    rows = _attached(vms, disks, found, tally)
    order = [found[k][rows] for k in ("location", "number", "kind", "vm")]
    rows = rows[np.lexsort([rows, *order])]  # by VM, then slot, then row (disks.Disk.slot)
    if vhd is not None:
        _set_disk_gb(vms, found["vm"][rows], found["vhd"][rows], sizes, vhd.table, options.disk)
    _tally(vms, found, rows, sizes, tally)
    report_disks(files([disks.table]), vhds, tally, options.disk, report)
    return DiskRows(
        disks.table.file,
        required_column(disks.table, "Path"),
        rows + 1,
        [found["path"][i] for i in rows.tolist()],
        found["passthrough"][rows],
        np.searchsorted(found["vm"][rows], np.arange(len(vms) + 1)),
    )


Found = dict[str, Any]  # per disk row: vm, vhd (-1: none), slot parts, path, passthrough


def _vhds(vhd: Columns | None) -> tuple[dict[str, int], tuple[np.ndarray, np.ndarray]]:
    """Get-VHD rows by path (ignoring case, the first of a path), and each row's
    provisioned and used MiB."""
    if vhd is None:
        return {}, (np.zeros(0, np.int64), np.zeros(0, np.int64))
    table = vhd.table
    by_path: dict[str, int] = {}
    for i, path in enumerate(vhd.names(required_column(table, "Path"))):
        by_path.setdefault(path.casefold(), i)
    size = _mib(vhd.numbers(required_column(table, "Size")))
    used = column(table, "FileSize")
    used_mib = _mib(vhd.numbers(used, missing=0.0)) if used else np.zeros(len(vhd), np.int64)
    return by_path, (size, used_mib)


def _mib(values: np.ndarray) -> np.ndarray:
    """common.mib_from_bytes of each."""
    return np.ceil(values / 2**20).astype(np.int64)


def _drives(disks: Columns, by_path: dict[str, int]) -> Found:
    """disks._drive of every Get-VMHardDiskDrive row."""
    table = disks.table
    paths = disks.texts(required_column(table, "Path"))
    passthrough = np.array([not p for p in paths], bool) | disks.given(column(table, "DiskNumber"))
    kinds = disks.texts(column(table, "ControllerType"))
    vhd = [
        -1 if skip else by_path.get(path.casefold(), -1)
        for path, skip in zip(paths, passthrough.tolist(), strict=True)
    ]
    return {
        "path": paths,
        "passthrough": passthrough,
        "kind": np.array([_CONTROLLERS.get(k.casefold(), len(_CONTROLLERS)) for k in kinds]),
        "number": _optional(disks, column(table, "ControllerNumber")),
        "location": _optional(disks, column(table, "ControllerLocation")),
        "vhd": np.array(vhd, np.int64),
    }


def _optional(disks: Columns, name: str | None) -> np.ndarray:
    return disks.numbers(name, missing=0.0) if name else np.zeros(len(disks))


def _listed(vhd: Columns, by_path: dict[str, int]) -> Found:
    """disks._listed: Get-VHD rows naming their VM, in the export's order."""
    path = required_column(vhd.table, "Path")
    zeros = np.zeros(len(vhd))
    return {
        "path": vhd.texts(path),
        "passthrough": np.zeros(len(vhd), bool),
        "kind": zeros,
        "number": zeros,
        "location": zeros,
        "vhd": np.array([by_path[p.casefold()] for p in vhd.names(path)], np.int64),
    }


def _attached(vms: VmFrame, disks: Columns, found: Found, tally: DiskTally) -> np.ndarray:
    """disks._attach: each disk row's VM (by VMId where both have it, else by name); the
    rows attached."""
    by_id = {vm_id.casefold(): i for i, vm_id in enumerate(vms.facts["vm_id"].tolist()) if vm_id}
    by_name = {name.casefold(): i for i, name in enumerate(vms.names.tolist())}
    ids = disks.texts(column(disks.table, "VMId"))
    names = disks.texts(column(disks.table, "VMName"))
    owner = np.full(len(disks), -1, np.int64)
    for row, (vm_id, name) in enumerate(zip(ids, names, strict=True)):
        vm = by_id.get(vm_id.casefold()) if vm_id else None
        vm = by_name.get(name.casefold()) if vm is None else vm
        if vm is None:
            tally.orphans.append(name or found["path"][row])
        else:
            owner[row] = vm
    found["vm"] = owner
    rows = np.flatnonzero(owner >= 0)
    tally.disks = len(rows)
    return rows


def _set_disk_gb(
    vms: VmFrame,
    vm: np.ndarray,
    vhd: np.ndarray,
    sizes: tuple[np.ndarray, np.ndarray],
    vhd_table: RawTable,
    measure: DiskMeasure,
) -> None:
    """disk_gb of each VM with a sized disk: its sized disks' MiB / 1024, from the row of
    its first."""
    sized = vhd >= 0
    used = measure is DiskMeasure.USED
    mib = (sizes[1] if used else sizes[0])[vhd[sized]]
    total = np.bincount(vm[sized], weights=mib, minlength=len(vms))
    at, first = np.unique(vm[sized], return_index=True)
    source = column(vhd_table, "FileSize" if used else "Size")
    gb = (total[at].astype(np.int64) / 1024).tolist()
    vms.set("disk_gb", at, gb, source, (vhd_table.file, vhd[sized][first] + 1))


def _tally(
    vms: VmFrame,
    found: Found,
    rows: np.ndarray,
    sizes: tuple[np.ndarray, np.ndarray],
    tally: DiskTally,
) -> None:
    vm, vhd, skip = found["vm"][rows], found["vhd"][rows], found["passthrough"][rows]
    names = vms.names
    tally.passthrough = names[np.unique(vm[skip])].tolist()
    tally.unsized = names[np.unique(vm[(vhd < 0) & ~skip])].tolist()
    tally.size_mib = int(sizes[0][vhd[vhd >= 0]].sum())
    tally.file_mib = int(sizes[1][vhd[vhd >= 0]].sum())


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

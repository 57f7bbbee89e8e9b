"""disks.py a column at a time (for fast.py): each VM's disks, in order, and disk_gb,
given and reported exactly as the row-by-row path does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from data.imports.columns import Columns
from data.imports.common import (
    DiskMeasure,
    ImportOptions,
    ImportReport,
    column,
    files,
    required_column,
)
from data.imports.hyperv.disks import DiskTally, report_disks
from data.imports.hyperv.frame import VmFrame
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

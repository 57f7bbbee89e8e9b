"""disks.py a column at a time (for fast.py): each VM's disks, in order, and disk_gb,
given and reported exactly as the row-by-row path does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data.imports.columns import Columns, Declined, folded, positions
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
    path: pa.Array  # of every row of `file` (a disk's: path[row - 1]), not copied
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
    vhd_paths, sizes = _vhds(vhd)
    if drives:
        disks = Columns(drives[0])
        found = _drives(disks, vhd_paths)
    elif vhd is not None and column(vhd.table, "VMName"):
        disks, found = vhd, _listed(vhd, vhd_paths)
    else:
        if vhds:
            report.dropped.append(
                f"{files(vhds)}: no VMName column and no Get-VMHardDiskDrive export, so its "
                "disks cannot be matched to VMs; add get-vmharddiskdrive.csv"
            )
        return None
    del vhd_paths  # joined: 80 MB of folded paths at a million disks
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
        found["path"],
        found["passthrough"][rows],
        np.searchsorted(found["vm"][rows], np.arange(len(vms) + 1)),
    )


Found = dict[str, Any]  # per disk row: vm, vhd (-1: none), slot parts, path, passthrough


def _vhds(vhd: Columns | None) -> tuple[pa.Array, tuple[np.ndarray, np.ndarray]]:
    """Get-VHD rows' case-folded paths (a path is joined to the first row of it), and each
    row's provisioned and used MiB."""
    if vhd is None:
        return pa.array([], pa.string()), (np.zeros(0, np.int64), np.zeros(0, np.int64))
    table = vhd.table
    paths = vhd.text_array(required_column(table, "Path"))
    if not pc.all(pc.not_equal(paths, "")).as_py():
        raise Declined  # a VHD without a path: an error, worded row by row
    size = _mib(vhd.numbers(required_column(table, "Size")))
    used = column(table, "FileSize")
    used_mib = _mib(vhd.numbers(used, missing=0.0)) if used else np.zeros(len(vhd), np.int64)
    return folded(paths), (size, used_mib)


def _mib(values: np.ndarray) -> np.ndarray:
    """common.mib_from_bytes of each."""
    return np.ceil(values / 2**20).astype(np.int64)


def _drives(disks: Columns, vhd_paths: pa.Array) -> Found:
    """disks._drive of every Get-VMHardDiskDrive row."""
    table = disks.table
    paths = disks.text_array(required_column(table, "Path"))
    passthrough = np.asarray(pc.equal(paths, ""), bool) | disks.given(column(table, "DiskNumber"))
    controller = np.full(len(disks), len(_CONTROLLERS), np.int64)  # none given: after SCSI
    kind = column(table, "ControllerType")
    if kind is not None:
        codes, kinds = disks.coded(kind)
        slots = [_CONTROLLERS.get(k.casefold(), len(_CONTROLLERS)) for k in kinds]
        controller = np.array(slots, np.int64)[codes]
    vhd = positions(folded(paths), vhd_paths)
    return {
        "path": paths,
        "passthrough": passthrough,
        "kind": controller,
        "number": _optional(disks, column(table, "ControllerNumber")),
        "location": _optional(disks, column(table, "ControllerLocation")),
        "vhd": np.where(passthrough, -1, vhd),
    }


def _optional(disks: Columns, name: str | None) -> np.ndarray:
    return disks.numbers(name, missing=0.0) if name else np.zeros(len(disks))


def _listed(vhd: Columns, vhd_paths: pa.Array) -> Found:
    """disks._listed: Get-VHD rows naming their VM, in the export's order."""
    path = vhd.text_array(required_column(vhd.table, "Path"))
    zeros = np.zeros(len(vhd))
    return {
        "path": path,
        "passthrough": np.zeros(len(vhd), bool),
        "kind": zeros,
        "number": zeros,
        "location": zeros,
        "vhd": positions(folded(path), vhd_paths),
    }


def _attached(vms: VmFrame, disks: Columns, found: Found, tally: DiskTally) -> np.ndarray:
    """disks._attach: each disk row's VM (by VMId where both have it, else by name); the
    rows attached."""
    ids = disks.text_array(column(disks.table, "VMId"))
    names = disks.text_array(column(disks.table, "VMName"))
    by_id = positions(folded(ids), vms.facts["vm_id"], last=True)  # as a dict: the last wins
    by_id[np.asarray(pc.equal(ids, ""), bool)] = -1
    owner = by_id
    unmatched = np.flatnonzero(by_id < 0)  # by name only those (most disks name their VMId)
    if len(unmatched):
        by_name = folded(names.take(pa.array(unmatched)))
        owner[unmatched] = positions(by_name, vms.facts["key"])
    orphans = pc.if_else(pc.equal(names, ""), found["path"], names)
    tally.orphans = orphans.filter(pa.array(owner < 0)).to_pylist()
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
    tally.passthrough = vms.named(np.unique(vm[skip]))
    tally.unsized = vms.named(np.unique(vm[(vhd < 0) & ~skip]))
    tally.size_mib = int(sizes[0][vhd[vhd >= 0]].sum())
    tally.file_mib = int(sizes[1][vhd[vhd >= 0]].sum())

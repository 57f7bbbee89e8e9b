"""Virtual disks from Get-VMHardDiskDrive (which VM, which controller slot, which file)
and Get-VHD (how large each file may grow, and is), joined by path ignoring case.

disk_gb is what a VM's virtual disks use now (FileSize), or with --disk provisioned
their Size, which a dynamic VHDX grows to (ImportOptions.disk; the report says which).
A Get-VHD export that carries its own VMName column stands in for Get-VMHardDiskDrive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from data.imports.common import (
    Cells,
    DiskMeasure,
    ImportOptions,
    ImportReport,
    all_cells,
    column,
    few,
    files,
    mib_from_bytes,
    plural,
    required_column,
)
from data.imports.hyperv.vms import Vm
from data.io.build import RawTable

_CONTROLLERS = {"ide": 0, "scsi": 1}  # the first disk is the one a VM boots from


@dataclass(frozen=True)
class Vhd:
    """A Get-VHD row: provisioned (Size) and used (FileSize) bytes, rounded up to MiB."""

    cells: Cells
    size_mib: int
    file_mib: int


@dataclass(frozen=True)
class Disk:
    """A VM's disk: where its file is, its slot (to find the first), its size if known."""

    path: str
    slot: tuple[int, float, float, int]
    source: Cells  # the row that names its path
    source_column: str
    vhd: Vhd | None
    passthrough: bool


@dataclass
class DiskTally:
    disks: int = 0
    orphans: list[str] = field(default_factory=list)  # disks of VMs not planned
    unsized: list[str] = field(default_factory=list)  # VMs with a disk Get-VHD lacks
    passthrough: list[str] = field(default_factory=list)
    size_mib: int = 0  # of the disks attached to planned VMs
    file_mib: int = 0


def attach_disks(
    vms: list[Vm],
    drives: Sequence[RawTable],
    vhds: Sequence[RawTable],
    options: ImportOptions,
    report: ImportReport,
) -> None:
    """Give each VM its disks (first disk first) and disk_gb."""
    by_path = _vhds(vhds)
    tally = DiskTally()
    if drives:
        rows = [(cells, _drive(cells, by_path)) for cells in all_cells(drives)]
        source = files(drives)
    elif vhds and all(column(t, "VMName") for t in vhds):
        rows = [(cells, _listed(cells, by_path)) for cells in all_cells(vhds)]
        source = files(vhds)
    else:
        if vhds:
            report.dropped.append(
                f"{files(vhds)}: no VMName column and no Get-VMHardDiskDrive export, so its "
                "disks cannot be matched to VMs; add get-vmharddiskdrive.csv"
            )
        return
    _attach(vms, rows, tally)
    for vm in vms:
        vm.disks.sort(key=lambda d: d.slot)
        _set_disk_gb(vm, tally, options.disk)
    report_disks(source, vhds, tally, options.disk, report)


def _vhds(tables: Sequence[RawTable]) -> dict[str, Vhd]:
    by_path: dict[str, Vhd] = {}
    for cells in all_cells(tables):
        table = cells.table
        path = cells.name(required_column(table, "Path")).casefold()
        size = mib_from_bytes(cells.number(required_column(table, "Size"), "bytes"))
        used = cells.optional_number(column(table, "FileSize"), "bytes")
        by_path.setdefault(path, Vhd(cells, size, mib_from_bytes(used or 0)))
    return by_path


def _drive(cells: Cells, by_path: dict[str, Vhd]) -> Disk:
    """A Get-VMHardDiskDrive row; a pass-through disk names a DiskNumber, not a file."""
    table = cells.table
    path_column = required_column(table, "Path")
    path = cells.text(path_column)
    passthrough = not path or not cells.missing(column(table, "DiskNumber"))
    kind = cells.text(column(table, "ControllerType")).casefold()
    number = cells.optional_number(column(table, "ControllerNumber")) or 0
    location = cells.optional_number(column(table, "ControllerLocation")) or 0
    slot = (_CONTROLLERS.get(kind, len(_CONTROLLERS)), number, location, cells.row_number)
    vhd = None if passthrough else by_path.get(path.casefold())
    return Disk(path, slot, cells, path_column, vhd, passthrough)


def _listed(cells: Cells, by_path: dict[str, Vhd]) -> Disk:
    """A Get-VHD row that names its VM: no slot known, so the export's order is kept."""
    path_column = required_column(cells.table, "Path")
    vhd = by_path.get(cells.name(path_column).casefold())
    return Disk(
        cells.text(path_column), (0, 0, 0, cells.row_number), cells, path_column, vhd, False
    )


def _attach(vms: list[Vm], rows: list[tuple[Cells, Disk]], tally: DiskTally) -> None:
    """Each disk to its VM: by VMId where both exports have it, else by name."""
    by_id = {vm.vm_id.casefold(): vm for vm in vms if vm.vm_id}
    by_name: dict[str, Vm] = {}
    for each in vms:
        by_name.setdefault(each.name.casefold(), each)
    for cells, disk in rows:
        vm_id = cells.text(column(cells.table, "VMId")).casefold()
        name = cells.text(column(cells.table, "VMName"))
        vm = (by_id.get(vm_id) if vm_id else None) or by_name.get(name.casefold())
        if vm is None:
            tally.orphans.append(name or disk.path)
            continue
        vm.disks.append(disk)
        tally.disks += 1


def _set_disk_gb(vm: Vm, tally: DiskTally, measure: DiskMeasure) -> None:
    sized = [d.vhd for d in vm.disks if d.vhd is not None]
    if any(d.passthrough for d in vm.disks):
        tally.passthrough.append(vm.name)
    if any(d.vhd is None and not d.passthrough for d in vm.disks):
        tally.unsized.append(vm.name)
    tally.size_mib += sum(v.size_mib for v in sized)
    tally.file_mib += sum(v.file_mib for v in sized)
    if sized:
        first = sized[0].cells
        used = measure is DiskMeasure.USED
        mib = sum(v.file_mib if used else v.size_mib for v in sized)
        vm.set("disk_gb", mib / 1024, first, column(first.table, "FileSize" if used else "Size"))


def report_disks(
    source: str,
    vhds: Sequence[RawTable],
    tally: DiskTally,
    measure: DiskMeasure,
    report: ImportReport,
) -> None:
    report.mapped.append(f"{source}: {plural(tally.disks, 'disk')} of the VMs")
    if not vhds:
        report.assumed.append("no Get-VHD export: disk sizes unknown, disk_gb left at 0")
        return
    provisioned = f"{tally.size_mib / 1024:,.0f} GiB"
    used = f"{tally.file_mib / 1024:,.0f} GiB"
    if measure is DiskMeasure.USED:
        report.assumed.append(
            f"{files(vhds)}: --disk used: disk_gb is FileSize, what a VM's virtual disks use "
            f"now ({used} in all), not their provisioned Size ({provisioned}; a dynamic VHDX "
            "grows to it, --disk provisioned plans that)"
        )
    else:
        report.assumed.append(
            f"{files(vhds)}: --disk provisioned: disk_gb is the provisioned Size of a VM's "
            f"virtual disks ({provisioned} in all; a dynamic VHDX grows to it), not "
            f"FileSize, what they use now ({used})"
        )
    if tally.unsized:
        report.assumed.append(
            f"{plural(len(tally.unsized), 'VM')} with a disk Get-VHD does not list "
            f"({few(tally.unsized)}): that disk counted as 0 GiB"
        )
    if tally.passthrough:
        report.assumed.append(
            f"{plural(len(tally.passthrough), 'VM')} with a pass-through disk "
            f"({few(tally.passthrough)}): its size is unknown, counted as 0 GiB"
        )
    if tally.orphans:
        report.dropped.append(
            f"{plural(len(tally.orphans), 'disk')} of VMs not planned ({few(tally.orphans)})"
        )

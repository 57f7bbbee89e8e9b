"""VMs from Get-VM: names, vCPUs, current host, and the memory MODEL.md plans them at.

Get-VM gives memory in bytes. MemoryAssigned is 0 while a VM is off, so the memory a
VM starts with (MemoryStartup) is the figure that is always there; dynamic memory may
be planned at what it holds now or may grow to instead (ImportOptions.dynamic_memory).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from data.errors import InputError
from data.imports.common import (
    Cells,
    DynamicMemory,
    ImportOptions,
    ImportReport,
    all_cells,
    column,
    few,
    files,
    mib_from_bytes,
    plural,
    required_column,
    short,
)
from data.imports.hyperv.rows import Pending
from data.imports.oddities import (
    duplicates_renamed,
    report_dropped_memory,
    report_renamed,
    zero_or_empty,
)
from data.io.build import RawTable

if TYPE_CHECKING:  # hyperv_disks attaches disks to VMs, so it imports this module
    from data.imports.hyperv.disks import Disk

_OFF_STATES = ("off", "saved", "fastsaved")  # and their "-Critical" variants


@dataclass
class Vm(Pending):
    """A Get-VM row on its way to a vms row, with what later tables attach to it."""

    name: str = ""
    vm_id: str = ""
    host: str = ""  # Get-VM's ComputerName, lower-cased and without domain
    off: bool = False
    dynamic: bool = False
    clustered: bool | None = None  # None: not exported
    config_path: str = ""  # Get-VM's Path: where its configuration lives
    disks: list[Disk] = field(default_factory=list)  # first disk first


def read_vms(
    tables: Sequence[RawTable], options: ImportOptions, report: ImportReport
) -> tuple[list[Vm], set[str]]:
    """The VMs to plan, and the names of those left out (their roles are not missing)."""
    rows = list(all_cells(tables))
    empty = {id(c) for c in rows if not options.strict and _no_memory(c)}
    vms = [_vm(cells, options) for cells in rows if id(cells) not in empty]
    dropped = [_name_of(c) for c in rows if id(c) in empty]
    if not options.strict:
        _rename_duplicates(vms, report)
    name = column(tables[0], "VMName", "Name")
    report.mapped.append(
        f"{files(tables)}: {plural(len(vms), 'VM')}: {name} -> vm, ProcessorCount -> vcpus, "
        "ComputerName -> node, memory in bytes -> memory_mb in MiB (rounded up)"
    )
    report_memory(tables, [vm.name for vm in vms if vm.dynamic], options, report)
    report_unclustered([vm.name for vm in vms if vm.clustered is False], report)
    report_dropped_memory(dropped, files(tables), report)
    kept, left_out = _powered(vms, options, report)
    return kept, left_out | set(dropped)


def _no_memory(cells: Cells) -> bool:
    return zero_or_empty(cells, column(cells.table, "MemoryStartup"))


def _name_of(cells: Cells) -> str:
    name = column(cells.table, "VMName", "Name")
    return cells.text(name) or f"row {cells.row_number}"


def _rename_duplicates(vms: list[Vm], report: ImportReport) -> None:
    """Two VMs of one name (on other hosts, Hyper-V allows it): the later ones renamed
    before disks and roles are joined to them by name, so each join finds the first."""
    places = [(vm.cells.table.file, vm.cells.row_number) for vm in vms]
    renamed = duplicates_renamed([vm.name for vm in vms], places)
    for index, change in renamed:
        vms[index].name = vms[index].row["vm"] = change.new
    report_renamed([change for _, change in renamed], report)


def _vm(cells: Cells, options: ImportOptions) -> Vm:
    table = cells.table
    name, cpus = required_column(table, "VMName", "Name"), required_column(table, "ProcessorCount")
    host = column(table, "ComputerName")
    vm = Vm(cells, name=cells.name(name), vm_id=cells.text(column(table, "VMId", "Id")))
    vm.set("vm", vm.name, cells, name)
    vm.set("vcpus", cells.positive_int(cpus), cells, cpus)
    vm.dynamic = cells.boolean(column(table, "DynamicMemoryEnabled"))
    memory_mb, memory = _memory(cells, vm.dynamic, options)
    vm.set("memory_mb", memory_mb, cells, memory)
    if not cells.missing(host):
        vm.set("node", cells.text(host), cells, host)
        vm.host = short(vm.row["node"])
    state = cells.text(column(table, "State")).replace("-", "").casefold()
    vm.off = state.startswith(_OFF_STATES)
    clustered = column(table, "IsClustered")
    vm.clustered = None if cells.missing(clustered) else cells.boolean(clustered)
    vm.config_path = cells.text(column(table, "Path", "ConfigurationLocation"))
    return vm


def _memory(cells: Cells, dynamic: bool, options: ImportOptions) -> tuple[int, str]:
    """memory_mb and the column it came from: startup, unless a dynamic VM is planned at
    what it holds now (0 while off: then startup) or at its maximum."""
    startup = required_column(cells.table, "MemoryStartup")
    choice = options.dynamic_memory if dynamic else DynamicMemory.STARTUP
    if choice is not DynamicMemory.STARTUP:
        wanted = "MemoryAssigned" if choice is DynamicMemory.ASSIGNED else "MemoryMaximum"
        source = column(cells.table, wanted)
        if source is None:
            raise InputError(
                f"required column {wanted!r} is missing (dynamic memory planned as {choice})",
                cells.table.file,
                column=wanted,
            )
        value = cells.number(source, "bytes")
        if value > 0 or choice is DynamicMemory.MAXIMUM:
            return mib_from_bytes(value), source
    return mib_from_bytes(cells.number(startup, "bytes")), startup


def report_memory(
    tables: Sequence[RawTable], dynamic: list[str], options: ImportOptions, report: ImportReport
) -> None:
    if any(column(t, "DynamicMemoryEnabled") is None for t in tables):
        report.assumed.append(
            f"{files(tables)}: no DynamicMemoryEnabled column: every VM taken as static memory, "
            "planned at MemoryStartup"
        )
    if dynamic:
        figure = {
            DynamicMemory.STARTUP: "MemoryStartup, the memory they start with",
            DynamicMemory.ASSIGNED: "MemoryAssigned, what they hold now (startup if off)",
            DynamicMemory.MAXIMUM: "MemoryMaximum, the most they may grow to",
        }[options.dynamic_memory]
        report.assumed.append(
            f"{plural(len(dynamic), 'dynamic-memory VM')} ({few(dynamic)}) planned at {figure}; "
            "choose with --dynamic-memory startup|assigned|maximum"
        )


def report_unclustered(alone: list[str], report: ImportReport) -> None:
    if alone:
        report.assumed.append(
            f"{plural(len(alone), 'VM')} not clustered (IsClustered False: {few(alone)}): "
            "planned, but the cluster does not restart them on another node"
        )


def _powered(
    vms: list[Vm], options: ImportOptions, report: ImportReport
) -> tuple[list[Vm], set[str]]:
    off = [vm.name for vm in vms if vm.off]
    report_powered(off, options, report)
    if not off or options.powered_off:
        return vms, set()
    return [vm for vm in vms if not vm.off], set(off)


def report_powered(off: list[str], options: ImportOptions, report: ImportReport) -> None:
    """VMs off or saved: planned (they will start somewhere), or left out when asked."""
    if not off:
        return
    if options.powered_off:
        report.assumed.append(
            f"{plural(len(off), 'VM')} off or saved ({few(off)}): planned, as they will start "
            "somewhere (leave them out with --no-powered-off)"
        )
        return
    report.dropped.append(f"{plural(len(off), 'VM')} off or saved ({few(off)}): --no-powered-off")

"""RVTools' vHost and vInfo sheets as canonical nodes and VMs (storage: rvtools_storage)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, field
from typing import TYPE_CHECKING, Any

from data.imports.common import (
    CanonicalTable,
    Cells,
    DiskMeasure,
    ImportOptions,
    ImportReport,
    all_cells,
    column,
    few,
    files,
    gib_from_mib,
    required_column,
)
from data.imports.oddities import (
    duplicates_renamed,
    report_dropped_memory,
    report_nameless_hosts,
    report_renamed,
    zero_or_empty,
)
from data.io.build import RawTable

if TYPE_CHECKING:
    from data.imports.rvtools.storage import Disks

POWER_STATES = ("poweredon", "poweredoff", "suspended")


@dataclass
class SourceVm:
    """A vInfo row on its way to the vms table: the storage rules may still set its lun."""

    row: dict[str, Any]
    cells: Cells
    columns: dict[str, str | None] = field(default_factory=dict)
    path: str | None = None  # vInfo's Path column ("[datastore] folder/vm.vmx")
    provisioned_mib: float = 0.0  # what its disks may grow to (splits a shared datastore)


def vm_table(vms: Iterable[SourceVm], sources: Sequence[RawTable]) -> CanonicalTable:
    table = CanonicalTable.of(sources)
    for vm in vms:
        table.add(vm.row, vm.cells.origin(**vm.columns))
    return table


def nodes_from(
    tables: Sequence[RawTable], options: ImportOptions, report: ImportReport
) -> CanonicalTable:
    """One node per vHost row; hyper-threading doubles the logical processors it offers.
    A row with an empty Host (a summary or orphan row) is skipped."""
    nodes = CanonicalTable.of(tables)
    threaded, standalone, nameless = 0, 0, []
    for cells in all_cells(tables):
        table = cells.table
        host, cores = required_column(table, "Host"), required_column(table, "# Cores")
        memory, cluster = required_column(table, "# Memory"), column(table, "Cluster")
        if cells.missing(host) and not options.strict:
            nameless.append(cells.row_number)
            continue
        lps = cells.positive_int(cores, "cores")
        if cells.boolean(column(table, "HT Active")):
            lps, threaded = lps * 2, threaded + 1
        row = {
            "node": cells.name(host),
            "memory_mb": cells.positive_int(memory, "MiB"),
            "logical_processors": lps,
            "cluster": cells.text(cluster),
        }
        standalone += not row["cluster"]
        origin = cells.origin(
            node=host, memory_mb=memory, logical_processors=cores, cluster=cluster
        )
        nodes.add(row, origin)
    report.mapped.append(
        f"{files(tables)}: {len(nodes.rows)} hosts -> nodes (node = Host, memory_mb = # Memory, "
        f"logical_processors = # Cores, doubled where HT Active is True ({threaded} hosts), "
        "cluster = Cluster)"
    )
    report.assumed.append("nodes: reserve_mb, vcpu_per_lp and vlan take MODEL.md's defaults")
    if standalone:
        report.assumed.append(f"hosts in no VMware cluster: {standalone}, in the cluster 'cluster'")
    report_nameless_hosts(nameless, files(tables), report)
    return nodes


@dataclass(frozen=True)
class VInfoColumns:
    """vInfo's columns, as this table spells them."""

    vm: str
    power: str
    template: str
    cpus: str
    memory: str
    provisioned: str | None
    in_use: str | None
    path: str | None
    host: str | None
    cluster: str | None

    @classmethod
    def of(cls, table: RawTable) -> VInfoColumns:
        return cls(
            vm=required_column(table, "VM"),
            power=required_column(table, "Powerstate"),
            template=required_column(table, "Template"),
            cpus=required_column(table, "CPUs"),
            memory=required_column(table, "Memory"),
            provisioned=column(table, "Provisioned MiB", "Provisioned MB"),
            in_use=column(table, "In Use MiB", "In Use MB"),
            path=column(table, "Path"),
            host=column(table, "Host"),
            cluster=column(table, "Cluster"),
        )


def vms_from(
    tables: Sequence[RawTable], disks: Disks | None, options: ImportOptions, report: ImportReport
) -> list[SourceVm]:
    """The VMs of vInfo, less the templates and powered-off VMs the options leave out, and
    (unless strict) those with no memory; names given twice are made unique."""
    vms: list[SourceVm] = []
    seen: dict[str, list[str]] = {"template": [], "off": [], "empty": []}
    wanted = {"on": True, "template": options.templates, "off": options.powered_off}
    spelled = {table.file: VInfoColumns.of(table) for table in tables}
    for cells in all_cells(tables):
        columns = spelled[cells.table.file]
        state = _state(cells, columns)
        name = cells.name(columns.vm)
        if state != "on":
            seen[state].append(name)
        if wanted[state] and not options.strict and zero_or_empty(cells, columns.memory):
            seen["empty"].append(name)
        elif wanted[state]:
            vms.append(_vm(cells, columns, name, disks, options))
    if not options.strict:
        _rename_duplicates(vms, report)
    report_vms(tables, len(vms), seen, options, disks is not None, report)
    report_dropped_memory(seen["empty"], files(tables), report)
    return vms


def _rename_duplicates(vms: list[SourceVm], report: ImportReport) -> None:
    names = [str(vm.row["vm"]) for vm in vms]
    places = [(vm.cells.table.file, vm.cells.row_number) for vm in vms]
    renamed = duplicates_renamed(names, places)
    for index, change in renamed:
        vms[index].row["vm"] = change.new
    report_renamed([change for _, change in renamed], report)


def _state(cells: Cells, columns: VInfoColumns) -> str:
    """template, off or on; a suspended VM counts as on (it resumes with its memory)."""
    if cells.boolean(columns.template):
        return "template"
    power = cells.text(columns.power)
    if power and power.lower() not in POWER_STATES:
        raise cells.fail(columns.power, f"{power!r} is not poweredOn, poweredOff or suspended")
    return "off" if power.lower() == "poweredoff" else "on"


def _vm(
    cells: Cells, columns: VInfoColumns, name: str, disks: Disks | None, options: ImportOptions
) -> SourceVm:
    if disks is not None:
        provisioned, provisioned_column = disks.mib.get(name, 0.0), None
    else:
        provisioned = cells.optional_number(columns.provisioned, "MiB") or 0.0
        provisioned_column = columns.provisioned
    disk_mib, disk_column = provisioned, provisioned_column
    if options.disk is DiskMeasure.USED and columns.in_use is not None:
        disk_mib = cells.optional_number(columns.in_use, "MiB") or 0.0
        disk_column = columns.in_use
    row = {
        "vm": name,
        "memory_mb": cells.positive_int(columns.memory, "MiB"),
        "vcpus": cells.positive_int(columns.cpus, "vCPUs"),
        "disk_gb": gib_from_mib(disk_mib),
        "node": cells.text(columns.host),
        "cluster": cells.text(columns.cluster),
    }
    origin = {
        "vm": columns.vm,
        "memory_mb": columns.memory,
        "vcpus": columns.cpus,
        "disk_gb": disk_column,
        "node": columns.host,
        "cluster": columns.cluster,
        "lun": columns.path,
    }
    path = cells.text(columns.path) if columns.path else None
    return SourceVm(row, cells, origin, path, provisioned)


def _disk_source(
    tables: Sequence[RawTable], options: ImportOptions, from_vdisk: bool, report: ImportReport
) -> str:
    """Which figure disk_gb is, said in the report (--disk used|provisioned)."""
    provisioned = "the sum of its vDisk Capacity MiB" if from_vdisk else "Provisioned MiB"
    if options.disk is DiskMeasure.PROVISIONED:
        report.assumed.append(
            f"--disk provisioned: a VM needs {provisioned} on its LUN, every thin disk "
            "counted at the size it may grow to"
        )
        return provisioned
    if any(column(t, "In Use MiB", "In Use MB") is None for t in tables):
        report.assumed.append(
            f"--disk used, but vInfo has no In Use MiB column: {provisioned} used instead"
        )
        return provisioned
    report.assumed.append(
        "--disk used: a VM needs what its disks hold now (vInfo In Use MiB) on its LUN, so "
        f"thin disks do not count past their datastore; --disk provisioned counts {provisioned}"
    )
    return "In Use MiB"


def report_vms(
    tables: Sequence[RawTable],
    count: int,
    seen: dict[str, list[str]],
    options: ImportOptions,
    from_vdisk: bool,
    report: ImportReport,
) -> None:
    disk = _disk_source(tables, options, from_vdisk, report)
    report.mapped.append(
        f"{files(tables)}: {count} VMs -> vms (vm = VM, memory_mb = Memory, vcpus = CPUs, "
        f"disk_gb = {disk} / 1024, node = Host, cluster = Cluster)"
    )
    report.assumed.append(
        "RVTools' MiB (and older versions' MB) are 1024-based: Memory is taken as MiB, "
        "disk sizes as MiB divided by 1024 for GiB"
    )
    for state, what, kept, flag in (
        ("template", "templates", options.templates, "--no-templates"),
        ("off", "powered-off VMs", options.powered_off, "--no-powered-off"),
    ):
        if seen[state]:
            counted = f"{len(seen[state])} ({few(seen[state])})"
            if kept:
                report.assumed.append(f"{what} planned: {counted}; {flag} leaves them out")
            else:
                report.dropped.append(f"{what} left out as asked: {counted}")
    used = {c for c in astuple(VInfoColumns.of(tables[0])) if c}
    used |= {"Cluster rule(s)", "Cluster rule name(s)"}  # read by rvtools.rules
    others = [c for c in tables[0].columns if c not in used]
    if others:
        report.dropped.append(f"{tables[0].file}: columns not used for a plan: {few(others, 5)}")

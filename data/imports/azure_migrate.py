"""Azure Migrate's import CSV (the template of "Discover > Import using CSV"): a server
list, to plan servers recorded for an Azure assessment onto Hyper-V hosts instead.

It describes VMs only, with no host, cluster or storage: the nodes come from another
table passed alongside (a canonical nodes.csv or a Get-VMHost export), and each VM
gets its own LUN. The template marks its required columns with `*`; a copy without the
stars is recognised too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from data.imports.common import (
    CanonicalTable,
    Contribution,
    DiskMeasure,
    Format,
    ImportOptions,
    ImportReport,
    TableKind,
    all_cells,
    few,
    required_column,
)
from data.imports.oddities import (
    duplicates_renamed,
    report_dropped_memory,
    report_renamed,
    zero_or_empty,
)
from data.io.build import RawTable

NAME = "azure-migrate"
SERVERS = "servers"
KINDS = (
    TableKind(NAME, SERVERS, ("*Server Name", "*Cores", "*Memory (In MB)", "*OS name")),
    TableKind(NAME, SERVERS, ("Server Name", "Cores", "Memory (In MB)")),
)
_DISK_SIZE = re.compile(r"disk \d+ size \(in gb\)", re.IGNORECASE)


def convert(
    tables: Mapping[str, Sequence[RawTable]], options: ImportOptions, report: ImportReport
) -> Contribution:
    """One VM per server; its disks' sizes add up to the VM's disk_gb."""
    vms = CanonicalTable.of(tables.get(SERVERS, ()))
    for table in tables.get(SERVERS, ()):
        _add_servers(vms, table, options, report)
    if not options.strict:
        places = [(origin.file, origin.row) for origin in vms.origins]
        renamed = duplicates_renamed([str(row["vm"]) for row in vms.rows], places)
        for index, change in renamed:
            vms.rows[index]["vm"] = change.new
        report_renamed([change for _, change in renamed], report)
    if options.disk is DiskMeasure.USED:
        report.assumed.append(
            "--disk used, but Azure Migrate gives each disk's size only: disk_gb is its "
            "provisioned size"
        )
    report.assumed.append(
        "Azure Migrate's MB are 1024-based: *Memory (In MB) is taken as MiB, "
        "Disk N size (In GB) as GiB"
    )
    report.assumed.append(
        "servers name no host, cluster or storage: the nodes come from the nodes table "
        "given alongside, and each VM gets its own LUN"
    )
    return {"vms": vms}


def _add_servers(
    vms: CanonicalTable, table: RawTable, options: ImportOptions, report: ImportReport
) -> None:
    name = required_column(table, "*Server Name", "Server Name")
    cores = required_column(table, "*Cores", "Cores")
    memory = required_column(table, "*Memory (In MB)", "Memory (In MB)")
    disks = [c for c in table.columns if _DISK_SIZE.fullmatch(c)]
    count, empty = 0, []
    for cells in all_cells([table]):
        count += 1
        if not options.strict and zero_or_empty(cells, memory):
            empty.append(cells.text(name) or f"row {cells.row_number}")
            continue
        row = {
            "vm": cells.name(name),
            "memory_mb": cells.positive_int(memory, "MiB"),
            "vcpus": cells.positive_int(cores, "cores"),
            "disk_gb": sum(cells.optional_number(d, "GiB") or 0.0 for d in disks),
        }
        vms.add(row, cells.origin(vm=name, memory_mb=memory, vcpus=cores))
    sizes = f"the sum of {len(disks)} Disk N size (In GB) columns" if disks else "0 (no disk sizes)"
    report.mapped.append(
        f"{table.file}: {count} servers -> vms (vm = {name}, memory_mb = {memory}, "
        f"vcpus = {cores}, disk_gb = {sizes})"
    )
    report_dropped_memory(empty, table.file, report)
    _report_unused(table, {name, cores, memory, *disks}, report)


def _report_unused(table: RawTable, used: set[str], report: ImportReport) -> None:
    unused = [c for c in table.columns if c not in used]
    if not unused:
        return
    report.dropped.append(
        f"{table.file}: columns {few(unused, 4)} not used (operating system, addresses, "
        "utilisation, throughput and IOPS do not decide a placement)"
    )


FORMAT = Format(NAME, "Azure Migrate import CSV (servers; nodes given separately)", KINDS, convert)

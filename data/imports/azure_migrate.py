"""Azure Migrate's import CSV (the template of "Discover > Import using CSV"): a server
list, to plan servers recorded for an Azure assessment onto Hyper-V hosts instead.

It describes VMs only, with no host, cluster or storage: the nodes come from another
table passed alongside (a canonical nodes.csv or a Get-VMHost export), and each VM
gets its own LUN. The template marks its required columns with `*`; a copy without the
stars is recognised too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from data.imports.azure_migrate_fast import fast_servers
from data.imports.azure_migrate_servers import report_servers, server_columns
from data.imports.common import (
    CanonicalTable,
    Contribution,
    DiskMeasure,
    Format,
    ImportOptions,
    ImportReport,
    TableKind,
    all_cells,
)
from data.imports.oddities import (
    duplicates_renamed,
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


def convert(
    tables: Mapping[str, Sequence[RawTable]], options: ImportOptions, report: ImportReport
) -> Contribution:
    """One VM per server; its disks' sizes add up to the VM's disk_gb."""
    servers = tables.get(SERVERS, ())
    fast = fast_servers(servers, options)
    if fast is not None:  # read a column at a time: the same table and report
        vms, said = fast
        report.extend(said)
    else:
        vms = servers_by_rows(servers, options, report)
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


def servers_by_rows(
    tables: Sequence[RawTable], options: ImportOptions, report: ImportReport
) -> CanonicalTable:
    """The servers a row at a time (the way of exports azure_migrate_fast declines, and
    its oracle), names given twice made unique unless strict."""
    vms = CanonicalTable.of(tables)
    for table in tables:
        _add_servers(vms, table, options, report)
    if not options.strict:
        places = [(origin.file, origin.row) for origin in vms.origins]
        renamed = duplicates_renamed([str(row["vm"]) for row in vms.rows], places)
        for index, change in renamed:
            vms.rows[index]["vm"] = change.new
        report_renamed([change for _, change in renamed], report)
    return vms


def _add_servers(
    vms: CanonicalTable, table: RawTable, options: ImportOptions, report: ImportReport
) -> None:
    name, cores, memory, disks = server_columns(table)
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
    report_servers(table, count, empty, report)


FORMAT = Format(NAME, "Azure Migrate import CSV (servers; nodes given separately)", KINDS, convert)

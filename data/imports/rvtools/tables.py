"""RVTools exports (a VMware inventory to be moved to Hyper-V): the xlsx workbook, or the
per-tab CSV files of `RVTools -c ExportAll2csv`. Tables are recognised by their columns,
never by their sheet or file names.

vHost gives the nodes, vInfo the VMs (disk_gb its In Use MiB, or as provisioned: vDisk's
sizes when present, ImportOptions.disk) and their DRS anti-affinity rules, and
vDatastore the LUNs their datastores become. RVTools writes thirty-odd other sheets
that do not enter a plan; they are recognised as RVTools' (so they do not look like
unknown files) and reported in one line. RVTools computes its "MiB" columns, and the
"MB" columns of older versions, with 1024-based units: both are taken as MiB.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from data.errors import InputError
from data.imports.common import (
    Contribution,
    Format,
    ImportOptions,
    ImportReport,
    TableKind,
    few,
    has_columns,
)
from data.imports.rvtools.fast import fast_convert
from data.imports.rvtools.kinds import NAME, NO_DATASTORES, OTHER, VDATASTORE, VDISK, VHOST, VINFO
from data.imports.rvtools.rules import RULE_KINDS, RULE_NAMES, apply_rules
from data.imports.rvtools.sheets import nodes_from, vm_table, vms_from
from data.imports.rvtools.storage import disks_from, luns_from
from data.io.build import RawTable

# Every sheet holds columns several others share ("VM", "Powerstate", "Host", "Name"), so
# each kind names columns only its own sheet has. Older versions spell MiB as "MB".
KINDS = (
    TableKind(NAME, VINFO, ("VM", "Powerstate", "Template", "CPUs", "Memory")),
    TableKind(NAME, VHOST, ("Host", "Cluster", "# CPU", "# Cores", "HT Active", "# Memory")),
    TableKind(NAME, VDATASTORE, ("Name", "Type", "Capacity MiB")),
    TableKind(NAME, VDATASTORE, ("Name", "Type", "Capacity MB")),
    TableKind(NAME, VDISK, ("VM", "Disk", "Thin", "Capacity MiB")),
    TableKind(NAME, VDISK, ("VM", "Disk", "Thin", "Capacity MB")),
    # The rest: every sheet names its vCenter in "VI SDK Server", except vMetaData.
    # One column each, so any kind above that matches wins.
    TableKind(NAME, OTHER, ("VI SDK Server",)),
    TableKind(NAME, OTHER, ("RVTools version",)),
)

# Columns that mark a sheet as one of those used even when it misses a kind's column:
# such a sheet is an error, not an ignored sheet (the plan would silently lack it).
_SIGNATURES = {
    VINFO: ("VM", "CPUs", "Memory"),
    VHOST: ("Host", "# Cores", "# Memory"),
    VDATASTORE: ("Name", "Type", "Free %"),
    VDISK: ("VM", "Disk", "Thin"),
}


def convert(
    tables: Mapping[str, Sequence[RawTable]], options: ImportOptions, report: ImportReport
) -> Contribution:
    """Nodes from vHost, VMs from vInfo, LUNs from vDatastore: whichever are present."""
    _check_misfits(tables.get(OTHER, ()))
    _report_other(tables.get(OTHER, ()), report)
    fast = fast_convert(tables, options)
    if fast is not None:  # read a column at a time: the same tables and report
        contribution, said = fast
        report.extend(said)
        return contribution
    return convert_by_rows(tables, options, report)


def convert_by_rows(
    tables: Mapping[str, Sequence[RawTable]], options: ImportOptions, report: ImportReport
) -> Contribution:
    """convert after the sheets not used, a row at a time (the way of exports fast.py
    declines, and its oracle)."""
    contribution: Contribution = {}
    if VHOST in tables:
        contribution["nodes"] = nodes_from(tables[VHOST], options, report)
    if VINFO not in tables:
        unused = [t.file for kind in (VDISK, VDATASTORE) for t in tables.get(kind, ())]
        if unused:
            report.dropped.append(f"{', '.join(unused)}: no vInfo table names the VMs; ignored")
        return contribution
    disks = disks_from(tables[VDISK], report) if VDISK in tables else None
    vms = vms_from(tables[VINFO], disks, options, report)
    apply_rules(vms, tables[VINFO], report)
    nodes = contribution["nodes"].rows if "nodes" in contribution else []
    clusters = {str(row["cluster"]) for row in nodes if row["cluster"]}
    if VDATASTORE in tables:
        stores = tables[VDATASTORE]
        contribution["luns"] = luns_from(vms, disks, stores, clusters, options, report)
    else:
        report.assumed.append(NO_DATASTORES)
    contribution["vms"] = vm_table(vms, tables[VINFO])
    return contribution


def _check_misfits(tables: Sequence[RawTable]) -> None:
    """A sheet that looks like vInfo, vHost, vDatastore or vDisk but lacks a column."""
    for table in tables:
        for kind, signature in _SIGNATURES.items():
            if has_columns(table, *signature):
                missing = min(
                    (
                        [c for c in k.columns if not has_columns(table, c)]
                        for k in KINDS
                        if k.name == kind
                    ),
                    key=len,
                )
                raise InputError(
                    f"looks like RVTools' {kind} sheet, but column {missing[0]!r} is missing",
                    table.file,
                    column=missing[0],
                )


def _report_other(tables: Sequence[RawTable], report: ImportReport) -> None:
    """One line for all the sheets a plan does not need, whatever their number."""
    if not tables:
        return
    names = [t.file.partition(" sheet ")[2] or t.file for t in tables]
    files = sorted({t.file.partition(" sheet ")[0] for t in tables if " sheet " in t.file})
    where = f"{', '.join(files)}: " if files and len(files) == 1 else ""
    report.dropped.append(
        f"{where}RVTools tables a plan does not use, ignored: {len(tables)} ({few(names, 6)})"
    )


# The columns read of the tables with a row per VM or disk (a real vInfo has ninety):
# a CSV of these kinds is parsed in only these at first (the others in none).
READS = {
    VINFO: (
        *("VM", "Powerstate", "Template", "CPUs", "Memory", "Provisioned MiB"),
        *("Provisioned MB", "In Use MiB", "In Use MB", "Path", "Host", "Cluster"),
        *(RULE_KINDS, RULE_NAMES),
    ),
    VDISK: ("VM", "Capacity MiB", "Capacity MB", "Path", "Disk Path"),
    OTHER: (),
}
FORMAT = Format(NAME, "RVTools workbook or per-tab CSV export (VMware)", KINDS, convert, READS)

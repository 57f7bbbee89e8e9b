"""The RVTools import a column at a time: what sheets.py, rules.py and storage.py do row
by row for vInfo and vDisk, for a million VMs (vHost and vDatastore, a row per host or
datastore, are still read row by row).

vInfo's few columns are typed whole (data/imports/columns.py) and the VMs kept as
columns (hyperv/frame.py's VmFrame), joined to vDisk by one dictionary of names. It
gives the very tables and report the row-by-row path gives, for exports it plainly
accepts: CSV or Parquet, one vInfo, vDisk and vDatastore table, no VM name given twice,
no bad cell. Anything else raises Declined (or an InputError of a table read row by
row here too), and tables.py reads the export row by row, which words each error and
reports each oddity as it always has.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from data.errors import InputError
from data.imports.columns import Columns, Declined
from data.imports.common import (
    Contribution,
    DiskMeasure,
    ImportOptions,
    ImportReport,
    column,
    files,
)
from data.imports.hyperv.frame import VmFrame
from data.imports.oddities import report_dropped_memory
from data.imports.rvtools import arrow_text
from data.imports.rvtools.fast_storage import FastDisks, assign_luns, read_disks
from data.imports.rvtools.kinds import NO_DATASTORES, VDATASTORE, VDISK, VHOST, VINFO
from data.imports.rvtools.rules import RULE_KINDS, RULE_NAMES, Tally, classes, listed, report_rules
from data.imports.rvtools.sheets import POWER_STATES, VInfoColumns, nodes_from, report_vms
from data.io.build import RawTable
from data.schema import CLASS_SEPARATOR


def fast_convert(
    tables: Mapping[str, Sequence[RawTable]], options: ImportOptions
) -> tuple[Contribution, ImportReport] | None:
    """The contribution and report, or None when the export is to be read row by row."""
    if any(len(tables.get(kind, ())) > 1 for kind in (VINFO, VDISK, VDATASTORE)):
        return None
    if not tables.get(VINFO):
        return None
    report = ImportReport()
    try:
        return _convert(tables, options, report), report
    except (Declined, InputError):  # the row-by-row path raises it where it always has
        return None


def _convert(
    tables: Mapping[str, Sequence[RawTable]], options: ImportOptions, report: ImportReport
) -> Contribution:
    """tables.convert's steps, in its order (so the report's lines come in its order)."""
    contribution: Contribution = {}
    if VHOST in tables:
        contribution["nodes"] = nodes_from(tables[VHOST], options, report)
    vinfo = tables[VINFO][0]
    disks = read_disks(tables[VDISK][0], report) if VDISK in tables else None
    vms = _read_vms(vinfo, disks, options, report)
    _apply_rules(vms, vinfo, report)
    nodes = contribution["nodes"].rows if "nodes" in contribution else []
    clusters = {str(row["cluster"]) for row in nodes if row["cluster"]}
    if VDATASTORE in tables:
        stores = tables[VDATASTORE]
        contribution["luns"] = assign_luns(vms, disks, stores, clusters, options, report)
    else:
        report.assumed.append(NO_DATASTORES)
    contribution["vms"] = vms.table([vinfo.file])
    return contribution


def _read_vms(
    table: RawTable, disks: FastDisks | None, options: ImportOptions, report: ImportReport
) -> VmFrame:
    """sheets.vms_from: the VMs to plan, less those the options leave out."""
    cells, columns = Columns(table), VInfoColumns.of(table)
    if not len(cells):
        raise Declined  # nothing to read fast
    names = np.array(cells.names(columns.vm), object)
    template = np.array(cells.booleans(columns.template), bool)
    power = [state.lower() for state in cells.texts(columns.power)]
    if not set(power) <= {"", *POWER_STATES}:
        raise Declined  # an error, worded row by row
    off = np.array([state == "poweredoff" for state in power], bool) & ~template
    wanted = ~(template | off) | (template & options.templates) | (off & options.powered_off)
    memory = cells.numbers(columns.memory, missing=0.0)
    empty = wanted & (memory == 0) & (not options.strict)
    kept = wanted & ~empty
    if len(set(names[kept].tolist())) < kept.sum():
        raise Declined  # a name twice: renamed (or refused) row by row
    vms = VmFrame(table.file, np.arange(1, len(cells) + 1)[kept], {}, {})
    _set_values(vms, cells, columns, kept, names, memory, disks, options)
    seen = {"template": names[template].tolist(), "off": names[off].tolist()}
    seen["empty"] = names[empty].tolist()
    report_vms([table], len(vms), seen, options, disks is not None, report)
    report_dropped_memory(seen["empty"], files([table]), report)
    return vms


def _set_values(
    vms: VmFrame,
    cells: Columns,
    columns: VInfoColumns,
    kept: np.ndarray,
    names: np.ndarray,
    memory: np.ndarray,
    disks: FastDisks | None,
    options: ImportOptions,
) -> None:
    """sheets._vm for every VM kept, a column at a time (in the order of its row's keys)."""
    everyone = np.arange(len(vms))
    disk_code = np.full(len(vms), -1, np.int64)
    rows = np.flatnonzero(kept)
    if disks is not None:
        disk_code = disks.codes(arrow_text.trimmed(cells.table, columns.vm, rows))
        provisioned, provisioned_column = disks.mib_of(disk_code), None
    else:
        provisioned = _optional(cells, columns.provisioned)[kept]
        provisioned_column = columns.provisioned
    disk_mib, disk_column = provisioned, provisioned_column
    if options.disk is DiskMeasure.USED and columns.in_use is not None:
        disk_mib, disk_column = _optional(cells, columns.in_use)[kept], columns.in_use
    vms.set("vm", everyone, names[kept], columns.vm)
    vms.set("memory_mb", everyone, _positive(memory[kept]), columns.memory)
    cpus = cells.numbers(columns.cpus, missing=0.0)[kept]
    vms.set("vcpus", everyone, _positive(cpus), columns.cpus)
    vms.set("disk_gb", everyone, disk_mib / 1024, disk_column)
    vms.set("node", everyone, _texts(cells, columns.host, kept), columns.host)
    vms.set("cluster", everyone, _texts(cells, columns.cluster, kept), columns.cluster)
    if columns.path:  # the lun's origin, until a datastore named elsewhere replaces it
        vms.source["lun"] = np.full(len(vms), columns.path, object)
    store, stores = np.full(len(vms), -1, np.int64), list[str]()
    if columns.path:
        store, stores = arrow_text.datastores(arrow_text.trimmed(cells.table, columns.path, rows))
    vms.facts["store"], vms.facts["stores"] = store, np.array(stores, object)
    vms.facts["provisioned"] = provisioned
    vms.facts["disk_code"] = disk_code


def _optional(cells: Columns, name: str | None) -> np.ndarray:
    """Cells.optional_number or 0 of every row."""
    return np.zeros(len(cells)) if name is None else cells.numbers(name, missing=0.0)


def _positive(values: np.ndarray) -> np.ndarray:
    """Cells.positive_int of these values (0 where the cell was missing)."""
    if not ((values > 0) & (values == np.floor(values))).all():
        raise Declined
    return values.astype(np.int64)


def _texts(cells: Columns, name: str | None, kept: np.ndarray) -> np.ndarray:
    return np.array(cells.texts(name), object)[kept]


def _apply_rules(vms: VmFrame, table: RawTable, report: ImportReport) -> None:
    """rules.apply_rules: anti_affinity from the DRS rules that keep VMs apart."""
    names_column = column(table, RULE_NAMES)
    if not names_column:
        return
    cells = Columns(table)
    kinds_column = column(table, RULE_KINDS)
    rows = vms.row - 1
    names = np.array(cells.texts(names_column), object)[rows]
    kinds = np.array(cells.texts(kinds_column), object)[rows]
    tally, values = Tally(), np.full(len(vms), "", object)
    named = np.flatnonzero(names != "")
    for i in named.tolist():
        found = classes(str(vms.names[i]), listed(names[i]), listed(kinds[i]), tally)
        values[i] = CLASS_SEPARATOR.join(found)
    vms.set("anti_affinity", np.arange(len(vms)), values, None)
    given = named[values[named] != ""]
    vms.source.setdefault("anti_affinity", np.full(len(vms), None, object))[given] = names_column
    report_rules(tally, report)

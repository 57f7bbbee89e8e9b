"""Azure Migrate's servers a column at a time: what azure_migrate.py does row by row, for
a million servers.

It gives the very table and report the row-by-row path gives, for exports it plainly
accepts: one servers table read as CSV or Parquet columns, no server name given twice
or empty, no bad cell. Anything else raises Declined, and azure_migrate.py reads the
table row by row, which words each error and reports each oddity as it always has.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from data.errors import InputError
from data.imports.azure_migrate_servers import report_servers, server_columns
from data.imports.canonical_table import CanonicalTable
from data.imports.columns import Columns, Declined
from data.imports.common import ImportOptions, ImportReport
from data.imports.hyperv.frame import VmFrame
from data.io.build import RawTable


def fast_servers(
    tables: Sequence[RawTable], options: ImportOptions
) -> tuple[CanonicalTable, ImportReport] | None:
    """The vms table and report, or None when the servers are to be read row by row."""
    if len(tables) != 1:
        return None
    report = ImportReport()
    try:
        return _servers(tables[0], options, report), report
    except (Declined, InputError):  # the row-by-row path raises it where it always has
        return None


def _servers(table: RawTable, options: ImportOptions, report: ImportReport) -> CanonicalTable:
    """azure_migrate._add_servers of one table (a server without memory is left out,
    unless strict), its names already unique."""
    cells = Columns(table)
    if not len(cells):
        raise Declined  # nothing to read fast
    name, cores, memory, disks = server_columns(table)
    names = np.array(cells.names(name), object)  # a server with no name: worded row by row
    memory_mib = cells.numbers(memory, missing=0.0)
    empty = (memory_mib == 0) & (not options.strict)
    kept = ~empty
    if len(set(names[kept].tolist())) < kept.sum():
        raise Declined  # a name twice: renamed (or refused) row by row
    vms = VmFrame(table.file, np.flatnonzero(kept) + 1, {}, {})
    everyone = np.arange(len(vms))
    vms.set("vm", everyone, names[kept], name)
    vms.set("memory_mb", everyone, _positive(memory_mib[kept]), memory)
    vms.set("vcpus", everyone, _positive(cells.numbers(cores, missing=0.0)[kept]), cores)
    vms.set("disk_gb", everyone, _disk_gib(cells, disks)[kept], None)
    report_servers(table, len(cells), names[empty].tolist(), report)
    return vms.table([table.file])


def _positive(values: np.ndarray) -> np.ndarray:
    """Cells.positive_int of these values (0 where the cell was missing)."""
    if not ((values > 0) & (values == np.floor(values))).all():
        raise Declined  # an error, worded row by row
    return values.astype(np.int64)


def _disk_gib(cells: Columns, disks: list[str]) -> np.ndarray:
    """The sum of each row's disk sizes, added in column order as `sum` adds them (an
    int 0 where there are no disk columns)."""
    if not disks:
        return np.zeros(len(cells), np.int64)
    total = np.zeros(len(cells))
    for disk in disks:
        total = total + cells.numbers(disk, missing=0.0)
    return total

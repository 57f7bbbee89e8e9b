"""An Azure Migrate servers table's columns, and the report of what it gave (shared by
azure_migrate.py, row by row, and azure_migrate_fast.py, a column at a time)."""

from __future__ import annotations

import re

from data.imports.common import ImportReport, few, required_column
from data.imports.oddities import report_dropped_memory
from data.io.build import RawTable

_DISK_SIZE = re.compile(r"disk \d+ size \(in gb\)", re.IGNORECASE)


def server_columns(table: RawTable) -> tuple[str, str, str, list[str]]:
    """The table's spelling of the server name, cores and memory, and its disk sizes."""
    name = required_column(table, "*Server Name", "Server Name")
    cores = required_column(table, "*Cores", "Cores")
    memory = required_column(table, "*Memory (In MB)", "Memory (In MB)")
    return name, cores, memory, [c for c in table.columns if _DISK_SIZE.fullmatch(c)]


def report_servers(table: RawTable, count: int, empty: list[str], report: ImportReport) -> None:
    """What one servers table gave: `count` rows, those in `empty` without memory."""
    name, cores, memory, disks = server_columns(table)
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

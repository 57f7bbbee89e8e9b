"""`hvplace import`: exports in, the canonical inventory tables out, and what was done on
the way (mapped, assumed, dropped) on stdout."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    DiskOption,
    DynamicMemoryOption,
    Encoding,
    Exit,
    PoweredOff,
    Strict,
    Templates,
    check_out,
    choice_option,
    directory_out,
    fail,
    guarded,
    import_options,
    stderr,
    stdin_as_file,
    stdout,
)
from data.imports.common import DiskMeasure, DynamicMemory, ImportReport
from data.imports.load import FORMATS, load_inventory
from data.inventory import Inventory
from data.io.write import FORMATS as TABLE_FORMATS
from data.io.write import write_inventory_of


def import_(
    source: Annotated[
        list[Path], typer.Argument(help="Export files (-: stdin), or directories holding them.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Inventory directory to write.")],
    fmt: Annotated[
        str | None, choice_option("--format", tuple(FORMATS), "Read as (default: detect).")
    ] = None,
    tables: Annotated[
        str, choice_option("--tables", TABLE_FORMATS, "Write the tables as.")
    ] = "csv",
    templates: Templates = True,
    powered_off: PoweredOff = True,
    dynamic_memory: DynamicMemoryOption = DynamicMemory.STARTUP,
    strict: Strict = False,
    disk: DiskOption = DiskMeasure.USED,
    encoding: Encoding = None,
) -> None:
    """Read inventory exports and write the canonical nodes, vms and luns tables.

    Formats, told apart by their columns: Hyper-V PowerShell `Export-Csv` files
    (Get-VM, Get-VMHost, Get-ClusterNode, Get-ClusterGroup, Get-VMHardDiskDrive,
    Get-VHD, Get-ClusterSharedVolume), RVTools (the xlsx workbook or its per-tab
    CSVs) and the Azure Migrate import CSV (with a nodes table given beside it).
    """
    if tables not in TABLE_FORMATS:
        fail(Exit.BAD_INPUT, f"--tables must be csv or parquet, not {tables!r}")
    directory_out(out)
    check_out(out, source)
    options = import_options(templates, powered_off, dynamic_memory, strict, disk, encoding)
    with stdin_as_file(source) as files:
        loaded = guarded(lambda: load_inventory(files, fmt, options))
    guarded(lambda: write_inventory_of(out, loaded.inventory, tables))
    if loaded.imported is not None:
        _print_report(loaded.imported.report, loaded.imported.formats)
    else:
        stdout().print(f"Read: canonical inventory directory {source[0]}", markup=False)
    for warning in loaded.warnings:
        stderr().print(f"hvplace: warning: {warning}", markup=False)
    stdout().print(_written(out, loaded.inventory), markup=False, highlight=False)


def _print_report(report: ImportReport, formats: list[str]) -> None:
    console = stdout()
    titles = ", ".join(FORMATS[f].title for f in formats)
    console.print(f"Read: {titles}", markup=False, highlight=False)
    for heading, lines in (
        ("Mapped", report.mapped),
        ("Assumed", report.assumed),
        ("Dropped", report.dropped),
    ):
        console.print(
            f"{heading}:" if lines else f"{heading}: nothing", markup=False, highlight=False
        )
        for line in lines:
            console.print(f"  - {line}", markup=False, highlight=False)


def _written(out: Path, inventory: Inventory) -> str:
    luns = f", {inventory.n_luns} LUNs" if inventory.has_lun_table else ""
    return f"Wrote {out}: {inventory.n_nodes} nodes, {inventory.n_vms} VMs{luns}"

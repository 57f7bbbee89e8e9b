"""Seconds and peak memory of `hvplace import` of an RVTools or Azure Migrate export of N
VMs (issue 9: linear import).

    prlimit --as=3221225472 python benchmarks/import_scaling_exports.py 100000 \
        [--kind rvtools-csv|rvtools-xlsx|azure-migrate]

The exports are the test fixtures tiled, with every column and every tab the fixture
has. RVTools (tests/fixtures/rvtools/csv: 19 tabs, 25 VMs on 6 hosts in 2 clusters
on 5 datastores, a template, a VM off, one suspended, DRS rules): copy c renames the
hosts (`esx01-c.corp...`), clusters and datastores, and repeats the VMs and the rows of
every per-VM tab 8 times (VM names, DNS names, ids and paths suffixed `-c-r`): 200 VMs
per copy. The tabs of neither VMs nor hosts (vSource, vLicense, vMetaData...) are
written once. As the per-tab CSVs of `RVTools -c ExportAll2csv` (UTF-8 with a BOM,
every field quoted), or as one xlsx workbook (numbers and booleans typed, as RVTools
saves them; a size a workbook is real for: tens of thousands of rows). Azure Migrate
(tests/fixtures/azure-migrate: servers.csv, 10 servers, 32 columns, beside a canonical
nodes.csv): the servers repeated with `-c` suffixes. Timed in a fresh process per size:
load_inventory (read, recognise, convert, build), then write_inventory_of as CSV. Peak
is the highest resident set size sampled during it (benchmarks/io_scaling.timed).

Measured on 2026-12-02, 2 cores shared with three other sessions (`uptime` load 4 to 6,
so wall is 1.5 to 2.5 times CPU), each under `prlimit --as=3221225472` with
MIMALLOC_ARENA_RESERVE=64M unless said:

    01:17 (load 4.4 -> 4.2)  --kind rvtools-csv (19 tabs, every column; CSV written)
    10000 VMs (17 MB):      2.02 s (cpu 1.06 s) / 181 MB
    100000 VMs (172 MB):    8.44 s (cpu 4.96 s) / 371 MB
    300000 VMs (519 MB):   23.23 s (cpu 13.49 s) / 672 MB
    01:18 (load 4.2 -> 4.5)  1000000 VMs (1742 MB), written as parquet:
                           47.24 s (cpu 28.62 s) / 1702 MB
    01:19 (load 4.5 -> 6.3)  the same without MIMALLOC_ARENA_RESERVE: 73.31 s (cpu 31.49 s)
                           / 1695 MB
    1000000 VMs written as CSV: MemoryError under --as=3 GiB in the write, not the import:
    the fixture's VM named with quotes sends data/io/columnar.write_csv_table to its
    row-by-row fallback (to_pylist of the whole vms table) while the imported tables are
    still held (cli/importer.py prints their report after the write). With those tables
    dropped first (212 MB) it passes: write 42.25 s (cpu 18.21 s) / 1547 MB.
    01:16 (load 4.0 -> 4.7)  --kind azure-migrate (CSV written)
    100000 VMs (14 MB):     4.92 s (cpu 1.70 s) / 231 MB
    1000000 VMs (142 MB):  21.36 s (cpu 10.92 s) / 899 MB
    01:23 (load 6.4 -> 5.5)  --kind rvtools-xlsx (the export made in 44 s and 173 s)
    10000 VMs (5 MB):      12.71 s (cpu 5.65 s) / 214 MB
    50000 VMs (25 MB):     51.87 s (cpu 25.01 s) / 718 MB

Before (main at 6680c41, every row through common.Cells; load 3.2 to 4.1):
rvtools-csv 10000 VMs 5.03 s (cpu 2.81 s) / 218 MB, 100000 VMs 34.01 s (cpu 19.86 s) /
1110 MB (a per-datastore list scan, `vm not in known`, was quadratic in the VMs of a
datastore); azure-migrate 10000 1.71 s (cpu 1.12 s) / 149 MB, 100000 10.32 s (cpu
6.58 s) / 421 MB; rvtools-xlsx 10000 8.38 s (cpu 4.81 s) / 214 MB.

CPU at 1M VMs of RVTools CSV (01:08, load 3): read, hash and parse 10 s (the other
tabs are parsed in their last column only), vHost row by row 1.8 s (33,000 hosts),
vDisk 3.0 s, vInfo 4.7 s, datastores 2.0 s, build 3.1 s. Resident after the read
825 MB (the Arrow columns parsed), at most 1.55 GB before build_inventory.
What limits the rest: the read (reading.py / csvtext.py) and build_inventory are two
thirds of the CPU; a workbook is read whole by calamine into Python values (two thirds
of the xlsx CPU) and then row by row, as the column-wise path takes only Arrow columns.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from io_scaling import timed

from data.imports.common import ImportOptions
from data.imports.load import load_inventory
from data.io.write import write_inventory_of

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
RVTOOLS, AZURE = FIXTURES / "rvtools" / "csv", FIXTURES / "azure-migrate"
REPEATS = 8  # an RVTools copy's VMs: 25 x 8 = 200 on 6 hosts
_COPY, _VM = "\x00", "\x01"  # where a copy's suffix, and a VM's, go in a template
_BRACKETED = re.compile(r"^\[([^\]]*)\]")
_VM_COLUMNS = ("VM", "VM ID", "VM UUID")  # suffixed per VM
_COPY_COLUMNS = ("Cluster", "Cluster name")  # suffixed per copy


def _marked_cell(tab: str, column: str, cell: str) -> str:
    """The cell with a mark where copy c's suffix, or VM r's, goes."""
    if not cell:
        return cell
    if column in _VM_COLUMNS:
        return cell + _VM
    if column == "DNS Name":
        return cell.replace(".", _VM + ".", 1) if "." in cell else cell + _VM
    if column == "Host":
        return cell.replace(".", _COPY + ".", 1)
    if column == "Hosts":
        return ", ".join(h.replace(".", _COPY + ".", 1) for h in cell.split(", "))
    if column in _COPY_COLUMNS or (column == "Name" and tab in ("vDatastore", "vCluster")):
        return cell + _COPY
    if column in ("Path", "Disk Path", "Datastore") and cell:
        return _BRACKETED.sub(lambda m: f"[{m.group(1)}{_COPY}]", cell) + _VM
    return cell


class Tab:
    """One fixture tab: header, rows with marks, and how it tiles (per VM, per copy, once)."""

    def __init__(self, path: Path) -> None:
        self.name = path.stem.removeprefix("RVTools_tab")
        header, *rows = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")))
        self.header = header
        self.rows = [
            [_marked_cell(self.name, c, x) for c, x in zip(header, r, strict=True)] for r in rows
        ]
        self.repeats = REPEATS if "VM" in header else 1
        self.tiled = "VM" in header or "Host" in header or self.name in ("vDatastore", "vCluster")

    def rows_of(self, copy: int) -> Iterator[list[str]]:
        """The rows of copy `copy` (all its VMs' repeats), marks replaced."""
        for r in range(self.repeats):
            for row in self.rows:
                yield [x.replace(_VM, f"-{copy}-{r}").replace(_COPY, f"-{copy}") for x in row]

    def text(self, copies: int) -> Iterator[str]:
        """The CSV body, a copy at a time: every field quoted, CRLF, as RVTools writes."""
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        for row in self.rows:  # a template: marks replaced per copy by str.replace
            writer.writerow(row)
        body = out.getvalue()
        for c in range(copies if self.tiled else 1):
            copied = body.replace(_COPY, f"-{c}")
            for r in range(self.repeats):
                yield copied.replace(_VM, f"-{c}-{r}")


def rvtools_tabs() -> list[Tab]:
    return [Tab(path) for path in sorted(RVTOOLS.glob("RVTools_tab*.csv"))]


def rvtools_copies(n_vms: int) -> int:
    return -(-n_vms // (25 * REPEATS))


def write_rvtools_csv(directory: Path, n_vms: int) -> int:
    """The RVTools fixture tiled to at least n_vms VMs, one CSV per tab; the VMs' count."""
    directory.mkdir(parents=True, exist_ok=True)
    copies = rvtools_copies(n_vms)
    for tab in rvtools_tabs():
        out = io.StringIO()
        csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerow(tab.header)
        with (directory / f"RVTools_tab{tab.name}.csv").open("wb") as file:
            file.write(b"\xef\xbb\xbf" + out.getvalue().encode())
            for chunk in tab.text(copies):
                file.write(chunk.encode())
    return copies * 25 * REPEATS


def _typed(cell: str) -> object:
    """A cell as RVTools' workbook types it: numbers and booleans, text otherwise."""
    if cell in ("True", "False"):
        return cell == "True"
    if re.fullmatch(r"-?\d+(\.\d+)?", cell):
        return float(cell) if "." in cell else int(cell)
    return cell


def write_rvtools_xlsx(directory: Path, n_vms: int) -> int:
    """The RVTools fixture tiled to at least n_vms VMs, as one workbook."""
    import xlsxwriter

    directory.mkdir(parents=True, exist_ok=True)
    copies = rvtools_copies(n_vms)
    book = xlsxwriter.Workbook(str(directory / "RVTools_export.xlsx"), {"constant_memory": True})
    for tab in rvtools_tabs():
        sheet = book.add_worksheet(tab.name)
        sheet.write_row(0, 0, tab.header)
        number = 1
        for c in range(copies if tab.tiled else 1):
            for row in tab.rows_of(c):
                sheet.write_row(number, 0, [_typed(x) for x in row])
                number += 1
    book.close()
    return copies * 25 * REPEATS


def write_azure_migrate(directory: Path, n_vms: int) -> int:
    """servers.csv tiled to at least n_vms servers, beside the fixture's nodes.csv."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "nodes.csv").write_bytes((AZURE / "nodes.csv").read_bytes())
    header, *body = (AZURE / "servers.csv").read_text(encoding="utf-8").splitlines(True)
    rows = [line.split(",", 1) for line in body]  # the server name is the first field
    copies = -(-n_vms // len(rows))
    with (directory / "servers.csv").open("w", encoding="utf-8", newline="") as out:
        out.write(header)
        for c in range(copies):
            out.write("".join(f"{name}-{c},{rest}" for name, rest in rows))
    return copies * len(rows)


WRITERS: dict[str, Callable[[Path, int], int]] = {
    "rvtools-csv": write_rvtools_csv,
    "rvtools-xlsx": write_rvtools_xlsx,
    "azure-migrate": write_azure_migrate,
}


def _import(source: Path, out: Path, fmt: str) -> int:
    """What `hvplace import` runs (cli/importer.py): the report is printed after the
    write, so the imported tables are alive while it writes."""
    loaded = load_inventory([source], None, ImportOptions())
    write_inventory_of(out, loaded.inventory, fmt)
    return loaded.inventory.n_vms


def measure(n_vms: int, kind: str, fmt: str) -> str:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "export"
        count = WRITERS[kind](source, n_vms)
        size = sum(p.stat().st_size for p in source.iterdir()) / 2**20
        made = time.perf_counter() - start
        planned, took = timed(lambda: _import(source, Path(directory) / "inventory", fmt))
    load = os.getloadavg()[0]
    return (
        f"{count} VMs, {kind} ({size:.0f} MB, made in {made:.1f} s), {planned} planned: "
        f"import and write as {fmt} "
        f"{took} (load {load:.1f})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--kind", choices=tuple(WRITERS), default="rvtools-csv")
    parser.add_argument("--write", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--here", action="store_true", help="measure in this process")
    arguments = parser.parse_args()
    for size in arguments.sizes:
        if arguments.here:
            print(measure(size, arguments.kind, arguments.write), flush=True)
            continue
        # a fresh process per size, so each peak is that size's own
        command = [sys.executable, __file__, str(size), "--kind", arguments.kind, "--here"]
        command += ["--write", arguments.write]
        subprocess.run(command, check=True)

"""Seconds and peak memory of `hvplace import` of a Hyper-V export of N VMs (issue 9:
linear import).

    prlimit --as=3221225472 python benchmarks/import_scaling.py 100000 300000 1000000

The export is the test fixture tests/fixtures/hyperv (Export-Csv files of Get-VM,
Get-VMHost, Get-ClusterNode, Get-ClusterGroup, Get-VMHardDiskDrive, Get-VHD and
Get-ClusterSharedVolume: every column PowerShell writes, 67 of them in Get-VM; one
cluster of 3 hosts and 13 VMs with its oddities: a VM off, one saved, one dynamic,
one on local storage, a pass-through disk, a 2008 R2 role name) tiled: copy c has
its names, hosts, cluster, ids and paths suffixed "-c". CSV only: an xlsx workbook
of a million rows is not what PowerShell writes, and would be read by calamine
cell by cell anyway. Timed in a fresh process per size: `hvplace import` as the
command runs it (load_inventory: read, recognise, convert, build; then the
canonical tables written as CSV). Peak is the highest resident set size sampled
during the import, the process's baseline included.
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from io_scaling import timed

from data.imports.common import ImportOptions
from data.imports.load import load_inventory
from data.io.write import write_inventory_of

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "hyperv"
REPEATS = 8  # the fixture's VMs, disks and roles per cluster copy: 104 VMs on 3 hosts
VMS_PER_COPY = 13 * REPEATS
_COPY, _VM = "\x00", "\x01"  # where a copy's suffix, and a VM's, go in a file's template
# The columns each copy renames (by file): hosts and the cluster by copy, the VMs' names,
# ids and paths by copy and repeat.
RENAMED = {
    "get-vm.csv": {
        **dict.fromkeys(("VMName", "VMId", "Id", "Name", "Path", "ConfigurationLocation"), _VM),
        "ComputerName": _COPY,
    },
    "get-vmhost.csv": dict.fromkeys(("ComputerName", "Name", "FullyQualifiedDomainName"), _COPY),
    "get-clusternode.csv": dict.fromkeys(("Cluster", "Name", "NodeName"), _COPY),
    "get-clustergroup.csv": {"Cluster": _COPY, "Name": _VM, "OwnerNode": _COPY},
    "get-clustersharedvolume.csv": dict.fromkeys(("Cluster", "OwnerNode"), _COPY),
    "get-vhd.csv": {"ComputerName": _COPY, "Path": _VM},
    "get-vmharddiskdrive.csv": {"Path": _VM, "VMId": _VM, "VMName": _VM, "ComputerName": _COPY},
}
# --narrow: the columns the import reads (and those that tell the kinds apart), as an
# export through Select-Object gives them.
NARROW = {
    "get-vm.csv": (
        *("VMName", "VMId", "Id", "Name", "State", "ComputerName", "Path", "IsClustered"),
        *("ProcessorCount", "MemoryStartup", "MemoryAssigned", "MemoryMaximum"),
        "DynamicMemoryEnabled",
    ),
    "get-vmhost.csv": ("ComputerName", "Name", "LogicalProcessorCount", "MemoryCapacity"),
    "get-clusternode.csv": ("Cluster", "Name", "State", "NodeWeight"),
    "get-vhd.csv": ("ComputerName", "Path", "VhdFormat", "VhdType", "FileSize", "Size"),
    "get-vmharddiskdrive.csv": (
        *("Path", "DiskNumber", "ControllerLocation", "ControllerNumber", "ControllerType"),
        *("VMId", "VMName", "ComputerName"),
    ),
}
PER_VM = ("get-vm.csv", "get-clustergroup.csv", "get-vhd.csv", "get-vmharddiskdrive.csv")


def _template(path: Path, narrow: bool) -> tuple[str, str]:
    """The file's first lines (#TYPE and header) and its rows with a mark after each
    renamed cell, quoted as Export-Csv quotes."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    type_line, rows = lines[0], list(csv.reader(lines[1:]))
    header, body = rows[0], rows[1:]
    if narrow and path.name in NARROW:
        kept = [i for i, name in enumerate(header) if name in NARROW[path.name]]
        header, body = [header[i] for i in kept], [[row[i] for i in kept] for row in body]
    marks = RENAMED[path.name]
    renamed = {i: marks[name] for i, name in enumerate(header) if name in marks}
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    head = type_line + out.getvalue()
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for row in body:
        writer.writerow([cell + renamed.get(i, "") for i, cell in enumerate(row)])
    return head, out.getvalue()


def write_export(directory: Path, n_vms: int, narrow: bool = False) -> int:
    """The fixture tiled to at least n_vms VMs in `directory`; the number of VMs."""
    copies = -(-n_vms // VMS_PER_COPY)
    directory.mkdir(parents=True, exist_ok=True)
    for path in sorted(FIXTURE.glob("*.csv")):
        head, body = _template(path, narrow)
        with (directory / path.name).open("w", encoding="utf-8", newline="") as out:
            out.write(head)
            repeats = REPEATS if path.name in PER_VM else 1
            for c in range(copies):
                copy = body.replace(_COPY, f"-{c}")
                for r in range(repeats):
                    out.write(copy.replace(_VM, f"-{c}-{r}"))
    return copies * VMS_PER_COPY


def _import(source: Path, out: Path) -> int:
    loaded = load_inventory([source], None, ImportOptions())
    write_inventory_of(out, loaded.inventory, "csv")
    return loaded.inventory.n_vms


def measure(n_vms: int, narrow: bool) -> str:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "export"
        count = write_export(source, n_vms, narrow)
        size = sum(p.stat().st_size for p in source.iterdir()) / 2**20
        made = time.perf_counter() - start
        planned, took = timed(lambda: _import(source, Path(directory) / "inventory"))
    return (
        f"{count} VMs in the {'narrow ' if narrow else ''}export ({size:.0f} MB of CSV, "
        f"made in {made:.1f} s), "
        f"{planned} planned: import {took}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[13_000, 100_000])
    parser.add_argument("--narrow", action="store_true", help="only the columns read")
    parser.add_argument("--here", action="store_true", help="measure in this process")
    arguments = parser.parse_args()
    for size in arguments.sizes:
        if arguments.here:
            print(measure(size, arguments.narrow), flush=True)
            continue
        # a fresh process per size, so each peak is that size's own
        narrow = ["--narrow"] if arguments.narrow else []
        subprocess.run([sys.executable, __file__, str(size), *narrow, "--here"], check=True)

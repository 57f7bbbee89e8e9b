"""Seconds and peak memory of `hvplace import` of a Hyper-V export of N VMs (issue 9:
linear import).

    MIMALLOC_ARENA_RESERVE=64M prlimit --as=3221225472 \
        python benchmarks/import_scaling.py 100000 300000 1000000 [--narrow]

The export is the test fixture tests/fixtures/hyperv (Export-Csv files of Get-VM,
Get-VMHost, Get-ClusterNode, Get-ClusterGroup, Get-VMHardDiskDrive, Get-VHD and
Get-ClusterSharedVolume, with every column PowerShell writes: 67 in Get-VM; 13 VMs
on 3 hosts with the fixture's oddities: VMs off and saved, dynamic memory, local
storage, a pass-through disk, a 2008 R2 role name) tiled into clusters: copy c is a
cluster of 3 hosts whose 13 VMs (with their disks and roles) are repeated 8 times,
names, ids and paths suffixed "-c-r", hosts and cluster "-c". --narrow keeps only the
columns the import reads, as an export through Select-Object gives them. CSV only:
a workbook of a million rows is not what PowerShell writes (xlsx sheets are still read
row by row). Timed in a fresh process per size: what `hvplace import` runs
(load_inventory: read, recognise, convert, build; then the tables written as CSV by
write_inventory_of). Peak is the highest resident set size sampled during it.

Measured on 2026-12-01, 2 cores shared with five other sessions (load average 8 to
10 throughout, so wall seconds are about three times the CPU seconds):

    19:05 (load 9.2 -> 8.6)  --narrow
    100048 VMs (64 MB of CSV): import 19.44 s (cpu 6.12 s) / 535 MB
    300040 VMs (196 MB of CSV): import 55.17 s (cpu 17.33 s) / 1209 MB
    19:03 (load 10.3)  every column
    100048 VMs (214 MB of CSV): import 32.89 s (cpu 9.33 s) / 964 MB
    300040 VMs: MemoryError under --as=3 GiB (the parsed text of all 67 columns)
    1000000 VMs, --narrow: MemoryError under --as=3 GiB (in the roles step, after
    the read and the VMs; the per-VM Python strings of ~25 columns)

Fourth pass (branch hvimport2), 2026-12-01 22:10-22:17, the full test suite running
beside it (load average 7.5 to 10; wall about 3 to 4 times CPU). Each file is now read,
hashed and parsed in turn (its bytes let go before the next), and the Get-VM,
Get-ClusterGroup, Get-VMHardDiskDrive and Get-VHD CSVs are parsed only in the columns
fast.py reads (tables.READS; the rest parsed on first need):

    22:10 (load 9.9 -> 7.5)  every column
    100048 VMs (214 MB of CSV): import 19.05 s (cpu 7.18 s) / 432 MB    (was 32.9 s, 9.3 s, 964 MB)
    300040 VMs (645 MB of CSV): import 86.88 s (cpu 22.36 s) / 952 MB   (was MemoryError)
    22:12 (load 7.5 -> 8.2)  --narrow
    300040 VMs (196 MB of CSV): import 88.34 s (cpu 21.43 s) / 904 MB   (was 55.2 s, 17.3 s, 1209 MB
                                                                         at load 9: CPU seconds grow
                                                                         under this load too)
    22:14 (load 7.6 -> 9.4)  every column, 1000064 VMs (2.2 GB of CSV): MemoryError under
    --as=3 GiB, in fast.py's _read_vms (Columns.texts of VMId); --narrow likewise.

CPU of each step at 100,048 VMs, every column (22:00, load ~5): read, hash and parse
1.5 s, hosts 0.5 (most of it pandas' first import), VMs 0.5, roles 0.5-0.7, disks 1.0,
LUNs 1.0-1.3, build 0.4, write 0.2. At 1M, narrow, with MIMALLOC_ARENA_RESERVE=64M
(pyarrow's mimalloc otherwise reserves 1 GiB of address space at its first allocation,
a third of the --as limit) it gets past the VMs and the roles and fails in the disks:
resident 1.6-2.0 GB (640 MB of it pyarrow's columns), address space 3.0 GB.
What limits the rest: the per-VM and per-disk Python strings and dictionaries of the
joins (Columns.texts of the names, ids and paths, the casefold dictionaries of
_attached, _vhds, _matched_roles, volumes_of's loop): about 1 GB at 1M VMs and most of
the CPU; and for every column, the 1.25 GB Get-VM file's bytes held while it is parsed
(a streamed parse that hashes, counts quotes and checks UTF-8 block by block would not).

Fifth pass, merged main at 4b46d31 (hvstream's streamed parse and hvjoins' arrow joins),
2026-12-02 02:04-02:27 UTC, the machine otherwise idle (load 0.6-1.6), no --as cap:

    1000064 VMs, every column (2155 MB of CSV): import 30.89 s (cpu 35.30 s) / 2177 MB
    (02:04, the same: 31.33 s, cpu 36.20 s, 2199 MB)
    1000064 VMs, --narrow (659 MB of CSV): import 25.94 s (cpu 27.51 s) / 2011 MB
    under prlimit --as=3 GiB (MIMALLOC_ARENA_RESERVE=64M; mimalloc, jemalloc and the
    system pool alike) 1M still ends in MemoryError, now in build_inventory
    (data/io/typed.py _text: to_pylist of a text column), past the parse and the joins:
    the resident peak is 2.0-2.2 GB and the arenas' reserved address space the rest.

Fifth pass (branch hvjoins), 2026-12-02 01:32-01:44, three other sessions running (load
average 4.4 to 7.2; wall about 2.5 to 3.5 times CPU). The joins are arrow's now: names,
ids and paths folded as Python's casefold (ASCII by arrow, the rest by Python), joined
with index_in, hosts, states and classes read once per distinct value, paths made into
volume codes and VMs grouped into LUNs with numpy, the luns table built as columns with
lazy origins and the VMs' names kept as arrow strings into the canonical vms table.
`MIMALLOC_ARENA_RESERVE=64M prlimit --as=3221225472 python benchmarks/import_scaling.py
100000 300000 1000000 [--narrow]`:

    01:32 (load 7.2 -> 7.2)  --narrow
    100048 VMs (64 MB of CSV): import 11.25 s (cpu 3.63 s) / 387 MB
    300040 VMs (196 MB of CSV): import 28.90 s (cpu 9.45 s) / 709 MB   (was 21.4 s, 904 MB)
    1000064 VMs: MemoryError under --as=3 GiB, in the disks' joins (see below)
    01:35 (load 7.2 -> 5.8)  every column
    100048 VMs (214 MB of CSV): import 8.97 s (cpu 4.04 s) / 370 MB    (was 7.2 s, 432 MB)
    300040 VMs (645 MB of CSV): import 25.79 s (cpu 12.18 s) / 781 MB  (was 22.4 s, 952 MB)
    1000064 VMs: MemoryError under --as=3 GiB
    01:39 main at 6680c41, same command, --narrow (load 6.2 -> 6.0)
    300040 VMs: import 44.07 s (cpu 20.34 s) / 959 MB
    01:37 ARROW_DEFAULT_MEMORY_POOL=system (glibc malloc in place of mimalloc) --narrow
    1000064 VMs (659 MB of CSV): import 113.13 s (cpu 32.32 s) / 2324 MB   (fits under 3 GiB)
    01:39 the same, every column: MemoryError (in the read of the 1.25 GB Get-VM file)

CPU and memory of each part at 1,000,064 VMs, --narrow (01:43, load 4.4; run in one
process with MALLOC_ARENA_MAX=2 ARROW_DEFAULT_MEMORY_POOL=system, the only setting in
which 1M completes every time; the step ends and /proc/self/status sampled):

    read, hash and parse (reading.py, data/io: hvstream's) ~6.0 s   RSS 1.08 GB after it
    hosts ~0.7 s; VMs 2.5 s; roles 3.8 s; disks 4.7 s; LUNs and the vms table 4.3 s
    = the column-wise convert (this file's subject)          15.3 s  RSS +0.85 GB, peak 2.05 GB
    build_inventory (data/io) and load.py's host matching    6.1 s   peak 2.29 GB
    in all 28.1 s CPU; address space at most 2.43 GB

What limits the rest:
- Under pyarrow's default mimalloc the address space, not the resident memory, runs
  out: at the failure RSS is 1.8-1.9 GB while mimalloc's arenas (64, then 128, then
  256 MB each, kept reserved once freed) reach the 3 GiB cap. The joins' hash tables
  (index_in and count_distinct over a million strings: ~100 MB each, freed at once)
  are what grows them. Setting the allocator (the system's, with MALLOC_ARENA_MAX=2)
  is hvstream's; pool.release_unused() after each step did not bring mimalloc under.
- The convert's 15 s at 1M: arrow's string hashing (index_in and count_distinct,
  about 1.2 s per million-row join: 4 joins and a distinct count), the regexes that
  read paths into volumes (~1.5 s), and per-host and per-LUN Python (28,800 hosts,
  57,000 LUNs in this tiled export: hosts.py's finish_hosts, the LUN names).
- Its 0.85 GB: about 30 per-VM numpy arrays of 8 MB (values, source columns, origins'
  rows) and the folded keys, ids and paths kept for the joins; the per-VM source
  columns could be one value per column.
- Every column at 1M: the 1.25 GB Get-VM file's bytes held while it is parsed
  (hvstream's streamed parse).

Before (main at f478788, the fixture tiled 13 VMs per cluster): 13,000 VMs 14.0 s
(cpu 4.9 s) / 452 MB at load 5.9; after, same export: 3.9 s (cpu 3.0 s) / 330 MB.
The lead's figures before: 13,000 VMs 8.4 s, 52,000 33 s (~10 min at a million).
CPU of each step at 300,000 VMs (every column, no --as limit): parse 7.4 s, convert
10.7 s (LUNs 3.9, disks 2.8, roles 2.0, VMs 1.3, hosts 0.6), build 1.0 s, write 0.7 s.
What limits the rest: the parse of every column as text, and the Python strings the
joins still make per VM and per disk.
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

"""Seconds, CPU and peak memory of reading, hashing and parsing a Hyper-V export of N VMs
(reading.read_all alone: the step before the importer's joins; issue 9, linear import).

    prlimit --as=3221225472 python benchmarks/read_scaling.py 100000 300000 1000000
        [--narrow] [--pool mimalloc|jemalloc|system] [--keep DIR]

The export is import_scaling.py's (the fixture tiled, every column of Get-VM unless
--narrow), written once to a temporary directory (or DIR, kept for the next run), then
read in a fresh process per size, with the columns the import reads parsed at first.
Peak is the highest resident set size (VmHWM) and address space (VmPeak) of that
process; --pool sets pyarrow's memory pool first (pyarrow.set_memory_pool). To compare
with another checkout's reader: PYTHONPATH=/work/main python benchmarks/read_scaling.py
N --here EXPORT_DIR.

Measured 2026-12-02 01:20-01:26 (branch hvstream against main at 6680c41), every column,
under prlimit --as=3 GiB, 2 cores shared with three other sessions (load 5.8 to 7.0, so
wall is 1.5 to 3 times CPU; compare the CPU and memory columns):

    VMs   CSV      reader  MIMALLOC_ARENA_RESERVE  wall    CPU      peak RSS  address space
    100k  214 MB   main    (unset: 1 GiB)           3.1 s   1.6 s    312 MB    1638 MB
    100k  214 MB   stream  (unset)                  2.6 s   1.0 s    229 MB    1579 MB
    100k  214 MB   main    64M                      2.5 s   1.2 s    310 MB     806 MB
    100k  214 MB   stream  64M                      1.9 s   1.1 s    211 MB     674 MB
    300k  645 MB   main    (unset)                 16.4 s   4.4 s    690 MB    1950 MB
    300k  645 MB   stream  (unset)                 13.6 s   3.4 s    411 MB    1510 MB
    300k  645 MB   main    64M                     11.9 s   3.7 s    678 MB    1174 MB
    300k  645 MB   stream  64M                     10.7 s   3.4 s    407 MB     870 MB
    1M    2155 MB  main    (unset)                 41.2 s  13.2 s   1961 MB    2722 MB
    1M    2155 MB  stream  (unset)                 24.3 s  11.5 s   1046 MB    1591 MB
    1M    2155 MB  main    64M                     39.9 s  12.8 s   1957 MB    2460 MB
    1M    2155 MB  stream  64M                     24.8 s  12.1 s   1045 MB    1663 MB

Again at 01:50, load 2.9 to 3.2, 1M with 64M: stream 19.5 s (cpu 13.2 s) / 1046 MB
resident / 1663 MB address space; main 18.4 s (cpu 11.6 s) / 1967 MB / 2466 MB. The CPU
is within the noise of the load (the stream's was the lower of the two at load 6).

At 1M, 747 MB of the 1,045 are the parsed columns pyarrow holds after the read (the
columns the import reads of Get-VM, the disks, the VHDs and the roles); the rest is
the interpreter and its modules, and pyarrow's read-ahead (at most 32 blocks of 1 MiB).
Main held each file's bytes while parsing it (the 1.25 GB Get-VM file at 1M). Pools, at
1M with the streamed reader: jemalloc 12.2 s CPU, 956 MB, 2239 MB of address space;
the system pool (glibc malloc) ran out of the 3 GiB address space (twice in two runs);
mimalloc with MIMALLOC_ARENA_RESERVE=64M (what `hvplace` now sets) is no slower than
mimalloc unset and reserves 64 MiB instead of 1 GiB at its first allocation.
"""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from import_scaling import write_export


def _status(field: str) -> float:
    """A /proc/self/status figure in MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(source: Path, pool: str) -> str:
    import pyarrow as pa

    if pool != "default":
        pa.set_memory_pool(getattr(pa, f"{pool}_memory_pool")())
    from data.imports import load
    from data.imports.reading import read_all
    from data.imports.sources import source_files

    kinds = [k for f in load.FORMATS.values() for k in f.kinds]
    reads = functools.partial(load._reads, fmt=None, kinds=kinds)
    listed = source_files([source])
    start, cpu = time.perf_counter(), time.process_time()
    read, _ = read_all(listed, reads, None)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    rows = max(len(t.rows) for r in read.values() for t in r.tables)
    return (
        f"read_all {seconds:.2f} s (cpu {cpu:.2f} s), {rows} rows in the longest table, "
        f"peak resident {_status('VmHWM'):.0f} MB, address space {_status('VmPeak'):.0f} MB, "
        f"pyarrow holding {pa.total_allocated_bytes() / 2**20:.0f} MB after, "
        f"pool {pa.default_memory_pool().backend_name}"
    )


def _run(size: int, narrow: bool, pool: str, keep: Path | None) -> None:
    with tempfile.TemporaryDirectory() as directory:
        source = (keep or Path(directory)) / f"export-{size}{'-narrow' if narrow else ''}"
        if not source.exists():
            count = write_export(source, size, narrow)
            print(f"{count} VMs written to {source}", flush=True)
        mb = sum(p.stat().st_size for p in source.iterdir()) / 2**20
        load = os.getloadavg()[0]
        command = [sys.executable, __file__, str(size), "--here", str(source), "--pool", pool]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        print(f"{size} VMs ({mb:.0f} MB of CSV), load {load:.1f}: {done.stdout.strip()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000])
    parser.add_argument("--narrow", action="store_true", help="only the columns read")
    parser.add_argument("--pool", default="default", help="mimalloc, jemalloc or system")
    parser.add_argument("--keep", type=Path, help="write the exports here, and reuse them")
    parser.add_argument("--here", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.here is not None:
        print(measure(arguments.here, arguments.pool), flush=True)
    else:
        for size in arguments.sizes:
            _run(size, arguments.narrow, arguments.pool, arguments.keep)

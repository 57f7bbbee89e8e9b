"""Seconds, CPU and peak memory of reading, hashing and parsing a Hyper-V export of N VMs
(reading.read_all alone: the step before the importer's joins; issue 9, linear import).

    prlimit --as=3221225472 python benchmarks/read_scaling.py 100000 300000 1000000
        [--narrow] [--pool mimalloc|jemalloc|system] [--keep DIR]

The export is import_scaling.py's (the fixture tiled, every column of Get-VM unless
--narrow), written once to a temporary directory (or DIR, kept for the next run), then
read in a fresh process per size, with the columns the import reads parsed at first.
Peak is the highest resident set size (VmHWM) and address space (VmPeak) of that
process; --pool sets pyarrow's memory pool first (pyarrow.set_memory_pool).
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

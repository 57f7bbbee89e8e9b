"""Seconds and peak memory to read, check and write a fleet of N VMs (issue 9: linear I/O).

    python benchmarks/io_scaling.py 100000 300000 1000000 [--format csv]

A fleet of clusters of 8 nodes x 100 VMs at N+1: ten clusters drawn once
(data.synth.fleet), then tiled as pyarrow columns, copy c renamed with the
suffix "-c", up to N VMs (drawing 10,000 clusters would take minutes). Its
canonical tables are written once; then timed, each size in a fresh process:
read (read_inventory: parse, validate, build), check (check_plan of the
witness plan, which must be clean) and write (write_plan: placement.csv and
.parquet, plan.json and the inventory copy). Peak is the highest resident set
size sampled (every 5 ms) during the phase, the process's baseline included.

Measured on 2026-12-01 at 16:04 UTC, 2 cores shared with five other sessions
(`uptime`: load average 6.17 before, 7.12 after; wall seconds are inflated by
that load, CPU seconds much less):

    $ python benchmarks/io_scaling.py 100000 300000 1000000
    100000 VMs, 1000 clusters (parquet, made in 1.6 s): read 0.86 s (cpu 0.33 s) / 247 MB;
        check 0.70 s (cpu 0.28 s) / 241 MB; write 0.76 s (cpu 0.28 s) / 258 MB
    300000 VMs, 3000 clusters (parquet, made in 1.6 s): read 2.70 s (cpu 0.99 s) / 382 MB;
        check 3.85 s (cpu 1.38 s) / 369 MB; write 2.65 s (cpu 0.96 s) / 386 MB
    1000000 VMs, 10000 clusters (parquet, made in 3.5 s): read 9.55 s (cpu 4.55 s) / 789 MB;
        check 6.96 s (cpu 3.88 s) / 752 MB; write 7.51 s (cpu 3.71 s) / 798 MB
    $ python benchmarks/io_scaling.py 100000 1000000 --format csv   (load 7.5 -> 9.0)
    100000 VMs, 1000 clusters (csv, made in 1.0 s): read 0.98 s (cpu 0.43 s) / 249 MB;
        check 0.83 s (cpu 0.38 s) / 236 MB; write 0.75 s (cpu 0.34 s) / 253 MB
    1000000 VMs, 10000 clusters (csv, made in 2.7 s): read 9.32 s (cpu 4.72 s) / 945 MB;
        check 6.16 s (cpu 3.05 s) / 818 MB; write 5.60 s (cpu 2.65 s) / 928 MB

Before (main at 82fd6c5, same fleet shape): 100,000 VMs read 11.3 s, check 6.2 s,
write 14.3 s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from data.check.checker import check_plan
from data.inventory import Inventory
from data.io.columnar import write_csv_table
from data.io.read import read_inventory
from data.io.write import write_csv, write_inventory, write_plan
from data.plan import Plan, PlanSummary
from data.synth.fleet import fleet_inventory, generate_fleet, witness_plan

DRAWN = 10  # clusters drawn; the rest are copies
RENAMED = ("node", "vm", "cluster", "lun")  # the columns holding names, where given
_T = TypeVar("_T")


class Tiled:
    """A tiled fleet: its tables (pyarrow), and the drawn fleet's witness to tile."""

    def __init__(self, n_vms: int) -> None:
        drawn = generate_fleet(DRAWN, 8, 100, seed=0)
        self.drawn = fleet_inventory(drawn)
        self.witness = witness_plan(drawn, self.drawn)
        with tempfile.TemporaryDirectory() as directory:
            write_inventory(Path(directory), drawn.tables, "parquet")
            tables = {n: pq.read_table(Path(directory) / f"{n}.parquet") for n in ("nodes", "vms")}
        self.copies = -(-n_vms // self.drawn.n_vms)
        self.tables = {name: _tiled(t, self.copies) for name, t in tables.items()}
        self.tables["vms"] = self.tables["vms"].slice(0, n_vms)

    def plan(self, inventory: Inventory) -> Plan:
        """The drawn witness in every copy: copy c's node j is c * nodes + j, its LUN l
        is c * luns + l (tables and made-up LUNs keep the copies' order)."""
        d = self.drawn
        copy = np.arange(inventory.n_vms) // d.n_vms
        drawn_vm = np.arange(inventory.n_vms) % d.n_vms
        owners = self.witness.owners[drawn_vm] + (copy * d.n_nodes)[:, None]
        return Plan(self.witness.vm_lun[drawn_vm] + copy * d.n_luns, owners)

    def write(self, directory: Path, fmt: str) -> None:
        directory.mkdir()
        for name, table in self.tables.items():
            if fmt == "parquet":
                pq.write_table(table, directory / f"{name}.parquet")
            else:
                write_csv_table(directory / f"{name}.csv", table, write_csv)


def _tiled(table: pa.Table, copies: int) -> pa.Table:
    """`copies` copies of `table`, names in copy c suffixed "-c" (empty cells stay empty)."""
    tiled = pa.concat_tables([table] * copies).combine_chunks()
    suffix = pc.cast(pa.array(np.repeat(np.arange(copies), table.num_rows)), pa.string())
    for name in RENAMED:
        if name in tiled.column_names:
            column = tiled.column(name)
            renamed = pc.binary_join_element_wise(column, suffix, "-")
            kept = pc.if_else(pc.equal(column, ""), column, renamed)
            tiled = tiled.set_column(tiled.column_names.index(name), name, kept)
    return tiled


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


def timed(call: Callable[[], _T]) -> tuple[_T, str]:
    """call()'s result, and its wall seconds, CPU seconds (all threads: the figure that
    other sessions' load does not inflate) and peak resident MiB sampled while it ran."""
    peak, done = [_resident_mb()], threading.Event()

    def sample() -> None:
        while not done.wait(0.005):
            peak[0] = max(peak[0], _resident_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start, cpu = time.perf_counter(), time.process_time()
    result = call()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    done.set()
    sampler.join()
    return result, f"{seconds:.2f} s (cpu {cpu:.2f} s) / {max(peak[0], _resident_mb()):.0f} MB"


def measure(n_vms: int, fmt: str) -> str:
    start = time.perf_counter()
    fleet = Tiled(n_vms)
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "fleet"
        fleet.write(source, fmt)
        made = time.perf_counter() - start
        (inventory, _), read = timed(lambda: read_inventory(source))
        plan = fleet.plan(inventory)
        violations, check = timed(lambda: check_plan(inventory, plan, 1))
        assert violations == [], violations[:3]
        summary = PlanSummary("feasible", 1, "balance", 0, 0, 0, 0.0, "0" * 64)
        out = Path(directory) / "plan"
        _, write = timed(lambda: write_plan(out, inventory, plan, summary))
    return (
        f"{inventory.n_vms} VMs, {len(inventory.clusters)} clusters ({fmt}, made in "
        f"{made:.1f} s): read {read}; check {check}; write {write}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--format", choices=("csv", "parquet"), default="parquet")
    parser.add_argument("--here", action="store_true", help="measure in this process")
    arguments = parser.parse_args()
    for size in arguments.sizes:
        if arguments.here:
            print(measure(size, arguments.format), flush=True)
            continue
        # a fresh process per size, so each peak is that size's own
        command = [sys.executable, __file__, str(size), "--format", arguments.format, "--here"]
        subprocess.run(command, check=True)

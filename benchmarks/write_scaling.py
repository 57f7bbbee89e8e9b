"""Seconds to build, tabulate and write a canonical inventory of N VMs (issue: linear I/O).

    python benchmarks/write_scaling.py 20000 200000

One cluster of 64 nodes, VMs without a luns table (one made-up LUN each, the case
that was quadratic), each with a current node. Prints one line per size.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from data.io.build import build_inventory, table
from data.io.write import inventory_tables, write_inventory


def measure(n_vms: int) -> str:
    nodes = [{"node": f"hv{i}", "memory_mb": 1 << 20, "logical_processors": 64} for i in range(64)]
    vms = [
        {"vm": f"vm{i}", "memory_mb": 2048, "vcpus": 2, "node": f"hv{i % 64}"} for i in range(n_vms)
    ]
    start = time.perf_counter()
    inventory = build_inventory(table("nodes.csv", nodes), table("vms.csv", vms))
    built = time.perf_counter()
    tables = inventory_tables(inventory)
    tabulated = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        write_inventory(Path(directory) / "inventory", tables, "csv")
    written = time.perf_counter()
    return (
        f"{n_vms} VMs: build {built - start:.2f} s, tables {tabulated - built:.2f} s, "
        f"write csv {written - tabulated:.2f} s"
    )


if __name__ == "__main__":
    for size in sys.argv[1:] or ["20000", "200000"]:
        print(measure(int(size)))

"""Seconds (and peak memory) to read, check and write a fleet of N VMs (issue: linear I/O).

    python benchmarks/io_scaling.py 10000 100000 [--format parquet]

A fleet of clusters of 8 nodes x 100 VMs at N+1 (data.synth.fleet: ten clusters
drawn once, then copied under new names up to N VMs, since drawing 10,000
clusters takes minutes). Its canonical tables are written once; then timed:
read (read_inventory: parse, validate, build), check (check_plan of the fleet's
witness plan, which must be clean) and write (write_plan: placement, plan.json
and the inventory copy). Prints one line per size.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from data.check.checker import check_plan
from data.io.read import read_inventory
from data.io.write import write_inventory, write_plan
from data.plan import PlanSummary
from data.synth.fleet import Fleet, generate_fleet, witness_plan

DRAWN = 10  # clusters drawn; the rest are copies


def tiled_fleet(n_vms: int) -> Fleet:
    """Clusters of 8 nodes x 100 VMs up to `n_vms`, copies of DRAWN drawn ones."""
    drawn = generate_fleet(DRAWN, 8, 100, seed=0)
    tables: dict[str, list[dict[str, object]]] = {"nodes": [], "vms": []}
    witness, witness_lun = {}, {}
    for copy in range(-(-n_vms // (DRAWN * 100))):
        suffix = f"-{copy}"
        for row in drawn.tables["nodes"]:
            tables["nodes"].append(row | _renamed(row, ("node", "cluster"), suffix))
        for row in drawn.tables["vms"]:
            renamed = _renamed(row, ("vm", "cluster", "node", "lun"), suffix)
            tables["vms"].append(row | renamed)
            vm = str(row["vm"])
            witness[vm + suffix] = tuple(n + suffix for n in drawn.witness[vm])
            witness_lun[vm + suffix] = drawn.witness_lun[vm] + suffix
    tables["vms"] = tables["vms"][:n_vms]
    return Fleet(tables, witness, witness_lun, drawn.failures)


def _renamed(row: dict[str, object], columns: tuple[str, ...], suffix: str) -> dict[str, object]:
    return {c: f"{row[c]}{suffix}" for c in columns if row.get(c) not in (None, "")}


def measure(n_vms: int, fmt: str) -> str:
    fleet = tiled_fleet(n_vms)
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "fleet"
        write_inventory(source, fleet.tables, fmt)
        start = time.perf_counter()
        inventory, _ = read_inventory(source)
        read = time.perf_counter()
        plan = witness_plan(fleet, inventory)
        planned = time.perf_counter()
        violations = check_plan(inventory, plan, fleet.failures)
        checked = time.perf_counter()
        summary = PlanSummary("feasible", fleet.failures, "balance", 0, 0, 0, 0.0, "0" * 64)
        write_plan(Path(directory) / "plan", inventory, plan, summary)
        written = time.perf_counter()
    assert violations == [], violations[:3]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return (
        f"{inventory.n_vms} VMs, {len(inventory.clusters)} clusters ({fmt}): "
        f"read {read - start:.2f} s, check {checked - planned:.2f} s, "
        f"write {written - checked:.2f} s, peak {peak:.2f} GiB"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--format", choices=("csv", "parquet"), default="parquet")
    arguments = parser.parse_args()
    for size in arguments.sizes:
        print(measure(size, arguments.format), flush=True)

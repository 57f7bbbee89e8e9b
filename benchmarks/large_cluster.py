"""The large-cluster targets of issue 9, reproducibly (one row per run, as CSV on stdout).

    python benchmarks/large_cluster.py [--case big|mid|memory|small] [--seeds 1]

Cases (issue 9 "Targets"):
  big     64 nodes, 8,000 VMs, N+2, nodes, 60 s: certified, <= 60 s, <= 2 GiB, <= bound + 1
  mid     22 nodes, 700 VMs, N+1, nodes, 30 s: <= bound + 1
  memory  64 nodes, 500 VMs, N+2, balance, 20 s (died with MemoryError under 8 GB)
  small   16 nodes, 400 VMs, N+1, balance, 30 s: proven optimal on >= 90% of seeds

Each run is its own process (its peak RSS is its own) and is timed from before
solve() to after the checker; building the synthetic inventory is not counted.
Every plan is judged by data.check.checker on all failure sets. The `hvplace plan`
equivalent for the big case, timing the whole command:

    hvplace generate -o inv64 --nodes 64 --vms 8000 --failures 2
    /usr/bin/time -v hvplace plan inv64 -o plan64 --failures 2 --objective nodes --time-limit 60
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import time
from typing import Any

from data.check.checker import check_plan, criteria
from data.rules import Objective
from data.synth.fleet import fleet_inventory, generate_fleet
from solver.bounds import inventory_lower_bound
from solver.params import Params
from solver.solve import solve

CASES: dict[str, tuple[int, int, int, Objective, float]] = {
    "big": (64, 8000, 2, Objective.NODES, 60.0),
    "mid": (22, 700, 1, Objective.NODES, 30.0),
    "memory": (64, 500, 2, Objective.BALANCE, 20.0),
    "small": (16, 400, 1, Objective.BALANCE, 30.0),
}
FIELDS = [
    "case",
    "nodes",
    "vms",
    "k",
    "objective",
    "seed",
    "time_limit",
    "status",
    "value",
    "bound",
    "lower_bound",
    "violations",
    "seconds",
    "peak_rss_mb",
]


def run_one(case: str, seed: int) -> dict[str, Any]:
    """Solve one instance in this process and measure it."""
    nodes, vms, k, objective, limit = CASES[case]
    inventory = fleet_inventory(generate_fleet(1, nodes, vms, seed, failures=k))
    start = time.monotonic()
    result = solve(inventory, Params(failures=k, objective=objective, time_limit=limit))
    violations = -1 if result.plan is None else len(check_plan(inventory, result.plan, k))
    seconds = time.monotonic() - start
    value = None
    if result.plan is not None:
        value = criteria(inventory, result.plan, k, objective, 10)[0]
    return {
        "case": case,
        "nodes": nodes,
        "vms": vms,
        "k": k,
        "objective": objective.value,
        "seed": seed,
        "time_limit": limit,
        "status": result.status.value,
        "value": value,
        "bound": result.bound,
        "lower_bound": inventory_lower_bound(inventory, objective, k),
        "violations": violations,
        "seconds": round(seconds, 2),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), action="append")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--one", nargs=2, metavar=("CASE", "SEED"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]))))
        return
    writer = csv.DictWriter(sys.stdout, FIELDS)
    writer.writeheader()
    for case in args.case or list(CASES):
        for seed in range(args.seeds):
            command = [sys.executable, __file__, "--one", case, str(seed)]
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            writer.writerow(json.loads(out.strip().splitlines()[-1]))
            sys.stdout.flush()


if __name__ == "__main__":
    main()

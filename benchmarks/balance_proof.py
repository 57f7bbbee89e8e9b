"""Issue 9's "<= 16 nodes, <= 400 VMs, N+1: proven optimal in <= 30 s" under `balance`.

    python benchmarks/balance_proof.py [--only 8/100/0] [--time-limit 30]

Each instance is data.synth.fleet.generate_fleet(1, nodes, vms, seed, failures=1)
(the large-LUN rows: lun_vms=(5, 20)), written as a canonical inventory and planned
as a user runs it: `hvplace plan DIR --out P --time-limit 30` (default objective
balance, tolerance 10, default workers), then `hvplace check DIR P`. One CSV row per
instance on stdout: U (plan.json objective_value), bound (plan.json bound), the
analytic bound (solver.bounds), status, solve seconds, check exit code.

Results (filled in below, before and after the U-bound work; `uptime` beside them).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from data.io.write import write_inventory
from data.rules import Objective
from data.synth.fleet import fleet_inventory, generate_fleet
from solver.bounds import inventory_lower_bound

Instance = tuple[int, int, int, bool]  # nodes, vms, seed, large LUNs
INSTANCES: list[Instance] = [
    *((n, v, s, False) for n, v in ((8, 100), (12, 200), (16, 400)) for s in range(5)),
    *((16, 400, s, True) for s in range(3)),
]
FIELDS = ["instance", "status", "U", "bound", "analytic", "seconds", "check"]
HVPLACE = str(Path(sys.executable).with_name("hvplace"))


def name(instance: Instance) -> str:
    nodes, vms, seed, big_luns = instance
    return f"{nodes}/{vms}/{seed}" + ("/lun" if big_luns else "")


def measure(instance: Instance, time_limit: float, root: Path) -> dict[str, object]:
    """Generate, plan through the CLI, check; one row."""
    nodes, vms, seed, big_luns = instance
    fleet = generate_fleet(1, nodes, vms, seed, failures=1, lun_vms=(5, 20) if big_luns else None)
    inventory_dir, plan_dir = root / "inv", root / "plan"
    write_inventory(inventory_dir, fleet.tables, "csv")
    analytic = inventory_lower_bound(fleet_inventory(fleet), Objective.BALANCE, 1)
    limit = str(time_limit)
    subprocess.run(
        [HVPLACE, "plan", str(inventory_dir), "--out", str(plan_dir), "--time-limit", limit],
        check=False,
        capture_output=True,
    )
    plan = json.loads((plan_dir / "plan.json").read_text())
    checked = subprocess.run(
        [HVPLACE, "check", str(inventory_dir), str(plan_dir)], check=False, capture_output=True
    )
    return {
        "instance": name(instance),
        "status": plan["status"],
        "U": plan["objective_value"],
        "bound": plan["bound"],
        "analytic": analytic,
        "seconds": round(plan["solve_seconds"], 1),
        "check": checked.returncode,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="instance name, e.g. 16/400/2/lun")
    parser.add_argument("--time-limit", type=float, default=30.0)
    args = parser.parse_args()
    chosen = [i for i in INSTANCES if not args.only or name(i) in args.only]
    writer = csv.DictWriter(sys.stdout, FIELDS)
    writer.writeheader()
    for instance in chosen:
        with tempfile.TemporaryDirectory() as root:
            writer.writerow(measure(instance, args.time_limit, Path(root)))
        sys.stdout.flush()


if __name__ == "__main__":
    main()

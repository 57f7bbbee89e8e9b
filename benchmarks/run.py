"""Benchmarks: hvplace beside FFD+check, the naive monolithic model and the lower bound,
on seeded single clusters, fleets, vector bin packing classes and large-LUN clusters
(protocol: benchmarks/README.md).

    python benchmarks/run.py [--quick] [--only single,fleet,vbp,large-luns] [--seeds 3]

Every (instance, method) runs in its own forked process (benchmarks/harness.py), and
every plan is certified by data.check.checker before it counts. Each section writes
results/<name>-<section>.{parquet,csv} after every instance; at the end every section
table of <name> is combined (report.py) into results/<name>.*, RESULTS.md and a PNG.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from harness import MEMORY_CAP_MB, Measured, Task, run_isolated
from methods import METHODS, NAIVE_LIMIT, naive_size
from report import HERE, Row, report, write_tables
from sections import NAIVE_SECTIONS, SECTIONS, SEEDS, Instance

from data.inventory import Inventory
from data.rules import Objective
from solver.bounds import inventory_lower_bound


def _row(
    instance: Instance,
    inventory: Inventory,
    method: str,
    measured: Measured,
    lower: int,
    limit: float | None,
    objective: Objective,
) -> Row:
    gap = measured.nodes / lower - 1 if measured.nodes is not None and lower > 0 else None
    return {
        "section": instance.section,
        "instance": instance.name,
        "method": method,
        "objective": objective.value,
        "clusters": len(inventory.clusters),
        "nodes": inventory.n_nodes,
        "vms": inventory.n_vms,
        "failures": instance.failures,
        "seed": instance.seed,
        "status": measured.status,
        "nodes_used": measured.nodes,
        "utilisation": measured.utilisation,
        "bound": measured.bound,
        "lower_bound": lower,
        "gap": gap,
        "seconds": round(measured.seconds, 3),
        "time_limit": limit,
        "peak_memory_mb": measured.peak_mb,
        "base_memory_mb": measured.base_mb,
        "check_violations": measured.violations,
        "added_nodes": measured.added,
    }


def bench_instance(instance: Instance, args: argparse.Namespace) -> list[Row]:
    """The lower bound, then each method in its own process, one row each."""
    inventory = instance.inventory()
    limit = args.time_limit or instance.time_limit
    objective = Objective(args.objective)
    k = instance.failures
    start = time.monotonic()
    lower = max(inventory_lower_bound(inventory, Objective.NODES, k), instance.known_bound())
    bound = Measured("bound", lower, None, None, None, time.monotonic() - start)
    rows = [_row(instance, inventory, "lower_bound", bound, lower, None, objective)]
    for method in METHODS:
        if method == "naive" and instance.section not in NAIVE_SECTIONS:
            continue
        if method == "naive" and naive_size(inventory, k) > NAIVE_LIMIT:
            measured = Measured("skipped", None, None, None, None, 0.0)
        else:
            task = Task(method, inventory, k, limit, args.workers, objective, args.memory_cap_mb)
            measured = run_isolated(task)
        row = _row(instance, inventory, method, measured, lower, limit, objective)
        rows.append(row)
        print(
            f"{instance.name:>34} {method:>9}: {row['status']:<10} nodes={row['nodes_used']} "
            f"LB={lower} U={row['utilisation']} {row['seconds']:.1f}s "
            f"{row['peak_memory_mb']} MB violations={row['check_violations']}",
            file=sys.stderr,
            flush=True,
        )
    return rows


def _sections(text: str) -> list[str]:
    chosen = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"--only takes a comma-separated list of {', '.join(SECTIONS)}; got {text!r}"
        )
    return chosen


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: smallest sizes, 1 seed")
    parser.add_argument("--only", type=_sections, default=list(SECTIONS), help="sections")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per size (3; quick 1)")
    parser.add_argument("--time-limit", type=float, default=None, help="override every limit")
    parser.add_argument("--objective", default="nodes", choices=[o.value for o in Objective])
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers")
    parser.add_argument("--memory-cap-mb", type=int, default=MEMORY_CAP_MB)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--name", default=None, help="file stem (latest, or quick)")
    parser.add_argument("--markdown", type=Path, default=None, help="default RESULTS.md")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    name = args.name or ("quick" if args.quick else "latest")
    count = args.seeds or (1 if args.quick else len(SEEDS))
    seeds = tuple(range(count))
    start = time.monotonic()
    for section in args.only:
        rows: list[Row] = []
        for instance in SECTIONS[section](args.quick, seeds):
            rows += bench_instance(instance, args)
            write_tables(rows, args.out, f"{name}-{section}")  # partial results survive
    markdown = args.markdown or (
        HERE / "RESULTS.md" if name == "latest" else args.out / f"{name}.md"
    )
    seconds = time.monotonic() - start
    mode = "--quick" if args.quick else "full"
    preamble = (
        f"Last run: `{' '.join(['run.py', *(argv if argv is not None else sys.argv[1:])])}` "
        f"({mode}, sections {', '.join(args.only)}, {count} seed(s), objective "
        f"{args.objective}, {args.workers} CP-SAT workers), {seconds:.0f} s wall; tables of "
        f"all sections of `{name}` combined. Plot: `results/{name}.png`."
    )
    report(args.out, name, markdown, preamble)
    print(f"total wall time {seconds:.0f} s -> {markdown}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

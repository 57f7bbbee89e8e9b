"""Benchmarks: our solver beside the greedy baselines, the naive monolithic model and the
analytic lower bound, on seeded synthetic fleets (protocol: benchmarks/README.md).

    python benchmarks/run.py [--quick] [--out benchmarks/results] [--name latest]

Every (instance, method) runs in its own forked process, so its peak memory is its
own and a run that overshoots its time limit badly is killed instead of stalling
the suite. Every plan is measured by data.check.checker, never by the method's own account.
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import resource
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from methods import METHODS, Outcome
from report import Row, markdown, write_markdown, write_tables

from data.check.checker import check_plan, utilisation_permille
from data.inventory import Inventory
from data.rules import Objective
from data.synth.fleet import fleet_inventory, generate_fleet
from solver.bounds import inventory_lower_bound

SEED = 2024
VMS_PER_NODE, MAX_VMS = 12, 200
GUARD_FACTOR, GUARD_SLACK = 2.0, 60.0  # a run is killed after 2 x limit + 60 s


@dataclass(frozen=True)
class Instance:
    nodes: int
    failures: int
    luns: bool = False
    clusters: int = 1
    seed: int = SEED

    @property
    def vms(self) -> int:
        return min(MAX_VMS, VMS_PER_NODE * self.nodes)

    @property
    def name(self) -> str:
        return f"{self.clusters}x{self.nodes}n-k{self.failures}" + ("-luns" if self.luns else "")

    @property
    def methods(self) -> tuple[str, ...]:
        """The naive model needs fixed LUNs, so it sits out fleets with a luns table."""
        return ("ours", "ffd", "ffd_balanced") if self.luns else tuple(METHODS)

    def time_limit(self, quick: bool) -> float:
        return 5.0 if quick else (30.0 if self.nodes <= 8 else 60.0)

    def inventory(self) -> Inventory:
        fleet = generate_fleet(
            self.clusters, self.nodes, self.vms, self.seed, luns=self.luns, failures=self.failures
        )
        return fleet_inventory(fleet)


def instances(quick: bool) -> list[Instance]:
    sizes = (2, 4) if quick else (2, 4, 8, 16)
    out = [Instance(n, k) for n in sizes for k in (1, 2) if k == 1 or n >= 4]
    if not quick:
        out.append(Instance(8, 1, luns=True))
    return out


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def _child(
    conn: Connection, method: str, inventory: Inventory, failures: int, limit: float, workers: int
) -> None:
    base = _rss_mb()
    try:
        outcome = METHODS[method](inventory, failures, limit, workers)
    except Exception as error:  # reported as the row's status, the suite goes on
        outcome = Outcome(f"error: {type(error).__name__}: {error}", None, None, 0.0)
    conn.send((outcome, base, _rss_mb()))
    conn.close()


def run_isolated(
    method: str, inventory: Inventory, failures: int, limit: float, workers: int
) -> tuple[Outcome, float | None, float | None]:
    """(outcome, RSS at start, peak RSS) of one method in a forked process."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(send, method, inventory, failures, limit, workers)
    )
    start = time.monotonic()
    process.start()
    send.close()
    result: tuple[Outcome, float | None, float | None]
    if receive.poll(GUARD_FACTOR * limit + GUARD_SLACK):
        try:
            result = receive.recv()
        except EOFError:  # the worker died (e.g. out of memory)
            result = (Outcome("crashed", None, None, time.monotonic() - start), None, None)
    else:
        process.kill()
        result = (Outcome("killed", None, None, time.monotonic() - start), None, None)
    process.join()
    receive.close()
    return result


def measure(
    instance: Instance,
    inventory: Inventory,
    method: str,
    outcome: Outcome,
    lower: int,
    memory: tuple[float | None, float | None],
    limit: float | None,
) -> Row:
    """One row; U and violations come from data.check.checker on the method's plan."""
    k, plan = instance.failures, outcome.plan
    objective = utilisation_permille(inventory, plan, k) if plan is not None else None
    violations = len(check_plan(inventory, plan, k)) if plan is not None else None
    ratio = objective / lower if objective is not None and lower > 0 else None
    return {
        "instance": instance.name,
        "clusters": instance.clusters,
        "nodes": instance.nodes,
        "vms": inventory.n_vms,
        "failures": k,
        "seed": instance.seed,
        "luns": instance.luns,
        "method": method,
        "status": outcome.status,
        "objective": objective,
        "bound": outcome.bound,
        "lower_bound": lower,
        "ratio_to_lower_bound": ratio,
        "seconds": round(outcome.seconds, 3),
        "time_limit": limit,
        "base_memory_mb": memory[0],
        "peak_memory_mb": memory[1],
        "check_violations": violations,
    }


def bench_instance(instance: Instance, quick: bool, workers: int) -> list[Row]:
    inventory, limit = instance.inventory(), instance.time_limit(quick)
    start = time.monotonic()
    lower = inventory_lower_bound(inventory, Objective.BALANCE, instance.failures)
    bound_row = Outcome("bound", None, None, time.monotonic() - start)
    rows = [measure(instance, inventory, "lower_bound", bound_row, lower, (None, None), None)]
    rows[0]["objective"] = lower
    for method in instance.methods:
        outcome, base, peak = run_isolated(method, inventory, instance.failures, limit, workers)
        row = measure(instance, inventory, method, outcome, lower, (base, peak), limit)
        rows.append(row)
        print(
            f"{instance.name:>14} {method:>12}: {row['status']:<9} U={row['objective']} "
            f"bound={row['bound']} LB={lower} {row['seconds']:.1f}s "
            f"{row['peak_memory_mb']} MB violations={row['check_violations']}",
            file=sys.stderr,
            flush=True,
        )
    return rows


def _preamble(quick: bool, workers: int, seconds: float) -> str:
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    mode = "--quick" if quick else "full"
    return (
        f"Benchmark ({mode}, workers={workers}, seed={SEED}), {when}, "
        f"total wall time {seconds:.0f} s. U in permille; * proven optimal; "
        "! plan rejected by check_plan; — not run or no plan.\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 and 4 nodes, 5 s limits")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--name", default=None, help="file stem (latest, or quick)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    name = args.name or ("quick" if args.quick else "latest")
    start, rows = time.monotonic(), []
    for instance in instances(args.quick):
        rows += bench_instance(instance, args.quick, args.workers)
        write_tables(rows, args.out, name)  # after every instance: partial results survive
    table = markdown(rows)
    write_markdown(
        table, args.out, name, _preamble(args.quick, args.workers, time.monotonic() - start)
    )
    print(table)
    print(f"total wall time {time.monotonic() - start:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

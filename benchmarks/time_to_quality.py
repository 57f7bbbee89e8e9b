"""How fast our solver gets close: seconds to the first plan, to within 1% of the
analytic lower bound, and to its final plan, per fleet size and k.

    python benchmarks/time_to_quality.py [--out benchmarks/results]

The whole-run benchmark (run.py) reports where each method ends; this one reports
when ours gets there, from the solver's own progress events (timed from the
start of solve(), model building and the greedy hint included).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from data.check.checker import check_plan, utilisation_permille
from data.rules import Objective
from data.synth.fleet import fleet_inventory, generate_fleet
from solver.bounds import inventory_lower_bound
from solver.params import Params
from solver.result import Progress
from solver.solve import solve

SEED, WORKERS = 2024, 2
SIZES = [(2, 1), (4, 1), (8, 1), (16, 1), (4, 2), (8, 2), (16, 2)]  # (nodes, k)


def measure(nodes: int, k: int, limit: float) -> dict:
    vms = min(200, 12 * nodes)
    inventory = fleet_inventory(generate_fleet(1, nodes, vms, SEED, failures=k))
    bound = inventory_lower_bound(inventory, Objective.BALANCE, k)
    events: list[tuple[float, float]] = []
    start = time.monotonic()

    def note(event: Progress) -> None:
        if event.phase == 1 and event.objective == event.objective:  # not NaN
            events.append((time.monotonic() - start, event.objective))

    result = solve(
        inventory, Params(failures=k, workers=WORKERS, time_limit=limit, tolerance=1), note
    )
    seconds = time.monotonic() - start
    assert result.plan is not None and check_plan(inventory, result.plan, k) == []
    final = utilisation_permille(inventory, result.plan, k)
    return {
        "nodes": nodes,
        "vms": vms,
        "failures": k,
        "seed": SEED,
        "workers": WORKERS,
        "status": str(result.status),
        "objective": final,
        "lower_bound": bound,
        "ratio_to_lower_bound": round(final / bound, 4),
        "seconds_to_first": _first(events, lambda u: True),
        "seconds_to_1pct": _first(events, lambda u: u <= 1.01 * bound),
        "seconds_to_final": _first(events, lambda u: u <= final),
        "seconds_total": round(seconds, 2),
        "time_limit": limit,
    }


def _first(events: list[tuple[float, float]], good) -> float | None:
    return next((round(t, 2) for t, u in events if good(u)), None)


def markdown(rows: list[dict]) -> str:
    head = (
        "| nodes | VMs | k | status | U | LB | U/LB | first plan s | within 1% s "
        "| final plan s | total s |\n|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    cells = (
        "| {nodes} | {vms} | {failures} | {status} | {objective} | {lower_bound} "
        "| {ratio_to_lower_bound:.3f} | {seconds_to_first} | {seconds_to_1pct} "
        "| {seconds_to_final} | {seconds_total} |"
    )
    return head + "\n".join(cells.format(**r).replace("None", "—") for r in rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--limit", type=float, default=60.0)
    args = parser.parse_args()
    rows = []
    for nodes, k in SIZES:
        rows.append(measure(nodes, k, args.limit))
        print(rows[-1], flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(rows)
    pq.write_table(table, args.out / "time_to_quality.parquet")
    pa_csv.write_csv(table, args.out / "time_to_quality.csv")
    text = markdown(rows)
    (args.out / "time_to_quality.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()

"""Where a fleet's per-cluster seconds go, phase by phase (a debug benchmark, not output).

Each cluster is cut out and solved in this process, one after another, with the
budget a pool job would get and one CP-SAT worker, while the solver's steps are
wrapped with timers (CPU seconds of this process, CP-SAT's thread included, so
that other load on the machine does not blur them): the first phase (model,
hint, balanced start, CP-SAT) and the later ones (repairs, floors, the later
model, the probe, CP-SAT). One line per cluster, then the totals per step.

    python benchmarks/fleet_phases.py /tmp/f40-fg --budget 5 --gap 0.02
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from data.io.read import read_inventory
from data.subset import cluster_subsets
from solver import greedy_first, phases, solve
from solver.params import Params
from solver.problem import cluster_problem

SPENT: dict[str, float] = defaultdict(float)
NOTES: list[str] = []


def _timed(owner: Any, name: str, label: str, note: Callable[..., str] | None = None) -> None:
    """Replace owner.name with a wrapper that adds its seconds to SPENT[label]."""
    inner = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        begun = time.process_time()
        try:
            out = inner(*args, **kwargs)
        finally:
            SPENT[label] += time.process_time() - begun
        if note is not None:
            NOTES.append(note(out, *args, **kwargs))
        return out

    setattr(owner, name, wrapper)


def _gap_note(out: bool, value: int, floor: int, gap: float) -> str:
    return f"{value}/{floor}{'=' if out else '>'}"


def _improve_note(out: Any, _self: Any, i: int, plan: Any, floor: Any, *rest: Any) -> str:
    return f"i{i}:{'-' if out is None else out[2]}(f{floor})"


def _patch() -> None:
    _timed(solve, "build_model", "1 build")
    _timed(solve, "_hint", "1 hint")
    _timed(solve, "balanced_start", "1 balance_start")
    _timed(solve, "run_cpsat", "1 cpsat")
    _timed(solve, "later_phases", "later (all)")
    _timed(greedy_first, "_greedy", "1 greedy (no model)")  # once solve.py calls greedy_settles
    _timed(greedy_first, "later_phases", "later (all)")
    _timed(phases, "stay_put", "L stay_put")
    _timed(phases, "fewest_moves", "L floors")
    _timed(phases, "move_back", "L move_back")
    _timed(phases, "first_fit_decreasing", "L ffd repair")
    _timed(phases, "criterion_floor", "L floors")
    _timed(phases, "within_gap", "L gap", _gap_note)
    _timed(phases._Phases, "__init__", "L build")
    _timed(phases._Phases, "_probe", "L probe")
    _timed(phases._Phases, "improve", "L improve", _improve_note)
    _timed(phases, "run_cpsat", "L cpsat")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("inventory", type=Path)
    parser.add_argument("--budget", type=float, default=5.0)
    parser.add_argument("--gap", type=float, default=0.02)
    parser.add_argument("--only", type=str, default="", help="comma-separated clusters")
    args = parser.parse_args()
    inventory, _ = read_inventory(args.inventory)
    params = Params(failures=1, gap=args.gap, workers=1, time_limit=args.budget)
    _patch()
    totals: dict[str, float] = defaultdict(float)
    only = set(args.only.split(",")) if args.only else None
    for subset in cluster_subsets(inventory):
        name = subset.inventory.clusters[0]
        if only is not None and name not in only:
            continue
        SPENT.clear()
        NOTES.clear()
        begun, wall = time.process_time(), time.monotonic()
        problem = cluster_problem(subset.inventory, 0, 1, params.disabled)
        result = solve.solve_cluster(problem, replace(params), args.budget)
        seconds = time.process_time() - begun
        totals["wall"] += time.monotonic() - wall
        steps = " ".join(f"{k}={v:.2f}" for k, v in sorted(SPENT.items()) if v >= 0.05)
        print(
            f"{name:>4} {seconds:5.2f}s cpu {result.status.value:8} U={result.objective_value}"
            f"/{result.bound} | {steps} | {' '.join(NOTES)}",
            flush=True,
        )
        for k, v in SPENT.items():
            totals[k] += v
        totals["total"] += seconds
    print(" ".join(f"{k}={v:.1f}" for k, v in sorted(totals.items())))


if __name__ == "__main__":
    main()

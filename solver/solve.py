"""solve(): a short wiring of the other modules, cluster by cluster.

Where each step lives: the fan-out over clusters in fleet.py; per cluster, the
pre-checks and the plans returned without CP-SAT's search in start_results.py (the
early vector packing from packing_plan.py, the large-cluster path from
large_result.py, balance's U settled by the greedy plan in greedy_first.py); the
exact model's search in exact_search.py; progress reports in progress.py; the
clusters' results combined in combine.py.
"""

from __future__ import annotations

import functools
import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from data.inventory import Inventory
from solver.combine import combine_clusters
from solver.cpsat import stopping_on
from solver.exact_search import exact_search
from solver.greedy_first import balance_greedy, settled_by
from solver.large_result import exact_model_fits, without_model
from solver.packing_plan import EARLY_SHARE, early_packing, packed_bound
from solver.params import Params
from solver.problem import ClusterProblem
from solver.progress import OnProgress, reporter
from solver.result import ClusterResult, Result
from solver.start_results import (
    cluster_result,
    large_result,
    packed_result,
    packed_value,
    settled_without_search,
)

if TYPE_CHECKING:
    from solver.fleet import FanOut

__all__ = ["OnProgress", "solve", "solve_cluster"]


def solve(
    inventory: Inventory,
    params: Params,
    on_progress: OnProgress | None = None,
    stop: threading.Event | None = None,
    fleet: FanOut | None = None,
) -> Result:
    """Plan every cluster independently within one shared time limit.

    The clusters are fanned out as `fleet` says (solver.fleet: each job gets only its
    cluster). --max-moves caps the whole plan instead: clusters are then solved in
    order in this process, each within the moves the earlier ones left. Once `stop`
    is set the running searches end with their best plan, and the result says it was
    interrupted.
    """
    from solver.fleet import FanOut, solve_capped, solve_fleet  # it imports this module

    start = time.monotonic()
    with stopping_on(stop):
        if params.max_moves is not None:
            results = solve_capped(inventory, params, on_progress, stop)
        else:
            deadline = start + params.time_limit
            results = solve_fleet(inventory, params, fleet or FanOut(), deadline, on_progress, stop)
    result = combine_clusters(inventory, params, results, time.monotonic() - start)
    if stop is not None and stop.is_set():
        result = replace(result, interrupted=True)
    return result


def solve_cluster(
    problem: ClusterProblem, params: Params, budget: float, on_progress: OnProgress | None = None
) -> ClusterResult:
    """One cluster within `budget` seconds: the pre-checks, then the first of the early
    packing, the large-cluster path and the exact model that applies."""
    start = time.monotonic()
    settled = settled_without_search(problem, params)
    if settled is not None:
        return settled
    packed = early_packing(problem, params, start, budget)
    left = (1 - EARLY_SHARE) * budget  # the packing's share, not its clock: load-free
    fits = exact_model_fits(problem, params, left if packed else budget)  # sized first
    if packed is not None and (not fits or packed_value(problem, packed) <= packed_bound(problem)):
        return packed_result(problem, params, packed, (start, budget), on_progress)
    answer, large = without_model(problem, params, start, budget, fits)
    if answer is not None or not fits:
        return large_result(problem, answer, start)
    report = functools.partial(reporter, problem, on_progress=on_progress)
    greedy = balance_greedy(problem, params, (start, budget))  # balance: the hint, made once
    first = settled_by(problem, params, (start, budget), greedy, (on_progress, report))
    if first is not None:  # balance's U settled by the bound: no first model to build
        return cluster_result(problem, *first.parts, time.monotonic() - start)
    starts = (large, packed, greedy)
    return exact_search(problem, params, (start, budget), starts, on_progress)

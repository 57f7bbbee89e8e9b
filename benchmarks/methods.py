"""The methods a benchmark compares, each run on one inventory: our solver, the greedy
baselines and the naive monolithic model. Each returns an Outcome with the plan, so
the caller measures every method's plan with the same checker."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from data.inventory import Inventory
from data.plan import Plan
from data.rules import Objective
from solver.greedy_plan import greedy_plan
from solver.naive import solve_naive
from solver.params import Params
from solver.solve import solve


@dataclass(frozen=True)
class Outcome:
    status: str  # optimal | feasible | infeasible | unknown | stuck (greedy found none)
    plan: Plan | None
    bound: int | None  # the method's own proven bound, where it has one
    seconds: float  # wall time of the method alone (building and solving)


Method = Callable[[Inventory, int, float, int], Outcome]  # inventory, k, limit, workers


def ours(inventory: Inventory, failures: int, time_limit: float, workers: int) -> Outcome:
    """solver.solve: decomposed per cluster, prefix-set owners, hints, symmetry breaking."""
    return _cp_sat(solve, inventory, failures, time_limit, workers)


def naive(inventory: Inventory, failures: int, time_limit: float, workers: int) -> Outcome:
    """solver.naive: one positional model of the whole inventory."""
    return _cp_sat(solve_naive, inventory, failures, time_limit, workers)


def _cp_sat(
    function, inventory: Inventory, failures: int, time_limit: float, workers: int
) -> Outcome:
    params = Params(
        failures=failures,
        objective=Objective.BALANCE,
        time_limit=time_limit,
        workers=workers,
        seed=0,
        tolerance=1,  # U to the permille, the unit the table and the lower bound use
    )
    start = time.monotonic()
    result = function(inventory, params)
    seconds = time.monotonic() - start
    bound = result.bound if result.status.has_plan else None
    return Outcome(result.status.value, result.plan, bound, seconds)


def ffd(inventory: Inventory, failures: int, time_limit: float, workers: int) -> Outcome:
    """First-fit-decreasing: each unit takes the first owners list that fits."""
    return _greedy(inventory, failures, balanced=False)


def ffd_balanced(inventory: Inventory, failures: int, time_limit: float, workers: int) -> Outcome:
    """The balanced greedy (lowest worst load, then re-insertion): our solver's hint."""
    return _greedy(inventory, failures, balanced=True)


def _greedy(inventory: Inventory, failures: int, balanced: bool) -> Outcome:
    start = time.monotonic()
    plan = greedy_plan(inventory, failures, balanced=balanced)
    status = "feasible" if plan is not None else "stuck"
    return Outcome(status, plan, None, time.monotonic() - start)


METHODS: dict[str, Method] = {
    "ours": ours,
    "naive": naive,
    "ffd": ffd,
    "ffd_balanced": ffd_balanced,
}

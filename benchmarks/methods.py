"""The methods a benchmark compares on one inventory: hvplace, the FFD+check baseline
and the naive monolithic model. Each returns an Outcome with its plan (and the
inventory that plan is over), so the caller certifies every plan with the same
checker and counts nodes the same way."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from data.inventory import Inventory
from data.plan import Plan
from data.rules import Objective
from solver.ffd_check import ffd_check
from solver.naive import solve_naive
from solver.params import Params
from solver.result import Result
from solver.solve import solve

# the naive model is skipped above this estimate of its size: exclusive groups x nodes x
# failure sets of 0..k nodes, summed over clusters (~100,000 is ~2 GB of model)
NAIVE_LIMIT = 100_000


@dataclass(frozen=True, eq=False)
class Outcome:
    status: str  # optimal | feasible | unknown | nodes-only | stuck | skipped | error: ...
    plan: Plan | None
    bound: int | None  # the method's own proven bound on the first criterion
    seconds: float  # wall time of the method alone (building and solving)
    nodes: int | None = None  # the method's own node count, for a nodes-only answer
    inventory: Inventory | None = None  # what the plan is over, when not the input
    added: int = 0  # nodes the method bought beside the inventory's (FFD+check)


Method = Callable[[Inventory, int, float, int, Objective], Outcome]


def hvplace(
    inventory: Inventory, failures: int, limit: float, workers: int, objective: Objective
) -> Outcome:
    """solver.solve: the planner itself."""
    return _cp_sat(solve, inventory, failures, limit, workers, objective)


def naive(
    inventory: Inventory, failures: int, limit: float, workers: int, objective: Objective
) -> Outcome:
    """solver.naive: one positional model of the whole inventory."""
    return _cp_sat(solve_naive, inventory, failures, limit, workers, objective)


def _cp_sat(
    function: Callable[[Inventory, Params], Result],
    inventory: Inventory,
    failures: int,
    limit: float,
    workers: int,
    objective: Objective,
) -> Outcome:
    params = Params(
        failures=failures,
        objective=objective,
        time_limit=limit,
        workers=workers,
        seed=0,
        tolerance=1,  # U to the permille, the unit the table uses
    )
    start = time.monotonic()
    result = function(inventory, params)
    seconds = time.monotonic() - start
    bound = result.bound if result.status.has_plan else None
    return Outcome(result.status.value, result.plan, bound, seconds)


def ffd(
    inventory: Inventory, failures: int, limit: float, workers: int, objective: Objective
) -> Outcome:
    """solver.ffd_check: reserve k/m, simulate every failure set, add a node until all
    pass. At k >= 2 the answer may be a node count without owners lists (nodes-only)."""
    start = time.monotonic()
    answer = ffd_check(inventory, failures)
    seconds = time.monotonic() - start
    if answer.nodes_used is None:
        status = "stuck"
    else:
        status = "feasible" if answer.plan is not None else "nodes-only"
    return Outcome(
        status, answer.plan, None, seconds, answer.nodes_used, answer.inventory, answer.added
    )


def naive_size(inventory: Inventory, failures: int) -> int:
    """The estimate NAIVE_LIMIT is compared with (groups: distinct fixed LUNs)."""
    total = 0
    for c in range(len(inventory.clusters)):
        nodes = len(inventory.nodes_of(c))
        groups = len(np.unique(inventory.vm_lun[inventory.vms_of(c)]))
        sets = sum(math.comb(nodes, i) for i in range(min(failures, nodes) + 1))
        total += groups * nodes * sets
    return total


METHODS: dict[str, Method] = {"hvplace": hvplace, "ffd_check": ffd, "naive": naive}

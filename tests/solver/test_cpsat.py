"""The stop token: a set token ends the running CP-SAT search and every cluster after it."""

from __future__ import annotations

import threading
import time

import pytest

from data.check.checker import check_plan
from data.inventory import Inventory
from data.rules import Objective
from data.synth.fleet import fleet_inventory, generate_fleet
from solver.bounds import lower_bound
from solver.params import Params
from solver.problem import cluster_problem
from solver.result import Status
from solver.solve import solve


@pytest.fixture(scope="module")
def hard() -> Inventory:
    """Two clusters whose optimum CP-SAT does not prove within a minute."""
    return fleet_inventory(generate_fleet(2, 8, 96, 2024))


def test_solve_stop_during_the_search_ends_every_cluster_with_a_checked_plan(
    hard: Inventory,
) -> None:
    stop = threading.Event()
    timer = threading.Timer(2.0, stop.set)
    start = time.monotonic()
    timer.start()
    # tolerance 1: U exactly, whose optimum takes far longer than 2 s to prove
    result = solve(hard, Params(workers=1, seed=0, time_limit=100, tolerance=1), stop=stop)
    timer.join()
    assert time.monotonic() - start < 30  # each cluster had ~50 s
    assert result.interrupted
    assert [c.status for c in result.clusters] == [Status.FEASIBLE, Status.FEASIBLE]
    assert result.plan is not None
    assert check_plan(hard, result.plan, 1) == []


def test_solve_stopped_before_it_starts_gives_the_greedy_plans(hard: Inventory) -> None:
    stop = threading.Event()
    stop.set()
    start = time.monotonic()
    result = solve(hard, Params(workers=1, seed=0, time_limit=100), stop=stop)
    assert time.monotonic() - start < 20
    assert result.interrupted
    # no search ran: each bound is the analytic one, no more than the plan's value
    problems = [cluster_problem(hard, c, 1) for c in range(len(hard.clusters))]
    analytic = [-(-lower_bound(p, Objective.BALANCE) // 10) * 10 for p in problems]
    assert [c.bound for c in result.clusters] == [
        min(b, c.objective_value) for b, c in zip(analytic, result.clusters, strict=True)
    ]
    assert result.plan is not None
    assert check_plan(hard, result.plan, 1) == []


def test_solve_with_an_unset_token_is_not_interrupted() -> None:
    inventory = fleet_inventory(generate_fleet(1, 3, 6, 1))
    result = solve(inventory, Params(workers=1, seed=0, time_limit=10), stop=threading.Event())
    assert not result.interrupted
    assert result.status is Status.OPTIMAL

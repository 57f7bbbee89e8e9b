"""The local search of the balance start's step 1 (solver/balance_search.py,
solver/balance_lns.py): from the greedy plan's positions under the largest node's
failure to a packing at the rounded bound, every rule kept."""

from __future__ import annotations

import threading
import time

import numpy as np

from data.rules import PERMILLE, Objective
from data.synth.fleet import fleet_inventory, generate_fleet
from solver import balance_lns
from solver.anti_affinity import class_members
from solver.balance_lns import repair_packing
from solver.balance_search import Packing, descend, search_state
from solver.bounds import lower_bound
from solver.cpsat import stopping_on
from solver.greedy import first_fit_decreasing
from solver.params import Params, in_steps
from solver.problem import MEMORY_ROW, ClusterProblem, cluster_problem

PARAMS = Params(workers=1, seed=0)


def _hard_case() -> tuple[ClusterProblem, int, int, Packing]:
    """8 nodes, 100 VMs (benchmarks/balance_proof.py's 8/100/3): the greedy plan's
    positions under the largest node's failure overflow the bound's 730 permille."""
    problem = cluster_problem(fleet_inventory(generate_fleet(1, 8, 100, 3, failures=1)), 0, 1)
    failed = int(np.argmax(problem.capacity[MEMORY_ROW]))
    target = in_steps(lower_bound(problem, Objective.BALANCE), 10)
    greedy = first_fit_decreasing(problem, True, time.monotonic() + 10)
    assert greedy is not None
    start = {u: next(n for n in owners if n != failed) for u, owners in enumerate(greedy.owners)}
    return problem, failed, target, start


def _broken_rules(problem: ClusterProblem, failed: int, target: int, packing: Packing) -> list[str]:
    """Every limit, eligibility and anti-affinity rule of the failure, checked by hand."""
    broken = []
    load = np.zeros((problem.n_nodes, problem.weight.shape[1]), dtype=np.int64)
    for u, n in packing.items():
        load[n] += problem.weight[u]
        if n == failed or n not in problem.units[u].eligible:
            broken.append(f"unit {u} on {n}")
    limit = problem.capacity.T.copy()
    limit[:, MEMORY_ROW] = limit[:, MEMORY_ROW] * target // PERMILLE
    broken += [f"node {n} over" for n in range(problem.n_nodes) if (load[n] > limit[n]).any()]
    for members in class_members(problem).values():
        hosts = [packing[u] for u in members]
        if sum(members.values()) <= problem.n_nodes - 1 and len(set(hosts)) < len(hosts):
            broken.append(f"class on {hosts}")
    return broken


def test_repair_packing_reaches_the_bound_within_every_rule() -> None:
    problem, failed, target, start = _hard_case()
    assert _broken_rules(problem, failed, target, start)  # the premise: the start overflows
    packing, nearest = repair_packing(problem, failed, target, start, PARAMS, time.monotonic() + 20)
    assert packing is not None
    assert nearest == packing
    assert sorted(packing) == [u for u, unit in enumerate(problem.units) if unit.members]
    assert _broken_rules(problem, failed, target, packing) == []


def test_repair_packing_gives_up_below_the_bound_with_its_nearest_packing() -> None:
    problem, failed, _, start = _hard_case()
    below = lower_bound(problem, Objective.BALANCE) - 20  # the survivors cannot hold it
    packing, nearest = repair_packing(problem, failed, below, start, PARAMS, time.monotonic() + 1)
    assert packing is None
    assert sorted(nearest) == sorted(start)
    assert _broken_rules(problem, failed, 1000, nearest) == []  # only memory overflows


def test_descend_lowers_the_overflow_and_keeps_the_hard_rules() -> None:
    problem, failed, target, start = _hard_case()
    search = search_state(problem, failed, target, start)
    assert search is not None
    before = search.overflow()
    descend(search, np.random.default_rng(0), time.monotonic() + 10)
    assert search.overflow() < before
    assert _broken_rules(problem, failed, 1000, search.packing()) == []
    load = np.zeros_like(search.load)
    np.add.at(load, search.node, search.weight)
    assert (load == search.load).all()  # the incremental loads stay exact


def test_search_state_refuses_a_start_that_breaks_a_hard_rule() -> None:
    problem, failed, target, start = _hard_case()
    assert search_state(problem, failed, target, start | {0: failed}) is None


def test_repair_packing_ends_at_once_when_the_stop_token_is_set() -> None:
    """Ctrl+C (solver.cpsat.stopping_on): the loop between searches must not run on to
    its deadline, where every CP-SAT search would return at once."""
    problem, failed, target, start = _hard_case()
    stop = threading.Event()
    stop.set()
    began = time.monotonic()
    with stopping_on(stop):
        packing, nearest = repair_packing(
            problem, failed, target, start, PARAMS, time.monotonic() + 60
        )
    assert time.monotonic() - began < 5
    assert packing is None
    assert sorted(nearest) == sorted(start)


def test_repair_packing_stops_once_every_neighbourhood_is_proven_stuck(monkeypatch) -> None:
    # 3 nodes: under a failure two survivors are left, so one node set can be drawn;
    # below the bound it is proven stuck at once, and the search must not redraw it
    # until its deadline (it once ran 1,654 CP-SAT repacks in 16 s on 4 VMs)
    problem = cluster_problem(fleet_inventory(generate_fleet(1, 3, 12, 0, failures=1)), 0, 1)
    failed = int(np.argmax(problem.capacity[MEMORY_ROW]))
    greedy = first_fit_decreasing(problem, True, time.monotonic() + 10)
    assert greedy is not None
    start = {u: next(n for n in owners if n != failed) for u, owners in enumerate(greedy.owners)}
    below = lower_bound(problem, Objective.BALANCE) - 100
    draws, repacks = [], []
    draw, repack = balance_lns._neighbourhood, balance_lns.run_cpsat
    monkeypatch.setattr(balance_lns, "_neighbourhood", lambda *a: draws.append(1) or draw(*a))
    monkeypatch.setattr(
        balance_lns, "run_cpsat", lambda *a, **k: repacks.append(1) or repack(*a, **k)
    )
    packing, _ = repair_packing(problem, failed, below, start, PARAMS, time.monotonic() + 60)
    assert packing is None
    assert (len(draws), len(repacks)) == (1, 1)  # the one node set, drawn and tried once

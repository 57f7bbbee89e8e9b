"""The baselines beside the solver: the naive model, the analytic bounds, the greedy plan.

Each is only worth comparing with if it is right: naive plans pass check_plan and
reach solve()'s optimum, lower bounds never exceed an optimum, greedy plans pass
check_plan.
"""

from __future__ import annotations

import pytest

from data.check.checker import check_plan, nodes_used, utilisation_permille
from data.io.build import build_inventory, table
from data.rules import Objective
from data.synth.fleet import fleet_inventory, generate_fleet
from solver.bounds import inventory_lower_bound, lower_bound
from solver.greedy_plan import greedy_plan
from solver.naive import solve_naive
from solver.params import Params
from solver.problem import cluster_problem
from solver.result import Status
from solver.solve import solve


def pinned(failures: int, objective: str = "balance") -> Params:
    return Params(
        failures=failures, objective=objective, time_limit=20, workers=1, seed=0, tolerance=1
    )


@pytest.mark.parametrize(("clusters", "failures"), [(1, 1), (1, 2), (2, 1)])
def test_naive_plan_passes_check_on_three_node_fleet(clusters: int, failures: int) -> None:
    inventory = fleet_inventory(generate_fleet(clusters, 3, 9, seed=5, failures=failures))
    result = solve_naive(inventory, pinned(failures))
    assert result.status is Status.OPTIMAL
    assert check_plan(inventory, result.plan, failures) == []
    assert utilisation_permille(inventory, result.plan, failures) == result.objective_value


@pytest.mark.parametrize(
    ("nodes", "vms", "failures", "seed", "objective"),
    [
        (3, 8, 1, 0, "balance"),
        (3, 10, 2, 1, "balance"),
        (4, 10, 1, 2, "balance"),
        (4, 12, 1, 3, "nodes"),
    ],
)
def test_naive_finds_the_same_optimum_as_solve(
    nodes: int, vms: int, failures: int, seed: int, objective: str
) -> None:
    inventory = fleet_inventory(generate_fleet(1, nodes, vms, seed=seed, failures=failures))
    ours = solve(inventory, pinned(failures, objective))
    naive = solve_naive(inventory, pinned(failures, objective))
    assert ours.status is naive.status is Status.OPTIMAL
    assert naive.objective_value == ours.objective_value
    assert check_plan(inventory, naive.plan, failures) == []


def test_naive_nodes_objective_counts_the_nodes_its_plan_names() -> None:
    inventory = fleet_inventory(generate_fleet(1, 4, 12, seed=3, failures=1))
    naive = solve_naive(inventory, pinned(1, "nodes"))
    assert naive.status is Status.OPTIMAL
    assert naive.plan is not None
    assert nodes_used(inventory, naive.plan) == naive.objective_value


def test_naive_refuses_vms_whose_lun_the_planner_chooses() -> None:
    inventory = fleet_inventory(generate_fleet(1, 3, 20, seed=0, luns=True))
    assert (inventory.vm_lun < 0).any()
    with pytest.raises(NotImplementedError, match="LUN the planner chooses"):
        solve_naive(inventory, pinned(1))


@pytest.mark.parametrize("objective", list(Objective))
@pytest.mark.parametrize(
    ("clusters", "nodes", "vms", "failures", "seed", "tight"),
    [
        (1, 3, 8, 1, 0, True),
        (1, 4, 12, 2, 1, False),
        (2, 3, 9, 1, 2, True),
        (1, 5, 14, 1, 3, False),
    ],
)
def test_lower_bound_never_exceeds_the_optimum(
    objective: Objective,
    clusters: int,
    nodes: int,
    vms: int,
    failures: int,
    seed: int,
    tight: bool,
) -> None:
    fleet = generate_fleet(clusters, nodes, vms, seed=seed, failures=failures, tight=tight)
    inventory = fleet_inventory(fleet)
    result = solve(inventory, pinned(failures, objective))
    assert result.status is Status.OPTIMAL
    assert inventory_lower_bound(inventory, objective, failures) <= result.objective_value


def test_lower_bound_balance_by_hand() -> None:
    # Two 8192 MiB nodes, two 2000 MiB VMs (2040 MiB with overhead). After one failure
    # one node runs both: ceil(1000 * 4080 / 8192) = 499; the largest VM alone: 250.
    nodes = [
        {"node": f"hv{i}", "memory_mb": 8192, "reserve_mb": 0, "logical_processors": 4}
        for i in (1, 2)
    ]
    vms = [{"vm": f"vm{i}", "memory_mb": 2000, "vcpus": 1} for i in (1, 2)]
    inventory = build_inventory(table("nodes.csv", nodes), table("vms.csv", vms), None)
    problem = cluster_problem(inventory, 0, 1)
    assert lower_bound(problem, Objective.BALANCE) == 499
    assert lower_bound(problem, Objective.NODES) == 2
    assert lower_bound(problem, Objective.MOVES) == 0
    assert lower_bound(cluster_problem(inventory, 0, 0), Objective.BALANCE) == 250


@pytest.mark.parametrize("balanced", [False, True])
@pytest.mark.parametrize(
    ("luns", "failures", "seed"), [(False, 1, 0), (False, 2, 1), (True, 1, 2), (True, 2, 3)]
)
def test_greedy_plan_finds_a_plan_that_passes_check(
    balanced: bool, luns: bool, failures: int, seed: int
) -> None:
    """Generated fleets hold an N+k witness, and these small ones leave the greedy room."""
    inventory = fleet_inventory(generate_fleet(2, 4, 16, seed=seed, luns=luns, failures=failures))
    plan = greedy_plan(inventory, failures, balanced=balanced)
    assert plan is not None
    assert check_plan(inventory, plan, failures) == []

"""The three objectives and their fixed second criteria (MODEL.md "Objectives")."""

from __future__ import annotations

import pytest

from data.check.checker import moves, nodes_used, utilisation_permille
from data.rules import Objective
from solver.model import build_model
from solver.params import Params
from solver.problem import cluster_problem
from solver.result import Status
from solver.solve import solve

HV1, HV2, HV3 = range(3)


def test_objectives_balance_then_fewest_moves(inventory_of, solve_and_check) -> None:
    # U = 745 is forced (any failure stacks two 3048 MiB VMs) and reachable without
    # moving a and b off hv1 (any backups do). So the second criterion gives 0.
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    vms = [
        {"vm": "a", "memory_mb": 3000, "node": "hv1"},
        {"vm": "b", "memory_mb": 3000, "node": "hv1"},
        {"vm": "c", "memory_mb": 3000, "node": "hv2"},
    ]
    inventory = inventory_of(nodes, vms)
    result = solve_and_check(inventory, objective="balance", failures=1)
    assert result.objective_value == 745
    assert moves(inventory, result.plan) == 0
    assert result.plan.vm_node.tolist() == [HV1, HV1, HV2]


def test_objectives_nodes_then_lowest_utilisation(inventory_of, solve_and_check) -> None:
    # Two nodes are needed; the two large ones keep U at 6096 / 16384 -> 373.
    nodes = [
        {"node": "hv1"},
        {"node": "hv2", "memory_mb": 16384},
        {"node": "hv3", "memory_mb": 16384},
    ]
    inventory = inventory_of(nodes, [{"vm": v, "memory_mb": 3000} for v in "ab"])
    result = solve_and_check(inventory, objective="nodes", failures=1)
    assert result.objective_value == 2
    assert set(result.plan.owners.ravel().tolist()) == {HV2, HV3}
    assert utilisation_permille(inventory, result.plan, 1) == 373


@pytest.mark.parametrize(("k", "expected"), [(0, 1), (1, 2), (2, 3)])
def test_objectives_nodes_counts_standbys(inventory_of, solve_and_check, k, expected) -> None:
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    inventory = inventory_of(nodes, [{"vm": v} for v in "ab"])
    result = solve_and_check(inventory, objective="nodes", failures=k)
    assert result.objective_value == expected
    assert nodes_used(inventory, result.plan) == expected


def test_objectives_moves_counts_only_known_nodes(inventory_of, solve_and_check) -> None:
    # b has no current node and never counts; a must leave hv1 (no VLAN there).
    nodes = [{"node": "hv1", "vlan": False}, {"node": "hv2"}, {"node": "hv3"}]
    vms = [{"vm": "a", "vlan": True, "node": "hv1"}, {"vm": "b"}]
    result = solve_and_check(inventory_of(nodes, vms), objective="moves", failures=1)
    assert result.objective_value == 1


def test_objectives_moves_counts_each_vm_of_a_split_lun(inventory_of, solve_and_check) -> None:
    # a and b share LUN L but run on hv1 and hv2 now: one of them has to move.
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    vms = [
        {"vm": "a", "lun": "L", "node": "hv1"},
        {"vm": "b", "lun": "L", "node": "hv2"},
        {"vm": "c", "lun": "L", "node": "hv2"},
    ]
    result = solve_and_check(inventory_of(nodes, vms), objective="moves", failures=1)
    assert result.objective_value == 1
    assert result.plan.vm_node.tolist() == [HV2, HV2, HV2]


def test_objectives_moves_then_lowest_utilisation(inventory_of) -> None:
    # a stays on hv2 (0 moves); b has no current node and should then go to hv1:
    # U = 4056 / 8192 -> 496, not (4056 + 1032) / 8192 -> 622 with b beside a.
    nodes = [{"node": "hv1"}, {"node": "hv2"}]
    vms = [{"vm": "a", "memory_mb": 4000, "node": "hv2"}, {"vm": "b", "memory_mb": 1000}]
    inventory = inventory_of(nodes, vms)
    progress = []
    params = Params(failures=0, objective="moves", workers=1, seed=0, time_limit=20)
    result = solve(inventory, params, on_progress=progress.append)
    assert result.status is Status.OPTIMAL
    assert result.objective_value == 0
    assert any(p.phase == 2 for p in progress)  # phase 2 found a plan at all
    assert utilisation_permille(inventory, result.plan, 0) == 496
    assert result.plan.vm_node.tolist() == [HV2, HV1]


@pytest.mark.parametrize("objective", list(Objective))
def test_objectives_names_match_the_criteria_the_model_builds(inventory_of, objective) -> None:
    """The progress bar's names (data.rules) and the model's criteria agree in number."""
    inventory = inventory_of([{"node": "hv1"}, {"node": "hv2"}], [{"vm": "a", "node": "hv1"}])
    problem = cluster_problem(inventory, 0, 1)
    model = build_model(problem, objective, scores_moves=True)
    assert len(model.criteria(objective, 10)) == len(objective.criteria)

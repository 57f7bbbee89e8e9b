"""Capacity under every failure set: memory, CPU, extra resources and failover.

Both halves per family (STYLE.md): the `moves` objective keeps VMs on their
current node when it can, and the inventories below put two VMs on one node
where they break the family's rule. With the family on the solver must move one
(moves = 1, the checker is satisfied); with it off it keeps both (moves = 0) and
the checker rejects the plan for exactly that rule.
"""

from __future__ import annotations

import pytest

from data.check.checker import check_plan
from data.rules import Rule
from solver.result import Status

THREE_NODES = [{"node": "hv1"}, {"node": "hv2"}, {"node": "hv3"}]


def overloaded_pair(rule: Rule) -> tuple[list[dict], list[dict]]:
    """Nodes and two VMs currently on hv1 that together break `rule` there."""
    if rule is Rule.MEMORY:  # 2 x 5064 MiB > 8192 MiB
        return THREE_NODES, [{"vm": v, "memory_mb": 5000, "node": "hv1"} for v in "ab"]
    if rule is Rule.CPU:  # 2 x 2 vCPUs > floor(1.0 * 2 LPs)
        nodes = [n | {"logical_processors": 2, "vcpu_per_lp": 1.0} for n in THREE_NODES]
        return nodes, [{"vm": v, "vcpus": 2, "node": "hv1"} for v in "ab"]
    assert rule is Rule.RESOURCE  # 2 x 60 IOPS > 100
    nodes = [n | {"res_iops": 100} for n in THREE_NODES]
    return nodes, [{"vm": v, "res_iops": 60, "node": "hv1"} for v in "ab"]


@pytest.mark.parametrize("rule", [Rule.MEMORY, Rule.CPU, Rule.RESOURCE])
def test_capacity_family_on_moves_one_vm(inventory_of, solve_and_check, rule: Rule) -> None:
    inventory = inventory_of(*overloaded_pair(rule))
    result = solve_and_check(inventory, objective="moves", failures=1)
    assert result.status is Status.OPTIMAL
    assert result.objective_value == 1
    assert sorted(result.plan.vm_node.tolist()).count(0) == 1  # one of a, b left hv1


@pytest.mark.parametrize("rule", [Rule.MEMORY, Rule.CPU, Rule.RESOURCE])
def test_capacity_family_off_keeps_overload(inventory_of, solve_pinned, rule: Rule) -> None:
    inventory = inventory_of(*overloaded_pair(rule))
    result = solve_pinned(inventory, objective="moves", failures=1, disabled={rule})
    assert result.status is Status.OPTIMAL
    assert result.objective_value == 0
    assert result.plan.vm_node.tolist() == [0, 0]
    violations = check_plan(inventory, result.plan, 1)
    assert {v.rule for v in violations} == {rule}
    assert ("node 'hv1'", ()) in {(v.subject, v.failed) for v in violations}


def test_capacity_failover_on_uses_third_node(three_nodes_three_vms, solve_and_check) -> None:
    # Two 3048 MiB VMs fit on a node, three do not: after any failure of a 2-node
    # plan the survivor would run all three, so N+1 needs all three nodes.
    result = solve_and_check(three_nodes_three_vms, objective="nodes", failures=1)
    assert result.status is Status.OPTIMAL
    assert result.objective_value == 3
    assert result.plan.nodes_used() == 3


def test_capacity_failover_off_packs_two_nodes(three_nodes_three_vms, solve_pinned) -> None:
    inventory = three_nodes_three_vms
    result = solve_pinned(inventory, objective="nodes", failures=1, disabled={Rule.FAILOVER})
    assert result.status is Status.OPTIMAL
    assert result.objective_value == 2
    violations = check_plan(inventory, result.plan, 1)
    assert violations
    assert all(v.rule in (Rule.MEMORY, Rule.CPU, Rule.RESOURCE) for v in violations)
    assert all(v.failed for v in violations)  # fine while nothing fails
    assert {v.rule for v in violations} == {Rule.MEMORY}


def test_capacity_balance_spreads_failover_load(three_nodes_three_vms, solve_and_check) -> None:
    # Any single failure puts two VMs on one node: 6096 / 8192 -> 745 permille.
    result = solve_and_check(three_nodes_three_vms, objective="balance", failures=1)
    assert result.status is Status.OPTIMAL
    assert result.objective_value == 745
    assert sorted(result.plan.vm_node.tolist()) == [0, 1, 2]


def test_capacity_memory_fits_to_the_mib(inventory_of, solve_and_check, solve_pinned) -> None:
    vms = [{"vm": v, "memory_mb": 4000} for v in "ab"]  # 2 x 4056 = 8112 MiB
    exact = inventory_of([{"node": "hv1", "memory_mb": 10160, "reserve_mb": 2048}], vms)
    result = solve_and_check(exact, objective="balance", failures=0)
    assert result.objective_value == 1000
    short = inventory_of([{"node": "hv1", "memory_mb": 10159, "reserve_mb": 2048}], vms)
    result = solve_pinned(short, objective="balance", failures=0)
    assert result.status is Status.INFEASIBLE
    assert result.plan is None
    assert "memory: VMs need 8112 MiB of memory, a node holds 8111" in result.reasons[0]


def test_capacity_cpu_limit_is_exact_decimal_floor(inventory_of, solve_and_check) -> None:
    # floor(2.3 * 10) = 23 vCPUs, although 2.3 * 10 == 22.999999999999996 in floats.
    node = {"node": "hv1", "logical_processors": 10, "vcpu_per_lp": 2.3, "memory_mb": 65536}
    vms = [{"vm": "a", "vcpus": 8}, {"vm": "b", "vcpus": 8}, {"vm": "c", "vcpus": 7}]
    solve_and_check(inventory_of([node], vms), objective="balance", failures=0)


def test_capacity_cpu_one_vcpu_over_is_infeasible(inventory_of, solve_pinned) -> None:
    node = {"node": "hv1", "logical_processors": 3, "vcpu_per_lp": 1.5}  # floor(4.5) = 4
    vms = [{"vm": "a", "vcpus": 2}, {"vm": "b", "vcpus": 2}, {"vm": "c", "vcpus": 1}]
    result = solve_pinned(inventory_of([node], vms), objective="balance", failures=0)
    assert result.status is Status.INFEASIBLE
    assert "cpu: VMs need 5 vCPUs, a node holds 4" in result.reasons[0]


def test_capacity_resource_fits_exactly(inventory_of, solve_and_check) -> None:
    nodes = [{"node": "hv1", "res_iops": 100}]
    vms = [{"vm": "a", "res_iops": 60}, {"vm": "b", "res_iops": 40}]
    solve_and_check(inventory_of(nodes, vms), objective="balance", failures=0)


def test_capacity_utilisation_is_rounded_up(inventory_of, solve_and_check) -> None:
    # A 1000 MiB VM costs 1032 MiB: 1000 * 1032 / 3001 = 343.9 -> 344 permille.
    inventory = inventory_of([{"node": "hv1", "memory_mb": 3001}], [{"vm": "a", "memory_mb": 1000}])
    result = solve_and_check(inventory, objective="balance", failures=0)
    assert result.objective_value == 344


def test_capacity_n_plus_2_on_three_nodes_lists_all(inventory_of, solve_and_check) -> None:
    inventory = inventory_of(THREE_NODES, [{"vm": v, "memory_mb": 3000} for v in "ab"])
    result = solve_and_check(inventory, objective="balance", failures=2)
    assert [sorted(o) for o in result.plan.owners.tolist()] == [[0, 1, 2], [0, 1, 2]]
    assert result.objective_value == 745  # the last survivor runs both: 6096 / 8192


def test_capacity_n_plus_2_on_three_nodes_too_small(three_nodes_three_vms, solve_pinned) -> None:
    result = solve_pinned(three_nodes_three_vms, objective="balance", failures=2)
    assert result.status is Status.INFEASIBLE
    assert len(result.reasons) == 1
    assert result.reasons[0].endswith(
        "N+2 needs at least 4 nodes of this size; cluster 'cluster' has 3 "
        "(memory: VMs need 9144 MiB of memory, a node holds 8192)"
    )

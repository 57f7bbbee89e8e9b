"""Anti-affinity as Windows does it: under every failure set of at most k nodes, VMs
sharing a class run on different nodes, unless fewer nodes survive than the class has VMs."""

from __future__ import annotations

import pytest

from data.check.checker import check_plan
from data.examples import example_path
from data.io.read import read_inventory
from data.rules import Rule
from solver.result import Status

HV1, HV2, HV3 = range(3)


@pytest.fixture(scope="module")
def pair_on_hv1(inventory_of):
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    vms = [{"vm": v, "anti_affinity": "dc", "node": "hv1"} for v in ("dc1", "dc2")]
    return inventory_of(nodes, vms)


def test_anti_affinity_on_separates_pair(pair_on_hv1, solve_and_check) -> None:
    result = solve_and_check(pair_on_hv1, objective="moves", failures=1)
    assert result.status is Status.OPTIMAL
    assert result.objective_value == 1
    assert HV1 in result.plan.vm_node.tolist()
    assert result.plan.vm_node[0] != result.plan.vm_node[1]


def test_anti_affinity_off_keeps_pair_together(pair_on_hv1, solve_pinned) -> None:
    result = solve_pinned(pair_on_hv1, objective="moves", failures=1, disabled={Rule.ANTI_AFFINITY})
    assert result.status is Status.OPTIMAL
    assert result.objective_value == 0
    assert result.plan.vm_node.tolist() == [HV1, HV1]
    violations = check_plan(pair_on_hv1, result.plan, 1)
    assert {(v.rule, v.subject) for v in violations} == {(Rule.ANTI_AFFINITY, "class 'dc'")}
    assert () in {v.failed for v in violations}


def test_anti_affinity_off_skips_its_pre_check(inventory_of, solve_pinned) -> None:
    # A pair fixed on one exclusive LUN is impossible; switched off, the solver plans
    # it and the checker names exactly that rule.
    nodes = [{"node": "hv1"}, {"node": "hv2"}]
    vms = [{"vm": v, "anti_affinity": "dc", "lun": "L"} for v in ("dc1", "dc2")]
    inventory = inventory_of(nodes, vms)
    assert solve_pinned(inventory, failures=1).status is Status.INFEASIBLE
    result = solve_pinned(inventory, failures=1, disabled={Rule.ANTI_AFFINITY})
    assert result.status is Status.OPTIMAL
    assert {v.rule for v in check_plan(inventory, result.plan, 1)} == {Rule.ANTI_AFFINITY}


def test_anti_affinity_exempt_when_fewer_survivors_than_vms(inventory_of, solve_and_check) -> None:
    # Two nodes, N+1: each failure leaves one node for the pair, so Windows ignores the class.
    nodes = [{"node": "hv1"}, {"node": "hv2"}]
    vms = [{"vm": v, "anti_affinity": "dc"} for v in ("dc1", "dc2")]
    result = solve_and_check(inventory_of(nodes, vms), objective="balance", failures=1)
    assert sorted(result.plan.vm_node.tolist()) == [HV1, HV2]
    assert result.objective_value == 258  # 2 x 1056 / 8192 after a failure


def test_anti_affinity_classes_split_on_separator(inventory_of, solve_and_check) -> None:
    # a is in x and y, b in x, c in y: on two nodes b and c must share, a stays alone.
    nodes = [{"node": "hv1"}, {"node": "hv2"}]
    vms = [
        {"vm": "a", "anti_affinity": "x; y"},
        {"vm": "b", "anti_affinity": "x"},
        {"vm": "c", "anti_affinity": "y"},
    ]
    inventory = inventory_of(nodes, vms)
    assert inventory.class_names == ("x", "y")
    result = solve_and_check(inventory, objective="balance", failures=0)
    a, b, c = result.plan.vm_node.tolist()
    assert b == c != a


def test_anti_affinity_triangle_on_two_nodes_is_infeasible(inventory_of, solve_pinned) -> None:
    nodes = [{"node": "hv1"}, {"node": "hv2"}]
    vms = [
        {"vm": "a", "anti_affinity": "x;z"},
        {"vm": "b", "anti_affinity": "x;y"},
        {"vm": "c", "anti_affinity": "y;z"},
    ]
    result = solve_pinned(inventory_of(nodes, vms), objective="balance", failures=0)
    assert result.status is Status.INFEASIBLE
    assert result.plan is None
    assert len(result.reasons) == 1
    assert "anti-affinity" in result.reasons[0]  # no pre-check sees it: CP-SAT proves it


@pytest.fixture(scope="module")
def backups_pulled_together(inventory_of):
    """dc1 on hv1, dc2 on hv2, big on the small hv3: failing a DC over to the other DC's
    node (129 permille) is far cheaper than to hv3 (748), so only the failure-set rule
    sends both DCs' backups to hv3. No VM needs to move."""
    nodes = [{"node": "hv1", "memory_mb": 16384}, {"node": "hv2", "memory_mb": 16384}]
    nodes.append({"node": "hv3", "memory_mb": 8192})
    vms = [
        {"vm": "dc1", "anti_affinity": "dc", "node": "hv1"},
        {"vm": "dc2", "anti_affinity": "dc", "node": "hv2"},
        {"vm": "big", "memory_mb": 5000, "node": "hv3"},
    ]
    return inventory_of(nodes, vms)


def test_anti_affinity_on_keeps_apart_after_failure(
    backups_pulled_together, solve_and_check
) -> None:
    result = solve_and_check(backups_pulled_together, objective="moves", failures=1)
    assert result.status is Status.OPTIMAL
    assert result.objective_value == 0
    assert result.plan.owners[:2].tolist() == [[HV1, HV3], [HV2, HV3]]


def test_anti_affinity_off_pairs_after_failure_only(backups_pulled_together, solve_pinned) -> None:
    inventory = backups_pulled_together
    result = solve_pinned(inventory, objective="moves", failures=1, disabled={Rule.ANTI_AFFINITY})
    assert result.status is Status.OPTIMAL
    assert result.plan.vm_node.tolist() == [HV1, HV2, HV3]  # apart with no failure
    violations = check_plan(inventory, result.plan, 1)
    assert {(v.rule, v.subject) for v in violations} == {(Rule.ANTI_AFFINITY, "class 'dc'")}
    assert sorted(v.failed for v in violations) == [("hv1",), ("hv2",)]


def test_anti_affinity_class_larger_than_cluster_is_exempt(inventory_of, solve_and_check) -> None:
    nodes = [{"node": "hv1"}, {"node": "hv2"}]
    vms = [{"vm": f"dc{i}", "anti_affinity": "dc"} for i in (1, 2, 3)]
    result = solve_and_check(inventory_of(nodes, vms), objective="balance", failures=1)
    assert result.status is Status.OPTIMAL


def test_anti_affinity_four_node_example_fails_over_apart(solve_and_check) -> None:
    inventory, _ = read_inventory(example_path("four-node"))
    result = solve_and_check(inventory, objective="balance", failures=1)
    assert result.status is Status.OPTIMAL
    names = list(inventory.vm_names)
    dc01, dc02 = (
        result.plan.owners_of(names.index("DC01")),
        result.plan.owners_of(names.index("DC02")),
    )
    assert dc01[1] != dc02[0] and dc02[1] != dc01[0]

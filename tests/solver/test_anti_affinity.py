"""Anti-affinity: with no node failed, VMs sharing a class run on different nodes."""

from __future__ import annotations

import pytest

from data.check.checker import check_plan
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
    assert [(v.rule, v.subject) for v in violations] == [(Rule.ANTI_AFFINITY, "class 'dc'")]


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


def test_anti_affinity_not_required_after_failure(inventory_of, solve_and_check) -> None:
    # Two nodes, N+1: each failure puts the pair together, which is allowed.
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

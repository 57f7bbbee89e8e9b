"""The planner's LUN choice for VMs with an empty `lun`: capacity and exclusivity.

Both halves per family. The free VM "f" is cheapest (no move) on a LUN whose
rule it breaks: with the family on it must go elsewhere or move; with it off it
stays and the checker rejects the plan for exactly that rule.
"""

from __future__ import annotations

import pytest

from data.check.checker import check_plan
from data.rules import Rule
from solver.result import Status

HV1, HV2, HV3 = range(3)


@pytest.fixture(scope="module")
def crowded_lun(inventory_of):
    """f (80 GiB, on hv1) is cheapest on L1 beside x (on hv1), but L1 has 50 GiB left;
    L2 has room, but its owners start at y's node hv2."""
    nodes = [{"node": "hv1", "memory_mb": 16384}, {"node": "hv2", "memory_mb": 16384}]
    vms = [
        {"vm": "x", "disk_gb": 50, "lun": "L1", "node": "hv1"},
        {"vm": "y", "disk_gb": 50, "lun": "L2", "node": "hv2"},
        {"vm": "f", "disk_gb": 80, "node": "hv1"},
    ]
    luns = [{"lun": "L1", "capacity_gb": 100}, {"lun": "L2", "capacity_gb": 200}]
    return inventory_of(nodes, vms, luns)


@pytest.fixture(scope="module")
def joined_lun(inventory_of):
    """f (on hv2) can only go on x's exclusive LUN L1, and x runs on hv1."""
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    vms = [{"vm": "x", "lun": "L1", "node": "hv1"}, {"vm": "f", "node": "hv2"}]
    return inventory_of(nodes, vms, [{"lun": "L1", "capacity_gb": 100}])


X, Y, F = 0, 1, 2
L1, L2 = 0, 1


def test_luns_capacity_on_sends_vm_to_roomy_lun(crowded_lun, solve_and_check) -> None:
    result = solve_and_check(crowded_lun, objective="moves", failures=1)
    assert result.status is Status.OPTIMAL
    assert result.objective_value == 1
    assert result.plan.vm_lun.tolist() == [L1, L2, L2]
    assert result.plan.owners_of(F) == result.plan.owners_of(Y)


def test_luns_capacity_off_overfills_lun(crowded_lun, solve_pinned) -> None:
    result = solve_pinned(crowded_lun, objective="moves", failures=1, disabled={Rule.LUN_CAPACITY})
    assert result.status is Status.OPTIMAL
    assert result.objective_value == 0
    assert result.plan.vm_lun.tolist() == [L1, L2, L1]
    violations = check_plan(crowded_lun, result.plan, 1)
    assert {v.rule for v in violations} == {Rule.LUN_CAPACITY}
    assert [v.detail for v in violations] == ["133120 MiB of disks > 102400 MiB"]


def test_luns_exclusivity_on_moves_vm_to_lun_owner(joined_lun, solve_and_check) -> None:
    result = solve_and_check(joined_lun, objective="moves", failures=1)
    assert result.status is Status.OPTIMAL
    assert result.objective_value == 1
    assert result.plan.vm_lun.tolist() == [L1, L1]
    assert result.plan.owners_of(0) == result.plan.owners_of(1)


def test_luns_exclusivity_off_splits_lun(joined_lun, solve_pinned) -> None:
    result = solve_pinned(
        joined_lun, objective="moves", failures=1, disabled={Rule.LUN_EXCLUSIVITY}
    )
    assert result.status is Status.OPTIMAL
    assert result.objective_value == 0
    assert result.plan.vm_node.tolist() == [HV1, HV2]
    violations = check_plan(joined_lun, result.plan, 1)
    assert {v.rule for v in violations} == {Rule.LUN_EXCLUSIVITY}


def test_luns_capacity_counts_each_disk_rounded_up(inventory_of, solve_and_check) -> None:
    # L (2.5 GiB = 2560 MiB) holds x (1536 MiB) and exactly f's 1.0 GiB (1024 MiB);
    # g needs 1.001 GiB = ceil(1025.024) = 1026 MiB, so it takes the CSV.
    nodes = [{"node": "hv1"}, {"node": "hv2"}]
    vms = [
        {"vm": "x", "disk_gb": 1.5, "lun": "L", "node": "hv1"},
        {"vm": "f", "disk_gb": 1.0, "node": "hv1"},
        {"vm": "g", "disk_gb": 1.001, "node": "hv1"},
    ]
    luns = [{"lun": "L", "capacity_gb": 2.5}, {"lun": "csv", "capacity_gb": 1.1, "shared": True}]
    result = solve_and_check(inventory_of(nodes, vms, luns), objective="moves", failures=1)
    assert result.objective_value == 0
    assert result.plan.vm_lun.tolist() == [0, 0, 1]


def test_luns_free_vms_share_empty_exclusive_lun(inventory_of, solve_and_check) -> None:
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    vms = [{"vm": "f", "disk_gb": 10}, {"vm": "g", "disk_gb": 10}]
    inventory = inventory_of(nodes, vms, [{"lun": "spare", "capacity_gb": 20}])
    result = solve_and_check(inventory, objective="balance", failures=1)
    assert result.plan.vm_lun.tolist() == [0, 0]
    assert result.plan.owners_of(0) == result.plan.owners_of(1)


def test_luns_free_vms_on_empty_exclusive_lun_with_anti_affinity(
    inventory_of, solve_pinned
) -> None:
    # Both must join "spare" (the only LUN), so they run together: impossible, and no
    # pre-check sees it (neither names the LUN), so CP-SAT proves it.
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    vms = [{"vm": v, "anti_affinity": "pair"} for v in ("f", "g")]
    inventory = inventory_of(nodes, vms, [{"lun": "spare", "capacity_gb": 20}])
    result = solve_pinned(inventory, objective="balance", failures=1)
    assert result.status is Status.INFEASIBLE
    assert result.plan is None
    assert len(result.reasons) == 1
    assert "anti-affinity" in result.reasons[0]


@pytest.mark.parametrize("shared", [True, False])
def test_luns_free_vm_on_csv_fails_over_alone(
    inventory_of, solve_pinned, solve_and_check, shared: bool
) -> None:
    # Two 5064 MiB VMs cannot share an 8192 MiB node. On a CSV they run apart; on an
    # exclusive LUN (the only LUN, so f must join s) they are welded: impossible.
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    vms = [{"vm": "s", "memory_mb": 5000, "lun": "lun"}, {"vm": "f", "memory_mb": 5000}]
    inventory = inventory_of(nodes, vms, [{"lun": "lun", "capacity_gb": 10, "shared": shared}])
    if not shared:
        result = solve_pinned(inventory, objective="balance", failures=1)
        assert result.status is Status.INFEASIBLE
        [reason] = result.reasons
        assert "memory" in reason or "CP-SAT proved" in reason
        return
    result = solve_and_check(inventory, objective="balance", failures=1)
    assert result.plan.vm_lun.tolist() == [0, 0]
    assert result.plan.vm_node[0] != result.plan.vm_node[1]
    assert result.objective_value == 619  # 1000 * 5064 / 8192 = 618.2


def test_luns_free_vm_stays_in_its_cluster(inventory_of, solve_and_check) -> None:
    nodes = [
        {"node": "a1", "cluster": "a"},
        {"node": "a2", "cluster": "a"},
        {"node": "b1", "cluster": "b"},
        {"node": "b2", "cluster": "b"},
    ]
    vms = [{"vm": "fa", "cluster": "a", "disk_gb": 5}, {"vm": "fb", "cluster": "b", "disk_gb": 5}]
    luns = [
        {"lun": "la", "capacity_gb": 100, "cluster": "a"},
        {"lun": "lb", "capacity_gb": 100, "cluster": "b"},
    ]
    inventory = inventory_of(nodes, vms, luns)
    result = solve_and_check(inventory, objective="nodes", failures=1)
    assert result.plan.vm_lun.tolist() == [0, 1]
    assert result.objective_value == 4
    assert [sorted(result.plan.owners_of(v)) for v in (0, 1)] == [[0, 1], [2, 3]]

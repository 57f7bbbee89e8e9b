"""Owners lists: k+1 distinct eligible nodes of the group's cluster, one list per group.

VLAN and VCPU_FIT (the per-node rules every owner must meet) are shown with both
halves; ASSIGNMENT, OWNERS and LUN_FIXED cannot be switched off, so they are shown
by mutating a solved plan and asking the checker.
"""

from __future__ import annotations

import numpy as np
import pytest

from data.check.checker import check_plan
from data.plan import NO_NODE, Plan
from data.rules import Rule
from solver.problem import cluster_problem
from solver.result import Status

HV1, HV2, HV3, HV4, HV5 = range(5)


# the per-node rules: both halves ---------------------------------------------------


def misplaced_vm(rule: Rule) -> tuple[list[dict], list[dict]]:
    """VM "a" currently on hv1, which cannot run it under `rule`."""
    if rule is Rule.VLAN:
        nodes = [{"node": "hv1", "vlan": False}, {"node": "hv2"}, {"node": "hv3"}]
        return nodes, [{"vm": "a", "vlan": True, "node": "hv1"}, {"vm": "b", "node": "hv2"}]
    assert rule is Rule.VCPU_FIT  # 4 vCPUs, hv1 has 2 LPs (but 16 vCPUs of CPU capacity)
    nodes = [{"node": "hv1", "logical_processors": 2}, {"node": "hv2"}, {"node": "hv3"}]
    return nodes, [{"vm": "a", "vcpus": 4, "node": "hv1"}, {"vm": "b", "node": "hv2"}]


@pytest.mark.parametrize("rule", [Rule.VLAN, Rule.VCPU_FIT])
def test_owners_node_rule_on_keeps_vm_off_node(inventory_of, solve_and_check, rule: Rule) -> None:
    inventory = inventory_of(*misplaced_vm(rule))
    result = solve_and_check(inventory, objective="moves", failures=1)
    assert result.status is Status.OPTIMAL
    assert result.objective_value == 1
    assert sorted(result.plan.owners_of(0)) == [HV2, HV3]  # never hv1, not even as standby


@pytest.mark.parametrize("rule", [Rule.VLAN, Rule.VCPU_FIT])
def test_owners_node_rule_off_keeps_vm_on_node(inventory_of, solve_pinned, rule: Rule) -> None:
    inventory = inventory_of(*misplaced_vm(rule))
    result = solve_pinned(inventory, objective="moves", failures=1, disabled={rule})
    assert result.status is Status.OPTIMAL
    assert result.objective_value == 0
    assert result.plan.vm_node.tolist() == [HV1, HV2]
    violations = check_plan(inventory, result.plan, 1)
    assert {v.rule for v in violations} == {rule}
    assert {v.subject for v in violations} == {"vm 'a'"}


# lists ---------------------------------------------------------------------------


@pytest.mark.parametrize("k", [0, 1, 2])
def test_owners_lists_have_k_plus_1_distinct_nodes(inventory_of, solve_and_check, k) -> None:
    nodes = [{"node": f"hv{i}"} for i in range(1, 5)]
    inventory = inventory_of(nodes, [{"vm": v, "memory_mb": 3000} for v in "abc"])
    result = solve_and_check(inventory, objective="balance", failures=k)
    assert result.plan.owners.shape == (3, k + 1)
    for v in range(3):
        owners = result.plan.owners_of(v)
        assert len(set(owners)) == k + 1
        assert owners[0] == result.plan.vm_node[v]


def test_owners_vms_naming_one_lun_share_a_list(inventory_of, solve_and_check) -> None:
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    vms = [{"vm": "a", "lun": "L"}, {"vm": "b", "lun": "L"}, {"vm": "c"}]
    inventory = inventory_of(nodes, vms)
    result = solve_and_check(inventory, objective="balance", failures=1)
    assert inventory.lun_names == ("L", "c")
    assert result.plan.vm_lun.tolist() == [0, 0, 1]
    assert result.plan.owners_of(0) == result.plan.owners_of(1)
    # a and b (2112 MiB) weigh more than c (1056), so c's node is not theirs
    assert result.plan.vm_node[2] != result.plan.vm_node[0]


def test_owners_stay_in_own_cluster(two_clusters, solve_and_check) -> None:
    result = solve_and_check(two_clusters, objective="balance", failures=1)
    east, west = {HV1, HV2, HV3}, {HV4, HV5}
    assert set(result.plan.owners[:2].ravel().tolist()) <= east
    assert [sorted(result.plan.owners_of(v)) for v in (2, 3)] == [[HV4, HV5], [HV4, HV5]]
    assert west.isdisjoint(result.plan.owners[:2].ravel().tolist())
    assert [c.cluster for c in result.clusters] == ["east", "west"]


def test_owners_failure_sets_are_the_largest_ones(three_nodes_three_vms) -> None:
    sets = {k: cluster_problem(three_nodes_three_vms, 0, k).failure_sets() for k in (0, 1, 2)}
    assert sets == {0: [()], 1: [(0,), (1,), (2,)], 2: [(0, 1), (0, 2), (1, 2)]}


def test_owners_units_of_a_lun_fleet(lun_fleet) -> None:
    problem = cluster_problem(lun_fleet, 0, 1)
    shown = [
        (
            [lun_fleet.vm_names[v] for v in u.members],
            lun_fleet.lun_names[u.lun] if u.lun >= 0 else None,
            u.free,
        )
        for u in problem.units
    ]
    assert shown == [
        (["web1", "web2"], "excl", False),
        ([], "spare", False),  # empty, but the free VM "tool" may join it
        (["sql"], None, False),  # one VM on the CSV
        (["tool"], None, True),
    ]
    assert problem.lun_candidates == {3: (0, 1, 2)}  # tool (10 GiB) fits every LUN


# structural rules: mutated solved plans -------------------------------------------


@pytest.fixture(scope="module")
def lun_plan(lun_fleet, solve_and_check) -> Plan:
    return solve_and_check(lun_fleet, objective="balance", failures=1).plan


def mutated(plan: Plan, vm: int, owners: list[int] | None = None, lun: int | None = None) -> Plan:
    vm_lun, listed = plan.vm_lun.copy(), plan.owners.copy()
    if owners is not None:
        listed[vm] = owners
    if lun is not None:
        vm_lun[vm] = lun
    return Plan(vm_lun, listed)


WEB1, WEB2, SQL, TOOL = range(4)
EXCL, CSV, SPARE = range(3)


def rules(inventory, plan: Plan, k: int = 1) -> set[Rule]:
    return {v.rule for v in check_plan(inventory, plan, k)}


def test_owners_mutation_no_lun_is_assignment(lun_fleet, lun_plan) -> None:
    assert rules(lun_fleet, mutated(lun_plan, TOOL, lun=NO_NODE)) == {Rule.ASSIGNMENT}


def test_owners_mutation_no_owners_is_assignment(lun_fleet, lun_plan) -> None:
    candidate = mutated(lun_plan, SQL, owners=[NO_NODE, NO_NODE])
    [violation] = check_plan(lun_fleet, candidate, 1)
    assert (violation.rule, violation.subject) == (Rule.ASSIGNMENT, "vm 'sql'")


def test_owners_mutation_repeated_owner(lun_fleet, lun_plan) -> None:
    first = int(lun_plan.owners[SQL, 0])
    [violation] = check_plan(lun_fleet, mutated(lun_plan, SQL, owners=[first, first]), 1)
    assert (violation.rule, violation.subject) == (Rule.OWNERS, "vm 'sql'")
    assert "repeats" in violation.detail


def test_owners_mutation_dropped_owner(lun_fleet, lun_plan) -> None:
    candidate = mutated(lun_plan, SQL, owners=[int(lun_plan.owners[SQL, 0]), NO_NODE])
    [violation] = check_plan(lun_fleet, candidate, 1)
    assert (violation.rule, violation.subject) == (Rule.OWNERS, "vm 'sql'")
    assert "1 given, N+1 needs 2" in violation.detail


def test_owners_mutation_foreign_cluster_node(two_clusters, solve_and_check) -> None:
    plan = solve_and_check(two_clusters, objective="balance", failures=1).plan
    candidate = mutated(plan, 0, owners=[int(plan.owners[0, 0]), HV4])  # e1 -> west's hv4
    [violation] = check_plan(two_clusters, candidate, 1)
    assert (violation.rule, violation.subject) == (Rule.OWNERS, "vm 'e1'")
    assert "hv4 is a node of cluster 'west'" in violation.detail


def test_owners_mutation_fixed_vm_on_other_lun(lun_fleet, lun_plan) -> None:
    # web1 leaves its exclusive LUN for the CSV with the same owners: only LUN_FIXED.
    [violation] = check_plan(lun_fleet, mutated(lun_plan, WEB1, lun=CSV), 1)
    assert (violation.rule, violation.subject) == (Rule.LUN_FIXED, "vm 'web1'")


def test_owners_mutations_copy_the_solved_plan(lun_fleet, lun_plan) -> None:
    broken = mutated(lun_plan, SQL, owners=[HV1, HV1])
    assert broken.owners_of(SQL) == (HV1, HV1)
    assert check_plan(lun_fleet, lun_plan, 1) == []  # the shared fixture is untouched
    assert np.array_equal(lun_plan.owners[WEB1], lun_plan.owners[WEB2])

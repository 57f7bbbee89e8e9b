"""Why no plan can exist: each pre-check of solver/prechecks.py and its sentence."""

from __future__ import annotations

import pytest

from data.rules import Rule
from solver.prechecks import impossibility_reasons
from solver.problem import cluster_problem
from solver.result import Status


def reasons_of(inventory, k: int = 1, disabled: frozenset[Rule] = frozenset()) -> list[str]:
    return impossibility_reasons(cluster_problem(inventory, 0, k, disabled), disabled)


TWO = [{"node": "hv1"}, {"node": "hv2"}]


CSV = [{"lun": "csv", "capacity_gb": 100, "shared": True}]


def on_csv(vms: list[dict]) -> list[dict]:
    """VMs on a CSV are failover groups of their own, described as "VM 'name'"."""
    return [vm | {"lun": "csv"} for vm in vms]


def test_explain_vm_fits_on_no_node(inventory_of, solve_pinned) -> None:
    inventory = inventory_of(TWO, on_csv([{"vm": "big", "memory_mb": 9000}]), CSV)
    result = solve_pinned(inventory, failures=1)  # 9000 + 96 MiB of overhead
    assert result.status is Status.INFEASIBLE
    assert result.plan is None
    assert len(result.reasons) == 2  # and the counting bound
    assert ("VM 'big' needs 9096 MiB of memory; no node of cluster 'cluster' ") in result.reasons[0]
    assert "that much (largest: 8192), and N+1 needs 2 such nodes" in result.reasons[0]


def test_explain_vm_on_own_lun_fits_on_no_node(inventory_of) -> None:
    # Without a luns table the VM is alone on a LUN named after it.
    reasons = reasons_of(inventory_of(TWO, [{"vm": "big", "memory_mb": 9000}]))
    assert "'big'" in reasons[0]
    assert "needs 9096 MiB of memory; no node of cluster 'cluster'" in reasons[0]


def test_explain_vm_fits_on_one_node_but_needs_two(inventory_of) -> None:
    nodes = [{"node": "hv1", "memory_mb": 16384}, {"node": "hv2"}]
    inventory = inventory_of(nodes, on_csv([{"vm": "big", "memory_mb": 9000}]), CSV)
    assert reasons_of(inventory)[0] == (
        "VM 'big' needs 9096 MiB of memory; only 1 node of cluster 'cluster' has that "
        "much (largest: 16384), and N+1 needs 2 such nodes"
    )
    assert reasons_of(inventory, k=0) == []


def test_explain_sentences_agree_in_number(inventory_of) -> None:
    big = inventory_of(TWO, on_csv([{"vm": "big", "memory_mb": 9000}]), CSV)
    assert "no node of cluster 'cluster' has that much" in reasons_of(big)[0]
    nodes = [{"node": "hv1", "vlan": False, "logical_processors": 2}, {"node": "hv2"}]
    tagged = inventory_of(nodes, on_csv([{"vm": "t", "vlan": True, "vcpus": 4}]), CSV)
    assert "(1 VLAN-capable node)" in reasons_of(tagged)[0]
    assert "(1 node has that many logical processors)" in reasons_of(tagged)[0]


def test_explain_lun_group_described_with_its_vms(inventory_of) -> None:
    vms = [{"vm": "a", "vcpus": 3, "lun": "L"}, {"vm": "b", "vcpus": 3, "lun": "L"}]
    nodes = [n | {"logical_processors": 4, "vcpu_per_lp": 1.0} for n in TWO]
    reason = reasons_of(inventory_of(nodes, vms))[0]
    assert reason.startswith(
        "exclusive LUN 'L' (VMs 'a', 'b', run together by LUN exclusivity) needs 6 vCPUs; "
        "no node of cluster "
    )
    assert reason.endswith("that much (largest: 4), and N+1 needs 2 such nodes")


def test_explain_vlan_eligibility(inventory_of) -> None:
    nodes = [{"node": "hv1", "vlan": False}, {"node": "hv2"}]
    inventory = inventory_of(nodes, on_csv([{"vm": "tagged", "vlan": True}]), CSV)
    [reason] = reasons_of(inventory)
    assert reason.startswith("VM 'tagged' can run only on 'hv2' (needs VLAN (1 VLAN-capable ")
    assert reason.endswith("); N+1 needs 2 owners")
    assert reasons_of(inventory, disabled=frozenset({Rule.VLAN})) == []


def test_explain_vcpu_eligibility(inventory_of) -> None:
    nodes = [{"node": "hv1", "logical_processors": 8}, {"node": "hv2"}]
    inventory = inventory_of(nodes, on_csv([{"vm": "wide", "vcpus": 8}]), CSV)
    [reason] = reasons_of(inventory)
    assert reason.startswith("VM 'wide' can run only on 'hv1' (needs 8 vCPUs (1 ")
    assert reason.endswith(" that many logical processors)); N+1 needs 2 owners")
    assert reasons_of(inventory, disabled=frozenset({Rule.VCPU_FIT})) == []


def test_explain_anti_affinity_pair_on_one_exclusive_lun(inventory_of) -> None:
    vms = [{"vm": v, "anti_affinity": "dc", "lun": "L"} for v in ("dc1", "dc2")]
    inventory = inventory_of(TWO, vms)
    assert reasons_of(inventory) == [
        "VMs 'dc1', 'dc2' share anti-affinity class 'dc' but are fixed on one exclusive LUN "
        "'L', and LUN exclusivity runs them on one node; more nodes cannot help: give them "
        "separate LUNs (or a Cluster Shared Volume), or drop them from the class"
    ]
    assert reasons_of(inventory, disabled=frozenset({Rule.ANTI_AFFINITY})) == []


def test_explain_anti_affinity_class_larger_than_cluster_is_no_reason(inventory_of) -> None:
    # Windows ignores a class once every node hosts one of it (MODEL.md), so it is exempt.
    inventory = inventory_of(TWO, [{"vm": f"dc{i}", "anti_affinity": "dc"} for i in (1, 2, 3)])
    assert reasons_of(inventory) == []


def test_explain_lun_over_capacity(inventory_of) -> None:
    vms = [{"vm": "a", "disk_gb": 100, "lun": "L1"}, {"vm": "b", "disk_gb": 50, "lun": "L1"}]
    inventory = inventory_of(TWO, vms, [{"lun": "L1", "capacity_gb": 100}])
    assert reasons_of(inventory) == [
        "LUN 'L1' holds 150 GiB of VM disks but its capacity is 100 GiB"
    ]
    assert reasons_of(inventory, disabled=frozenset({Rule.LUN_CAPACITY})) == []


def test_explain_free_vm_with_no_room(inventory_of) -> None:
    vms = [{"vm": "x", "disk_gb": 50, "lun": "L1"}, {"vm": "f", "disk_gb": 80}]
    luns = [{"lun": "L1", "capacity_gb": 100}, {"lun": "L2", "capacity_gb": 60}]
    inventory = inventory_of(TWO, vms, luns)
    assert reasons_of(inventory) == [
        "VM 'f' needs 80 GiB on a LUN; no LUN of cluster 'cluster' has that much room"
    ]


def test_explain_counting_bound_for_equal_nodes(inventory_of, solve_pinned) -> None:
    nodes = [{"node": "hv1", "cluster": "x"}, {"node": "hv2", "cluster": "x"}]
    inventory = inventory_of(nodes, [{"vm": v, "memory_mb": 3000} for v in "abc"])
    result = solve_pinned(inventory, failures=1)
    assert result.status is Status.INFEASIBLE
    assert len(result.reasons) == 1
    assert (
        "N+1 needs at least 3 nodes of this size; cluster 'x' has 2 "
        "(memory: VMs need 9144 MiB of memory, a node holds 8192)"
    ) in result.reasons[0]


def test_explain_counting_bound_for_unequal_nodes(inventory_of) -> None:
    nodes = [{"node": "hv1"}, {"node": "hv2", "memory_mb": 16384}]
    inventory = inventory_of(nodes, [{"vm": v, "memory_mb": 3000} for v in "abc"])
    assert reasons_of(inventory) == [
        "after its largest node fails, cluster 'cluster' has 8192 MiB of memory left for "
        "9144 MiB of memory of VMs"
    ]
    assert reasons_of(inventory, disabled=frozenset({Rule.FAILOVER})) == []
    assert reasons_of(inventory, k=0) == []


def test_explain_counting_bound_for_cpu(inventory_of) -> None:
    nodes = [n | {"logical_processors": 2, "vcpu_per_lp": 1.0} for n in TWO]
    inventory = inventory_of(nodes, [{"vm": v, "vcpus": 2} for v in "ab"])
    assert reasons_of(inventory) == [
        "N+1 needs at least 3 nodes of this size; cluster 'cluster' has 2 "
        "(cpu: VMs need 4 vCPUs, a node holds 2)"
    ]
    assert reasons_of(inventory, disabled=frozenset({Rule.CPU})) == []


def test_explain_counting_bound_for_extra_resource(inventory_of) -> None:
    nodes = [n | {"res_iops": 100} for n in TWO]
    inventory = inventory_of(nodes, [{"vm": v, "res_iops": 60} for v in "ab"])
    [reason] = reasons_of(inventory)
    assert reason.startswith("N+1 needs at least 3 nodes of this size; cluster 'cluster' has 2")
    assert "res_iops: VMs need 120" in reason


def test_explain_too_few_nodes_for_k(two_clusters, solve_pinned) -> None:
    result = solve_pinned(two_clusters, failures=2)
    assert result.status is Status.INFEASIBLE
    assert result.plan is None
    assert [c.status for c in result.clusters] == [Status.OPTIMAL, Status.INFEASIBLE]
    assert len(result.reasons) == 1
    assert result.reasons[0].endswith("N+2 needs at least 3 nodes; cluster 'west' has 2")


def test_explain_lists_every_broken_condition(inventory_of, solve_pinned) -> None:
    nodes = [{"node": "hv1", "vlan": False}, {"node": "hv2"}]
    vms = on_csv([{"vm": "tagged", "vlan": True}, {"vm": "big", "memory_mb": 9000}])
    result = solve_pinned(inventory_of(nodes, vms, CSV), failures=1)
    assert result.status is Status.INFEASIBLE
    assert len(result.reasons) == 3
    assert "VM 'tagged' can run only on 'hv2'" in result.reasons[0]
    assert "VM 'big' needs 9096 MiB of memory" in result.reasons[1]
    assert "N+1 needs at least 3 nodes of this size" in result.reasons[2]
    assert all("cluster 'cluster'" in reason for reason in result.reasons)


@pytest.mark.parametrize("k", [0, 1, 2])
def test_explain_silent_when_a_plan_exists(inventory_of, k: int) -> None:
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    vms = [{"vm": v, "memory_mb": 3000, "anti_affinity": "x"} for v in "ab"]
    assert reasons_of(inventory_of(nodes, vms), k=k) == []

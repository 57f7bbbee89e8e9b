"""The plan checker: a valid N+1 plan passes, each single fault is caught by its own rule."""

from __future__ import annotations

from typing import Any

import pytest

from data.check.checker import Violation, check_plan, moves, nodes_used, utilisation_permille
from data.inventory import Inventory
from data.io.build import build_inventory, table
from data.plan import Plan
from data.rules import Rule

# Three nodes (hv3: no VLAN, 4 LPs), an exclusive LUN holding web1 and web2, a
# shared LUN, a VLAN VM, the anti-affinity pair sql2/mon (apart under every failure
# set: sql1 has VLAN nodes hv1 and hv2 only, so it could not pair with sql2) and a
# res_iops column.
NODES = {
    "hv1": {
        "memory_mb": 32768,
        "reserve_mb": 2048,
        "logical_processors": 8,
        "vcpu_per_lp": 4,
        "vlan": True,
        "res_iops": 1000,
    },
    "hv2": {
        "memory_mb": 32768,
        "reserve_mb": 2048,
        "logical_processors": 8,
        "vcpu_per_lp": 4,
        "vlan": True,
        "res_iops": 1000,
    },
    "hv3": {
        "memory_mb": 32768,
        "reserve_mb": 2048,
        "logical_processors": 4,
        "vcpu_per_lp": 2,
        "vlan": False,
        "res_iops": 1000,
    },
}
VMS = [
    {
        "vm": "web1",
        "memory_mb": 4096,
        "vcpus": 2,
        "disk_gb": 20,
        "lun": "excl",
        "node": "hv1",
        "res_iops": 100,
    },
    {
        "vm": "web2",
        "memory_mb": 4096,
        "vcpus": 2,
        "disk_gb": 20,
        "lun": "excl",
        "node": "hv2",
        "res_iops": 100,
    },
    {
        "vm": "sql1",
        "memory_mb": 8192,
        "vcpus": 4,
        "disk_gb": 100,
        "vlan": True,
        "node": "hv2",
        "res_iops": 300,
    },
    {
        "vm": "sql2",
        "memory_mb": 8192,
        "vcpus": 4,
        "disk_gb": 50,
        "lun": "csv",
        "anti_affinity": "db",
        "node": "hv1",
        "res_iops": 300,
    },
    {"vm": "app1", "memory_mb": 2048, "vcpus": 6, "disk_gb": 30, "res_iops": 50},
    {
        "vm": "mon",
        "memory_mb": 1024,
        "vcpus": 1,
        "disk_gb": 1,
        "anti_affinity": "db",
        "node": "hv3",
        "res_iops": 10,
    },
]
LUNS = [
    {"lun": "excl", "capacity_gb": 50},
    {"lun": "sqllun", "capacity_gb": 120},
    {"lun": "csv", "capacity_gb": 500, "shared": True},
    {"lun": "spare", "capacity_gb": 100},
]
HV1, HV2, HV3 = 0, 1, 2
EXCL, SQLLUN, CSV, SPARE = 0, 1, 2, 3
WEB1, WEB2, SQL1, SQL2, APP1, MON = range(6)
# Memory with overhead: web 4152, sql 8280, app1 2088, mon 1056 MiB; limit 30720 MiB.
VALID_LUNS = [EXCL, EXCL, SQLLUN, CSV, CSV, CSV]
VALID_OWNERS = [[HV1, HV2], [HV1, HV2], [HV2, HV1], [HV1, HV2], [HV2, HV1], [HV3, HV2]]


def fleet(**node_changes: dict[str, Any]) -> Inventory:
    """The fleet above, with some node columns changed: fleet(hv1={"memory_mb": 1})."""
    nodes = [{"node": name} | row | node_changes.get(name, {}) for name, row in NODES.items()]
    return build_inventory(
        table("nodes.csv", nodes), table("vms.csv", VMS), table("luns.csv", LUNS)
    )


def plan(changes: dict[int, tuple[int, list[int]]] | None = None) -> Plan:
    """The valid plan, with some VMs given another (lun, owners)."""
    luns, owners = list(VALID_LUNS), [list(o) for o in VALID_OWNERS]
    for v, (lun, vm_owners) in (changes or {}).items():
        luns[v], owners[v] = lun, vm_owners
    return Plan.from_lists(luns, owners)


def lines(inventory: Inventory, candidate: Plan, failures: int = 1) -> list[str]:
    return [v.line() for v in check_plan(inventory, candidate, failures)]


def test_check_plan_accepts_valid_n_plus_1_plan() -> None:
    assert check_plan(fleet(), plan(), 1) == []


def test_check_plan_accepts_valid_plan_without_failures() -> None:
    plan_k0 = Plan.from_lists(VALID_LUNS, [o[:1] for o in VALID_OWNERS])
    assert check_plan(fleet(), plan_k0, 0) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {WEB2: (EXCL, [HV2, HV1])},
            [
                "lun-exclusivity: lun 'excl': owners lists differ: 'web1' on [hv1, hv2]; "
                "'web2' on [hv2, hv1]"
            ],
        ),
        ({MON: (CSV, [HV3])}, ["owners: vm 'mon': owners [hv3]: 1 given, N+1 needs 2"]),
        (
            {MON: (CSV, [HV3, HV2, HV1])},
            ["owners: vm 'mon': owners [hv3, hv2, hv1]: 3 given, N+1 needs 2"],
        ),
        ({MON: (CSV, [HV3, HV3])}, ["owners: vm 'mon': owners [hv3, hv3]: hv3 repeats"]),
        ({MON: (CSV, [HV3, 7])}, ["owners: vm 'mon': owners [hv3, #7]: #7 is not a node"]),
        (
            {SQL1: (SQLLUN, [HV2, HV3])},
            ["vlan: vm 'sql1': needs VLAN tagging, owners without it: hv3"],
        ),
        (
            {APP1: (CSV, [HV2, HV3])},
            ["vcpu-fit: vm 'app1': 6 vCPUs > logical processors of owners hv3 (4)"],
        ),
        (
            {APP1: (SQLLUN, [HV2, HV1])},
            ["lun-capacity: lun 'sqllun': 133120 MiB of disks > 122880 MiB"],
        ),
        ({SQL2: (SPARE, [HV1, HV2])}, ["lun-fixed: vm 'sql2': on LUN 'spare', must stay on 'csv'"]),
        (
            {SQL2: (CSV, [HV3, HV1])},
            [
                "anti-affinity: class 'db': 'sql2', 'mon' run together on node 'hv3'",
                "anti-affinity: class 'db' after failure of {hv1}: 'sql2', 'mon' run together "
                "on node 'hv3'",
                "anti-affinity: class 'db' after failure of {hv2}: 'sql2', 'mon' run together "
                "on node 'hv3'",
            ],
        ),
        (
            {SQL2: (CSV, [HV1, HV3])},
            [
                "anti-affinity: class 'db' after failure of {hv1}: 'sql2', 'mon' run together "
                "on node 'hv3'"
            ],
        ),
        (
            {APP1: (-1, [])},
            [
                "assignment: vm 'app1': has no LUN",
                "assignment: vm 'app1': has no owners (runs nowhere)",
            ],
        ),
        ({APP1: (9, [HV2, HV1])}, ["assignment: vm 'app1': LUN index 9 does not exist"]),
    ],
)
def test_check_plan_flags_plan_mutation_with_its_rule(
    changes: dict[int, tuple[int, list[int]]], expected: list[str]
) -> None:
    assert lines(fleet(), plan(changes)) == expected


def test_check_plan_flags_overload_with_no_failure_under_every_set_it_persists() -> None:
    # hv1 runs 16584 MiB with no failure; a limit of 16583 is broken under {}, {hv2}, {hv3}.
    found = check_plan(fleet(hv1={"memory_mb": 16584 + 2048 - 1}), plan(), 1)
    assert {v.rule for v in found} == {Rule.MEMORY}
    assert [(v.subject, v.failed) for v in found] == [
        ("node 'hv1'", ()),
        ("node 'hv1'", ("hv2",)),
        ("node 'hv1'", ("hv3",)),
    ]
    assert found[0].line() == "memory: node 'hv1' with no failure: 16584 MiB used > 16583 MiB"
    assert (
        found[1].line() == "memory: node 'hv1' after failure of {hv2}: 26952 MiB used > 16583 MiB"
    )


def test_check_plan_flags_memory_overload_only_after_failure() -> None:
    # hv2 runs 10368 MiB, 26952 MiB once hv1 fails; its limit becomes 17952.
    assert lines(fleet(hv2={"memory_mb": 20000}), plan()) == [
        "memory: node 'hv2' after failure of {hv1}: 26952 MiB used > 17952 MiB"
    ]


def test_check_plan_flags_cpu_overload_after_failure() -> None:
    # hv1's limit drops to floor(1 * 8) = 8 vCPUs: it runs 8, and 18 once hv2 fails.
    assert lines(fleet(hv1={"vcpu_per_lp": 1}), plan()) == [
        "cpu: node 'hv1' after failure of {hv2}: 18 vCPUs used > 8 vCPUs"
    ]


def test_check_plan_flags_extra_resource_overload() -> None:
    assert lines(fleet(hv2={"res_iops": 800}), plan()) == [
        "resource: node 'hv2' after failure of {hv1}: res_iops 850 used > 800"
    ]


def test_check_plan_flags_vm_without_surviving_owner_once_as_owners() -> None:
    # mon on [hv3] alone: under {hv3} it runs nowhere, which is the OWNERS fault, not a load.
    found = check_plan(fleet(hv3={"memory_mb": 2048 + 1056}), plan({MON: (CSV, [HV3])}), 1)
    assert [(v.rule, v.subject, v.failed) for v in found] == [(Rule.OWNERS, "vm 'mon'", ())]


def test_check_plan_sorts_by_rule_then_subject_then_failure_set() -> None:
    changes = {SQL2: (SPARE, [HV2, HV3]), APP1: (-1, []), MON: (CSV, [HV3, HV3])}
    found = check_plan(fleet(hv2={"memory_mb": 12000}), plan(changes), 1)
    assert [(v.rule, v.subject, v.failed) for v in found] == [
        (Rule.ASSIGNMENT, "vm 'app1'", ()),
        (Rule.ASSIGNMENT, "vm 'app1'", ()),
        (Rule.LUN_FIXED, "vm 'sql2'", ()),
        (Rule.OWNERS, "vm 'mon'", ()),
        (Rule.MEMORY, "node 'hv2'", ()),
        (Rule.MEMORY, "node 'hv2'", ("hv1",)),
        (Rule.MEMORY, "node 'hv2'", ("hv3",)),
        (Rule.ANTI_AFFINITY, "class 'db'", ("hv2",)),
    ]


def test_check_plan_rejects_plan_of_other_size() -> None:
    with pytest.raises(ValueError, match="the plan has 5 VMs, the inventory 6"):
        check_plan(fleet(), Plan.from_lists(VALID_LUNS[:5], VALID_OWNERS[:5]), 1)


def test_violation_line_omits_failure_set_for_static_rules() -> None:
    v = Violation(Rule.VLAN, "vm 'a'", (), "needs VLAN tagging, owners without it: hv3")
    assert v.line() == "vlan: vm 'a': needs VLAN tagging, owners without it: hv3"
    w = Violation(Rule.CPU, "node 'hv1'", ("hv2", "hv3"), "9 vCPUs used > 8 vCPUs")
    assert w.line() == "cpu: node 'hv1' after failure of {hv2, hv3}: 9 vCPUs used > 8 vCPUs"


# two clusters, a luns table, VMs choosing their LUN ---------------------------------


def two_clusters() -> Inventory:
    nodes = [
        {"node": n, "memory_mb": 8192, "logical_processors": 4, "cluster": n[0]}
        for n in ("a1", "a2", "b1", "b2")
    ]
    vms = [
        {"vm": "va", "memory_mb": 1024, "vcpus": 1, "cluster": "a"},
        {"vm": "vb", "memory_mb": 1024, "vcpus": 1, "cluster": "b"},
    ]
    luns = [
        {"lun": "la", "capacity_gb": 10, "cluster": "a"},
        {"lun": "lb", "capacity_gb": 10, "cluster": "b", "shared": True},
    ]
    return build_inventory(
        table("nodes.csv", nodes), table("vms.csv", vms), table("luns.csv", luns)
    )


def test_check_plan_accepts_valid_plan_of_two_clusters() -> None:
    assert check_plan(two_clusters(), Plan.from_lists([0, 1], [[0, 1], [2, 3]]), 1) == []


def test_check_plan_flags_owner_of_other_cluster() -> None:
    found = lines(two_clusters(), Plan.from_lists([0, 1], [[0, 2], [2, 3]]))
    assert found == ["owners: vm 'va': owners [a1, b1]: b1 is a node of cluster 'b'"]


def test_check_plan_flags_lun_of_other_cluster_as_assignment() -> None:
    found = lines(two_clusters(), Plan.from_lists([1, 1], [[0, 1], [2, 3]]))
    assert found == ["assignment: vm 'va': LUN 'lb' belongs to cluster 'b', the VM to 'a'"]


# exact units ------------------------------------------------------------------------


def one_node(vcpus: list[int], disks: list[float], capacity_gb: float) -> Inventory:
    nodes = [{"node": "h", "memory_mb": 1 << 20, "logical_processors": 100, "vcpu_per_lp": 2.3}]
    vms = [
        {"vm": f"v{i}", "memory_mb": 512, "vcpus": c, "disk_gb": d, "lun": "l"}
        for i, (c, d) in enumerate(zip(vcpus, disks, strict=True))
    ]
    luns = [{"lun": "l", "capacity_gb": capacity_gb, "shared": True}]
    return build_inventory(
        table("nodes.csv", nodes), table("vms.csv", vms), table("luns.csv", luns)
    )


def test_check_plan_cpu_limit_is_exact_decimal() -> None:
    # 2.3 * 100 is 229.99999999999997 in floats; the limit is 230.
    fits = Plan.from_lists([0, 0, 0], [[0], [0], [0]])
    assert check_plan(one_node([100, 100, 30], [0, 0, 0], 1), fits, 0) == []
    assert lines(one_node([100, 100, 31], [0, 0, 0], 1), fits, 0) == [
        "cpu: node 'h' with no failure: 231 vCPUs used > 230 vCPUs"
    ]


def test_check_plan_lun_capacity_rounds_each_disk_up_in_mib() -> None:
    # 0.15 GiB is 153.6 MiB, taken as 154 each; 0.3 GiB holds 307 MiB.
    two = Plan.from_lists([0, 0], [[0], [0]])
    assert lines(one_node([1, 1], [0.15, 0.15], 0.3), two, 0) == [
        "lun-capacity: lun 'l': 308 MiB of disks > 307 MiB"
    ]
    assert check_plan(one_node([1, 1], [0.15, 0.15], 0.301), two, 0) == []


def test_check_plan_flags_vm_moved_off_made_up_lun_as_lun_fixed() -> None:
    nodes = [{"node": n, "memory_mb": 8192, "logical_processors": 4} for n in ("n1", "n2")]
    vms = [{"vm": v, "memory_mb": 1024, "vcpus": 1} for v in ("x", "y")]
    inventory = build_inventory(table("nodes.csv", nodes), table("vms.csv", vms))
    assert check_plan(inventory, Plan.from_lists([0, 1], [[0, 1], [0, 1]]), 1) == []
    assert lines(inventory, Plan.from_lists([1, 1], [[0, 1], [0, 1]])) == [
        "lun-fixed: vm 'x': on LUN 'y', must stay on 'x'"
    ]


# objectives --------------------------------------------------------------------------


def test_utilisation_permille_is_worst_node_under_any_failure() -> None:
    # hv2 after hv1 fails (and hv1 after hv2): 26952 / 30720 = 877.3 -> 878.
    assert utilisation_permille(fleet(), plan(), 1) == 878
    # no failure: hv1 runs 16584 MiB -> 539.8 -> 540.
    assert utilisation_permille(fleet(), plan(), 0) == 540


def test_utilisation_permille_of_one_cluster() -> None:
    inventory = two_clusters()
    skewed = Plan.from_lists([0, 1], [[0, 1], [2, 3]])
    # va costs 1056 MiB of a1's 6144: 171.9 -> 172, vb the same on b1.
    assert utilisation_permille(inventory, skewed, 0, cluster=0) == 172
    assert utilisation_permille(inventory, skewed, 1, cluster=1) == 172


def test_moves_counts_vms_whose_node_changes() -> None:
    assert moves(fleet(), plan()) == 1  # web2 leaves hv2 for hv1
    assert moves(fleet(), plan({SQL1: (SQLLUN, [HV1, HV2]), APP1: (CSV, [HV1, HV2])})) == 2


def test_nodes_used_counts_standby_owners() -> None:
    assert nodes_used(fleet(), plan()) == 3
    assert nodes_used(two_clusters(), Plan.from_lists([0, 1], [[0], [2, 3]]), cluster=1) == 2

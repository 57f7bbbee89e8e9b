"""The checker's anti-affinity as Windows does it: apart under every failure set of at
most k nodes, unless fewer nodes survive than the class has VMs."""

from __future__ import annotations

import shutil
from pathlib import Path

from data.check.checker import check_plan
from data.examples import example_path
from data.inventory import Inventory
from data.io.build import build_inventory, table
from data.io.plan_read import read_plan
from data.io.read import read_inventory
from data.plan import Plan
from data.rules import Rule

FIXTURES = Path(__file__).parent / "fixtures"
NODE = {"memory_mb": 65536, "reserve_mb": 0, "logical_processors": 8}
HV1, HV2, HV3, HV4 = range(4)


def fleet(nodes: int, vms: list[dict]) -> Inventory:
    rows = [{"node": f"hv{i}"} | NODE for i in range(1, nodes + 1)]
    vm_rows = [{"memory_mb": 1024, "vcpus": 1} | vm for vm in vms]
    return build_inventory(table("nodes.csv", rows), table("vms.csv", vm_rows))


def lines(inventory: Inventory, owners: list[list[int]], failures: int) -> list[str]:
    plan = Plan.from_lists(list(range(len(owners))), owners)
    return [v.line() for v in check_plan(inventory, plan, failures)]


def test_anti_affinity_flags_failover_onto_class_mate() -> None:
    inventory = fleet(3, [{"vm": "a", "anti_affinity": "x"}, {"vm": "b", "anti_affinity": "x"}])
    assert lines(inventory, [[HV1, HV2], [HV2, HV3]], 1) == [
        "anti-affinity: class 'x' after failure of {hv1}: 'a', 'b' run together on node 'hv2'"
    ]
    assert lines(inventory, [[HV1, HV3], [HV2, HV3]], 1) == []


def test_anti_affinity_exempts_class_larger_than_survivors() -> None:
    # Three VMs on three nodes: apart with no failure, exempt once a node is down.
    vms = [{"vm": v, "anti_affinity": "x"} for v in ("a", "b", "c")]
    assert lines(fleet(3, vms), [[HV1, HV2], [HV2, HV3], [HV3, HV1]], 1) == []
    assert lines(fleet(2, vms), [[HV1, HV2], [HV1, HV2], [HV2, HV1]], 1) == []


def test_anti_affinity_checks_each_set_size_up_to_k() -> None:
    # N+2, pair a/b: a single failure of hv1 sends a onto b's node; on three nodes the
    # sets of two leave one survivor (exempt), on four the clash persists
    # under every pair with hv1, and two more pairs meet on their third owners.
    vms = [{"vm": "a", "anti_affinity": "x"}, {"vm": "b", "anti_affinity": "x"}]
    plan = Plan.from_lists([0, 1], [[HV1, HV2, HV3], [HV2, HV3, HV1]])
    found = check_plan(fleet(3, vms), plan, 2)
    assert [(v.rule, v.failed) for v in found] == [(Rule.ANTI_AFFINITY, ("hv1",))]
    found = check_plan(fleet(4, vms), plan, 2)
    assert [v.failed for v in found] == [
        ("hv1",),
        ("hv1", "hv2"),
        ("hv1", "hv3"),
        ("hv1", "hv4"),
        ("hv2", "hv3"),
    ]


def test_anti_affinity_flags_class_pair_fixed_on_one_exclusive_lun() -> None:
    vms = [{"vm": v, "anti_affinity": "x", "lun": "L"} for v in ("a", "b", "c")]
    found = check_plan(fleet(2, vms), Plan.from_lists([0, 0, 0], [[HV1, HV2]] * 3), 1)
    assert [v.line() for v in found] == [
        "anti-affinity: class 'x': 'a', 'b', 'c' are fixed on one exclusive LUN 'L'"
    ]


def test_anti_affinity_rejects_main_four_node_plan(tmp_path: Path) -> None:
    # The plan main's solver made for four-node before this rule: when HV13 fails DC01
    # goes to DC02's node, when HV11 fails WEB01 goes to WEB02's.
    inventory, _ = read_inventory(example_path("four-node"))
    shutil.copy(FIXTURES / "four_node_main_plan.csv", tmp_path / "placement.csv")
    old, _ = read_plan(tmp_path, inventory)
    found = check_plan(inventory, old, 1)
    assert {v.rule for v in found} == {Rule.ANTI_AFFINITY}
    assert {v.failed for v in found} <= {("HV11",), ("HV12",), ("HV13",), ("HV14",)}
    shown = [v.line() for v in found]
    assert (
        "anti-affinity: class 'dc' after failure of {HV13}: 'DC01', 'DC02' run together "
        "on node 'HV12'"
    ) in shown
    assert (
        "anti-affinity: class 'web' after failure of {HV11}: 'WEB01', 'WEB02' run together "
        "on node 'HV13'"
    ) in shown

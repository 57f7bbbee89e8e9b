"""The checker's replay of a move order: each way a moves.csv can be unsafe is caught,
under exactly the move-order rule."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from data.check.moves import check_moves
from data.inventory import Inventory
from data.moves import Move
from data.plan import Plan
from data.rules import Rule


def move(inv: Inventory, step: int, group: str, source: str, target: str, **kw: Any) -> Move:
    """A move of a group named after a VM, or of the VMs listed in kw['vms']."""
    vms = tuple(sorted(inv.vm_names.index(v) for v in kw.pop("vms", [group])))
    nodes = inv.node_names
    live = kw.pop("live", False)
    return Move(step, group, vms, nodes.index(source), nodes.index(target), live, **kw)


@pytest.fixture
def full_nodes(two_slot_inventory, plan_on_nodes) -> tuple[Inventory, Plan]:
    """hv1 and hv2 are full, hv3 half full; a goes to hv2 and c to hv3: c must go first."""
    inv = two_slot_inventory(
        [{"node": "hv1"}, {"node": "hv2"}, {"node": "hv3"}],
        [
            {"vm": "a", "node": "hv1"},
            {"vm": "b", "node": "hv1"},
            {"vm": "c", "node": "hv2"},
            {"vm": "d", "node": "hv2"},
            {"vm": "e", "node": "hv3"},
        ],
    )
    return inv, plan_on_nodes(inv, {"a": "hv2", "b": "hv1", "c": "hv3", "d": "hv2", "e": "hv3"})


def rules(found: list) -> set[Rule]:
    return {v.rule for v in found}


def test_check_moves_accepts_the_safe_order(full_nodes: tuple[Inventory, Plan]) -> None:
    inv, plan = full_nodes
    safe = [move(inv, 1, "c", "hv2", "hv3"), move(inv, 2, "a", "hv1", "hv2")]
    assert check_moves(inv, plan, safe) == []


def test_check_moves_rejects_the_vm_name_order_that_overloads(
    full_nodes: tuple[Inventory, Plan],
) -> None:
    inv, plan = full_nodes
    by_name = [move(inv, 1, "a", "hv1", "hv2"), move(inv, 2, "c", "hv2", "hv3")]
    found = check_moves(inv, plan, by_name)
    assert rules(found) == {Rule.MOVE_ORDER}
    assert [v.line() for v in found] == [
        "move-order: step 1: node 'hv2' over its limits (memory 12168 used > 8192) "
        "after 'a' hv1 -> hv2"
    ]


def test_check_moves_rejects_a_node_over_its_limits_gaining_load(
    two_slot_inventory, plan_on_nodes
) -> None:
    inv = two_slot_inventory(
        [{"node": "hv1"}, {"node": "hv2"}],
        [
            {"vm": "a", "node": "hv1"},
            {"vm": "b", "node": "hv1"},
            {"vm": "c", "node": "hv1"},  # hv1 runs 12168 MiB of 8192 today
            {"vm": "d", "node": "hv2", "memory_mb": 40},  # costs 72 MiB
        ],
    )
    plan = plan_on_nodes(inv, {"a": "hv2", "b": "hv1", "c": "hv1", "d": "hv1"})
    early = [move(inv, 1, "d", "hv2", "hv1"), move(inv, 2, "a", "hv1", "hv2")]
    found = check_moves(inv, plan, early)
    assert rules(found) == {Rule.MOVE_ORDER}
    assert "node 'hv1', over its limits, gains load" in found[0].detail
    late = [move(inv, 1, "a", "hv1", "hv2"), move(inv, 2, "d", "hv2", "hv1")]
    assert check_moves(inv, plan, late) == []


def test_check_moves_rejects_a_move_from_where_the_group_is_not(
    full_nodes: tuple[Inventory, Plan],
) -> None:
    inv, plan = full_nodes
    found = check_moves(
        inv, plan, [move(inv, 1, "c", "hv1", "hv3"), move(inv, 2, "a", "hv1", "hv2")]
    )
    assert rules(found) == {Rule.MOVE_ORDER}
    assert found[0].detail == "from hv1, where 'c' is not running"


def test_check_moves_rejects_an_exclusive_lun_split(two_slot_inventory, plan_on_nodes) -> None:
    inv = two_slot_inventory(
        [{"node": "hv1"}, {"node": "hv2"}],
        [
            {"vm": "a", "lun": "l1", "node": "hv1", "memory_mb": 1000},
            {"vm": "b", "lun": "l1", "node": "hv1", "memory_mb": 1000},
            {"vm": "c", "node": "hv2", "memory_mb": 1000},
        ],
    )
    plan = plan_on_nodes(inv, {"a": "hv2", "b": "hv2", "c": "hv2"})
    found = check_moves(inv, plan, [move(inv, 1, "l1", "hv1", "hv2", vms=["a"])])
    assert rules(found) == {Rule.MOVE_ORDER}
    assert found[0].detail == "moves 'l1' without b: a group moves whole"
    found = check_moves(inv, plan, [move(inv, 1, "l1", "hv1", "hv2", vms=["a", "b", "c"])])
    assert found[0].detail == "moves c with 'l1', to which they do not belong"
    whole = [move(inv, 1, "l1", "hv1", "hv2", vms=["a", "b"])]
    assert check_moves(inv, plan, whole) == []


def test_check_moves_rejects_live_migration_of_an_exclusive_lun(
    full_nodes: tuple[Inventory, Plan],
) -> None:
    inv, plan = full_nodes
    live = [move(inv, 1, "c", "hv2", "hv3", live=True), move(inv, 2, "a", "hv1", "hv2")]
    found = check_moves(inv, plan, live)
    assert rules(found) == {Rule.MOVE_ORDER}
    assert found[0].detail == "'c' moves by quick (an exclusive LUN) migration, not live"


def test_check_moves_rejects_a_group_not_ending_at_its_planned_node(
    full_nodes: tuple[Inventory, Plan],
) -> None:
    inv, plan = full_nodes
    found = check_moves(inv, plan, [move(inv, 1, "c", "hv2", "hv3")])
    assert [(v.rule, v.subject, v.detail) for v in found] == [
        (Rule.MOVE_ORDER, "group 'a'", "ends on hv1, planned hv2")
    ]


def test_check_moves_accepts_a_parked_swap_and_rejects_one_never_resumed(
    two_slot_inventory, plan_on_nodes
) -> None:
    inv = two_slot_inventory(
        [{"node": "hv1", "memory_mb": 5000}, {"node": "hv2", "memory_mb": 5000}],
        [{"vm": "a", "node": "hv1"}, {"vm": "b", "node": "hv2"}],
    )
    plan = plan_on_nodes(inv, {"a": "hv2", "b": "hv1"})
    parked = [
        move(inv, 1, "a", "hv1", "hv2", parked=True, resume_step=2),
        move(inv, 2, "b", "hv2", "hv1"),
    ]
    assert check_moves(inv, plan, parked) == []
    too_soon = [move(inv, 1, "b", "hv2", "hv1"), move(inv, 2, "a", "hv1", "hv2")]
    assert rules(check_moves(inv, plan, too_soon)) == {Rule.MOVE_ORDER}
    forgotten = [dataclasses.replace(parked[0], resume_step=3), parked[1]]
    found = check_moves(inv, plan, forgotten)
    assert [(v.subject, v.detail) for v in found] == [
        ("group 'a'", "parked at step 1, never resumed (resume_step 3 > 2)")
    ]


def test_check_moves_rejects_steps_out_of_order(full_nodes: tuple[Inventory, Plan]) -> None:
    inv, plan = full_nodes
    found = check_moves(
        inv, plan, [move(inv, 2, "c", "hv2", "hv3"), move(inv, 1, "a", "hv1", "hv2")]
    )
    assert rules(found) == {Rule.MOVE_ORDER}
    assert found[0].detail == "numbered 2; steps count 1, 2, ... in order"


def test_check_moves_starts_vms_without_a_current_node_at_the_end(
    two_slot_inventory, plan_on_nodes
) -> None:
    inv = two_slot_inventory(
        [{"node": "hv1"}, {"node": "hv2"}], [{"vm": "a"}, {"vm": "b", "node": "hv1"}]
    )
    plan = plan_on_nodes(inv, {"a": "hv1", "b": "hv1"})
    assert check_moves(inv, plan, []) == []
    crowded = two_slot_inventory(
        [{"node": "hv1"}, {"node": "hv2"}],
        [{"vm": "a"}, {"vm": "b", "node": "hv1"}, {"vm": "c", "node": "hv1"}],
    )
    plan = plan_on_nodes(crowded, {"a": "hv1", "b": "hv1", "c": "hv1"})  # the plan itself overloads
    found = check_moves(crowded, plan, [])
    assert [v.subject for v in found] == ["after the last step"]


def test_check_moves_rejects_a_target_in_another_cluster_without_vlan_or_too_few_lps(
    two_slot_inventory, plan_on_nodes
) -> None:
    inv = two_slot_inventory(
        [
            {"node": "hv1", "cluster": "A"},
            {"node": "hv2", "cluster": "A", "vlan": False},
            {"node": "hv3", "cluster": "A", "logical_processors": 2},
            {"node": "hv4", "cluster": "B"},
        ],
        [{"vm": "a", "node": "hv1", "cluster": "A", "vlan": True, "vcpus": 4}],
    )
    plan = plan_on_nodes(inv, {"a": "hv1"})
    expected = {
        "hv4": "to hv4, a node of another cluster",
        "hv2": "to hv2, which has no VLAN tagging",
        "hv3": "to hv3, which has fewer logical processors than a VM's vCPUs",
    }
    for target, reason in expected.items():
        (found,) = check_moves(inv, plan, [move(inv, 1, "a", "hv1", target)])
        assert found.rule is Rule.MOVE_ORDER
        assert reason in found.line()

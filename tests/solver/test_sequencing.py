"""The move sequencer: every order it writes replays safely through the checker."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from data.check.moves import check_moves
from data.inventory import Inventory
from data.moves import Move
from data.plan import Plan
from data.rules import Rule
from data.synth.fleet import fleet_inventory, generate_fleet, witness_plan
from solver.move_groups import start_nodes
from solver.sequencing import sequence_moves


def names(inventory: Inventory, move: Move) -> tuple[str, str, str]:
    return move.group, inventory.node_names[move.source], inventory.node_names[move.target]


def test_sequence_moves_frees_room_before_filling_it(two_slot_inventory, plan_on_nodes) -> None:
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
    plan = plan_on_nodes(inv, {"a": "hv2", "b": "hv1", "c": "hv3", "d": "hv2", "e": "hv3"})
    moves = sequence_moves(inv, plan)
    assert [names(inv, m) for m in moves] == [("c", "hv2", "hv3"), ("a", "hv1", "hv2")]
    assert check_moves(inv, plan, moves) == []


def test_sequence_moves_parks_one_group_of_a_swap_with_no_room(
    two_slot_inventory, plan_on_nodes
) -> None:
    inv = two_slot_inventory(
        [{"node": "hv1", "memory_mb": 5000}, {"node": "hv2", "memory_mb": 5000}],
        [{"vm": "a", "node": "hv1"}, {"vm": "b", "node": "hv2"}],
    )
    plan = plan_on_nodes(inv, {"a": "hv2", "b": "hv1"})
    moves = sequence_moves(inv, plan)
    assert moves == (
        Move(1, "a", (0,), 0, 1, live=False, parked=True, resume_step=2),
        Move(2, "b", (1,), 1, 0, live=False),
    )
    assert check_moves(inv, plan, moves) == []


def test_sequence_moves_hops_through_a_node_with_room_instead_of_parking(
    two_slot_inventory, plan_on_nodes
) -> None:
    inv = two_slot_inventory(
        [
            {"node": "hv1", "memory_mb": 5000},
            {"node": "hv2", "memory_mb": 5000},
            {"node": "spare", "memory_mb": 5000},
        ],
        [{"vm": "a", "node": "hv1"}, {"vm": "b", "node": "hv2"}],
    )
    plan = plan_on_nodes(inv, {"a": "hv2", "b": "hv1"})
    moves = sequence_moves(inv, plan)
    assert [names(inv, m) for m in moves] == [
        ("a", "hv1", "spare"),
        ("b", "hv2", "hv1"),
        ("a", "spare", "hv2"),
    ]
    assert not any(m.parked for m in moves)
    assert check_moves(inv, plan, moves) == []


def test_sequence_moves_gives_a_node_over_its_limits_nothing_until_it_is_within(
    two_slot_inventory, plan_on_nodes
) -> None:
    inv = two_slot_inventory(
        [{"node": "hv1"}, {"node": "hv2"}, {"node": "hv3"}],
        [
            {"vm": "a", "node": "hv1"},
            {"vm": "b", "node": "hv1"},
            {"vm": "c", "node": "hv1"},  # hv1 runs 12168 MiB of 8192
            {"vm": "d", "node": "hv2", "memory_mb": 1000},
        ],
    )
    plan = plan_on_nodes(inv, {"a": "hv1", "b": "hv2", "c": "hv3", "d": "hv1"})
    moves = sequence_moves(inv, plan)
    into_hv1 = [m.step for m in moves if inv.node_names[m.target] == "hv1"]
    out_of_hv1 = [m.step for m in moves if inv.node_names[m.source] == "hv1"]
    assert into_hv1 and min(into_hv1) > max(out_of_hv1)
    assert check_moves(inv, plan, moves) == []


def test_sequence_moves_moves_an_exclusive_lun_whole_even_when_its_vms_are_apart(
    two_slot_inventory, plan_on_nodes
) -> None:
    inv = two_slot_inventory(
        [{"node": "hv1"}, {"node": "hv2"}, {"node": "hv3"}],
        [
            {"vm": "a", "lun": "l1", "node": "hv1", "memory_mb": 1000},
            {"vm": "b", "lun": "l1", "node": "hv1", "memory_mb": 1000},
            {"vm": "c", "lun": "l1", "node": "hv2", "memory_mb": 1000},
        ],
    )
    plan = plan_on_nodes(inv, {"a": "hv3", "b": "hv3", "c": "hv3"})
    moves = sequence_moves(inv, plan)
    assert moves == (Move(1, "l1", (0, 1, 2), 0, 2, live=False),)
    assert check_moves(inv, plan, moves) == []


def test_sequence_moves_leaves_vms_without_a_current_node_alone(
    two_slot_inventory, plan_on_nodes
) -> None:
    inv = two_slot_inventory([{"node": "hv1"}, {"node": "hv2"}], [{"vm": "a"}, {"vm": "b"}])
    plan = plan_on_nodes(inv, {"a": "hv1", "b": "hv2"})
    assert sequence_moves(inv, plan) == ()
    assert start_nodes(inv, plan) == [-1, -1]


def test_sequence_moves_live_migrates_vms_on_a_shared_lun(
    two_slot_inventory, plan_on_nodes
) -> None:
    inv = two_slot_inventory(
        [{"node": "hv1"}, {"node": "hv2"}],
        [{"vm": "a", "lun": "csv", "node": "hv1"}, {"vm": "b", "lun": "csv", "node": "hv1"}],
        [{"lun": "csv", "capacity_gb": 100, "shared": True}],
    )
    plan = plan_on_nodes(inv, {"a": "hv1", "b": "hv2"})
    assert sequence_moves(inv, plan) == (Move(1, "b", (1,), 0, 1, live=True),)


# properties ----------------------------------------------------------------------------


def placed_today(inventory: Inventory, plan: Plan, seed: int, fitting: bool) -> Inventory:
    """A current placement unlike the plan's: groups on random nodes of their cluster
    (with room, when `fitting`), some not running, some exclusive LUNs split."""
    rng = np.random.default_rng(seed)
    groups: dict[tuple[str, int], list[int]] = {}
    for v in range(inventory.n_vms):
        lun = int(plan.vm_lun[v])
        key = ("vm", v) if inventory.lun_shared[lun] else ("lun", lun)
        groups.setdefault(key, []).append(v)
    room = inventory.node_capacity_mb.copy()
    vm_node = np.full(inventory.n_vms, -1)
    for key in rng.permutation(len(groups)):
        vms = list(groups.values())[key]
        nodes = inventory.nodes_of(int(inventory.vm_cluster[vms[0]]))
        need = int(inventory.vm_cost_mb[vms].sum())
        fit = [int(n) for n in nodes if room[n] >= need] if fitting else []
        node = int(rng.choice(fit or nodes))
        room[node] -= need
        vm_node[vms] = node
        if rng.random() < 0.1:
            vm_node[vms] = -1
        elif len(vms) > 1 and rng.random() < 0.2:
            vm_node[vms[0]] = int(rng.choice(nodes))
    lun_node = np.array(
        [int(rng.choice(inventory.nodes_of(int(c)))) for c in inventory.lun_cluster]
    )
    return dataclasses.replace(inventory, vm_node=vm_node, lun_node=lun_node)


@settings(max_examples=60)
@given(
    seed=st.integers(0, 10_000),
    nodes=st.integers(2, 6),
    vms=st.integers(1, 40),
    clusters=st.integers(1, 2),
    luns=st.booleans(),
    tight=st.booleans(),
    fitting=st.booleans(),
)
def test_sequence_moves_every_order_replays_safely_and_ends_at_the_plan(
    seed: int, nodes: int, vms: int, clusters: int, luns: bool, tight: bool, fitting: bool
) -> None:
    fleet = generate_fleet(clusters, nodes, vms, seed, luns=luns, tight=tight)
    plan = witness_plan(fleet, fleet_inventory(fleet))
    inv = placed_today(fleet_inventory(fleet), plan, seed, fitting)
    moves = sequence_moves(inv, plan)
    assert check_moves(inv, plan, moves) == []
    last = {m.group: m for m in moves}
    start = start_nodes(inv, plan)
    for move in last.values():
        assert all(move.target == plan.vm_node[v] for v in move.vms)
        assert any(start[v] not in (-1, plan.vm_node[v]) for v in move.vms)
    away = [v for v in range(inv.n_vms) if start[v] not in (-1, plan.vm_node[v])]
    assert all(any(v in m.vms for m in last.values()) for v in away)
    assert len(moves) <= 2 * len(last)
    # the last row always finishes something: without it the replay says what is left
    cut = check_moves(inv, plan, moves[:-1])
    assert not moves or {v.rule for v in cut} == {Rule.MOVE_ORDER}


def test_sequence_moves_takes_well_under_a_second_for_1000_vms() -> None:
    fleet = generate_fleet(1, 16, 1000, seed=1, luns=True, tight=True)
    plan = witness_plan(fleet, fleet_inventory(fleet))
    inv = placed_today(fleet_inventory(fleet), plan, seed=0, fitting=True)
    started = time.perf_counter()
    moves = sequence_moves(inv, plan)
    assert time.perf_counter() - started < 5.0  # about 0.2 s alone; the machine is shared
    assert len(moves) > 500
    assert check_moves(inv, plan, moves) == []

"""FFD+check, the by-hand baseline: its plans pass the checker, and it adds nodes until
every failure set passes (a node count it reports is only as good as that)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from data.check.checker import check_plan, nodes_used
from data.inventory import Inventory
from data.rules import Objective
from data.synth.fleet import fleet_inventory, generate_fleet
from solver.bounds import inventory_lower_bound
from solver.ffd_check import ffd_check, with_copy

MakeInventory = Callable[..., Inventory]


@pytest.mark.parametrize(
    ("clusters", "nodes", "vms", "failures", "seed", "lun_vms"),
    [
        (1, 4, 20, 0, 0, None),
        (1, 8, 100, 1, 1, None),
        (2, 6, 60, 1, 2, None),
        (1, 8, 120, 1, 3, (5, 20)),
        (3, 3, 15, 1, 4, None),
    ],
)
def test_ffd_check_plan_passes_check(
    clusters: int, nodes: int, vms: int, failures: int, seed: int, lun_vms: Any
) -> None:
    fleet = generate_fleet(clusters, nodes, vms, seed=seed, failures=failures, lun_vms=lun_vms)
    inventory = fleet_inventory(fleet)
    result = ffd_check(inventory, failures)
    assert result.plan is not None
    assert check_plan(result.inventory, result.plan, failures) == []
    assert result.nodes_used == nodes_used(result.inventory, result.plan)
    assert result.nodes_used >= inventory_lower_bound(inventory, Objective.NODES, failures)


def _vlan_case(make_inventory: MakeInventory, nodes: int) -> Inventory:
    """Nodes of 10,000 MiB; only the first two and the fourth tag VLANs. Two VLAN VMs of
    5472 MiB (with overhead) and one of 3048. On 3 nodes (reserve 1/3: 6666 each) the
    first-fit puts them on 3 nodes, but when the first fails its VLAN VM fits on no
    survivor (the second is too full, the third has no VLAN): the check fails."""
    rows = [
        {"node": f"hv{i}", "memory_mb": 10000, "vlan": i != 3, "logical_processors": 16}
        for i in range(1, nodes + 1)
    ]
    vms = [
        {"vm": "v1", "memory_mb": 5400, "vlan": True},
        {"vm": "v2", "memory_mb": 5400, "vlan": True},
        {"vm": "x", "memory_mb": 3000},
    ]
    return make_inventory(rows, vms)


def test_ffd_check_adds_the_next_node_when_a_failure_set_fails(
    inventory_of: MakeInventory,
) -> None:
    inventory = _vlan_case(inventory_of, 4)
    assert inventory_lower_bound(inventory, Objective.NODES, 1) == 3
    result = ffd_check(inventory, 1)
    assert result.added == 0
    assert result.nodes_used == 4
    assert result.plan is not None
    assert check_plan(inventory, result.plan, 1) == []
    assert result.plan.owners_of(0) == (0, 3)  # v1 fails over to hv4, the node added


def test_ffd_check_buys_a_copy_of_the_largest_node_when_the_cluster_runs_out(
    inventory_of: MakeInventory,
) -> None:
    inventory = _vlan_case(inventory_of, 3)
    result = ffd_check(inventory, 1)
    assert result.added == 1
    assert result.inventory.node_names == ("hv1", "hv2", "hv3", "hv1-copy01")
    assert result.plan is not None
    assert check_plan(result.inventory, result.plan, 1) == []
    assert result.nodes_used == 4


def test_ffd_check_with_copy_appends_a_copy_in_the_same_cluster(
    inventory_of: MakeInventory,
) -> None:
    inventory = inventory_of(
        [{"node": "a", "memory_mb": 8192}, {"node": "b", "memory_mb": 16384}],
        [{"vm": "v"}],
    )
    grown = with_copy(with_copy(inventory, 0), 0)
    assert grown.node_names == ("a", "b", "b-copy01", "b-copy02")
    assert grown.node_memory_mb.tolist() == [8192, 16384, 16384, 16384]
    assert grown.node_cluster.tolist() == [0, 0, 0, 0]


@pytest.mark.parametrize("seed", [0, 1])
def test_ffd_check_at_two_failures_counts_nodes_above_the_bound(seed: int) -> None:
    """At k = 2 owners lists cannot replay independent simulations in general, so the
    answer may be a node count alone; it is still never below the lower bound."""
    inventory = fleet_inventory(generate_fleet(1, 8, 100, seed=seed, failures=2))
    result = ffd_check(inventory, 2)
    assert result.nodes_used is not None
    assert result.nodes_used >= inventory_lower_bound(inventory, Objective.NODES, 2)
    replayed = result.plan is None or check_plan(result.inventory, result.plan, 2) == []
    assert replayed


def test_ffd_check_refuses_vms_whose_lun_the_planner_chooses() -> None:
    inventory = fleet_inventory(generate_fleet(1, 3, 20, seed=0, luns=True))
    with pytest.raises(NotImplementedError, match="LUN the planner chooses"):
        ffd_check(inventory, 1)

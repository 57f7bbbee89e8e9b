"""The moves a script makes, and the reverse direction for a rollback script."""

from __future__ import annotations

import dataclasses

from data.inventory import Inventory
from data.moves import Move, failover_groups, group_node_today
from data.plan import Plan


def group_memory_mb(inventory: Inventory, vms: tuple[int, ...]) -> int:
    """What a group takes on a node: its VMs' memory plus Hyper-V overhead (MiB)."""
    return int(sum(int(inventory.vm_cost_mb[v]) for v in vms))


def _node_today(inventory: Inventory, vms: tuple[int, ...], live: bool, lun: int) -> int:
    return int(inventory.vm_node[vms[0]]) if live else group_node_today(inventory, vms, lun)


def reversed_placement(inventory: Inventory, plan: Plan) -> tuple[Inventory, Plan]:
    """The way back: an inventory whose VMs run where the plan puts them, and a plan that
    puts each group where it runs now (a group whose current node is unknown stays)."""
    vm_node = plan.owners[:, 0].copy()
    lun_node = inventory.lun_node.copy()
    owners = [[int(plan.owners[v, 0])] for v in range(inventory.n_vms)]
    for _, vms, live, lun in failover_groups(inventory, plan):
        now = _node_today(inventory, vms, live, lun)
        if not live:
            lun_node[lun] = plan.owners[vms[0], 0]
        for v in vms:
            owners[v] = [now if now >= 0 else int(plan.owners[v, 0])]
    planned = dataclasses.replace(inventory, vm_node=vm_node, lun_node=lun_node)
    return planned, Plan.from_lists(plan.vm_lun.tolist(), owners)


def steps_of_cluster(inventory: Inventory, moves: tuple[Move, ...], cluster: int) -> list[Move]:
    """The moves of one cluster's groups, in order."""
    return [m for m in moves if inventory.node_cluster[m.source] == cluster]

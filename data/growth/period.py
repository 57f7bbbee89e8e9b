"""The inventory of a period, built through the canonical tables like any input, so a
bought node, a split or a dropped host is validated by the same rules."""

from __future__ import annotations

from collections.abc import Mapping

from data.inventory import Inventory
from data.io.build import build_inventory, table
from data.io.write import inventory_tables
from data.plan import Plan
from data.subset import cluster_subset


def period_inventory(inventory: Inventory, clusters: list[int]) -> Inventory:
    """`clusters` of the (grown) inventory alone, rebuilt from its canonical rows."""
    cut = cluster_subset(inventory, clusters).inventory
    tables = inventory_tables(cut)
    luns = table("luns.csv", tables["luns"]) if "luns" in tables else None
    return build_inventory(
        table("nodes.csv", tables["nodes"]), table("vms.csv", tables["vms"]), luns
    )


def plan_from_witness(
    inventory: Inventory, witness: Mapping[str, tuple[str, tuple[str, ...]]]
) -> Plan:
    """A plan given by names (vm -> LUN, owners), for the inventory's indices: how a plan
    found while sizing survives the rebuild of the period inventory."""
    node = {name: n for n, name in enumerate(inventory.node_names)}
    lun = {name: i for i, name in enumerate(inventory.lun_names)}
    vm_lun, owners = [], []
    for name in inventory.vm_names:
        lun_name, listed = witness[name]
        vm_lun.append(lun[lun_name])
        owners.append([node[n] for n in listed])
    return Plan.from_lists(vm_lun, owners)

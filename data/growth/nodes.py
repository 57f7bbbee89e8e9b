"""Bought nodes added to an inventory, and the existing ones dropped (`--replace`).

Pure array work, so the sizing search can try many purchases cheaply; the
period inventory that is written goes through data/io/build.py (period.py).
Nodes are appended, so every index of the inventory stays valid.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from data.growth.catalog import Model
from data.inventory import Inventory


def bought_name(cluster: str, model: str, number: int) -> str:
    """MODEL.md: a bought node is named `<cluster>-<model>-<NN>`, NN counting from 01."""
    return f"{cluster}-{model}-{number:02d}"


def purchase_nodes(
    cluster: str, models: Sequence[Model], counts: Sequence[int]
) -> list[tuple[str, Model]]:
    """(name, model) of each node bought for `cluster`, numbered across its models."""
    bought: list[tuple[str, Model]] = []
    for model, count in zip(models, counts, strict=True):
        for _ in range(int(count)):
            bought.append((bought_name(cluster, model.name, len(bought) + 1), model))
    return bought


def with_nodes(
    inventory: Inventory, cluster: int, bought: Sequence[tuple[str, Model]]
) -> Inventory:
    """The inventory with `bought` nodes appended to `cluster`."""
    if not bought:
        return inventory
    inv, models = inventory, [m for _, m in bought]
    taken = set(inv.node_names) & {name for name, _ in bought}
    if taken:
        raise ValueError(f"bought node names already in use: {sorted(taken)}")
    r = len(inv.resource_names)
    extra = np.array([m.resources for m in models], np.int64).reshape(len(models), r)
    return dataclasses.replace(
        inv,
        node_names=inv.node_names + tuple(name for name, _ in bought),
        node_cluster=np.append(inv.node_cluster, [cluster] * len(bought)),
        node_memory_mb=np.append(inv.node_memory_mb, [m.memory_mb for m in models]),
        node_reserve_mb=np.append(inv.node_reserve_mb, [m.reserve_mb for m in models]),
        node_lps=np.append(inv.node_lps, [m.logical_processors for m in models]),
        node_vcpu_per_lp=np.append(inv.node_vcpu_per_lp, [m.vcpu_per_lp for m in models]),
        node_vlan=np.append(inv.node_vlan, [m.vlan for m in models]),
        node_resources=np.vstack([inv.node_resources, extra]),
    )


def without_nodes(inventory: Inventory) -> Inventory:
    """`--replace`: no existing node; VMs and LUNs keep their cluster, not their host."""
    inv = inventory
    none = np.zeros(0, dtype=np.int64)
    return dataclasses.replace(
        inv,
        node_names=(),
        node_cluster=none,
        node_memory_mb=none,
        node_reserve_mb=none,
        node_lps=none,
        node_vcpu_per_lp=np.zeros(0, dtype=float),
        node_vlan=np.zeros(0, dtype=bool),
        node_resources=np.zeros((0, len(inv.resource_names)), dtype=np.int64),
        vm_node=np.full(inv.n_vms, -1, dtype=np.int64),
        lun_node=np.full(inv.n_luns, -1, dtype=np.int64),
    )

"""Per-node figures of a plan, for the CLI's table: load now and at its worst under failures."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.inventory import IntArray, Inventory
from data.loads import (
    down_mask,
    memory_permille,
    node_limits,
    node_totals,
    runners,
    valid_owners,
    vm_loads,
)
from data.plan import Plan


@dataclass(frozen=True)
class NodeRow:
    """One node: what it runs with no failure, and its worst memory utilisation under
    any failure set of at most k nodes (and which set causes it)."""

    node: str
    cluster: str
    vms: int
    memory_used_mb: int  # incl. Hyper-V overhead
    memory_free_mb: int  # memory_mb - reserve_mb - used (negative when overloaded)
    vcpus: int
    vcpu_capacity: int
    utilisation_permille: int
    worst_permille: int
    worst_failed: tuple[str, ...]  # () when the worst is with no failure


def node_report(inventory: Inventory, plan: Plan, failures: int) -> list[NodeRow]:
    """One row per node, in inventory order."""
    limits = node_limits(inventory)
    runner = runners(valid_owners(inventory, plan), down_mask(inventory.n_nodes, ()))
    totals = node_totals(inventory.n_nodes, vm_loads(inventory), runner)
    counts = np.bincount(runner[runner >= 0], minlength=inventory.n_nodes)
    worst, worst_failed = _worst(inventory, plan, failures)
    rows = []
    for n, name in enumerate(inventory.node_names):
        used, capacity = int(totals[n, 0]), int(limits[n, 0])
        rows.append(
            NodeRow(
                node=name,
                cluster=inventory.clusters[inventory.node_cluster[n]],
                vms=int(counts[n]),
                memory_used_mb=used,
                memory_free_mb=capacity - used,
                vcpus=int(totals[n, 1]),
                vcpu_capacity=int(limits[n, 1]),
                utilisation_permille=-(-1000 * used // capacity),
                worst_permille=int(worst[n]),
                worst_failed=tuple(inventory.node_names[f] for f in worst_failed[n]),
            )
        )
    return rows


def _worst(
    inventory: Inventory, plan: Plan, failures: int
) -> tuple[IntArray, list[tuple[int, ...]]]:
    """Per node, the highest utilisation under any failure set of its cluster and the first
    set (in enumeration order: the empty set, then smaller sets first) that reaches it."""
    worst = np.full(inventory.n_nodes, -1, dtype=np.int64)
    worst_failed: list[tuple[int, ...]] = [()] * inventory.n_nodes
    for cluster, failed, per_node in memory_permille(inventory, plan, failures):
        for n in inventory.nodes_of(cluster):
            if per_node[n] > worst[n]:
                worst[n], worst_failed[n] = per_node[n], failed
    return worst, worst_failed

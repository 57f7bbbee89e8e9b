"""Per-node figures of a plan: load now and at its worst under failures, per resource.

`node_loads` is the one computation (memory, vCPUs and every extra resource);
`node_report` is its short form for the CLI's plan table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.check.loads import (
    capacity_columns,
    down_mask,
    failure_sets,
    node_limits,
    node_totals,
    runners,
    valid_owners,
    vm_loads,
)
from data.inventory import IntArray, Inventory
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
    moves_in: int = 0  # VMs the plan brings here from another current node
    moves_out: int = 0  # VMs now here that the plan runs elsewhere


@dataclass(frozen=True)
class Load:
    """One resource of one node: used with no failure, the node's capacity, and the most
    it carries under any failure set of at most k nodes of its cluster."""

    used: int
    capacity: int
    worst: int
    worst_failed: tuple[str, ...]  # the first set reaching `worst`; () for no failure


@dataclass(frozen=True)
class NodeLoads:
    """Every figure of one node: memory (MiB incl. Hyper-V overhead, capacity memory_mb -
    reserve_mb), vCPUs (capacity floor(vcpu_per_lp * LPs)) and each extra resource."""

    node: str
    cluster: str
    vms: int  # VMs it runs with no failure
    memory: Load
    vcpus: Load
    resources: dict[str, Load]  # by column name, res_<name>, in inventory order

    @property
    def failover_reserve_mb(self) -> int:
        """Memory kept free for failover: capacity minus what runs now (negative = over)."""
        return self.memory.capacity - self.memory.used


def permille(used: int, capacity: int) -> int:
    """used / capacity in permille, rounded up (MODEL.md "utilisation"); capacity > 0."""
    return -(-1000 * used // capacity)


def node_loads(inventory: Inventory, plan: Plan, failures: int) -> list[NodeLoads]:
    """One entry per node, in inventory order.

    The worst of a resource is the most a node carries under any failure set of
    at most `failures` nodes of its cluster; the set named is the first to reach
    it in enumeration order (the empty set, then smaller sets first).
    """
    owners, loads = valid_owners(inventory, plan), vm_loads(inventory)
    limits, labels = node_limits(inventory), [label for _, label in capacity_columns(inventory)]
    runner = runners(owners, down_mask(inventory.n_nodes, ()))
    now = node_totals(inventory.n_nodes, loads, runner)
    counts = np.bincount(runner[runner >= 0], minlength=inventory.n_nodes)
    worst, worst_failed = _worst(inventory, owners, loads, failures)
    rows = []
    for n, name in enumerate(inventory.node_names):
        per_column = [
            Load(
                int(now[n, c]),
                int(limits[n, c]),
                int(worst[n, c]),
                tuple(inventory.node_names[f] for f in worst_failed[n][c]),
            )
            for c in range(len(labels))
        ]
        rows.append(
            NodeLoads(
                node=name,
                cluster=inventory.clusters[inventory.node_cluster[n]],
                vms=int(counts[n]),
                memory=per_column[0],
                vcpus=per_column[1],
                resources=dict(zip(labels[2:], per_column[2:], strict=True)),
            )
        )
    return rows


def node_report(inventory: Inventory, plan: Plan, failures: int) -> list[NodeRow]:
    """One row per node, in inventory order: the memory and vCPU part of node_loads, and
    the moves in and out (VMs whose planned node differs from their current one)."""
    moves_in, moves_out = node_moves(inventory, plan)
    return [
        NodeRow(
            node=loads.node,
            cluster=loads.cluster,
            vms=loads.vms,
            memory_used_mb=loads.memory.used,
            memory_free_mb=loads.failover_reserve_mb,
            vcpus=loads.vcpus.used,
            vcpu_capacity=loads.vcpus.capacity,
            utilisation_permille=permille(loads.memory.used, loads.memory.capacity),
            worst_permille=permille(loads.memory.worst, loads.memory.capacity),
            worst_failed=loads.memory.worst_failed,
            moves_in=int(moves_in[n]),
            moves_out=int(moves_out[n]),
        )
        for n, loads in enumerate(node_loads(inventory, plan, failures))
    ]


def node_moves(inventory: Inventory, plan: Plan) -> tuple[IntArray, IntArray]:
    """Per node: VMs moving in (planned here, currently on another node) and out."""
    planned = valid_owners(inventory, plan)[:, 0] if plan.owners.shape[1] else plan.vm_node
    moved = (inventory.vm_node >= 0) & (planned >= 0) & (planned != inventory.vm_node)
    moves_in = np.bincount(planned[moved], minlength=inventory.n_nodes)
    moves_out = np.bincount(inventory.vm_node[moved], minlength=inventory.n_nodes)
    return moves_in, moves_out


def _worst(
    inventory: Inventory, owners: IntArray, loads: IntArray, failures: int
) -> tuple[IntArray, list[list[tuple[int, ...]]]]:
    """nodes x columns: the highest total under any failure set of the node's cluster, and
    per node and column the first set (in failure_sets order) that reaches it."""
    n_nodes, n_columns = inventory.n_nodes, loads.shape[1]
    worst = np.full((n_nodes, n_columns), -1, dtype=np.int64)
    worst_failed: list[list[tuple[int, ...]]] = [[()] * n_columns for _ in range(n_nodes)]
    for cluster, failed in failure_sets(inventory, failures):
        totals = node_totals(n_nodes, loads, runners(owners, down_mask(n_nodes, failed)))
        nodes = inventory.nodes_of(cluster)
        for i, c in zip(*np.nonzero(totals[nodes] > worst[nodes]), strict=True):
            n = int(nodes[i])
            worst[n, c], worst_failed[n][c] = totals[n, c], failed
    return worst, worst_failed

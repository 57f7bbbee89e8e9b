"""Per-node figures of a plan: load now and at its worst under failures, per resource.

`node_loads` is the one computation (memory, vCPUs and every extra resource); the
report adds the single-failure heat map and the moves in and out of each node.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.check.loads import (
    CPU_COLUMN,
    EXTRA_COLUMNS,
    MEMORY_COLUMN,
    capacity_columns,
    down_mask,
    node_limits,
    node_totals,
    runners,
    valid_owners,
    vm_loads,
)
from data.check.positions import calm_totals, position_runs
from data.check.worst_case import fits_tables, worst_loads
from data.inventory import IntArray, Inventory
from data.plan import Plan
from data.rules import PERMILLE


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

    @property
    def taken_on_mb(self) -> int:
        """Memory the node takes on in its worst failure set (worst - now)."""
        return self.memory.worst - self.memory.used

    @property
    def left_mb(self) -> int:
        """Memory still free in its worst failure set (negative = over capacity)."""
        return self.memory.capacity - self.memory.worst


def permille(used: int, capacity: int) -> int:
    """used / capacity in permille, rounded up (MODEL.md "utilisation"); capacity > 0."""
    return -(-PERMILLE * used // capacity)


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
    # as Python ints once: per-element numpy reads were most of 8,000 nodes' rows
    now_of, limit_of, worst_of = now.tolist(), limits.tolist(), worst.tolist()
    count_of, cluster_of = counts.tolist(), inventory.node_cluster.tolist()
    rows = []
    for n, name in enumerate(inventory.node_names):
        per_column = [
            Load(
                now_of[n][c],
                limit_of[n][c],
                worst_of[n][c],
                tuple(inventory.node_names[f] for f in worst_failed[n][c]),
            )
            for c in range(len(labels))
        ]
        rows.append(
            NodeLoads(
                node=name,
                cluster=inventory.clusters[cluster_of[n]],
                vms=count_of[n],
                memory=per_column[MEMORY_COLUMN],
                vcpus=per_column[CPU_COLUMN],
                resources=dict(zip(labels[EXTRA_COLUMNS], per_column[EXTRA_COLUMNS], strict=True)),
            )
        )
    return rows


def single_failure_memory(inventory: Inventory, plan: Plan) -> dict[int, dict[int, int]]:
    """failed node f -> each node of f's cluster -> the memory (MiB incl. overhead) it runs
    when f alone has failed, as the checker counts it (f itself runs nothing)."""
    owners, memory = valid_owners(inventory, plan), vm_loads(inventory)[:, :1]
    heat: dict[int, dict[int, int]] = {}
    for position in position_runs(inventory, owners, 1):
        if not position.places:
            continue
        totals = node_totals(inventory.n_nodes, memory[position.rows], position.runner)[:, 0]
        for cluster in np.flatnonzero(position.has):
            nodes = position.nodes_of[cluster]
            (failed,) = position.failed(int(cluster))
            heat[failed] = {int(n): int(totals[n]) for n in nodes}
    return heat


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
    per node and column the first set (in failure_sets order) that reaches it: from the
    subset tables (data/check/worst_case.py) where they are small, else set by set."""
    if fits_tables(inventory, failures, loads.shape[1]):
        return worst_loads(inventory, owners, loads, failures)
    return walked_worst(inventory, owners, loads, failures)


def walked_worst(
    inventory: Inventory, owners: IntArray, loads: IntArray, failures: int
) -> tuple[IntArray, list[list[tuple[int, ...]]]]:
    """_worst position by position (k = 3 at 64 nodes: 43,745 passes, ~10 s).

    Positions (data/check/positions.py) meet each cluster's sets in that same order, so
    "first" holds with a strict comparison."""
    n_nodes, n_columns = inventory.n_nodes, loads.shape[1]
    worst = np.full((n_nodes, n_columns), -1, dtype=np.int64)
    worst_failed: list[list[tuple[int, ...]]] = [[()] * n_columns for _ in range(n_nodes)]
    calm = calm_totals(inventory, owners, loads)
    for position in position_runs(inventory, owners, failures):
        totals = position.totals(loads, calm)
        eligible = position.has[inventory.node_cluster]
        better = (totals > worst) & eligible[:, None]
        worst = np.where(better, totals, worst)
        for n, c in zip(*np.nonzero(better), strict=True):
            worst_failed[n][c] = position.failed(int(inventory.node_cluster[n]))
    return worst, worst_failed

"""Who runs where under a failure set, and what that costs each node.

The plan checker and the per-node metrics compute loads with these, straight
from the raw inventory columns. The solver must not use this module: the
checker is its oracle, so the two share no code.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from fractions import Fraction
from typing import TypeVar

import numpy as np

from data.inventory import BoolArray, IntArray, Inventory
from data.plan import NO_NODE, Plan
from data.rules import PERMILLE, Rule

_Int = TypeVar("_Int", int, IntArray)

# Columns of vm_loads and node_limits: memory, vCPUs, then each extra resource.
MEMORY_COLUMN, CPU_COLUMN = 0, 1
EXTRA_COLUMNS = slice(2, None)


def vm_memory_cost(memory_mb: _Int) -> _Int:
    """Startup memory plus Hyper-V's overhead, 32 + 8 * (ceil(memory_mb / 1024) - 1) MiB."""
    # Deliberately not Inventory.vm_cost_mb, which the solver plans with: the checker
    # is the solver's oracle, so it works out every cost again from MODEL.md and the
    # raw columns, and a slip in one copy shows up as a disagreement in the tests.
    return memory_mb + 32 + 8 * (-(-memory_mb // 1024) - 1)


def exact_decimal(value: float) -> Fraction:
    """The decimal a float was written as (so 2.3 * 100 is 230, not 229.99...)."""
    return Fraction(repr(float(value)))


def capacity_columns(inventory: Inventory) -> tuple[tuple[Rule, str], ...]:
    """(rule, label) of each column of vm_loads and node_limits."""
    extra = tuple((Rule.RESOURCE, "res_" + r) for r in inventory.resource_names)
    return ((Rule.MEMORY, "memory"), (Rule.CPU, "cpu"), *extra)


def vm_loads(inventory: Inventory) -> IntArray:
    """vms x columns: memory incl. overhead (MiB), vCPUs, then each extra resource."""
    memory = vm_memory_cost(inventory.vm_memory_mb)  # the same integer formula, per element
    columns = [memory.reshape(-1, 1), inventory.vm_vcpus.reshape(-1, 1), inventory.vm_resources]
    return np.hstack(columns).astype(np.int64)


def node_limits(inventory: Inventory) -> IntArray:
    """nodes x columns: memory_mb - reserve_mb, floor(vcpu_per_lp * LPs), each extra resource."""
    memory = inventory.node_memory_mb - inventory.node_reserve_mb
    pairs = np.column_stack([inventory.node_vcpu_per_lp, inventory.node_lps.astype(np.float64)])
    distinct, index = np.unique(pairs, axis=0, return_inverse=True)  # once per distinct node
    each = [math.floor(exact_decimal(r) * int(lps)) for r, lps in distinct]
    cpu = np.asarray(each, dtype=np.int64)[index.reshape(-1)]
    columns = [memory.reshape(-1, 1), cpu.reshape(-1, 1), inventory.node_resources]
    return np.hstack(columns).astype(np.int64)


def valid_owners(inventory: Inventory, plan: Plan) -> IntArray:
    """plan.owners with every entry that is not a node of the VM's cluster set to NO_NODE."""
    owners = plan.owners
    in_range = (owners >= 0) & (owners < inventory.n_nodes)
    if inventory.n_nodes == 0:
        return np.full_like(owners, NO_NODE)
    owner_cluster = inventory.node_cluster[np.where(in_range, owners, 0)]
    same_cluster = owner_cluster == inventory.vm_cluster[:, None]
    return np.where(in_range & same_cluster, owners, NO_NODE)


def runners(owners: IntArray, down: BoolArray) -> IntArray:
    """The node each VM runs on: its first owner not marked `down` (NO_NODE if none is left)."""
    if owners.shape[1] == 0:
        return np.full(owners.shape[0], NO_NODE, dtype=np.int64)
    alive = owners != NO_NODE
    alive[alive] = ~down[owners[alive]]
    first = owners[np.arange(owners.shape[0]), np.argmax(alive, axis=1)]
    return np.where(alive.any(axis=1), first, NO_NODE)


def node_totals(n_nodes: int, loads: IntArray, runner: IntArray) -> IntArray:
    """nodes x columns: the sum of the loads of the VMs each node runs."""
    totals = np.zeros((n_nodes, loads.shape[1]), dtype=np.int64)
    running = runner != NO_NODE
    np.add.at(totals, runner[running], loads[running])
    return totals


def failure_sets(inventory: Inventory, failures: int) -> Iterator[tuple[int, tuple[int, ...]]]:
    """(cluster, F) for each set F of at most `failures` nodes of each cluster: per cluster
    the empty set first, then smaller sets first, each size in itertools.combinations order."""
    for cluster, nodes in enumerate(cluster_rows(inventory.node_cluster, len(inventory.clusters))):
        members = [int(n) for n in nodes]
        for size in range(min(failures, len(members)) + 1):
            for failed in itertools.combinations(members, size):
                yield cluster, failed


def down_mask(n_nodes: int, failed: tuple[int, ...]) -> BoolArray:
    down = np.zeros(n_nodes, dtype=bool)
    down[list(failed)] = True
    return down


def cluster_rows(cluster_of: IntArray, clusters: int) -> list[IntArray]:
    """Each cluster's row indices, ascending, from one stable sort: a fleet is checked
    cluster by cluster, never by scanning every row once per cluster."""
    order = np.argsort(cluster_of, kind="stable")
    bounds = np.searchsorted(cluster_of[order], np.arange(clusters + 1))
    return [order[bounds[c] : bounds[c + 1]].astype(np.int64) for c in range(clusters)]


def memory_permille(
    inventory: Inventory, plan: Plan, failures: int
) -> Iterator[tuple[int, tuple[int, ...], IntArray]]:
    """(cluster, F, permille per node) for each failure set: memory used incl. overhead
    over memory_mb - reserve_mb, rounded up (only the cluster's own nodes are meaningful)."""
    memory = vm_loads(inventory)[:, [MEMORY_COLUMN]]
    limit = node_limits(inventory)[:, MEMORY_COLUMN]
    owners = valid_owners(inventory, plan)
    for cluster, failed in failure_sets(inventory, failures):
        runner = runners(owners, down_mask(inventory.n_nodes, failed))
        used = node_totals(inventory.n_nodes, memory, runner)[:, 0]  # its only column
        yield cluster, failed, -(-PERMILLE * used // limit)

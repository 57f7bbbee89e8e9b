"""Each node's worst load under any failure set, from every set of a size at once.

A node n outside failure set F runs, beyond its own VMs, each VM whose owners
before n (its owners list read without invalid or repeated entries) all lie in
F. So its load under F is calm[n] + the sum over the subsets S of F of A[S, n],
where A[S, n] is the load of the VMs whose owners before n are exactly S. The
few hundred distinct (S, n) are summed once; then the sets of one size are
blocks of rows, each a handful of gathers, instead of one pass over the VMs
per set (43,745 sets at 64 nodes, k = 3: 10 s of the per-node table). Sets are
met in the checker's order (empty, then smaller first, each size in
itertools.combinations order), and a node's set is the first reaching its
worst, as data/check/positions.py's walk gives it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from math import comb

import numpy as np

from data.check.loads import cluster_rows, node_totals
from data.check.positions import calm_runners
from data.inventory import IntArray, Inventory
from data.plan import NO_NODE

BLOCK_CELLS = 1 << 19  # sets x nodes x columns computed at once (4 MiB of int64)
MAX_TABLE_CELLS = 1 << 24  # the largest subset table kept; beyond it the caller walks


def fits_tables(inventory: Inventory, failures: int, columns: int) -> bool:
    """Whether every cluster's subset tables stay small (else walk the positions)."""
    sizes = np.bincount(inventory.node_cluster, minlength=len(inventory.clusters))
    return fits_tables_for(int(sizes.max(initial=0)), failures, columns)


def fits_tables_for(m: int, failures: int, columns: int) -> bool:
    """Whether the subset tables of one cluster of m nodes stay small."""
    return all(comb(m, j) * m * columns <= MAX_TABLE_CELLS for j in range(min(failures, m) + 1))


def worst_loads(
    inventory: Inventory, owners: IntArray, loads: IntArray, failures: int
) -> tuple[IntArray, list[list[tuple[int, ...]]]]:
    """nodes x columns: the highest total under any failure set of the node's cluster,
    and per node and column the first set reaching it; `owners` holds only valid owners."""
    n_nodes, columns = inventory.n_nodes, loads.shape[1]
    worst = node_totals(n_nodes, loads, calm_runners(inventory, owners))  # the empty set
    failed: list[list[tuple[int, ...]]] = [[()] * columns for _ in range(n_nodes)]
    clusters = len(inventory.clusters)
    vms_of = cluster_rows(inventory.vm_cluster, clusters)
    for nodes, vms in zip(cluster_rows(inventory.node_cluster, clusters), vms_of, strict=True):
        if len(nodes) and len(vms):
            _cluster(nodes, owners[vms], loads[vms], failures, worst, failed)
    return worst, failed


def peak_loads(lists: IntArray, loads: IntArray, m: int, failures: int) -> IntArray:
    """m x columns: the most each node runs under any set of at most `failures` of the
    nodes 0..m-1, for owners lists in those numbers (NO_NODE-padded at the end)."""
    lists = _local_lists(np.arange(m), lists)
    calm = node_totals(m, loads, lists[:, 0])
    tables = [_subset_table(lists, loads, j, m) for j in range(min(failures, m) + 1)]
    peak = calm
    for size in range(1, min(failures, m) + 1):
        for first, members in _blocks(m, size, loads.shape[1]):
            peak = np.maximum(peak, _totals(members, calm, tables, first, m).max(axis=0))
    return peak


def _cluster(
    nodes: IntArray,
    owners: IntArray,
    loads: IntArray,
    failures: int,
    worst: IntArray,
    failed: list[list[tuple[int, ...]]],
) -> None:
    """Raise `worst` and `failed` (whole-inventory rows) by one cluster's failure sets."""
    m = len(nodes)
    local = _local_lists(nodes, owners)
    calm = worst[nodes]
    tables = [_subset_table(local, loads, j, m) for j in range(min(failures, m) + 1)]
    for size in range(1, min(failures, m) + 1):
        for first, members in _blocks(m, size, loads.shape[1]):
            _raise(_totals(members, calm, tables, first, m), members, nodes, worst, failed)


def _blocks(m: int, size: int, columns: int) -> Iterator[tuple[int, IntArray]]:
    """The sets of `size` of range(m) in itertools order, as (rank of the first, rows)."""
    block = max(1, BLOCK_CELLS // (m * columns))
    sets = itertools.combinations(range(m), size)
    first = 0
    while chunk := list(itertools.islice(sets, block)):
        yield first, np.array(chunk, dtype=np.int64)
        first += len(chunk)


def _local_lists(nodes: IntArray, owners: IntArray) -> IntArray:
    """Owners lists in local node numbers with invalid and repeated entries dropped, the
    rest moved to the front in order (NO_NODE after): a VM runs on its first entry not
    failed either way."""
    local_of = np.full(int(nodes.max()) + 1, NO_NODE, dtype=np.int64)
    local_of[nodes] = np.arange(len(nodes))
    local = np.where(owners != NO_NODE, local_of[np.maximum(owners, 0)], NO_NODE)
    for j in range(1, local.shape[1]):
        repeated = (local[:, :j] == local[:, j : j + 1]).any(axis=1)
        local[repeated, j] = NO_NODE
    order = np.argsort(local == NO_NODE, axis=1, kind="stable")
    return np.take_along_axis(local, order, axis=1)


def _subset_table(local: IntArray, loads: IntArray, j: int, m: int) -> IntArray:
    """A[rank of S among the j-node sets, n, column]: the load of the VMs whose first j
    owners are the set S and whose owner j is n (they land on n once S has failed)."""
    table = np.zeros((comb(m, j), m, loads.shape[1]), dtype=np.int64)
    if j >= local.shape[1]:
        return table
    rows = np.flatnonzero(local[:, j] != NO_NODE)
    ranks = combination_ranks(np.sort(local[rows, :j], axis=1), m)
    np.add.at(table, (ranks, local[rows, j]), loads[rows])
    return table


def combination_ranks(members: IntArray, m: int) -> IntArray:
    """Each row's (ascending nodes) place among the sets of its size from range(m), in
    itertools.combinations order: sets before it, counted prefix by prefix."""
    count, size = len(members), members.shape[1]
    ranks = np.zeros(count, dtype=np.int64)
    previous = np.full(count, -1, dtype=np.int64)
    binomial = np.array([[comb(n, r) for r in range(size + 1)] for n in range(m + 1)])
    for i in range(size):
        left = size - i  # nodes still to choose, this one included
        ranks += binomial[m - previous - 1, left] - binomial[m - members[:, i], left]
        previous = members[:, i]
    return ranks


def _totals(
    members: IntArray, calm: IntArray, tables: list[IntArray], first: int, m: int
) -> IntArray:
    """sets x nodes x columns: each node's load under each set of `members` (rows first,
    first + 1, ... of their size), -1 for its failed nodes."""
    count, size = members.shape
    totals = np.broadcast_to(calm, (count, *calm.shape)).copy()
    for j in range(1, size):
        for picked in itertools.combinations(range(size), j):
            totals += tables[j][combination_ranks(members[:, list(picked)], m)]
    totals += tables[size][first : first + count]
    totals[np.arange(count)[:, None], members] = -1
    return totals


def _raise(
    totals: IntArray,
    members: IntArray,
    nodes: IntArray,
    worst: IntArray,
    failed: list[list[tuple[int, ...]]],
) -> None:
    """Where a set of this block beats the worst so far, the first such set is the new
    worst (argmax gives the first maximum; the block follows the sets' order)."""
    best, at = totals.max(axis=0), totals.argmax(axis=0)
    better = best > worst[nodes]
    for n, c in zip(*np.nonzero(better), strict=True):
        worst[nodes[n], c] = best[n, c]
        failed[int(nodes[n])][c] = tuple(int(x) for x in nodes[members[at[n, c]]])

"""Failure sets of every cluster of a fleet at once, one *position* at a time.

A failure set is named by the places of its nodes in their cluster (place 0 is
the cluster's first node): the set {places 0, 3} of every cluster with at
least 4 nodes is checked in one numpy pass over all those clusters' VMs.
Over the positions, each cluster meets each of its own failure sets (empty,
then smaller first, in itertools.combinations order) exactly once, so a
fleet of 10,000 clusters costs a handful of passes, not 10,000 loops.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from data.check.loads import cluster_rows, runners
from data.inventory import BoolArray, IntArray, Inventory


@dataclass(frozen=True)
class Position:
    """One failure set in every cluster that has it, and where VMs run under it."""

    places: tuple[int, ...]  # places of the failed nodes within their cluster
    need: int  # the nodes a cluster must have to have this set: max(places) + 1, or 0
    has: BoolArray  # per cluster: it has at least max(places) + 1 nodes
    down: BoolArray  # per node: failed under this set
    rows: IntArray  # the VMs of the clusters that have it
    runner: IntArray  # for each of `rows`: the node it runs on (NO_NODE if none)
    nodes_of: list[IntArray]  # each cluster's nodes, ascending

    def failed(self, cluster: int) -> tuple[int, ...]:
        """The nodes this set fails in `cluster`, ascending."""
        return tuple(int(n) for n in self.nodes_of[cluster][list(self.places)])


def cluster_sizes(inventory: Inventory) -> IntArray:
    return np.bincount(inventory.node_cluster, minlength=len(inventory.clusters))


def largest_first(cluster_of: IntArray, sizes: IntArray) -> tuple[IntArray, IntArray]:
    """Rows ordered by their cluster's size, largest first (stable), and those sizes: the
    rows of clusters with at least m nodes are then a prefix."""
    order = np.argsort(-sizes[cluster_of], kind="stable")
    return order, sizes[cluster_of][order]


def prefix(ordered_sizes: IntArray, need: int) -> int:
    """How many of the rows (ordered largest first) are in clusters of >= `need` nodes."""
    return int(np.searchsorted(-ordered_sizes, -need, side="right"))


def position_runs(inventory: Inventory, owners: IntArray, failures: int) -> Iterator[Position]:
    """Every failure-set position of at most `failures` nodes, with its runners; `owners`
    holds only valid owners (checker's valid_owners)."""
    sizes = cluster_sizes(inventory)
    nodes_of = cluster_rows(inventory.node_cluster, len(inventory.clusters))
    place = np.zeros(inventory.n_nodes, dtype=np.int64)
    for nodes in nodes_of:
        place[nodes] = np.arange(len(nodes))
    order, ordered = largest_first(inventory.vm_cluster, sizes)
    largest = int(sizes.max(initial=0))
    for size in range(min(failures, largest) + 1):
        for places in itertools.combinations(range(largest), size):
            need = places[-1] + 1 if places else 0
            has = sizes >= need
            down = np.isin(place, places) & has[inventory.node_cluster]
            rows = order[: prefix(ordered, need)]
            yield Position(places, need, has, down, rows, runners(owners[rows], down), nodes_of)

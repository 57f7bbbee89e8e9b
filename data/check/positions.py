"""Failure sets of every cluster of a fleet at once, one *position* at a time.

A failure set is named by the places of its nodes in their cluster (place 0 is
the cluster's first node): the set {places 0, 3} of every cluster with at
least 4 nodes is checked in one numpy pass over all those clusters' VMs.
Over the positions, each cluster meets each of its own failure sets (empty,
then smaller first, in itertools.combinations order) exactly once, so a
fleet of 10,000 clusters costs a handful of passes, not 10,000 loops.

Under a failure set only the VMs whose node with no failure is down run
elsewhere (a VM runs on its first owner not down, and that is its first owner
unless the first is down): only those are looked up again, so at 64 nodes and
k = 3 (43,745 sets) a set costs its few hundred VMs, not all 8,000.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from data.check.loads import cluster_rows, node_totals, runners
from data.inventory import BoolArray, IntArray, Inventory
from data.plan import NO_NODE


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
    moved: IntArray  # the VMs (of `rows`) whose node with no failure is down
    moved_from: IntArray  # for each of `moved`: that node
    moved_to: IntArray  # for each of `moved`: where it runs now (NO_NODE if nowhere)

    def totals(self, loads: IntArray, calm: IntArray) -> IntArray:
        """nodes x columns: the loads each node runs under this set, from `calm`, the
        totals with no failure, with the moved VMs taken off and put where they run;
        meaningful for the nodes of clusters that have this set."""
        totals = calm.copy()
        np.subtract.at(totals, self.moved_from, loads[self.moved])
        landed = self.moved_to != NO_NODE
        np.add.at(totals, self.moved_to[landed], loads[self.moved[landed]])
        return totals

    def failed(self, cluster: int) -> tuple[int, ...]:
        """The nodes this set fails in `cluster`, ascending."""
        return tuple(int(n) for n in self.nodes_of[cluster][list(self.places)])


def calm_runners(inventory: Inventory, owners: IntArray) -> IntArray:
    """Where each VM runs with no node failed (NO_NODE if it has no valid owner)."""
    return runners(owners, np.zeros(inventory.n_nodes, dtype=bool))


def calm_totals(inventory: Inventory, owners: IntArray, loads: IntArray) -> IntArray:
    """nodes x columns: the loads each node runs with no node failed (Position.totals'
    starting point)."""
    return node_totals(inventory.n_nodes, loads, calm_runners(inventory, owners))


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
    slot = np.empty(inventory.n_vms, dtype=np.int64)
    slot[order] = np.arange(inventory.n_vms)  # where each VM sits in `order` (and `rows`)
    calm = calm_runners(inventory, owners)
    largest = int(sizes.max(initial=0))
    calm_place = np.where(calm != NO_NODE, place[np.maximum(calm, 0)], -1)
    on_place = cluster_rows(calm_place + 1, largest + 1)[1:]  # VMs by their calm node's place
    at_place = cluster_rows(place, largest)  # nodes by their place
    for size in range(min(failures, largest) + 1):
        for places in itertools.combinations(range(largest), size):
            need = places[-1] + 1 if places else 0
            has = sizes >= need
            down = _down(at_place, places, has[inventory.node_cluster])
            rows = order[: prefix(ordered, need)]
            moved = _moved(on_place, places, has[inventory.vm_cluster])
            moved_to = runners(owners[moved], down)
            runner = calm[rows]
            runner[slot[moved]] = moved_to
            yield Position(
                places, need, has, down, rows, runner, nodes_of, moved, calm[moved], moved_to
            )


def _down(at_place: list[IntArray], places: tuple[int, ...], kept: BoolArray) -> BoolArray:
    """Per node: at one of `places` of a cluster `kept` marks (per node) as having them."""
    down = np.zeros(len(kept), dtype=bool)
    for p in places:
        nodes = at_place[p]
        down[nodes[kept[nodes]]] = True
    return down


def _moved(on_place: list[IntArray], places: tuple[int, ...], kept: BoolArray) -> IntArray:
    """The VMs whose calm node is at one of `places`, in the clusters `kept` marks."""
    if not places:
        return np.zeros(0, dtype=np.int64)
    vms = np.concatenate([on_place[p] for p in places])
    return vms[kept[vms]]

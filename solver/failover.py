"""Exact loads under every failure set, kept up to date one owners list at a time.

Rule (MODEL.md): under failure set F a group runs on its first owner not in F,
and every surviving node stays within its limits. Loads only grow with F, so
the sets of exactly k of the chosen nodes stand for all of them.

What node n runs under failure set f is `primary[n] + extra[n, :, f]`. Owner
number j of a list (o_0..o_k) carries the group exactly under the sets that
hold o_0..o_{j-1} and not o_j: for j = 0 that is every set without o_0, so the
weight goes to primary[o_0]; for j > 0 it goes to those entries of `extra`
only, and whether node n can be owner j is one maximum over the sets holding
the prefix. Nodes in F never gain extra load under F (and primary load is no
more than any set without n gives), so `worst[n]` = primary[n] + the maximum of
extra[n] over the sets is the most n ever runs (`worst`, kept up to date). This
is the fast evaluation of the large-cluster path: no model, memory nodes x
resources x sets (a node's loads per resource contiguous: numpy's take and put on
flat indices are several times faster there than fancy indexing of rows).

At k >= 3 one node alone is held by many sets (C(63, 2) = 1,953 of 41,664 at 64
nodes), and the peak after a one-node prefix is asked for every group: `single`
keeps that maximum per failed node, so it is a lookup rather than a scan.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from math import comb

import numpy as np

from data.inventory import IntArray

FailureSets = list[tuple[int, ...]]
SINGLE_FROM = 3  # failure-set size from which the one-node peaks are kept
_NONE = np.zeros(0, dtype=np.int64)


class FailoverLoads:
    """Loads of the chosen nodes (local indices 0..m-1) under every k-node failure set."""

    def __init__(self, capacity: IntArray, failures: int, peaks: bool = True) -> None:
        """`peaks` False: only `worst` is wanted (never `peak`), so `single` is not kept."""
        m, resources = capacity.shape  # capacity: nodes x resources
        self.capacity = capacity.astype(np.int64)
        size = min(failures, m - 1)
        self.sets: FailureSets = list(itertools.combinations(range(m), size))
        self.set_nodes = np.array(self.sets, dtype=np.int64).reshape(len(self.sets), size)
        self.member = np.zeros((len(self.sets), m), dtype=bool)
        self.member[np.arange(len(self.sets))[:, None], self.set_nodes] = True
        self.inverse = 1.0 / np.maximum(self.capacity, 1)  # shares by multiplying
        self.primary = np.zeros_like(self.capacity)
        self.worst = np.zeros_like(self.capacity)  # primary + extra_peak
        self.extra = np.zeros((m, resources, len(self.sets)), dtype=np.int64)
        self.extra_peak = np.zeros_like(self.capacity)
        # single[a, n]: the most extra load n runs under a set holding node a
        self.single = np.zeros((m, m, resources), dtype=np.int64)
        self.keeps_single = peaks and size >= SINGLE_FROM
        self._holding: dict[tuple[int, ...], IntArray] = {(): np.arange(len(self.sets))}
        self._index = {failed: f for f, failed in enumerate(self.sets)}
        self._carrying: dict[tuple[tuple[int, ...], int], _Rows] = {}
        self._all = _Rows.of(np.arange(len(self.sets)), self.set_nodes, len(self.sets), resources)

    @staticmethod
    def table_bytes(nodes: int, failures: int, resources: int) -> int:
        """Memory of the load table, to refuse a size before allocating it."""
        size = min(failures, nodes - 1)
        return comb(nodes, size) * (8 * nodes * resources + nodes + 8 * size)

    def holding(self, prefix: tuple[int, ...]) -> IntArray:
        """Indices of the failure sets that contain every node of `prefix`."""
        key = tuple(sorted(prefix))
        if key not in self._holding:
            self._holding[key] = self._find_holding(key)
        return self._holding[key]

    def _find_holding(self, key: tuple[int, ...]) -> IntArray:
        """A prefix one node short of a set (or a whole set) is completed node by node
        from the index of the sets; shorter ones scan the membership table (at k = 3
        the scan of 41,664 sets took 0.1 ms, and pairs, one per owners list, miss the
        cache often)."""
        size = self.set_nodes.shape[1]
        if len(key) == size:
            return np.array([self._index[key]] if key in self._index else [], dtype=np.int64)
        if len(key) == size - 1:
            chosen = set(key)
            nodes = range(len(self.capacity))
            found = [self._index[tuple(sorted((*key, x)))] for x in nodes if x not in chosen]
            return np.sort(np.array(found, dtype=np.int64))
        return np.flatnonzero(self.member[:, list(key)].all(axis=1))

    def peak(self, prefix: tuple[int, ...]) -> IntArray:
        """peak[n]: the most node n runs under a set holding `prefix` (nodes x resources)."""
        if not prefix:
            return self.worst
        if len(prefix) == 1 and self.keeps_single:
            return self.primary + self.single[prefix[0]]
        return self.primary + np.maximum.reduce(
            self.extra.take(self.holding(prefix), axis=2), axis=2
        )

    def carrying(self, prefix: tuple[int, ...], n: int) -> IntArray:
        """The sets under which owner n, after `prefix`, runs the group."""
        return self._carried_rows(prefix, n).rows

    def _carried_rows(self, prefix: tuple[int, ...], n: int) -> _Rows:
        key = (tuple(sorted(prefix)), n)
        if key not in self._carrying:
            rows = self.holding(prefix)
            rows = rows[~self.member[rows, n]]
            members = self.set_nodes if self.keeps_single else None
            total, resources = len(self.sets), self.capacity.shape[1]
            self._carrying[key] = _Rows.of(rows, members, total, resources)
        return self._carrying[key]

    def add(self, listed: tuple[int, ...], weight: IntArray, sign: int = 1) -> None:
        """Put (sign 1) or take back (sign -1) a group with owners `listed`."""
        self.primary[listed[0]] += sign * weight
        self.worst[listed[0]] += sign * weight
        for j in range(1, len(listed)):
            n, rows = listed[j], self._carried_rows(listed[:j], listed[j])
            if not len(rows.rows):
                continue
            flat = self.extra[n].reshape(-1)  # a view: resources x sets, flattened
            flat[rows.flat] += np.repeat(sign * weight, len(rows.rows))
            if sign > 0:
                carried = flat.take(rows.flat).reshape(len(weight), -1)
                self.extra_peak[n] = np.maximum(self.extra_peak[n], carried.max(axis=1))
                if self.keeps_single:
                    self._raise_single(n, rows, carried)
            else:
                self.extra_peak[n] = self.extra[n].max(axis=1)
                if self.keeps_single:
                    self.single[:, n] = 0
                    self._raise_single(n, self._all, self.extra[n])
            self.worst[n] = self.primary[n] + self.extra_peak[n]

    def _raise_single(self, n: int, rows: _Rows, carried: IntArray) -> None:
        """single[:, n] once the loads under `rows` rose to `carried` (resources x rows):
        each member of a set sees at least that set's load (a segmented maximum)."""
        top = np.maximum.reduceat(carried[:, rows.pick], rows.starts, axis=1)
        self.single[rows.nodes, n] = np.maximum(self.single[rows.nodes, n], top.T)

    def fits(self) -> bool:
        """Every node within its limits under every failure set."""
        return bool((self.worst <= self.capacity).all())


@dataclass(frozen=True)
class _Rows:
    """Some failure sets, indexed every way `add` needs: `rows`; `flat`, their entries in
    a node's flattened resources x sets loads; and, member node by member node (`nodes`,
    ascending, each from its offset in `starts`), `pick`: the rows holding it (only
    where `single` is kept)."""

    rows: IntArray
    flat: IntArray
    pick: IntArray
    starts: IntArray
    nodes: IntArray

    @staticmethod
    def of(rows: IntArray, set_nodes: IntArray | None, total: int, resources: int) -> _Rows:
        flat = (np.arange(resources)[:, None] * total + rows[None, :]).ravel()
        if set_nodes is None:
            return _Rows(rows, flat, _NONE, _NONE, _NONE)
        members = set_nodes[rows].ravel()
        # node numbers are small: a 16-bit stable sort is a radix sort, ~5x numpy's default
        small = len(members) and members.max() < 2**15
        order = np.argsort(members.astype(np.int16) if small else members, kind="stable")
        ordered = members[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(ordered) else _NONE
        pick = np.repeat(np.arange(len(rows)), set_nodes.shape[1])[order]
        return _Rows(rows, flat, pick, starts, ordered[starts])

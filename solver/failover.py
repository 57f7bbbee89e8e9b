"""Exact loads under every failure set, kept up to date one owners list at a time.

Rule (MODEL.md): under failure set F a group runs on its first owner not in F,
and every surviving node stays within its limits. Loads only grow with F, so
the sets of exactly k of the chosen nodes stand for all of them.

What node n runs under failure set f is `primary[n] + extra[f, n]`. Owner
number j of a list (o_0..o_k) carries the group exactly under the sets that
hold o_0..o_{j-1} and not o_j: for j = 0 that is every set without o_0, so the
weight goes to primary[o_0]; for j > 0 it goes to those entries of `extra`
only, and whether node n can be owner j is one maximum over the sets holding
the prefix. Nodes in F never gain extra load under F (and primary load is no
more than any set without n gives), so `worst[n]` = primary[n] + the maximum of
extra[:, n] is the most n ever runs (`worst`, kept up to date). This is the fast evaluation of the
large-cluster path: no model, memory sets x nodes x resources.
"""

from __future__ import annotations

import itertools
from math import comb

import numpy as np

from data.inventory import IntArray

FailureSets = list[tuple[int, ...]]


class FailoverLoads:
    """Loads of the chosen nodes (local indices 0..m-1) under every k-node failure set."""

    def __init__(self, capacity: IntArray, failures: int) -> None:
        m = capacity.shape[0]  # capacity: nodes x resources
        self.capacity = capacity.astype(np.int64)
        self.sets: FailureSets = list(itertools.combinations(range(m), min(failures, m - 1)))
        self.member = np.zeros((len(self.sets), m), dtype=bool)
        for f, failed in enumerate(self.sets):
            self.member[f, list(failed)] = True
        self.inverse = 1.0 / np.maximum(self.capacity, 1)  # shares by multiplying
        self.primary = np.zeros_like(self.capacity)
        self.worst = np.zeros_like(self.capacity)  # primary + extra_peak
        self.extra = np.zeros((len(self.sets), m, capacity.shape[1]), dtype=np.int64)
        self.extra_peak = np.zeros_like(self.capacity)
        self._holding: dict[tuple[int, ...], IntArray] = {(): np.arange(len(self.sets))}
        self._carrying: dict[tuple[tuple[int, ...], int], IntArray] = {}

    @staticmethod
    def table_bytes(nodes: int, failures: int, resources: int) -> int:
        """Memory of the load table, to refuse a size before allocating it."""
        return 8 * comb(nodes, min(failures, nodes - 1)) * nodes * resources

    def holding(self, prefix: tuple[int, ...]) -> IntArray:
        """Indices of the failure sets that contain every node of `prefix`."""
        key = tuple(sorted(prefix))
        if key not in self._holding:
            self._holding[key] = np.flatnonzero(self.member[:, list(key)].all(axis=1))
        return self._holding[key]

    def peak(self, prefix: tuple[int, ...]) -> IntArray:
        """peak[n]: the most node n runs under a set holding `prefix` (nodes x resources)."""
        if not prefix:
            return self.worst
        return self.primary + self.extra[self.holding(prefix)].max(axis=0)

    def carrying(self, prefix: tuple[int, ...], n: int) -> IntArray:
        """The sets under which owner n, after `prefix`, runs the group."""
        key = (tuple(sorted(prefix)), n)
        if key not in self._carrying:
            rows = self.holding(prefix)
            self._carrying[key] = rows[~self.member[rows, n]]
        return self._carrying[key]

    def add(self, listed: tuple[int, ...], weight: IntArray, sign: int = 1) -> None:
        """Put (sign 1) or take back (sign -1) a group with owners `listed`."""
        self.primary[listed[0]] += sign * weight
        self.worst[listed[0]] += sign * weight
        for j in range(1, len(listed)):
            n, rows = listed[j], self.carrying(listed[:j], listed[j])
            if not len(rows):
                continue
            self.extra[rows, n] += sign * weight
            if sign > 0:
                self.extra_peak[n] = np.maximum(self.extra_peak[n], self.extra[rows, n].max(axis=0))
            else:
                self.extra_peak[n] = self.extra[:, n].max(axis=0)
            self.worst[n] = self.primary[n] + self.extra_peak[n]

    def fits(self) -> bool:
        """Every node within its limits under every failure set."""
        return bool((self.worst <= self.capacity).all())

"""A quick first plan for the large path, so a short --time-limit still gets one.

The large path's placement (solver/large.py) keeps the loads under every failure
set exact while it chooses: ~0.3 ms a group at k = 2 and ~1 ms at k = 3, so
8,000 VMs take 2-8 s of CPU, which a loaded machine does not give within 5 s.
This pass only keeps what each node takes on when exactly a set S of nodes
fails, for the sets S that some owners list begins with: the primary is the
eligible node with the lowest share after taking the group, owner j the
eligible node with the lowest share under the failure of the j owners before it
(its own load plus what it takes on from every subset of them). The loads under
every failure set are then summed once (data/check/worst_case.py), and the plan
is kept only where every node fits under every set and every anti-affinity
class has pairwise disjoint owners lists (so it holds under any failure).
"""

from __future__ import annotations

import itertools

import numpy as np

from data.check.worst_case import fits_tables_for, peak_loads
from solver.large import LargePlan, group_order, plan_of
from solver.large_groups import Group
from solver.problem import MEMORY_ROW, ClusterProblem

_Key = tuple[int, ...]


def quick_plan(
    problem: ClusterProblem, groups: list[Group], luns: dict[int, int]
) -> LargePlan | None:
    """Owners lists on every node of the cluster, or None when this pass finds none."""
    k, m = problem.failures, problem.n_nodes
    resources = problem.capacity.shape[0]
    if m < k + 1 or not fits_tables_for(m, k, resources):
        return None
    state = _State(problem.capacity.T.astype(np.int64), len(problem.inventory.class_names))
    owners: list[tuple[int, ...]] = [()] * len(groups)
    for g in group_order(problem, groups):
        listed = state.choose(groups[g], k)
        if listed is None:
            return None
        state.take(groups[g], listed)
        owners[g] = listed
    peak = peak_loads(np.array(owners, dtype=np.int64), _weights(groups, resources), m, k)
    if (peak > state.capacity).any():
        return None
    memory = state.capacity[:, MEMORY_ROW]
    worst = int((-(-1000 * peak[:, MEMORY_ROW] // np.maximum(memory, 1))).max(initial=0))
    return plan_of(problem, groups, luns, owners, worst)


def _weights(groups: list[Group], resources: int) -> np.ndarray:
    if not groups:
        return np.zeros((0, resources), dtype=np.int64)
    return np.array([g.weight for g in groups], dtype=np.int64)


class _State:
    """Primary loads, what each node takes on per failed prefix set, class nodes used."""

    def __init__(self, capacity: np.ndarray, classes: int) -> None:
        self.capacity = capacity  # nodes x resources
        self.inverse = 1.0 / np.maximum(capacity, 1)
        self.primary = np.zeros_like(capacity)
        self.taken_on: dict[_Key, np.ndarray] = {}  # failed set S -> nodes x resources
        self.class_nodes = np.zeros((classes, len(capacity)), dtype=bool)
        self.masks: dict[tuple[int, ...], np.ndarray] = {}  # eligible nodes -> their mask

    def choose(self, group: Group, k: int) -> tuple[int, ...] | None:
        if group.eligible not in self.masks:
            self.masks[group.eligible] = np.zeros(len(self.capacity), dtype=bool)
            self.masks[group.eligible][list(group.eligible)] = True
        free = self.masks[group.eligible].copy()
        if group.classes:
            free &= ~self.class_nodes[list(group.classes)].any(axis=0)
        listed: list[int] = []
        for _ in range(k + 1):
            after = self._under(tuple(sorted(listed))) + group.weight
            share = np.maximum.reduce(after * self.inverse, axis=1)
            fits = np.logical_and.reduce(after <= self.capacity, axis=1) & free
            if not fits.any():
                return None
            choice = int(np.where(fits, share, np.inf).argmin())
            listed.append(choice)
            free[choice] = False
        return tuple(listed)

    def _under(self, failed: _Key) -> np.ndarray:
        """Each node's load when exactly `failed` is down, from the lists kept so far."""
        load = self.primary
        for size in range(1, len(failed) + 1):
            for subset in itertools.combinations(failed, size):
                extra = self.taken_on.get(subset)
                if extra is not None:
                    load = load + extra
        return load

    def take(self, group: Group, listed: tuple[int, ...]) -> None:
        self.primary[listed[0]] += group.weight
        for j in range(1, len(listed)):
            key = tuple(sorted(listed[:j]))
            if key not in self.taken_on:
                self.taken_on[key] = np.zeros_like(self.capacity)
            self.taken_on[key][listed[j]] += group.weight
        if group.classes:
            self.class_nodes[np.ix_(list(group.classes), list(listed))] = True

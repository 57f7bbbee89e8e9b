"""The greedy's view of anti-affinity under failure sets (solver/anti_affinity.py's rule).

Per class and failure set of at most k nodes, how many class VMs each node runs,
so the greedy can reject an owners list that would make two share a node where
Windows would not allow it.
"""

from __future__ import annotations

import itertools

import numpy as np

from solver.problem import ClusterProblem


class ClassSets:
    """Anti-affinity under failure sets (solver/anti_affinity.py's rule): per class and
    constrained failure set, how many of its VMs each node runs."""

    def __init__(self, problem: ClusterProblem) -> None:
        classes = problem.inventory.vm_classes[list(_cluster_vms(problem))]
        sizes = classes.sum(axis=0)
        k, nodes = problem.failures, problem.n_nodes
        top = min(k, nodes - 1)
        self.sets = [f for j in range(top + 1) for f in itertools.combinations(range(nodes), j)]
        width = np.array([len(f) for f in self.sets])
        # applies[c, f]: class c is held under set f (Windows exempts it with fewer survivors)
        self.applies = width[None, :] <= (nodes - sizes)[:, None]
        self.count = np.zeros((classes.shape[1], len(self.sets), nodes), dtype=np.int64)
        self._runners: dict[bytes, np.ndarray] = {}

    def runners(self, tuples: np.ndarray) -> np.ndarray:
        key = tuples.tobytes()
        if key not in self._runners:
            out = np.empty((len(tuples), len(self.sets)), dtype=np.int64)
            for f, failed in enumerate(self.sets):
                alive = ~np.isin(tuples, failed)
                out[:, f] = tuples[np.arange(len(tuples)), alive.argmax(axis=1)]
            self._runners[key] = out
        return self._runners[key]

    def clashes(self, tuples: np.ndarray, classes: np.ndarray) -> np.ndarray:
        """clashes[t]: owners list t would share a node with a class member under a held set."""
        run = self.runners(tuples)  # t x f
        f_index = np.arange(len(self.sets))[None, :]
        taken = self.count[classes][:, f_index, run] > 0  # classes x t x f
        return np.any(taken & self.applies[classes][:, None, :], axis=(0, 2))

    def take(self, listed: tuple[int, ...], classes: np.ndarray, sign: int) -> None:
        run = self.runners(np.array([listed]))[0]
        for c in classes:
            self.count[c, np.arange(len(self.sets)), run] += sign


def _cluster_vms(problem: ClusterProblem) -> list[int]:
    return [v for unit in problem.units for v in unit.members]

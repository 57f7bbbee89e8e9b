"""The size of the exact prefix-set model, counted before building it.

The model grows as E^(k+1) per unit (solver/owners.py) and the capacity rows as
C(E, k) * E per resource (solver/capacity.py); a 64-node N+2 cluster of 500 VMs
asks for tens of millions of literals and dies in the build. Counting is cheap
(closed formulas per distinct eligible-set size), so solve_cluster can decide
whether the model fits the time and memory left before spending either.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from math import comb

from solver.problem import MEMORY_ROW, ClusterProblem

# Calibrated on this machine (16-22 nodes, k = 1 and 2: 2.9e-6 to 3.1e-6 s): building
# costs about this much per "work item" (a literal, a linear term or a row).
SECONDS_PER_ITEM = 3.0e-6
BYTES_PER_ITEM = 1000  # measured ~200 for the build; CP-SAT presolve copies it


@dataclass(frozen=True)
class ModelSize:
    literals: int  # prefix literals over all units (solver/owners.py)
    terms: int  # linear terms of the shifted-load definitions (solver/capacity.py)
    rows: int  # flow, capacity and anti-affinity constraints

    @property
    def items(self) -> int:
        return self.literals + self.terms + self.rows

    def build_seconds(self, seconds_per_item: float = SECONDS_PER_ITEM) -> float:
        """Seconds to build the model in Python, before CP-SAT even starts."""
        return self.items * seconds_per_item

    @property
    def memory_bytes(self) -> int:
        """Resident memory of the built model (Python objects plus the proto)."""
        return self.items * BYTES_PER_ITEM


def unit_literals(eligible: int, k: int) -> int:
    """Prefix literals of one unit: every set S of j < k+1 owners, then one more node."""
    return sum(comb(eligible, j) * (eligible - j) for j in range(k + 1))


def estimate_model(problem: ClusterProblem) -> ModelSize:
    """Count literals, terms and rows of build_model(problem) without building it."""
    k, nodes = problem.failures, problem.n_nodes
    sizes: dict[int, int] = {}
    for unit in problem.units:
        sizes[len(unit.eligible)] = sizes.get(len(unit.eligible), 0) + 1
    literals = sum(unit_literals(e, k) * count for e, count in sizes.items())
    flow = sum(sum(comb(e, j) for j in range(1, k + 1)) * c for e, c in sizes.items())
    s = min(k, max(nodes - 1, 0))
    rows_per_resource = comb(nodes, s) * (nodes - s) * 2**s
    resources = sum(
        1
        for row in range(problem.capacity.shape[0])
        if row == MEMORY_ROW or int(problem.weight[:, row].sum()) > int(problem.capacity[row].min())
    )
    anti = _anti_affinity_rows(problem)
    return ModelSize(literals, literals * resources, flow + resources * rows_per_resource + anti)


def _anti_affinity_rows(problem: ClusterProblem) -> int:
    """Terms of the anti-affinity rows (solver/anti_affinity.py), an upper estimate."""
    classes = problem.inventory.vm_classes
    if not classes.shape[1]:
        return 0
    members = [v for unit in problem.units for v in unit.members]
    counts = classes[members].sum(axis=0)
    k, nodes = problem.failures, problem.n_nodes
    total = 0
    for size in counts[counts >= 2]:
        j = min(k, nodes - int(size))
        if j >= 0:
            total += comb(nodes, j) * (nodes - j) * int(size) * 2**j
    return total


def loaded_seconds_per_item() -> float:
    """SECONDS_PER_ITEM on the machine as loaded now: with other solves sharing the
    cores, building runs several times slower than calibrated (19 s instead of 5 s
    at 22 nodes, 700 VMs under a load of 7 on 2 cores), and a promise on wall time
    must count that. The load average is the cheapest honest measure of it. Only
    first-fit's fallback reads it (solver/large_result.py first_fit_seconds): whether
    the exact model is built never depends on it, so the plan does not either."""
    try:
        load = os.getloadavg()[0]
    except OSError:  # not available on this platform
        load = 0.0
    return SECONDS_PER_ITEM * max(1.0, load / (os.cpu_count() or 1))

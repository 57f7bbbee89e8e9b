"""Counting bounds on a purchase: conditions every purchase that allows an N+k plan meets.

For a purchase x (nodes per catalog model) added to the cluster's nodes:
- for memory, CPU and every res_<name>: after the k largest nodes fail, the
  others hold the whole demand (solver/bounds.py's survivors argument);
- the cluster has at least k+1 nodes;
- every failover group has k+1 nodes that may run it and hold it (VLAN, logical
  processors, each resource), since its owners list names k+1 distinct nodes.
A purchase breaking one of these has no plan, so the cheapest purchase meeting
all of them bounds the cost from below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from data.growth.catalog import Model
from data.inventory import IntArray
from solver.prechecks import describe_unit
from solver.problem import ClusterProblem

_UNITS = ("MiB of memory", "vCPUs")


def model_capacity(model: Model) -> list[int]:
    """A model's capacity in the rows of ClusterProblem.capacity."""
    return [model.capacity_mb, model.vcpu_capacity, *model.resources]


@dataclass(frozen=True, eq=False)
class Counting:
    """The cluster's fixed part (its units and current nodes) against the models."""

    problem: ClusterProblem
    models: tuple[Model, ...]
    model_capacity: IntArray  # resources x models
    fits: np.ndarray  # units x models: one node of the model may run the unit
    holders: IntArray  # per unit: current nodes that may run and hold it
    demand: IntArray  # per resource

    def allows(self, counts: Sequence[int]) -> bool:
        """Whether the purchase meets every counting condition."""
        problem, k = self.problem, self.problem.failures
        x = np.asarray(counts, dtype=np.int64)
        if not self.problem.units:
            return True
        if problem.n_nodes + int(x.sum()) < k + 1:
            return False
        if np.any(self.holders + self.fits.astype(np.int64) @ x < k + 1):
            return False
        for row in range(len(self.demand)):
            capacity = np.concatenate(
                [problem.capacity[row], np.repeat(self.model_capacity[row], x)]
            )
            failed = min(k, len(capacity) - 1)
            if int(np.sort(capacity)[::-1][failed:].sum()) < self.demand[row]:
                return False
        return True

    def unhelpable(self) -> list[str]:
        """Groups no purchase can give k+1 holders, in words (empty: none)."""
        k, reasons = self.problem.failures, []
        for u, unit in enumerate(self.problem.units):
            if unit.members and self.holders[u] < k + 1 and not self.fits[u].any():
                reasons.append(self._why_no_model(u))
        return reasons

    def _why_no_model(self, u: int) -> str:
        problem, inventory = self.problem, self.problem.inventory
        unit, what = problem.units[u], describe_unit(problem, problem.units[u])
        k = problem.failures
        have = f"the cluster has {self.holders[u]} node(s) that hold it; N+{k} needs {k + 1}"
        if not self.models:
            return f"{what}: {have}, and the catalog has no model for cluster {problem.name!r}"
        for row, label in enumerate(problem.resource_labels):
            need, most = int(problem.weight[u, row]), int(self.model_capacity[row].max())
            if need > most:
                unit_name = _UNITS[row] if row < 2 else label
                return (
                    f"{what} needs {need} {unit_name}; the largest catalog model holds "
                    f"{most} ({have})"
                )
        vcpus = int(inventory.vm_vcpus[list(unit.members)].max())
        if all(m.logical_processors < vcpus for m in self.models):
            return (
                f"{what} needs {vcpus} vCPUs; no catalog model has that many logical "
                f"processors ({have})"
            )
        return f"{what} needs VLAN tagging; no catalog model has it ({have})"


def counting(problem: ClusterProblem, models: Sequence[Model]) -> Counting:
    """The counting conditions of `problem` against `models`."""
    inventory = problem.inventory
    rows = problem.capacity.shape[0]
    capacity = np.array([model_capacity(m) for m in models], dtype=np.int64).reshape(-1, rows).T
    lps = np.array([m.logical_processors for m in models], dtype=np.int64)
    vlan = np.array([m.vlan for m in models], dtype=bool)
    fits = np.zeros((len(problem.units), len(models)), dtype=bool)
    holders = np.zeros(len(problem.units), dtype=np.int64)
    for u, unit in enumerate(problem.units):
        members = list(unit.members)
        if not members:  # an empty LUN free VMs may join: it asks for no node
            holders[u] = problem.failures + 1
            continue
        needs_vlan = bool(inventory.vm_vlan[members].any())
        vcpus = int(inventory.vm_vcpus[members].max())
        weight = problem.weight[u][:, None]
        fits[u] = (lps >= vcpus) & (vlan | ~needs_vlan) & np.all(capacity >= weight, axis=0)
        eligible = list(unit.eligible)
        holds = np.all(problem.capacity[:, eligible] >= weight, axis=0)
        holders[u] = int(holds.sum())
    demand = problem.weight.sum(axis=0).astype(np.int64)
    return Counting(problem, tuple(models), capacity, fits, holders, demand)

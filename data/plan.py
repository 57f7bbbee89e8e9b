"""A plan: where each VM's LUN is and which nodes own it, in failover order."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

import numpy as np

from data.inventory import IntArray

NO_NODE = -1


@dataclass(frozen=True, eq=False)
class Plan:
    """vm_lun[v]: the LUN of VM v; owners[v]: its owners list, padded with NO_NODE.

    owners[v, 0] is where the VM runs; the rest is its failover order.
    """

    vm_lun: IntArray
    owners: IntArray  # vms x width

    def __post_init__(self) -> None:
        vm_lun = np.array(self.vm_lun, dtype=np.int64)  # a private copy, then frozen
        owners = np.array(self.owners, dtype=np.int64)
        if vm_lun.ndim != 1 or owners.ndim != 2:
            raise ValueError("Plan needs vm_lun (vms,) and owners (vms, width)")
        if owners.shape[0] != vm_lun.shape[0]:
            raise ValueError("Plan.owners and Plan.vm_lun disagree on the number of VMs")
        if (vm_lun < NO_NODE).any() or (owners < NO_NODE).any():
            raise ValueError("Plan indices are >= 0, or -1 for none")
        padding = owners == NO_NODE
        if (padding[:, :-1] & ~padding[:, 1:]).any():
            raise ValueError("Plan.owners may hold -1 only as trailing padding")
        vm_lun.flags.writeable = False
        owners.flags.writeable = False
        object.__setattr__(self, "vm_lun", vm_lun)
        object.__setattr__(self, "owners", owners)

    @staticmethod
    def from_lists(vm_lun: list[int], owners: list[list[int]] | list[tuple[int, ...]]) -> Plan:
        width = max((len(o) for o in owners), default=0)
        padded = np.full((len(owners), width), NO_NODE, dtype=np.int64)
        for v, row in enumerate(owners):
            padded[v, : len(row)] = row
        return Plan(np.asarray(vm_lun, dtype=np.int64).reshape(-1), padded)

    def owners_of(self, v: int) -> tuple[int, ...]:
        return tuple(int(n) for n in self.owners[v] if n != NO_NODE)

    @property
    def vm_node(self) -> IntArray:
        return self.owners[:, 0] if self.owners.shape[1] else np.full(len(self.vm_lun), NO_NODE)

    def nodes_used(self) -> int:
        """Distinct nodes named in any owners list (standby failover nodes count)."""
        return int(np.unique(self.owners[self.owners != NO_NODE]).size)

    def equals(self, other: Plan) -> bool:
        return np.array_equal(self.vm_lun, other.vm_lun) and np.array_equal(
            self.owners, other.owners
        )


@dataclass(frozen=True)
class ClusterSummary:
    """The figures plan.json gives per cluster."""

    cluster: str
    status: str  # optimal | feasible
    objective_value: int
    bound: int
    nodes_used: int
    solve_seconds: float
    moves: int = 0  # VMs whose node differs from vms.node


@dataclass(frozen=True)
class PlanSummary:
    """plan.json: how the plan was found and what it scores (MODEL.md "Output")."""

    status: str
    failures: int
    objective: str
    objective_value: int
    bound: int
    nodes_used: int
    solve_seconds: float
    input_sha256: str
    clusters: tuple[ClusterSummary, ...] = field(default_factory=tuple)
    moves: int = 0  # VMs whose node differs from vms.node, over all clusters
    # {"hvplace": ..., "ortools": ...}: a plan is reproducible only with both (absent in
    # plans written before 0.1.0 recorded them, so readers must not require it)
    versions: dict[str, str] = field(default_factory=dict)


def installed_version(distribution: str) -> str:
    """The installed version of a distribution, from its metadata ("unknown" when it is
    not installed, e.g. run from a source tree)."""
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


def software_versions() -> dict[str, str]:
    """What plan.json records as having made the plan (read from metadata, so data/ never
    imports OR-Tools)."""
    return {name: installed_version(name) for name in ("hvplace", "ortools")}

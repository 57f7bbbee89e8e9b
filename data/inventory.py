"""The validated, immutable inventory every other layer works on.

References are integer indices into the name tuples; -1 means "not given".
Arrays are read-only once built; derive variants with `dataclasses.replace`,
which validates again.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

UNLIMITED = -1  # capacity of a LUN made up without a luns table


def vm_overhead_mb(memory_mb: int) -> int:
    """Hyper-V's per-VM memory overhead in MiB (MODEL.md)."""
    return 32 + 8 * (math.ceil(memory_mb / 1024) - 1)


def vm_costs_mb(memory_mb: IntArray) -> IntArray:
    """[m + vm_overhead_mb(m) for m in memory_mb] in one numpy pass (integer ceilings:
    the same values wherever m / 1024 is an exact float, below 2**53)."""
    memory = np.asarray(memory_mb, dtype=np.int64)
    if memory.size and memory.max() >= 2**53:
        return np.array([m + vm_overhead_mb(int(m)) for m in memory], dtype=np.int64)
    return memory + 32 + 8 * (-(-memory // 1024) - 1)


def floor_product(value: float, factor: int) -> int:
    """floor(value * factor) in exact decimal arithmetic (2.3 * 100 is 230, not 229)."""
    return math.floor(Fraction(repr(float(value))) * factor)


def ceil_product(value: float, factor: int) -> int:
    """ceil(value * factor) in exact decimal arithmetic."""
    return math.ceil(Fraction(repr(float(value))) * factor)


# Below 2**20 (GiB) a float times 1024 is exact, and it meets a whole MiB exactly when its
# shortest decimal does: a multiple of 1/1024 there is a float, so a decimal that rounds to
# the value cannot lie across one. Larger or non-finite values take the Fraction path.
_EXACT_BELOW = float(2**20)


def scaled_to_mib(gib: FloatArray, rounding: str) -> IntArray:
    """[ceil_product(g, 1024) or floor_product(g, 1024) for g in gib] ("ceil" or "floor"),
    in one numpy pass where the float product is provably the same integer."""
    values = np.asarray(gib, dtype=np.float64)
    exact = np.isfinite(values) & (np.abs(values) < _EXACT_BELOW)
    scaled = values[exact] * 1024.0
    out = np.empty(values.shape, dtype=np.int64)
    out[exact] = np.ceil(scaled) if rounding == "ceil" else np.floor(scaled)
    one = ceil_product if rounding == "ceil" else floor_product
    out[~exact] = [one(float(v), 1024) for v in values[~exact]]
    return out


@dataclass(frozen=True, eq=False)
class Inventory:
    """Nodes, VMs and LUNs of one or more failover clusters (MODEL.md, units MiB/GiB)."""

    clusters: tuple[str, ...]
    resource_names: tuple[str, ...]  # extra resources, without the res_ prefix
    class_names: tuple[str, ...]  # anti-affinity classes

    node_names: tuple[str, ...]
    node_cluster: IntArray
    node_memory_mb: IntArray
    node_reserve_mb: IntArray
    node_lps: IntArray
    node_vcpu_per_lp: FloatArray
    node_vlan: BoolArray
    node_resources: IntArray  # nodes x resources

    vm_names: tuple[str, ...]
    vm_cluster: IntArray
    vm_memory_mb: IntArray
    vm_vcpus: IntArray
    vm_disk_gb: FloatArray
    vm_lun: IntArray  # -1: the planner chooses a LUN of the luns table
    vm_node: IntArray  # current host, -1 when not given
    vm_vlan: BoolArray
    vm_classes: BoolArray  # vms x classes
    vm_resources: IntArray  # vms x resources

    lun_names: tuple[str, ...]
    lun_cluster: IntArray
    lun_capacity_gb: FloatArray  # UNLIMITED (-1) for LUNs made up without a luns table
    lun_shared: BoolArray
    lun_node: IntArray  # current owner, -1 when not given
    has_lun_table: bool
    # Whether the source said which anti-affinity classes each VM has (an anti_affinity
    # column, Get-ClusterGroup's AntiAffinityClassNames): when not, the apply script must
    # leave the cluster's classes alone rather than clear them.
    classes_known: bool = True

    def __post_init__(self) -> None:
        _validate(self)
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, np.ndarray):
                value.flags.writeable = False

    # sizes ------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return len(self.node_names)

    @property
    def n_vms(self) -> int:
        return len(self.vm_names)

    @property
    def n_luns(self) -> int:
        return len(self.lun_names)

    # integer costs and capacities (MODEL.md "What a VM costs a node") --------
    @cached_property
    def vm_cost_mb(self) -> IntArray:
        """Memory a VM takes on a node: startup memory plus Hyper-V overhead."""
        return _frozen(vm_costs_mb(self.vm_memory_mb))

    @cached_property
    def node_capacity_mb(self) -> IntArray:
        return _frozen(self.node_memory_mb - self.node_reserve_mb)

    @cached_property
    def node_vcpu_capacity(self) -> IntArray:
        pairs = zip(self.node_vcpu_per_lp, self.node_lps, strict=True)
        return _frozen([floor_product(ratio, int(lps)) for ratio, lps in pairs])

    @cached_property
    def vm_disk_mib(self) -> IntArray:
        return _frozen(scaled_to_mib(self.vm_disk_gb, "ceil"))

    @cached_property
    def lun_capacity_mib(self) -> IntArray:
        """LUN capacity in MiB; UNLIMITED (-1) for LUNs made up without a table."""
        capacity = self.lun_capacity_gb
        mib = scaled_to_mib(np.where(capacity < 0, 0.0, capacity), "floor")
        return _frozen(np.where(capacity < 0, UNLIMITED, mib))

    @cached_property
    def eligible(self) -> BoolArray:
        """eligible[v, n]: node n may run VM v (same cluster, VLAN, enough LPs)."""
        same_cluster = self.vm_cluster[:, None] == self.node_cluster[None, :]
        vlan_ok = ~self.vm_vlan[:, None] | self.node_vlan[None, :]
        lps_ok = self.vm_vcpus[:, None] <= self.node_lps[None, :]
        eligible = same_cluster & vlan_ok & lps_ok
        eligible.flags.writeable = False
        return eligible

    def nodes_of(self, cluster: int) -> IntArray:
        return np.flatnonzero(self.node_cluster == cluster)

    def vms_of(self, cluster: int) -> IntArray:
        return np.flatnonzero(self.vm_cluster == cluster)

    def luns_of(self, cluster: int) -> IntArray:
        return np.flatnonzero(self.lun_cluster == cluster)

    def equals(self, other: Inventory) -> bool:
        """Field-by-field equality (numpy arrays break the generated __eq__)."""
        for field in dataclasses.fields(self):
            a, b = getattr(self, field.name), getattr(other, field.name)
            if isinstance(a, np.ndarray):
                if a.shape != b.shape or not np.array_equal(a, b):
                    return False
            elif a != b:
                return False
        return True


def _frozen(values: object) -> IntArray:
    array = np.asarray(values, dtype=np.int64)
    array.flags.writeable = False
    return array


def _validate(inv: Inventory) -> None:
    """Shapes, index ranges and the model's invariants; raises ValueError on a bug."""
    n, v, lun = inv.n_nodes, inv.n_vms, inv.n_luns
    r, c = len(inv.resource_names), len(inv.class_names)
    shapes = {
        "node_cluster": (n,),
        "node_memory_mb": (n,),
        "node_reserve_mb": (n,),
        "node_lps": (n,),
        "node_vcpu_per_lp": (n,),
        "node_vlan": (n,),
        "node_resources": (n, r),
        "vm_cluster": (v,),
        "vm_memory_mb": (v,),
        "vm_vcpus": (v,),
        "vm_disk_gb": (v,),
        "vm_lun": (v,),
        "vm_node": (v,),
        "vm_vlan": (v,),
        "vm_classes": (v, c),
        "vm_resources": (v, r),
        "lun_cluster": (lun,),
        "lun_capacity_gb": (lun,),
        "lun_shared": (lun,),
        "lun_node": (lun,),
    }
    for name, shape in shapes.items():
        if np.shape(getattr(inv, name)) != shape:
            raise ValueError(f"Inventory.{name} has shape {np.shape(getattr(inv, name))}")
    _check_references(inv)
    _check_invariants(inv)


def _check_references(inv: Inventory) -> None:
    n, lun = inv.n_nodes, inv.n_luns
    _check_range("node_cluster", inv.node_cluster, 0, len(inv.clusters))
    _check_range("vm_cluster", inv.vm_cluster, 0, len(inv.clusters))
    _check_range("lun_cluster", inv.lun_cluster, 0, len(inv.clusters))
    _check_range("vm_lun", inv.vm_lun, -1, lun)
    _check_range("vm_node", inv.vm_node, -1, n)
    _check_range("lun_node", inv.lun_node, -1, n)


def _check_invariants(inv: Inventory) -> None:
    for names in ("node_names", "vm_names", "lun_names", "clusters"):
        if len(set(getattr(inv, names))) != len(getattr(inv, names)):
            raise ValueError(f"Inventory.{names} has duplicates")
    if np.any(inv.node_memory_mb <= inv.node_reserve_mb) or np.any(inv.node_reserve_mb < 0):
        raise ValueError("every node needs 0 <= reserve_mb < memory_mb")
    if np.any(inv.vm_memory_mb <= 0) or np.any(inv.vm_vcpus <= 0) or np.any(inv.node_lps <= 0):
        raise ValueError("memory, vCPUs and logical processors must be positive")
    if np.any(inv.vm_resources < 0) or np.any(inv.node_resources < 0):
        raise ValueError("extra resources must be non-negative")
    if np.any(inv.node_vcpu_per_lp <= 0) or np.any(inv.vm_disk_gb < 0):
        raise ValueError("vcpu_per_lp must be positive and disk_gb non-negative")
    if np.any((inv.lun_capacity_gb <= 0) & (inv.lun_capacity_gb != UNLIMITED)):
        raise ValueError("LUN capacities are positive (or UNLIMITED)")
    if not inv.classes_known and inv.class_names:
        raise ValueError("an inventory that knows no classes has no class names")
    if not inv.has_lun_table and np.any(inv.vm_lun < 0):
        raise ValueError("without a luns table every VM has a LUN")
    fixed = inv.vm_lun >= 0
    if np.any(inv.lun_cluster[inv.vm_lun[fixed]] != inv.vm_cluster[fixed]):
        raise ValueError("a VM and its LUN must belong to one cluster")
    placed = inv.vm_node >= 0
    if np.any(inv.node_cluster[inv.vm_node[placed]] != inv.vm_cluster[placed]):
        raise ValueError("a VM and its current node must belong to one cluster")


def _check_range(name: str, values: IntArray, low: int, high: int) -> None:
    if values.size and (values.min() < low or values.max() >= high):
        raise ValueError(f"Inventory.{name} holds an index outside [{low}, {high})")

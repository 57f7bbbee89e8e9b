"""Node models a buyer can add, and the default catalog: a copy of each cluster's largest
node at cost 1 (MODEL.md "Growth")."""

from __future__ import annotations

from dataclasses import dataclass

from data.inventory import Inventory, floor_product


@dataclass(frozen=True)
class Model:
    """One catalog row; `resources` follows the inventory's resource_names."""

    name: str
    memory_mb: int
    logical_processors: int
    reserve_mb: int
    vcpu_per_lp: float
    vlan: bool
    cost: float
    cluster: str = ""  # empty: may be bought for any cluster
    resources: tuple[int, ...] = ()

    @property
    def capacity_mb(self) -> int:
        return self.memory_mb - self.reserve_mb

    @property
    def vcpu_capacity(self) -> int:
        return floor_product(self.vcpu_per_lp, self.logical_processors)

    def allowed_for(self, cluster: str) -> bool:
        return not self.cluster or self.cluster == cluster


@dataclass(frozen=True)
class Catalog:
    models: tuple[Model, ...]
    default: bool = False  # made up from the inventory, not read from a file

    def for_cluster(self, cluster: str) -> tuple[Model, ...]:
        return tuple(m for m in self.models if m.allowed_for(cluster))


def default_catalog(inventory: Inventory) -> Catalog:
    """Per cluster with nodes, its largest node (most memory, then logical processors,
    then the first in table order) as a model named after it, cost 1."""
    models = []
    for c, cluster in enumerate(inventory.clusters):
        nodes = inventory.nodes_of(c)
        if not nodes.size:
            continue
        n = int(min(nodes, key=lambda i: (-inventory.node_memory_mb[i], -inventory.node_lps[i], i)))
        models.append(model_of_node(inventory, n, cluster))
    return Catalog(tuple(models), default=True)


def model_of_node(inventory: Inventory, n: int, cluster: str) -> Model:
    return Model(
        name=inventory.node_names[n],
        memory_mb=int(inventory.node_memory_mb[n]),
        logical_processors=int(inventory.node_lps[n]),
        reserve_mb=int(inventory.node_reserve_mb[n]),
        vcpu_per_lp=float(inventory.node_vcpu_per_lp[n]),
        vlan=bool(inventory.node_vlan[n]),
        cost=1.0,
        cluster=cluster,
        resources=tuple(int(x) for x in inventory.node_resources[n]),
    )

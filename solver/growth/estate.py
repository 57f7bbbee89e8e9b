"""Size every cluster of an estate, splitting those too large for --max-cluster-nodes.

Clusters are sized one after the other on the growing inventory (purchases are
appended nodes, so earlier indices stay valid); each gets a share of the time
left in proportion to its VMs. A cluster that needs more than the node limit is
split into 2, 3, ... parts (data/growth/split.py) until every part fits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from data.growth.catalog import Model
from data.growth.split import split_cluster
from data.inventory import Inventory
from solver.growth.sizing import Outcome, Sizing, size_cluster
from solver.params import Params

MAX_PARTS = 64
ModelsFor = Callable[[str], tuple[Model, ...]]  # original cluster name -> its models


@dataclass(frozen=True)
class Split:
    cluster: str
    parts: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class EstateSizing:
    inventory: Inventory  # splits applied, every purchase added
    sizings: tuple[Sizing, ...]  # one per cluster of `inventory`, in its order
    splits: tuple[Split, ...]


def size_estate(
    inventory: Inventory, models_for: ModelsFor, params: Params, max_nodes: int, deadline: float
) -> EstateSizing:
    grown, found, splits = inventory, {}, []
    weights = [max(1, inventory.vms_of(c).size) for c in range(len(inventory.clusters))]
    for c, name in enumerate(inventory.clusters):
        share = weights[c] / sum(weights[c:])
        until = time.monotonic() + max(0.0, deadline - time.monotonic()) * share
        sizing = size_cluster(grown, c, models_for(name), params, max_nodes, until)
        if sizing.outcome is Outcome.TOO_LARGE:
            parted = _split(grown, c, models_for(name), params, max_nodes, until)
            if parted is not None:
                grown, parts = parted
                found.update(parts)
                splits.append(Split(name, tuple(parts)))
                continue
        found[name] = sizing
        grown = sizing.inventory if sizing.inventory is not None else grown
    ordered = tuple(found[name] for name in grown.clusters)
    return EstateSizing(grown, ordered, tuple(splits))


def _split(
    inventory: Inventory,
    cluster: int,
    models: tuple[Model, ...],
    params: Params,
    max_nodes: int,
    deadline: float,
) -> tuple[Inventory, dict[str, Sizing]] | None:
    """The fewest parts whose every part can be sized within the limit, or None."""
    for parts in range(2, MAX_PARTS + 1):
        if time.monotonic() > deadline:
            return None
        grown = split_cluster(inventory, cluster, parts)
        indices = [cluster, *range(len(inventory.clusters), len(grown.clusters))]
        sized: dict[str, Sizing] = {}
        for i, c in enumerate(indices):
            until = time.monotonic() + max(0.0, deadline - time.monotonic()) / (parts - i)
            sizing = size_cluster(grown, c, models, params, max_nodes, until)
            if sizing.outcome is Outcome.TOO_LARGE:
                break
            sized[grown.clusters[c]] = sizing
            grown = sizing.inventory if sizing.inventory is not None else grown
        else:
            return grown, sized
    return None

"""The benchmark sections: which instances run, at which size, k, seed and time limit.

Sizes and limits are the protocol (benchmarks/README.md): single clusters of 100,
1,000 and 8,000 VMs on 8, 16 and 64 nodes at k = 1 and 2 (10, 30 and 60 s); fleets
of 10,000 and 100,000 VMs in clusters of 8 nodes and 100 VMs at k = 1 (30 and 60
s); the vector bin packing classes at k = 0 (10 s); and 16-node clusters of 400 VMs
with ~60% of them on exclusive LUNs of 5-20 VMs at k = 1 and 2 (20 s). The naive
model runs in the single and large-LUN sections only (where it fits: methods.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from data.inventory import Inventory
from data.synth.fleet import fleet_inventory, generate_fleet

SEEDS = (0, 1, 2)
SINGLE = ((8, 100, 10.0), (16, 1000, 30.0), (64, 8000, 60.0))  # nodes, VMs, limit
SINGLE_QUICK = ((8, 100, 5.0),)
FLEETS = ((100, 30.0), (1000, 60.0))  # clusters of FLEET_NODES x FLEET_VMS, limit
FLEETS_QUICK = ((10, 5.0),)
FLEET_NODES, FLEET_VMS = 8, 100
LARGE_LUNS = (16, 400, 20.0)
LARGE_LUNS_QUICK = (8, 100, 5.0)
LUN_VMS = (5, 20)
VBP = {"classes": (1, 4, 7, 9, 10), "dims": (3, 5), "items": (120, 240)}  # vbp.py's 20
VBP_QUICK = {"classes": (1,), "dims": (3,), "items": (120,)}
VBP_LIMIT, VBP_LIMIT_QUICK = 10.0, 3.0


@dataclass(frozen=True)
class Instance:
    """One inventory to run every method on. `vbp` holds a benchmarks/vbp.py VbpInstance
    (its inventory and proven lower bound) for the vbp section."""

    section: str
    name: str
    clusters: int
    nodes: int  # per cluster
    vms: int  # per cluster
    failures: int
    seed: int
    time_limit: float
    lun_vms: tuple[int, int] | None = None
    vbp: Any = None

    def inventory(self) -> Inventory:
        if self.vbp is not None:
            inventory: Inventory = self.vbp.inventory
            return inventory
        fleet = generate_fleet(
            self.clusters,
            self.nodes,
            self.vms,
            self.seed,
            failures=self.failures,
            lun_vms=self.lun_vms,
        )
        return fleet_inventory(fleet)

    def known_bound(self) -> int:
        """A lower bound on nodes the instance brings (VBP's published one), else 0."""
        return int(self.vbp.bound) if self.vbp is not None else 0


def single(quick: bool, seeds: tuple[int, ...]) -> list[Instance]:
    grid = SINGLE_QUICK if quick else SINGLE
    ks = (1,) if quick else (1, 2)
    return [
        Instance("single", f"1x{n}n-{v}vm-k{k}-s{s}", 1, n, v, k, s, limit)
        for n, v, limit in grid
        for k in ks
        for s in seeds
    ]


def fleet(quick: bool, seeds: tuple[int, ...]) -> list[Instance]:
    grid = FLEETS_QUICK if quick else FLEETS
    return [
        Instance(
            "fleet",
            f"{c}x{FLEET_NODES}n-{c * FLEET_VMS}vm-k1-s{s}",
            c,
            FLEET_NODES,
            FLEET_VMS,
            1,
            s,
            limit,
        )
        for c, limit in grid
        for s in seeds
    ]


def large_luns(quick: bool, seeds: tuple[int, ...]) -> list[Instance]:
    n, v, limit = LARGE_LUNS_QUICK if quick else LARGE_LUNS
    ks = (1,) if quick else (1, 2)
    return [
        Instance("large-luns", f"1x{n}n-{v}vm-luns5-20-k{k}-s{s}", 1, n, v, k, s, limit, LUN_VMS)
        for k in ks
        for s in seeds
    ]


def vbp(quick: bool, seeds: tuple[int, ...]) -> list[Instance]:
    """benchmarks/vbp.py's instances, one draw per seed (60 at 3 seeds, ~11 minutes),
    imported only here so that the other sections run without its module."""
    try:
        from vbp import vbp_instances  # type: ignore[import-not-found]
    except ImportError:
        print("benchmarks/vbp.py is not there: the vbp section is skipped", file=sys.stderr)
        return []
    grid, limit = (VBP_QUICK, VBP_LIMIT_QUICK) if quick else (VBP, VBP_LIMIT)
    out = []
    for s in seeds:
        for item in vbp_instances(grid["classes"], grid["dims"], grid["items"], [s]):
            out.append(
                Instance(
                    "vbp",
                    item.name,  # it names its seed already
                    1,
                    item.inventory.n_nodes,
                    item.n,
                    0,
                    s,
                    limit,
                    vbp=item,
                )
            )
    return out


NAIVE_SECTIONS = ("single", "large-luns")  # N+k clusters; fleets and k = 0 are not its point

SECTIONS: dict[str, Callable[[bool, tuple[int, ...]], list[Instance]]] = {
    "single": single,
    "fleet": fleet,
    "vbp": vbp,
    "large-luns": large_luns,
}

"""How much of `--time-limit` the solve may use: the limit bounds the whole `plan`
command (issue 9), and what comes after the solve (certifying the plan on every
failure set, ordering and replaying its moves, writing and showing it) grows with
the inventory, so its estimate is kept back from the solve before it starts.

The estimate is linear in what those steps walk over: VMs (each may move), nodes
and clusters (per-node rows, per-cluster passes), and VM-failure-set pairs (the
checker runs every VM of a cluster under each of its failure sets). The constants
were measured on the 2-core benchmark machine under load (benchmarks/time_limit.py:
1,000 x 8/100 at N+1, 64/8000 at N+2, 157 x 64/200) and are kept on the high side;
an inventory of a few hundred VMs loses milliseconds. The estimate depends on the
inventory's size alone, so the same inputs and options give the same solve limit
and, with --workers 1, the same plan.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from math import comb

import numpy as np

from data.inventory import Inventory

MARGIN = 1.25  # the estimate is a measurement on one machine: keep a quarter more
FLOOR = 0.2  # the solve keeps at least this share of the limit, whatever the size


@dataclass(frozen=True)
class AfterSolve:
    """Seconds per unit of each step after the solve (certify, order, write, show)."""

    # Fitted to CPU seconds (gc paused, as plan runs them) at load 4-5, 2026-12-02:
    # 1,000 x 8/100 N+1: certify 1.2, order 6.2, write 2.1, show (json) 2.9 = 12.4 s;
    # 157 x 64/200 N+1: certify 0.4, order 2.3, write 0.8, show (json) 1.4 = 4.9 s;
    # 64/8000 N+2: certify 2.2 s for 16.6M VM-failure-set pairs.
    base: float = 0.01
    per_vm: float = 100e-6  # most of it the move order and its replay: 70% of VMs moved
    per_node: float = 175e-6
    per_cluster: float = 1e-3
    per_vm_set: float = 0.15e-6  # one VM under one failure set of its cluster, certified

    def seconds(self, inventory: Inventory, failures: int) -> float:
        """The estimate for this inventory at N+`failures`."""
        return (
            self.base
            + self.per_vm * inventory.n_vms
            + self.per_node * inventory.n_nodes
            + self.per_cluster * len(inventory.clusters)
            + self.per_vm_set * vm_failure_sets(inventory, failures)
        )


def vm_failure_sets(inventory: Inventory, failures: int) -> int:
    """Sum over clusters of (VMs) x (failure sets of at most `failures` of its nodes)."""
    clusters = len(inventory.clusters)
    nodes = np.bincount(inventory.node_cluster, minlength=clusters).tolist()
    vms = np.bincount(inventory.vm_cluster, minlength=clusters).tolist()
    return sum(
        v * sum(comb(m, j) for j in range(min(failures, m) + 1))
        for m, v in zip(nodes, vms, strict=True)
    )


def solve_limit(
    time_limit: float, inventory: Inventory, failures: int, after: AfterSolve | None = None
) -> float:
    """The seconds the solve may use out of `time_limit`: the limit less the estimate of
    what follows it (with MARGIN), but never less than FLOOR of the limit."""
    reserve = MARGIN * (after or AfterSolve()).seconds(inventory, failures)
    return max(time_limit - reserve, FLOOR * time_limit)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: the work after the solve makes a few objects
    per VM and move, none of them in cycles, and at 100,000 VMs the collector's repeated
    passes over them were half its time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()

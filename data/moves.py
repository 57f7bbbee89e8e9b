"""A move order: how to get from today's placement (vms.node, luns.node) to a plan's.

One `Move` is one row of moves.csv (MODEL.md "Output"). Replay semantics, shared
by the sequencer, the checker's replay, the apply script and the report:
- steps run in order 1, 2, ...; at step s the group leaves `source`;
- a group that is not parked starts on `target` within the same step;
- a parked group is saved to disk at its step and uses no node until the step
  named in `resume_step` is done, when it starts on `target`;
- after every step (resumes included) every node is within its memory, CPU and
  extra-resource limits with no failure, and a node over its limits at the start
  never gains load until it is within them.
A group is an exclusive LUN with all its VMs (quick migration: the VMs restart)
or one VM on a shared LUN (live migration: no restart).
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

import numpy as np

from data.inventory import Inventory
from data.plan import Plan

QUICK = "quick"
LIVE = "live"


@dataclass(frozen=True)
class Move:
    """One step of a move order; nodes and VMs are inventory indices."""

    step: int  # 1, 2, ...
    group: str  # the exclusive LUN's name, or the VM's name for a VM on a shared LUN
    vms: tuple[int, ...]  # the group's VMs, ascending
    source: int  # node the group leaves
    target: int  # node the group starts on (at `resume_step` when parked)
    live: bool  # live migration (a VM on a shared LUN) or quick (restarts the VMs)
    parked: bool = False
    resume_step: int | None = None  # parked only: the step after which it starts

    def __post_init__(self) -> None:
        if self.step < 1:
            raise ValueError(f"steps count from 1, not {self.step}")
        if self.parked != (self.resume_step is not None):
            raise ValueError("a parked move names its resume_step, and only a parked one")
        if self.resume_step is not None and self.resume_step <= self.step:
            raise ValueError("a parked group resumes at a later step")
        if self.source == self.target and not self.parked:
            raise ValueError("a move changes the group's node")

    @property
    def migration(self) -> str:
        return LIVE if self.live else QUICK


def failover_groups(
    inventory: Inventory, plan: Plan
) -> list[tuple[str, tuple[int, ...], bool, int]]:
    """(name, VMs, live, LUN) of every failover group of a plan, sorted by name: an
    exclusive LUN with its VMs (moved by quick migration), or a VM on a shared LUN (live)."""
    luns = plan.vm_lun
    on_table = (luns >= 0) & (luns < inventory.n_luns)
    exclusive = on_table.copy()
    exclusive[on_table] = ~inventory.lun_shared[luns[on_table]]
    names, lun_of = inventory.vm_names, luns.tolist()
    groups = [(names[v], (v,), True, lun_of[v]) for v in np.flatnonzero(~exclusive).tolist()]
    held = np.flatnonzero(exclusive)  # ascending, so each LUN's VMs stay ascending
    order = held[np.argsort(luns[held], kind="stable")]
    bounds = [*np.flatnonzero(np.diff(luns[order], prepend=-1)).tolist(), len(order)]
    ordered = order.tolist()
    for first, end in itertools.pairwise(bounds):  # one run per LUN
        lun = lun_of[ordered[first]]
        groups.append((inventory.lun_names[lun], tuple(ordered[first:end]), False, lun))
    return sorted(groups)


def group_node_today(inventory: Inventory, vms: tuple[int, ...], lun: int) -> int:
    """Where an exclusive LUN's group runs today: the node most of its VMs name in
    vms.node (ties: the lowest index), else the LUN's luns.node; -1 when neither is given."""
    named = Counter(int(inventory.vm_node[v]) for v in vms if inventory.vm_node[v] >= 0)
    if not named:
        return int(inventory.lun_node[lun]) if lun >= 0 else -1
    most = max(named.values())
    return min(n for n, count in named.items() if count == most)

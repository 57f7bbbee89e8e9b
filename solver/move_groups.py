"""The failover groups a move order moves, and where they are today (solver/sequencing.py).

Where things are today (the start of the replay), as the checker also reads it:
- a VM with a vms.node runs there;
- a VM on an exclusive LUN without a vms.node runs where its LUN's group is: the node
  holding most of the group's VMs that name one (ties: the lowest node index), else
  luns.node; a group with neither, like a VM on a shared LUN without a vms.node, is
  not running: it is not moved and starts on its planned node after the last step.
A group needs a move when one of its running VMs is not on its planned node. Its
move leaves every node its VMs run on, so the VMs of an exclusive LUN that today
run on different nodes end up together.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from data.inventory import Inventory
from data.moves import failover_groups, group_node_today
from data.plan import Plan

Vector = tuple[int, ...]


@dataclass(eq=False)
class Group:
    """One failover group on its way: where its running VMs are, and where it goes."""

    name: str
    vms: tuple[int, ...]
    live: bool
    load: Vector
    at: dict[int, tuple[Vector, int]]  # node -> (load, VM count) of its VMs running there
    target: int
    vlan: bool
    vcpus: int  # the most vCPUs of any of its VMs
    hopped: bool = False
    slot: tuple[int, int] = (-1, -1)  # (tier, index) in its target's incoming lists
    parked_row: int = -1


class Incoming:
    """The groups bound for one node, ascending by the memory they add there; the live
    entry at or below a bound is found and removed in near-constant time."""

    def __init__(self, entries: list[tuple[int, Group]]) -> None:
        entries.sort(key=lambda e: e[0])
        self.keys = [k for k, _ in entries]
        self.groups = [g for _, g in entries]
        self._down = list(range(len(entries) + 1))  # slot i + 1 is entry i; 0: none
        self._first = 0  # no live entry below it

    def _slot(self, i: int) -> int:
        root = i
        while self._down[root] != root:
            root = self._down[root]
        while self._down[i] != root:
            self._down[i], i = root, self._down[i]
        return root

    def largest(self, free_mb: int, below: int) -> int:
        """The live entry with key <= free_mb and index < below that is largest, or -1."""
        return self._slot(min(bisect.bisect_right(self.keys, free_mb), below)) - 1

    def remove(self, i: int) -> None:
        self._down[i + 1] = i

    def smallest(self) -> int:
        """The live entry with the smallest key, or -1."""
        while self._first < len(self.keys) and self._slot(self._first + 1) != self._first + 1:
            self._first += 1
        return self._first if self._first < len(self.keys) else -1


Listed = list[tuple[str, tuple[int, ...], bool, int]]  # data.moves.failover_groups


def start_nodes(inventory: Inventory, plan: Plan, listed: Listed | None = None) -> list[int]:
    """Where each VM runs at the start of the replay (-1: not running); `listed` is
    failover_groups(inventory, plan) when the caller has it already."""
    start: list[int] = inventory.vm_node.tolist()
    for _, vms, live, lun in failover_groups(inventory, plan) if listed is None else listed:
        if not live and any(start[v] < 0 for v in vms):
            node = group_node_today(inventory, vms, lun)
            for v in vms:
                start[v] = start[v] if start[v] >= 0 else node
    return start


def build_groups(
    inventory: Inventory,
    plan: Plan,
    start: list[int],
    vm_load: list[Vector],
    listed: Listed | None = None,
) -> list[Group]:
    """Every group of the plan, with the load of its VMs on each node they run on today."""
    vlan, vcpus = inventory.vm_vlan.tolist(), inventory.vm_vcpus.tolist()
    target = plan.vm_node.tolist()
    groups = []
    for name, vms, live, _ in failover_groups(inventory, plan) if listed is None else listed:
        if len(vms) == 1:  # most groups: their load is their VM's
            v = vms[0]
            here = {start[v]: (vm_load[v], 1)} if start[v] >= 0 else {}
            groups.append(Group(name, vms, live, vm_load[v], here, target[v], vlan[v], vcpus[v]))
            continue
        at: dict[int, tuple[Vector, int]] = {}
        zero = (0,) * len(vm_load[0])
        for v in vms:
            if start[v] >= 0:
                load, count = at.get(start[v], (zero, 0))
                at[start[v]] = (add(load, vm_load[v]), count + 1)
        total = zero
        for v in vms:
            total = add(total, vm_load[v])
        top = max(vcpus[v] for v in vms)
        hot = any(vlan[v] for v in vms)
        groups.append(Group(name, vms, live, total, at, target[vms[0]], hot, top))
    return groups


def add(a: Vector, b: Vector) -> Vector:
    return tuple(x + y for x, y in zip(a, b, strict=True))

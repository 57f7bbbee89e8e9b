"""The checker's anti-affinity rule (MODEL.md "Failover groups and owners"), on its own
because it is the one rule that reads both the failure sets and the class table.

Windows skips a preferred owner that hosts a group of the same class unless every
available node does, so the rule is checked under every failure set, with the
class exempt where fewer nodes survive than it has VMs.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from data.check.loads import cluster_rows, cluster_runs, valid_owners
from data.check.violation import Violation
from data.inventory import IntArray, Inventory
from data.plan import NO_NODE, Plan
from data.rules import Rule


def _node(inventory: Inventory, n: int) -> str:
    return inventory.node_names[n] if 0 <= n < inventory.n_nodes else f"#{n}"


def check_anti_affinity(inventory: Inventory, plan: Plan, failures: int) -> Iterator[Violation]:
    """ANTI_AFFINITY, as Windows picks failover targets: under every failure set F of at
    most k nodes of a cluster (the empty set included), a class with at most E - |F| VMs
    in that cluster runs on pairwise different nodes (with fewer survivors it is exempt
    under F); and no two VMs of one class fixed on one exclusive LUN."""
    member_vm, member_class = np.nonzero(inventory.vm_classes)  # one (VM, class) per member
    yield from _class_pairs_on_one_lun(inventory, member_vm, member_class)
    owners = valid_owners(inventory, plan)
    n_clusters = len(inventory.clusters)
    members_of = cluster_rows(inventory.vm_cluster[member_vm], n_clusters)
    sizes = np.bincount(inventory.node_cluster, minlength=n_clusters)
    for cluster, failed, rows, runner in cluster_runs(inventory, owners, failures):
        members = members_of[cluster]
        if not members.size:
            continue
        vms, classes = member_vm[members], member_class[members]
        where = runner[np.searchsorted(rows, vms)]
        yield from _together(
            inventory, vms, classes, where, int(sizes[cluster]) - len(failed), failed
        )


def _together(
    inventory: Inventory,
    vms: IntArray,
    classes: IntArray,
    where: IntArray,
    survivors: int,
    failed: tuple[int, ...],
) -> Iterator[Violation]:
    """The classes (of at most `survivors` VMs) two of whose members run on one node."""
    in_class = np.bincount(classes, minlength=len(inventory.class_names))
    placed = (where != NO_NODE) & (in_class[classes] <= survivors)
    by_pair: dict[tuple[int, int], list[str]] = {}
    for v, c, n in zip(vms[placed], classes[placed], where[placed], strict=True):
        by_pair.setdefault((int(c), int(n)), []).append(inventory.vm_names[v])
    failed_names = tuple(_node(inventory, n) for n in failed)
    for (c, n), names in sorted(by_pair.items()):
        if len(names) > 1:
            detail = f"{', '.join(map(repr, names))} run together on node " + repr(
                _node(inventory, n)
            )
            yield Violation(
                Rule.ANTI_AFFINITY, f"class {inventory.class_names[c]!r}", failed_names, detail
            )


def _class_pairs_on_one_lun(
    inventory: Inventory, member_vm: IntArray, member_class: IntArray
) -> Iterator[Violation]:
    """Two VMs of one class fixed on one exclusive LUN always run together: no plan."""
    by_lun: dict[tuple[int, int], list[str]] = {}
    for v, c in zip(member_vm, member_class, strict=True):
        lun = int(inventory.vm_lun[v])
        if lun >= 0 and not inventory.lun_shared[lun]:
            by_lun.setdefault((int(c), lun), []).append(inventory.vm_names[v])
    for (c, lun), vms in sorted(by_lun.items()):
        if len(vms) > 1:
            detail = (
                f"{', '.join(map(repr, vms))} are fixed on one exclusive LUN "
                f"{inventory.lun_names[lun]!r}"
            )
            yield Violation(Rule.ANTI_AFFINITY, f"class {inventory.class_names[c]!r}", (), detail)

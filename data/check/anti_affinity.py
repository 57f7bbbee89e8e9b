"""The checker's anti-affinity rule (MODEL.md "Failover groups and owners"), on its own
because it is the one rule that reads both the failure sets and the class table.

Windows skips a preferred owner that hosts a group of the same class unless every
available node does, so the rule is checked under every failure set, with the
class exempt where fewer nodes survive than it has VMs.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from data.check.loads import valid_owners
from data.check.positions import Position, cluster_sizes, largest_first, position_runs, prefix
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
    sizes = cluster_sizes(inventory)
    cluster_of = inventory.vm_cluster[member_vm]
    _, same, counts = np.unique(
        cluster_of * len(inventory.class_names) + member_class,
        return_inverse=True,
        return_counts=True,
    )
    in_class = counts[same.reshape(-1)]  # members of the class in the member's cluster
    order, ordered = largest_first(cluster_of, sizes)
    where = np.full(inventory.n_vms, NO_NODE, dtype=np.int64)
    for position in position_runs(inventory, owners, failures):
        members = order[: prefix(ordered, position.need)]
        where[position.rows] = position.runner
        survivors = sizes[cluster_of[members]] - len(position.places)
        runs = where[member_vm[members]]
        placed = (runs != NO_NODE) & (in_class[members] <= survivors)
        kept = members[placed]
        yield from _together(inventory, member_vm[kept], member_class[kept], runs[placed], position)
        where[position.rows] = NO_NODE


def _together(
    inventory: Inventory,
    vms: IntArray,
    classes: IntArray,
    where: IntArray,
    position: Position,
) -> Iterator[Violation]:
    """The (class, node) pairs that two or more of the members run on."""
    pair = classes * inventory.n_nodes + where
    order = np.argsort(pair, kind="stable")  # members of a pair keep their order
    keys, start, count = np.unique(pair[order], return_index=True, return_counts=True)
    for key, first, many in zip(keys, start, count, strict=True):
        if many < 2:
            continue
        c, n = divmod(int(key), inventory.n_nodes)
        names = [inventory.vm_names[v] for v in vms[order[first : first + many]]]
        failed = position.failed(int(inventory.node_cluster[n]))
        detail = f"{', '.join(map(repr, names))} run together on node " + repr(_node(inventory, n))
        yield Violation(
            Rule.ANTI_AFFINITY,
            f"class {inventory.class_names[c]!r}",
            tuple(_node(inventory, f) for f in failed),
            detail,
        )


def _class_pairs_on_one_lun(
    inventory: Inventory, member_vm: IntArray, member_class: IntArray
) -> Iterator[Violation]:
    """Two VMs of one class fixed on one exclusive LUN always run together: no plan."""
    lun = inventory.vm_lun[member_vm]
    fixed = lun >= 0
    fixed[fixed] = ~inventory.lun_shared[lun[fixed]]  # on an exclusive LUN
    by_lun: dict[tuple[int, int], list[str]] = {}
    for v, c, on in zip(member_vm[fixed], member_class[fixed], lun[fixed], strict=True):
        by_lun.setdefault((int(c), int(on)), []).append(inventory.vm_names[v])
    for (c, on), vms in sorted(by_lun.items()):
        if len(vms) > 1:
            detail = (
                f"{', '.join(map(repr, vms))} are fixed on one exclusive LUN "
                f"{inventory.lun_names[on]!r}"
            )
            yield Violation(Rule.ANTI_AFFINITY, f"class {inventory.class_names[c]!r}", (), detail)

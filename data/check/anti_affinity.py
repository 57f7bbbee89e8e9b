"""The checker's anti-affinity rule (MODEL.md "Failover groups and owners"), on its own
because it is the one rule that reads both the failure sets and the class table.

Windows skips a preferred owner that hosts a group of the same class unless every
available node does, so the rule is checked under every failure set, with the
class exempt where fewer nodes survive than it has VMs.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from data.check.loads import down_mask, failure_sets, runners, valid_owners
from data.check.violation import Violation
from data.inventory import Inventory
from data.plan import NO_NODE, Plan
from data.rules import Rule


def _node(inventory: Inventory, n: int) -> str:
    return inventory.node_names[n] if 0 <= n < inventory.n_nodes else f"#{n}"


def check_anti_affinity(inventory: Inventory, plan: Plan, failures: int) -> Iterator[Violation]:
    """ANTI_AFFINITY, as Windows picks failover targets: under every failure set F of at
    most k nodes of a cluster (the empty set included), a class with at most E - |F| VMs
    in that cluster runs on pairwise different nodes (with fewer survivors it is exempt
    under F); and no two VMs of one class are fixed on one exclusive LUN."""
    yield from _class_pairs_on_one_lun(inventory)
    owners = valid_owners(inventory, plan)
    for cluster, failed in failure_sets(inventory, failures):
        survivors = len(inventory.nodes_of(cluster)) - len(failed)
        runner = runners(owners, down_mask(inventory.n_nodes, failed))
        in_cluster = inventory.vm_cluster == cluster
        failed_names = tuple(_node(inventory, n) for n in failed)
        for c, name in enumerate(inventory.class_names):
            members = np.flatnonzero(inventory.vm_classes[:, c] & in_cluster)
            if len(members) > survivors:
                continue  # Windows ignores the class when every node already hosts one
            by_node: dict[int, list[str]] = {}
            for v in members:
                if runner[v] != NO_NODE:
                    by_node.setdefault(int(runner[v]), []).append(inventory.vm_names[v])
            for n, vms in sorted(by_node.items()):
                if len(vms) > 1:
                    detail = f"{', '.join(map(repr, vms))} run together on node " + repr(
                        _node(inventory, n)
                    )
                    yield Violation(Rule.ANTI_AFFINITY, f"class {name!r}", failed_names, detail)


def _class_pairs_on_one_lun(inventory: Inventory) -> Iterator[Violation]:
    """Two VMs of one class fixed on one exclusive LUN always run together: no plan."""
    for c, name in enumerate(inventory.class_names):
        by_lun: dict[int, list[str]] = {}
        for v in np.flatnonzero(inventory.vm_classes[:, c]):
            lun = int(inventory.vm_lun[v])
            if lun >= 0 and not inventory.lun_shared[lun]:
                by_lun.setdefault(lun, []).append(inventory.vm_names[v])
        for lun, vms in sorted(by_lun.items()):
            if len(vms) > 1:
                detail = (
                    f"{', '.join(map(repr, vms))} are fixed on one exclusive LUN "
                    f"{inventory.lun_names[lun]!r}"
                )
                yield Violation(Rule.ANTI_AFFINITY, f"class {name!r}", (), detail)

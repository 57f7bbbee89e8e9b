"""Drop the bought nodes a plan leaves unused: the plan stays valid without them.

A node named in no owners list carries nothing under any failure set, and with
fewer nodes anti-affinity asks less (a class is exempt once it has more VMs
than nodes are left), so the same plan holds on the cluster without it. The
first-fit greedy packs groups onto the first nodes, so a purchase it passes
often holds nodes it never used: the purchase it really needs is cheaper.
"""

from __future__ import annotations

from collections.abc import Sequence

from data.growth.catalog import Model
from data.growth.nodes import purchase_nodes

Witness = dict[str, tuple[str, tuple[str, ...]]]  # vm -> (LUN, owners), by name


def trimmed(
    cluster: str, models: Sequence[Model], counts: Sequence[int], witness: Witness
) -> tuple[tuple[int, ...], Witness]:
    """The counts of the bought nodes the plan uses, and the plan with them renamed to
    the names that purchase gives (NN counting from 01 again)."""
    used = {node for _, owners in witness.values() for node in owners}
    bought = purchase_nodes(cluster, models, counts)
    kept = [(name, model) for name, model in bought if name in used]
    new_counts = tuple(sum(1 for _, m in kept if m is model) for model in models)
    renamed = purchase_nodes(cluster, models, new_counts)
    rename = {old: new for (old, _), (new, _) in zip(kept, renamed, strict=True)}
    plan = {
        vm: (lun, tuple(rename.get(node, node) for node in owners))
        for vm, (lun, owners) in witness.items()
    }
    return new_counts, plan

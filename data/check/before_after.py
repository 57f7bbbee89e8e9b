"""Today against the plan: each node's memory on the current placement (vms.node), the
moves a plan makes, and the downtime each costs (data/moves.py's Move).

The report shows these beside the plan's loads; a plan's moves.csv gives the safe
order, `implied_moves` only the moves themselves, for a plan without one.
"""

from __future__ import annotations

from data.check.loads import node_totals, vm_loads
from data.check.metrics import natural_key
from data.inventory import IntArray, Inventory
from data.moves import Move
from data.plan import NO_NODE, Plan


def memory_before(inventory: Inventory) -> IntArray:
    """Per node, the memory (MiB incl. overhead) of the VMs whose vms.node names it."""
    memory = vm_loads(inventory)[:, :1]
    return node_totals(inventory.n_nodes, memory, inventory.vm_node)[:, 0]


def restart_mb(inventory: Inventory, move: Move) -> int:
    """Memory restarted by a move: its VMs' memory_mb under quick migration, 0 when live."""
    if move.live:
        return 0
    return int(sum(int(inventory.vm_memory_mb[v]) for v in move.vms))


def implied_moves(inventory: Inventory, plan: Plan) -> tuple[Move, ...]:
    """One Move per group whose current node (its VMs' vms.node, else luns.node) differs
    from the plan's, numbered in natural order of the group names: what changes, with
    no claim that this order is safe."""
    found = []
    for group, vms, live in _groups(inventory, plan):
        known = [int(inventory.vm_node[v]) for v in vms if inventory.vm_node[v] != NO_NODE]
        lun = int(plan.vm_lun[vms[0]])
        source = known[0] if known else int(inventory.lun_node[lun])
        target = int(plan.vm_node[vms[0]])
        if NO_NODE not in (source, target) and source != target:
            found.append((natural_key(group), group, vms, source, target, live))
    found.sort()
    return tuple(
        Move(step, group, vms, source, target, live)
        for step, (_, group, vms, source, target, live) in enumerate(found, start=1)
    )


def _groups(inventory: Inventory, plan: Plan) -> list[tuple[str, tuple[int, ...], bool]]:
    """(name, VMs ascending, on a shared LUN) of each failover group of the plan."""
    groups: dict[tuple[str, bool], list[int]] = {}
    for v in range(inventory.n_vms):
        lun = int(plan.vm_lun[v])
        if lun == NO_NODE:
            continue
        shared = bool(inventory.lun_shared[lun])
        name = inventory.vm_names[v] if shared else inventory.lun_names[lun]
        groups.setdefault((name, shared), []).append(v)
    return [(name, tuple(vms), shared) for (name, shared), vms in groups.items()]

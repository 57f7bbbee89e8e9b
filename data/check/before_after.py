"""Today against the plan: each node's memory on the current placement (vms.node), the
moves a plan makes, and the downtime each costs (data/moves.py's Move).

The report shows these beside the plan's loads, in the order of the plan's moves.
"""

from __future__ import annotations

from data.check.loads import node_totals, vm_loads
from data.inventory import IntArray, Inventory
from data.moves import Move


def memory_before(inventory: Inventory) -> IntArray:
    """Per node, the memory (MiB incl. overhead) of the VMs whose vms.node names it."""
    memory = vm_loads(inventory)[:, :1]
    return node_totals(inventory.n_nodes, memory, inventory.vm_node)[:, 0]


def restart_mb(inventory: Inventory, move: Move) -> int:
    """Memory restarted by a move: its VMs' memory_mb under quick migration, 0 when live."""
    if move.live:
        return 0
    return int(sum(int(inventory.vm_memory_mb[v]) for v in move.vms))
